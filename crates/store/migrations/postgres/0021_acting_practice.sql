-- The practice a session acts in, when its person has roles in several and
-- chose one (NULL: the first by name). A choice changes what the session
-- stands for, so it moves the identity version like signing out does.
ALTER TABLE sessions ADD COLUMN acting_practice_id UUID REFERENCES practices (id);

CREATE TRIGGER identity_version_session_practice AFTER UPDATE OF acting_practice_id ON sessions
    FOR EACH STATEMENT EXECUTE FUNCTION bump_identity_version();
