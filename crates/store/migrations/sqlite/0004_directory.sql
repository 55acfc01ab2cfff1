-- The therapist directory: what a profile offers, where, for whom, at what
-- fee, with which insurance; licences and certifications with their
-- verification. Reference data (concern, payer, language, licence type,
-- certifying body, jurisdiction ids) lives in data files, referenced here by
-- stable slug. Dates are ISO 8601 text (YYYY-MM-DD): they compare as text.
ALTER TABLE therapist_profiles ADD COLUMN gender TEXT NOT NULL DEFAULT '';
ALTER TABLE therapist_profiles ADD COLUMN sees_individuals BOOLEAN NOT NULL DEFAULT TRUE;
ALTER TABLE therapist_profiles ADD COLUMN sees_couples BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE therapist_profiles ADD COLUMN affirming_lgbtq BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE therapist_profiles ADD COLUMN kink_aware BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE therapist_profiles ADD COLUMN cnm_affirming BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE therapist_profiles ADD COLUMN min_fee_cents INTEGER;
ALTER TABLE therapist_profiles ADD COLUMN sliding_scale BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE therapist_profiles ADD COLUMN free_consultation BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE therapist_profiles ADD COLUMN superbill BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE therapist_profiles ADD COLUMN updated_at INTEGER NOT NULL DEFAULT 0;

CREATE TABLE profile_concerns (
    user_id BLOB NOT NULL REFERENCES therapist_profiles (user_id) ON DELETE CASCADE,
    concern TEXT NOT NULL,
    PRIMARY KEY (user_id, concern)
);

CREATE TABLE profile_languages (
    user_id BLOB NOT NULL REFERENCES therapist_profiles (user_id) ON DELETE CASCADE,
    language TEXT NOT NULL,
    PRIMARY KEY (user_id, language)
);

CREATE TABLE profile_payers (
    user_id BLOB NOT NULL REFERENCES therapist_profiles (user_id) ON DELETE CASCADE,
    payer TEXT NOT NULL,
    PRIMARY KEY (user_id, payer)
);

CREATE TABLE offices (
    id BLOB PRIMARY KEY,
    user_id BLOB NOT NULL REFERENCES therapist_profiles (user_id) ON DELETE CASCADE,
    label TEXT NOT NULL,
    address TEXT NOT NULL,
    postal_code TEXT NOT NULL,
    lat REAL NOT NULL CHECK (lat BETWEEN -90 AND 90),
    lon REAL NOT NULL CHECK (lon BETWEEN -180 AND 180),
    accessibility TEXT NOT NULL
);
CREATE INDEX offices_user ON offices (user_id);

CREATE TABLE licences (
    id BLOB PRIMARY KEY,
    user_id BLOB NOT NULL REFERENCES users (id),
    practice_id BLOB NOT NULL REFERENCES practices (id),
    licence_type TEXT NOT NULL,
    number TEXT NOT NULL,
    jurisdiction TEXT NOT NULL,
    expires_on TEXT NOT NULL,
    verified_at INTEGER,
    verified_by BLOB REFERENCES users (id),
    verification_method TEXT
);
CREATE INDEX licences_user ON licences (user_id);

CREATE TABLE certifications (
    id BLOB PRIMARY KEY,
    user_id BLOB NOT NULL REFERENCES users (id),
    practice_id BLOB NOT NULL REFERENCES practices (id),
    body TEXT NOT NULL,
    credential_id TEXT NOT NULL,
    expires_on TEXT,
    verified_at INTEGER,
    verified_by BLOB REFERENCES users (id),
    verification_method TEXT
);
CREATE INDEX certifications_user ON certifications (user_id);
