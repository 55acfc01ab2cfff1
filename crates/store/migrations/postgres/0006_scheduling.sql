-- Scheduling: the session types a practice offers, and appointments that
-- may exist before a case does (a visitor's trial-session request is held,
-- then requested, before it becomes a client's case). The database itself
-- refuses two appointments of one clinician that overlap while they occupy
-- time (held, requested, confirmed): here by an exclusion constraint; on
-- SQLite by triggers. btree_gist (a trusted extension: the database owner
-- may create it) lets the constraint compare the clinician with `=`.
CREATE EXTENSION IF NOT EXISTS btree_gist;

CREATE TABLE session_types (
    id UUID PRIMARY KEY,
    practice_id UUID NOT NULL REFERENCES practices (id),
    name TEXT NOT NULL,
    duration_minutes INTEGER NOT NULL CHECK (duration_minutes BETWEEN 5 AND 480),
    fee_cents BIGINT CHECK (fee_cents >= 0),
    in_person BOOLEAN NOT NULL,
    telehealth BOOLEAN NOT NULL,
    participants TEXT NOT NULL CHECK (participants IN ('individual', 'couple', 'either')),
    trial BOOLEAN NOT NULL,
    needs_approval BOOLEAN NOT NULL,
    active BOOLEAN NOT NULL,
    created_at BIGINT NOT NULL,
    CHECK (in_person OR telehealth)
);
CREATE INDEX session_types_practice ON session_types (practice_id);

ALTER TABLE appointments ALTER COLUMN case_id DROP NOT NULL;
ALTER TABLE appointments DROP CONSTRAINT appointments_status_check;
ALTER TABLE appointments ADD CONSTRAINT appointments_status_check
    CHECK (status IN ('held', 'requested', 'confirmed', 'completed', 'cancelled', 'no_show', 'expired'));
ALTER TABLE appointments ADD COLUMN session_type_id UUID REFERENCES session_types (id);
ALTER TABLE appointments ADD COLUMN held_until BIGINT;
ALTER TABLE appointments ADD COLUMN updated_at BIGINT NOT NULL DEFAULT 0;
UPDATE appointments SET updated_at = created_at;
ALTER TABLE appointments ADD CONSTRAINT appointments_never_overlap
    EXCLUDE USING gist (clinician_id WITH =, int8range(starts_at, ends_at) WITH &&)
    WHERE (status IN ('held', 'requested', 'confirmed'));
