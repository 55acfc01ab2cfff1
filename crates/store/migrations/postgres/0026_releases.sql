-- Releases of information. A care team asks a case's clients for one:
-- who may receive what, why, and until which day (in the practice's zone;
-- `shared` lists what may be shared, comma-separated keys). Each client
-- signs their own as a consent of kind `release`, which names the release
-- and may be revoked by its signer (`revoked_at`).
CREATE TABLE releases (
    id UUID PRIMARY KEY,
    practice_id UUID NOT NULL REFERENCES practices (id),
    case_id UUID NOT NULL REFERENCES cases (id),
    recipient TEXT NOT NULL,
    shared TEXT NOT NULL,
    purpose TEXT NOT NULL,
    expires_on TEXT NOT NULL,
    requested_by UUID NOT NULL REFERENCES users (id),
    requested_at BIGINT NOT NULL
);
CREATE INDEX releases_case ON releases (case_id);

ALTER TABLE consent_documents DROP CONSTRAINT consent_documents_kind_check;
ALTER TABLE consent_documents ADD CONSTRAINT consent_documents_kind_check
    CHECK (kind IN ('sex_therapy', 'telehealth', 'couple_policy', 'release'));
ALTER TABLE consent_signatures DROP CONSTRAINT consent_signatures_kind_check;
ALTER TABLE consent_signatures ADD CONSTRAINT consent_signatures_kind_check
    CHECK (kind IN ('sex_therapy', 'telehealth', 'couple_policy', 'release'));
ALTER TABLE consent_signatures ADD COLUMN release_id UUID REFERENCES releases (id);
ALTER TABLE consent_signatures ADD COLUMN revoked_at BIGINT;
