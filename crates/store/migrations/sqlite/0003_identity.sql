-- Identity and the security baseline: invitations, password resets, MFA,
-- the hash-chained audit log, rate limits, and the first encrypted client fields.

-- A session passes MFA once; staff see nothing of clients before that.
ALTER TABLE sessions ADD COLUMN mfa_verified_at INTEGER;

-- Single-use, expiring invitations. A client invitation names the case the
-- client joins (a couple's two partners get one invitation each).
CREATE TABLE invitations (
    token_hash TEXT PRIMARY KEY,
    practice_id BLOB NOT NULL REFERENCES practices (id),
    email TEXT NOT NULL,
    display_name TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('admin', 'clinician', 'client')),
    case_id BLOB REFERENCES cases (id),
    invited_by BLOB NOT NULL REFERENCES users (id),
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    accepted_at INTEGER
);
CREATE INDEX invitations_practice ON invitations (practice_id, created_at);

CREATE TABLE password_resets (
    token_hash TEXT PRIMARY KEY,
    user_id BLOB NOT NULL REFERENCES users (id),
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    used_at INTEGER
);
CREATE INDEX password_resets_user ON password_resets (user_id);

-- TOTP: the secret is encrypted (field encryption); a code's time step is
-- accepted once.
CREATE TABLE mfa_totp (
    user_id BLOB PRIMARY KEY REFERENCES users (id),
    secret BLOB NOT NULL,
    confirmed_at INTEGER,
    last_used_step BIGINT
);

CREATE TABLE recovery_codes (
    user_id BLOB NOT NULL REFERENCES users (id),
    code_hash TEXT NOT NULL,
    used_at INTEGER,
    PRIMARY KEY (user_id, code_hash)
);

-- Append-only, hash-chained: each row's hash covers its fields and the
-- previous row's hash. No health data: record types and ids only.
CREATE TABLE audit_log (
    seq INTEGER PRIMARY KEY,
    at INTEGER NOT NULL,
    actor_id BLOB,
    practice_id BLOB,
    action TEXT NOT NULL,
    record_type TEXT NOT NULL,
    record_id TEXT NOT NULL,
    ip TEXT NOT NULL,
    outcome TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX audit_log_practice ON audit_log (practice_id, seq);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;

-- Sliding-window rate limits shared by every app server.
CREATE TABLE rate_limit_hits (
    bucket TEXT NOT NULL,
    at INTEGER NOT NULL
);
CREATE INDEX rate_limit_hits_bucket ON rate_limit_hits (bucket, at);

-- A client's own details. Free text is encrypted with AAD binding
-- (table, column, row id, key version).
CREATE TABLE client_profiles (
    user_id BLOB PRIMARY KEY REFERENCES users (id),
    practice_id BLOB NOT NULL REFERENCES practices (id),
    contact_preferences BLOB,
    updated_at INTEGER NOT NULL
);

-- A therapist's private note on a client: readable by its author only.
CREATE TABLE clinical_notes (
    id BLOB PRIMARY KEY,
    practice_id BLOB NOT NULL REFERENCES practices (id),
    client_id BLOB NOT NULL REFERENCES users (id),
    author_id BLOB NOT NULL REFERENCES users (id),
    body BLOB NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX clinical_notes_client ON clinical_notes (client_id, created_at);
