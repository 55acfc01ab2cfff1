-- Foundation schema: practices, people, sessions, cases and appointments.
-- Instants are Unix seconds (UTC); the zone they were chosen in is stored beside them.
CREATE TABLE meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE practices (
    id UUID PRIMARY KEY,
    name TEXT NOT NULL,
    time_zone TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE users (
    id UUID PRIMARY KEY,
    email TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    disabled_at BIGINT,
    created_at BIGINT NOT NULL
);

CREATE TABLE memberships (
    practice_id UUID NOT NULL REFERENCES practices (id),
    user_id UUID NOT NULL REFERENCES users (id),
    role TEXT NOT NULL CHECK (role IN ('owner', 'admin', 'clinician', 'client')),
    created_at BIGINT NOT NULL,
    PRIMARY KEY (practice_id, user_id, role)
);
CREATE INDEX memberships_user ON memberships (user_id);

CREATE TABLE setup_tokens (
    token_hash TEXT PRIMARY KEY,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE therapist_profiles (
    user_id UUID PRIMARY KEY REFERENCES users (id),
    practice_id UUID NOT NULL REFERENCES practices (id),
    pronouns TEXT NOT NULL,
    credentials TEXT NOT NULL,
    headline TEXT NOT NULL,
    approach TEXT NOT NULL,
    languages TEXT NOT NULL,
    offers_in_person BOOLEAN NOT NULL,
    offers_telehealth BOOLEAN NOT NULL,
    accepting_new_clients BOOLEAN NOT NULL
);
CREATE INDEX therapist_profiles_practice ON therapist_profiles (practice_id);

CREATE TABLE cases (
    id UUID PRIMARY KEY,
    practice_id UUID NOT NULL REFERENCES practices (id),
    clinician_id UUID NOT NULL REFERENCES users (id),
    kind TEXT NOT NULL CHECK (kind IN ('individual', 'couple')),
    status TEXT NOT NULL CHECK (status IN ('open', 'discharged')),
    opened_at BIGINT NOT NULL
);
CREATE INDEX cases_practice ON cases (practice_id);

CREATE TABLE case_members (
    case_id UUID NOT NULL REFERENCES cases (id),
    client_id UUID NOT NULL REFERENCES users (id),
    PRIMARY KEY (case_id, client_id)
);
CREATE INDEX case_members_client ON case_members (client_id);

CREATE TABLE appointments (
    id UUID PRIMARY KEY,
    practice_id UUID NOT NULL REFERENCES practices (id),
    case_id UUID NOT NULL REFERENCES cases (id),
    clinician_id UUID NOT NULL REFERENCES users (id),
    starts_at BIGINT NOT NULL,
    ends_at BIGINT NOT NULL CHECK (ends_at > starts_at),
    time_zone TEXT NOT NULL,
    format TEXT NOT NULL CHECK (format IN ('in_person', 'telehealth')),
    status TEXT NOT NULL CHECK (status IN ('requested', 'confirmed', 'completed', 'cancelled', 'no_show')),
    created_at BIGINT NOT NULL
);
CREATE INDEX appointments_clinician_start ON appointments (clinician_id, starts_at);
CREATE INDEX appointments_case ON appointments (case_id);
