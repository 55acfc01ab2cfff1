-- Who is signed in, as whom, with which roles, may be kept in an app
-- server's memory between requests. Every change that could alter what a
-- session stands for (signing out, passing the second step, an account's
-- name, password or disabling, a role given or ended, a practice's name or
-- zone) increases this version in the changing transaction, so a server
-- that reads the version before trusting what it kept never acts on a
-- session that has ended. Triggers, so no write path can forget.
INSERT INTO meta (key, value) VALUES ('identity_version', '1') ON CONFLICT (key) DO NOTHING;

CREATE TRIGGER identity_version_session_ended AFTER DELETE ON sessions
BEGIN
    UPDATE meta SET value = CAST(CAST(value AS INTEGER) + 1 AS TEXT) WHERE key = 'identity_version';
END;

CREATE TRIGGER identity_version_session_verified AFTER UPDATE OF mfa_verified_at ON sessions
BEGIN
    UPDATE meta SET value = CAST(CAST(value AS INTEGER) + 1 AS TEXT) WHERE key = 'identity_version';
END;

CREATE TRIGGER identity_version_user_changed AFTER UPDATE ON users
BEGIN
    UPDATE meta SET value = CAST(CAST(value AS INTEGER) + 1 AS TEXT) WHERE key = 'identity_version';
END;

CREATE TRIGGER identity_version_user_deleted AFTER DELETE ON users
BEGIN
    UPDATE meta SET value = CAST(CAST(value AS INTEGER) + 1 AS TEXT) WHERE key = 'identity_version';
END;

CREATE TRIGGER identity_version_role_given AFTER INSERT ON memberships
BEGIN
    UPDATE meta SET value = CAST(CAST(value AS INTEGER) + 1 AS TEXT) WHERE key = 'identity_version';
END;

CREATE TRIGGER identity_version_role_changed AFTER UPDATE ON memberships
BEGIN
    UPDATE meta SET value = CAST(CAST(value AS INTEGER) + 1 AS TEXT) WHERE key = 'identity_version';
END;

CREATE TRIGGER identity_version_role_removed AFTER DELETE ON memberships
BEGIN
    UPDATE meta SET value = CAST(CAST(value AS INTEGER) + 1 AS TEXT) WHERE key = 'identity_version';
END;

CREATE TRIGGER identity_version_practice_changed AFTER UPDATE OF name, time_zone ON practices
BEGIN
    UPDATE meta SET value = CAST(CAST(value AS INTEGER) + 1 AS TEXT) WHERE key = 'identity_version';
END;
