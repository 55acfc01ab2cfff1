-- A durable job queue (reminders, later other mail). A job's payload holds
-- ids only, never health data or email text; `last_error` is a generic word,
-- never a recipient or a server's reply. Enqueueing a job whose dedupe key
-- exists already does nothing, so planners may run on every app server.
-- A claim sets a lease (`locked_until`, `locked_by`); a job whose lease ran
-- out (its process died) can be claimed again.
CREATE TABLE jobs (
    id BLOB PRIMARY KEY,
    kind TEXT NOT NULL,
    payload TEXT NOT NULL,
    dedupe_key TEXT NOT NULL UNIQUE,
    status TEXT NOT NULL CHECK (status IN ('pending', 'done', 'failed')),
    run_at INTEGER NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    locked_until INTEGER,
    locked_by TEXT,
    last_error TEXT,
    created_at INTEGER NOT NULL,
    finished_at INTEGER
);
CREATE INDEX jobs_due ON jobs (status, run_at);

-- Reminder emails are discreet unless the practice chooses to name the service.
ALTER TABLE practices ADD COLUMN reminders_name_service BOOLEAN NOT NULL DEFAULT FALSE;

-- The reminder planner looks for confirmed appointments starting soon.
CREATE INDEX appointments_status_start ON appointments (status, starts_at);
