-- Recurring series: a clinician books several sessions of one case at once
-- (weekly or every other week). The series row remembers how they were
-- made; each occurrence is an ordinary appointment that points back to it,
-- so it can later be moved or cancelled on its own.
CREATE TABLE series (
    id UUID PRIMARY KEY,
    practice_id UUID NOT NULL REFERENCES practices (id),
    clinician_id UUID NOT NULL REFERENCES users (id),
    case_id UUID NOT NULL REFERENCES cases (id),
    cadence TEXT NOT NULL CHECK (cadence IN ('weekly', 'fortnightly')),
    occurrences INTEGER NOT NULL CHECK (occurrences BETWEEN 2 AND 52),
    created_by UUID NOT NULL REFERENCES users (id),
    created_at BIGINT NOT NULL
);
CREATE INDEX series_case ON series (case_id);

ALTER TABLE appointments ADD COLUMN series_id UUID REFERENCES series (id);
CREATE INDEX appointments_series ON appointments (series_id);
