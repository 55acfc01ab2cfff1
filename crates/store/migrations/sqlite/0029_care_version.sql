-- What waits for a client to complete (the consents asked of them and
-- their intake questions) may be kept in an app server's memory between
-- views of their Home page, like their coming sessions (migration 20).
-- It depends on the calendar version (cases, who is in them, appointments
-- and who attends them: sessions by video ask for the telehealth consent),
-- the identity version (names, the practice's zone) and this one, which
-- every change to consent documents, signatures, releases of information
-- and intake answers moves inside the changing transaction. Triggers, so
-- no write path can forget.
INSERT INTO meta (key, value) VALUES ('care_version', '1') ON CONFLICT (key) DO NOTHING;

CREATE TRIGGER care_version_document_added AFTER INSERT ON consent_documents
BEGIN
    UPDATE meta SET value = CAST(CAST(value AS INTEGER) + 1 AS TEXT) WHERE key = 'care_version';
END;

CREATE TRIGGER care_version_document_changed AFTER UPDATE ON consent_documents
BEGIN
    UPDATE meta SET value = CAST(CAST(value AS INTEGER) + 1 AS TEXT) WHERE key = 'care_version';
END;

CREATE TRIGGER care_version_document_removed AFTER DELETE ON consent_documents
BEGIN
    UPDATE meta SET value = CAST(CAST(value AS INTEGER) + 1 AS TEXT) WHERE key = 'care_version';
END;

CREATE TRIGGER care_version_signature_added AFTER INSERT ON consent_signatures
BEGIN
    UPDATE meta SET value = CAST(CAST(value AS INTEGER) + 1 AS TEXT) WHERE key = 'care_version';
END;

CREATE TRIGGER care_version_signature_changed AFTER UPDATE ON consent_signatures
BEGIN
    UPDATE meta SET value = CAST(CAST(value AS INTEGER) + 1 AS TEXT) WHERE key = 'care_version';
END;

CREATE TRIGGER care_version_signature_removed AFTER DELETE ON consent_signatures
BEGIN
    UPDATE meta SET value = CAST(CAST(value AS INTEGER) + 1 AS TEXT) WHERE key = 'care_version';
END;

CREATE TRIGGER care_version_release_added AFTER INSERT ON releases
BEGIN
    UPDATE meta SET value = CAST(CAST(value AS INTEGER) + 1 AS TEXT) WHERE key = 'care_version';
END;

CREATE TRIGGER care_version_release_changed AFTER UPDATE ON releases
BEGIN
    UPDATE meta SET value = CAST(CAST(value AS INTEGER) + 1 AS TEXT) WHERE key = 'care_version';
END;

CREATE TRIGGER care_version_release_removed AFTER DELETE ON releases
BEGIN
    UPDATE meta SET value = CAST(CAST(value AS INTEGER) + 1 AS TEXT) WHERE key = 'care_version';
END;

CREATE TRIGGER care_version_intake_added AFTER INSERT ON intake_forms
BEGIN
    UPDATE meta SET value = CAST(CAST(value AS INTEGER) + 1 AS TEXT) WHERE key = 'care_version';
END;

CREATE TRIGGER care_version_intake_changed AFTER UPDATE ON intake_forms
BEGIN
    UPDATE meta SET value = CAST(CAST(value AS INTEGER) + 1 AS TEXT) WHERE key = 'care_version';
END;

CREATE TRIGGER care_version_intake_removed AFTER DELETE ON intake_forms
BEGIN
    UPDATE meta SET value = CAST(CAST(value AS INTEGER) + 1 AS TEXT) WHERE key = 'care_version';
END;

-- A new case asks for the consent to therapy (its first client joins in
-- the same transaction, which moves the calendar version too).
CREATE TRIGGER care_version_case_added AFTER INSERT ON cases
BEGIN
    UPDATE meta SET value = CAST(CAST(value AS INTEGER) + 1 AS TEXT) WHERE key = 'care_version';
END;
