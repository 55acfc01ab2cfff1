-- Foundation schema: practices, people, sessions, cases and appointments.
-- Instants are Unix seconds (UTC); the zone they were chosen in is stored beside them.
CREATE TABLE meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE practices (
    id BLOB PRIMARY KEY,
    name TEXT NOT NULL,
    time_zone TEXT NOT NULL,
    created_at INTEGER NOT NULL
);

CREATE TABLE users (
    id BLOB PRIMARY KEY,
    email TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    disabled_at INTEGER,
    created_at INTEGER NOT NULL
);

CREATE TABLE memberships (
    practice_id BLOB NOT NULL REFERENCES practices (id),
    user_id BLOB NOT NULL REFERENCES users (id),
    role TEXT NOT NULL CHECK (role IN ('owner', 'admin', 'clinician', 'client')),
    created_at INTEGER NOT NULL,
    PRIMARY KEY (practice_id, user_id, role)
);
CREATE INDEX memberships_user ON memberships (user_id);

CREATE TABLE setup_tokens (
    token_hash TEXT PRIMARY KEY,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id BLOB NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE therapist_profiles (
    user_id BLOB PRIMARY KEY REFERENCES users (id),
    practice_id BLOB NOT NULL REFERENCES practices (id),
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
    id BLOB PRIMARY KEY,
    practice_id BLOB NOT NULL REFERENCES practices (id),
    clinician_id BLOB NOT NULL REFERENCES users (id),
    kind TEXT NOT NULL CHECK (kind IN ('individual', 'couple')),
    status TEXT NOT NULL CHECK (status IN ('open', 'discharged')),
    opened_at INTEGER NOT NULL
);
CREATE INDEX cases_practice ON cases (practice_id);

CREATE TABLE case_members (
    case_id BLOB NOT NULL REFERENCES cases (id),
    client_id BLOB NOT NULL REFERENCES users (id),
    PRIMARY KEY (case_id, client_id)
);
CREATE INDEX case_members_client ON case_members (client_id);

CREATE TABLE appointments (
    id BLOB PRIMARY KEY,
    practice_id BLOB NOT NULL REFERENCES practices (id),
    case_id BLOB NOT NULL REFERENCES cases (id),
    clinician_id BLOB NOT NULL REFERENCES users (id),
    starts_at INTEGER NOT NULL,
    ends_at INTEGER NOT NULL CHECK (ends_at > starts_at),
    time_zone TEXT NOT NULL,
    format TEXT NOT NULL CHECK (format IN ('in_person', 'telehealth')),
    status TEXT NOT NULL CHECK (status IN ('requested', 'confirmed', 'completed', 'cancelled', 'no_show')),
    created_at INTEGER NOT NULL
);
CREATE INDEX appointments_clinician_start ON appointments (clinician_id, starts_at);
CREATE INDEX appointments_case ON appointments (case_id);
