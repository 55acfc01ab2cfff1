-- Cases become episodes of care: intake, active, paused, discharged (an
-- open case was under way: active), a couple's confidentiality policy
-- (none until the therapist chooses one), when the status last changed,
-- and a care team beside the primary therapist (`cases.clinician_id`):
-- co-therapists and read-only supervisors.
ALTER TABLE cases DROP CONSTRAINT cases_status_check;
UPDATE cases SET status = 'active' WHERE status = 'open';
ALTER TABLE cases ALTER COLUMN status SET DEFAULT 'intake';
ALTER TABLE cases ADD CONSTRAINT cases_status_check CHECK (status IN ('intake', 'active', 'paused', 'discharged'));
ALTER TABLE cases ADD COLUMN confidentiality TEXT
    CHECK (confidentiality IN ('no_secrets', 'limited_secrets', 'individual'));
ALTER TABLE cases ADD COLUMN status_changed_at BIGINT;

CREATE TABLE case_team (
    case_id UUID NOT NULL REFERENCES cases (id),
    user_id UUID NOT NULL REFERENCES users (id),
    role TEXT NOT NULL CHECK (role IN ('co_therapist', 'supervisor')),
    added_at BIGINT NOT NULL,
    PRIMARY KEY (case_id, user_id)
);
CREATE INDEX case_team_user ON case_team (user_id);
