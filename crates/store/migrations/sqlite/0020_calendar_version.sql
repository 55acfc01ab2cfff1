-- A client's coming sessions may be kept in an app server's memory between
-- views of their Home page. Every change to appointments, cases or who is
-- in a case moves this version inside the changing transaction (SQLite has
-- one writer, so bumping one row costs no waiting), and a server that reads
-- the version before trusting what it kept shows every change committed
-- before the request. Triggers, so no write path can forget.
INSERT INTO meta (key, value) VALUES ('calendar_version', '1') ON CONFLICT (key) DO NOTHING;

CREATE TRIGGER calendar_version_appointment_added AFTER INSERT ON appointments
BEGIN
    UPDATE meta SET value = CAST(CAST(value AS INTEGER) + 1 AS TEXT) WHERE key = 'calendar_version';
END;

CREATE TRIGGER calendar_version_appointment_changed AFTER UPDATE ON appointments
BEGIN
    UPDATE meta SET value = CAST(CAST(value AS INTEGER) + 1 AS TEXT) WHERE key = 'calendar_version';
END;

CREATE TRIGGER calendar_version_appointment_removed AFTER DELETE ON appointments
BEGIN
    UPDATE meta SET value = CAST(CAST(value AS INTEGER) + 1 AS TEXT) WHERE key = 'calendar_version';
END;

CREATE TRIGGER calendar_version_member_added AFTER INSERT ON case_members
BEGIN
    UPDATE meta SET value = CAST(CAST(value AS INTEGER) + 1 AS TEXT) WHERE key = 'calendar_version';
END;

CREATE TRIGGER calendar_version_member_changed AFTER UPDATE ON case_members
BEGIN
    UPDATE meta SET value = CAST(CAST(value AS INTEGER) + 1 AS TEXT) WHERE key = 'calendar_version';
END;

CREATE TRIGGER calendar_version_member_removed AFTER DELETE ON case_members
BEGIN
    UPDATE meta SET value = CAST(CAST(value AS INTEGER) + 1 AS TEXT) WHERE key = 'calendar_version';
END;

CREATE TRIGGER calendar_version_case_changed AFTER UPDATE ON cases
BEGIN
    UPDATE meta SET value = CAST(CAST(value AS INTEGER) + 1 AS TEXT) WHERE key = 'calendar_version';
END;

CREATE TRIGGER calendar_version_case_removed AFTER DELETE ON cases
BEGIN
    UPDATE meta SET value = CAST(CAST(value AS INTEGER) + 1 AS TEXT) WHERE key = 'calendar_version';
END;
