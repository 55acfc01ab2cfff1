-- A client's details belong to the practice they told them to: one row per
-- practice and client, with its own id (what the encryption binds). Existing
-- rows take the client's id as theirs, so their ciphertexts still open.
ALTER TABLE client_profiles ADD COLUMN id UUID;
UPDATE client_profiles SET id = user_id;
ALTER TABLE client_profiles ALTER COLUMN id SET NOT NULL;
ALTER TABLE client_profiles DROP CONSTRAINT client_profiles_pkey;
ALTER TABLE client_profiles ADD PRIMARY KEY (id);
CREATE UNIQUE INDEX client_profiles_practice_client ON client_profiles (practice_id, user_id);
