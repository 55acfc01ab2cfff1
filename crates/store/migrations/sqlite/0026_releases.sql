-- Releases of information. A care team asks a case's clients for one:
-- who may receive what, why, and until which day (in the practice's zone;
-- `shared` lists what may be shared, comma-separated keys). Each client
-- signs their own as a consent of kind `release`, which names the release
-- and may be revoked by its signer (`revoked_at`).
-- SQLite cannot change a CHECK, so both consent tables are rebuilt to
-- allow the new kind; nothing refers to them.
CREATE TABLE releases (
    id BLOB PRIMARY KEY,
    practice_id BLOB NOT NULL REFERENCES practices (id),
    case_id BLOB NOT NULL REFERENCES cases (id),
    recipient TEXT NOT NULL,
    shared TEXT NOT NULL,
    purpose TEXT NOT NULL,
    expires_on TEXT NOT NULL,
    requested_by BLOB NOT NULL REFERENCES users (id),
    requested_at INTEGER NOT NULL
);
CREATE INDEX releases_case ON releases (case_id);

CREATE TABLE consent_documents_v26 (
    id BLOB PRIMARY KEY,
    practice_id BLOB NOT NULL REFERENCES practices (id),
    kind TEXT NOT NULL CHECK (kind IN ('sex_therapy', 'telehealth', 'couple_policy', 'release')),
    version INTEGER NOT NULL CHECK (version > 0),
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    published_at INTEGER NOT NULL,
    published_by BLOB NOT NULL REFERENCES users (id),
    UNIQUE (practice_id, kind, version)
);
INSERT INTO consent_documents_v26 (id, practice_id, kind, version, title, body, published_at, published_by)
    SELECT id, practice_id, kind, version, title, body, published_at, published_by FROM consent_documents;
DROP TABLE consent_documents;
ALTER TABLE consent_documents_v26 RENAME TO consent_documents;

CREATE TABLE consent_signatures_v26 (
    id BLOB PRIMARY KEY,
    practice_id BLOB NOT NULL REFERENCES practices (id),
    signer_id BLOB NOT NULL REFERENCES users (id),
    case_id BLOB REFERENCES cases (id),
    scope TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('sex_therapy', 'telehealth', 'couple_policy', 'release')),
    version INTEGER NOT NULL,
    signed_text TEXT NOT NULL,
    text_sha256 TEXT NOT NULL,
    typed_name TEXT NOT NULL,
    signed_at INTEGER NOT NULL,
    ip TEXT NOT NULL,
    user_agent TEXT NOT NULL,
    recently_verified BOOLEAN NOT NULL,
    release_id BLOB REFERENCES releases (id),
    revoked_at INTEGER,
    UNIQUE (signer_id, practice_id, kind, scope, text_sha256)
);
INSERT INTO consent_signatures_v26 (id, practice_id, signer_id, case_id, scope, kind, version, signed_text,
        text_sha256, typed_name, signed_at, ip, user_agent, recently_verified)
    SELECT id, practice_id, signer_id, case_id, scope, kind, version, signed_text,
        text_sha256, typed_name, signed_at, ip, user_agent, recently_verified FROM consent_signatures;
DROP TABLE consent_signatures;
ALTER TABLE consent_signatures_v26 RENAME TO consent_signatures;
CREATE INDEX consent_signatures_case ON consent_signatures (case_id);
