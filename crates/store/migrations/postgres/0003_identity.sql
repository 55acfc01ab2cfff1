-- Identity and the security baseline: invitations, password resets, MFA,
-- the hash-chained audit log, rate limits, and the first encrypted client fields.

ALTER TABLE sessions ADD COLUMN mfa_verified_at BIGINT;

CREATE TABLE invitations (
    token_hash TEXT PRIMARY KEY,
    practice_id UUID NOT NULL REFERENCES practices (id),
    email TEXT NOT NULL,
    display_name TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('admin', 'clinician', 'client')),
    case_id UUID REFERENCES cases (id),
    invited_by UUID NOT NULL REFERENCES users (id),
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    accepted_at BIGINT
);
CREATE INDEX invitations_practice ON invitations (practice_id, created_at);

CREATE TABLE password_resets (
    token_hash TEXT PRIMARY KEY,
    user_id UUID NOT NULL REFERENCES users (id),
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at BIGINT
);
CREATE INDEX password_resets_user ON password_resets (user_id);

CREATE TABLE mfa_totp (
    user_id UUID PRIMARY KEY REFERENCES users (id),
    secret BYTEA NOT NULL,
    confirmed_at BIGINT,
    last_used_step BIGINT
);

CREATE TABLE recovery_codes (
    user_id UUID NOT NULL REFERENCES users (id),
    code_hash TEXT NOT NULL,
    used_at BIGINT,
    PRIMARY KEY (user_id, code_hash)
);

CREATE TABLE audit_log (
    seq BIGSERIAL PRIMARY KEY,
    at BIGINT NOT NULL,
    actor_id UUID,
    practice_id UUID,
    action TEXT NOT NULL,
    record_type TEXT NOT NULL,
    record_id TEXT NOT NULL,
    ip TEXT NOT NULL,
    outcome TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX audit_log_practice ON audit_log (practice_id, seq);
CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the audit log is append-only';
END;
$$;
CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();

CREATE TABLE rate_limit_hits (
    bucket TEXT NOT NULL,
    at BIGINT NOT NULL
);
CREATE INDEX rate_limit_hits_bucket ON rate_limit_hits (bucket, at);

CREATE TABLE client_profiles (
    user_id UUID PRIMARY KEY REFERENCES users (id),
    practice_id UUID NOT NULL REFERENCES practices (id),
    contact_preferences BYTEA,
    updated_at BIGINT NOT NULL
);

CREATE TABLE clinical_notes (
    id UUID PRIMARY KEY,
    practice_id UUID NOT NULL REFERENCES practices (id),
    client_id UUID NOT NULL REFERENCES users (id),
    author_id UUID NOT NULL REFERENCES users (id),
    body BYTEA NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX clinical_notes_client ON clinical_notes (client_id, created_at);
