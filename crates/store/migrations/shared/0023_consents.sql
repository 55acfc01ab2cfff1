-- Written once for both engines.
-- Consents. A practice's own versions of each kind of consent document
-- (until it publishes one, Sensate's text is used: version 0, not stored),
-- and each signature with a frozen copy of the exact text signed, its
-- SHA-256, the typed name and how the signer's session stood. `scope` is
-- the case a couple's policy was signed for, else empty: one signature per
-- person, practice, kind, case and text.
CREATE TABLE consent_documents (
    id {{uuid}} PRIMARY KEY,
    practice_id {{uuid}} NOT NULL REFERENCES practices (id),
    kind TEXT NOT NULL CHECK (kind IN ('sex_therapy', 'telehealth', 'couple_policy')),
    version INTEGER NOT NULL CHECK (version > 0),
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    published_at {{bigint}} NOT NULL,
    published_by {{uuid}} NOT NULL REFERENCES users (id),
    UNIQUE (practice_id, kind, version)
);

CREATE TABLE consent_signatures (
    id {{uuid}} PRIMARY KEY,
    practice_id {{uuid}} NOT NULL REFERENCES practices (id),
    signer_id {{uuid}} NOT NULL REFERENCES users (id),
    case_id {{uuid}} REFERENCES cases (id),
    scope TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('sex_therapy', 'telehealth', 'couple_policy')),
    version INTEGER NOT NULL,
    signed_text TEXT NOT NULL,
    text_sha256 TEXT NOT NULL,
    typed_name TEXT NOT NULL,
    signed_at {{bigint}} NOT NULL,
    ip TEXT NOT NULL,
    user_agent TEXT NOT NULL,
    recently_verified BOOLEAN NOT NULL,
    UNIQUE (signer_id, practice_id, kind, scope, text_sha256)
);
CREATE INDEX consent_signatures_case ON consent_signatures (case_id);
