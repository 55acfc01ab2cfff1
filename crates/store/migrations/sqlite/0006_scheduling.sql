-- Scheduling: the session types a practice offers, and appointments that
-- may exist before a case does (a visitor's trial-session request is held,
-- then requested, before it becomes a client's case). The database itself
-- refuses two appointments of one clinician that overlap while they occupy
-- time (held, requested, confirmed): here by triggers, which run inside
-- SQLite's single write transaction; on PostgreSQL by an exclusion
-- constraint.
CREATE TABLE session_types (
    id BLOB PRIMARY KEY,
    practice_id BLOB NOT NULL REFERENCES practices (id),
    name TEXT NOT NULL,
    duration_minutes INTEGER NOT NULL CHECK (duration_minutes BETWEEN 5 AND 480),
    fee_cents INTEGER CHECK (fee_cents >= 0),
    in_person BOOLEAN NOT NULL,
    telehealth BOOLEAN NOT NULL,
    participants TEXT NOT NULL CHECK (participants IN ('individual', 'couple', 'either')),
    trial BOOLEAN NOT NULL,
    needs_approval BOOLEAN NOT NULL,
    active BOOLEAN NOT NULL,
    created_at INTEGER NOT NULL,
    CHECK (in_person OR telehealth)
);
CREATE INDEX session_types_practice ON session_types (practice_id);

-- SQLite cannot drop NOT NULL or change a CHECK in place: rebuild the table.
CREATE TABLE appointments_rebuilt (
    id BLOB PRIMARY KEY,
    practice_id BLOB NOT NULL REFERENCES practices (id),
    case_id BLOB REFERENCES cases (id),
    clinician_id BLOB NOT NULL REFERENCES users (id),
    starts_at INTEGER NOT NULL,
    ends_at INTEGER NOT NULL CHECK (ends_at > starts_at),
    time_zone TEXT NOT NULL,
    format TEXT NOT NULL CHECK (format IN ('in_person', 'telehealth')),
    status TEXT NOT NULL CHECK (status IN ('held', 'requested', 'confirmed', 'completed', 'cancelled', 'no_show', 'expired')),
    created_at INTEGER NOT NULL,
    session_type_id BLOB REFERENCES session_types (id),
    held_until INTEGER,
    updated_at INTEGER NOT NULL DEFAULT 0
);
INSERT INTO appointments_rebuilt (id, practice_id, case_id, clinician_id, starts_at, ends_at, time_zone, format, status, created_at, updated_at)
    SELECT id, practice_id, case_id, clinician_id, starts_at, ends_at, time_zone, format, status, created_at, created_at FROM appointments;
DROP TABLE appointments;
ALTER TABLE appointments_rebuilt RENAME TO appointments;
CREATE INDEX appointments_clinician_start ON appointments (clinician_id, starts_at);
CREATE INDEX appointments_case ON appointments (case_id);

CREATE TRIGGER appointments_never_overlap_insert BEFORE INSERT ON appointments
WHEN NEW.status IN ('held', 'requested', 'confirmed')
BEGIN
    SELECT RAISE(ABORT, 'appointments_never_overlap')
    WHERE EXISTS (
        SELECT 1 FROM appointments a
        WHERE a.clinician_id = NEW.clinician_id
          AND a.status IN ('held', 'requested', 'confirmed')
          AND a.starts_at < NEW.ends_at AND NEW.starts_at < a.ends_at
    );
END;

CREATE TRIGGER appointments_never_overlap_update BEFORE UPDATE OF clinician_id, starts_at, ends_at, status ON appointments
WHEN NEW.status IN ('held', 'requested', 'confirmed')
BEGIN
    SELECT RAISE(ABORT, 'appointments_never_overlap')
    WHERE EXISTS (
        SELECT 1 FROM appointments a
        WHERE a.id <> NEW.id
          AND a.clinician_id = NEW.clinician_id
          AND a.status IN ('held', 'requested', 'confirmed')
          AND a.starts_at < NEW.ends_at AND NEW.starts_at < a.ends_at
    );
END;
