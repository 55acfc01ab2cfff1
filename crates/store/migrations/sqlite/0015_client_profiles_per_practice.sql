-- A client's details belong to the practice they told them to: one row per
-- practice and client, with its own id (what the encryption binds). Existing
-- rows take the client's id as theirs, so their ciphertexts still open.
-- SQLite cannot change a primary key in place: rebuild the table.
CREATE TABLE client_profiles_rebuilt (
    id BLOB PRIMARY KEY,
    user_id BLOB NOT NULL REFERENCES users (id),
    practice_id BLOB NOT NULL REFERENCES practices (id),
    contact_preferences BLOB,
    updated_at INTEGER NOT NULL
);
INSERT INTO client_profiles_rebuilt (id, user_id, practice_id, contact_preferences, updated_at)
    SELECT user_id, user_id, practice_id, contact_preferences, updated_at FROM client_profiles;
DROP TABLE client_profiles;
ALTER TABLE client_profiles_rebuilt RENAME TO client_profiles;
CREATE UNIQUE INDEX client_profiles_practice_client ON client_profiles (practice_id, user_id);
