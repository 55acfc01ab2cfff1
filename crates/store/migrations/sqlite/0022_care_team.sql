-- Cases become episodes of care: intake, active, paused, discharged (an
-- open case was under way: active), a couple's confidentiality policy
-- (none until the therapist chooses one), when the status last changed,
-- and a care team beside the primary therapist (`cases.clinician_id`):
-- co-therapists and read-only supervisors.
ALTER TABLE cases ADD COLUMN stage TEXT NOT NULL DEFAULT 'intake'
    CHECK (stage IN ('intake', 'active', 'paused', 'discharged'));
UPDATE cases SET stage = CASE status WHEN 'discharged' THEN 'discharged' ELSE 'active' END;
ALTER TABLE cases DROP COLUMN status;
ALTER TABLE cases RENAME COLUMN stage TO status;
ALTER TABLE cases ADD COLUMN confidentiality TEXT
    CHECK (confidentiality IN ('no_secrets', 'limited_secrets', 'individual'));
ALTER TABLE cases ADD COLUMN status_changed_at INTEGER;

CREATE TABLE case_team (
    case_id BLOB NOT NULL REFERENCES cases (id),
    user_id BLOB NOT NULL REFERENCES users (id),
    role TEXT NOT NULL CHECK (role IN ('co_therapist', 'supervisor')),
    added_at INTEGER NOT NULL,
    PRIMARY KEY (case_id, user_id)
);
CREATE INDEX case_team_user ON case_team (user_id);
