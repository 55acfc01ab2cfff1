-- Written once for both engines.
-- Each client's intake in a case: the answers, encrypted as one sealed
-- document bound to the row's id; a draft until submitted, then kept as
-- submitted.
CREATE TABLE intake_forms (
    id {{uuid}} PRIMARY KEY,
    practice_id {{uuid}} NOT NULL REFERENCES practices (id),
    case_id {{uuid}} NOT NULL REFERENCES cases (id),
    client_id {{uuid}} NOT NULL REFERENCES users (id),
    answers {{bytes}} NOT NULL,
    updated_at {{bigint}} NOT NULL,
    submitted_at {{bigint}},
    UNIQUE (case_id, client_id)
);
