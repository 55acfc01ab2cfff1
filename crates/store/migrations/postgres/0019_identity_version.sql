-- Who is signed in, as whom, with which roles, may be kept in an app
-- server's memory between requests. Every change that could alter what a
-- session stands for (signing out, passing the second step, an account's
-- name, password or disabling, a role given or ended, a practice's name or
-- zone) increases this version in the changing transaction, so a server
-- that reads the version before trusting what it kept never acts on a
-- session that has ended. Triggers, so no write path can forget; once per
-- statement, so deleting many sessions is one increase.
INSERT INTO meta (key, value) VALUES ('identity_version', '1') ON CONFLICT (key) DO NOTHING;

CREATE FUNCTION bump_identity_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE meta SET value = CAST(CAST(value AS BIGINT) + 1 AS TEXT) WHERE key = 'identity_version';
    RETURN NULL;
END;
$$;

CREATE TRIGGER identity_version_sessions AFTER DELETE OR UPDATE OF mfa_verified_at ON sessions
    FOR EACH STATEMENT EXECUTE FUNCTION bump_identity_version();
CREATE TRIGGER identity_version_users AFTER UPDATE OR DELETE ON users
    FOR EACH STATEMENT EXECUTE FUNCTION bump_identity_version();
CREATE TRIGGER identity_version_memberships AFTER INSERT OR UPDATE OR DELETE ON memberships
    FOR EACH STATEMENT EXECUTE FUNCTION bump_identity_version();
CREATE TRIGGER identity_version_practices AFTER UPDATE OF name, time_zone ON practices
    FOR EACH STATEMENT EXECUTE FUNCTION bump_identity_version();
