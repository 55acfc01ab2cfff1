-- Who attends an appointment of a couple's case, when not everyone in the
-- case does: a partner's individual session names that partner alone. An
-- appointment without rows here is attended by every client of its case
-- (a joint session, or an individual case's), so a partner who joins the
-- case later is expected at its joint sessions too. Every query that leads
-- from an appointment to its clients reads this through one predicate
-- (`store::shared::ATTENDS`).
CREATE TABLE appointment_attendees (
    appointment_id BLOB NOT NULL REFERENCES appointments (id),
    client_id BLOB NOT NULL REFERENCES users (id),
    PRIMARY KEY (appointment_id, client_id)
);

CREATE INDEX appointment_attendees_by_client ON appointment_attendees (client_id);

-- A client's coming sessions are kept between views on SQLite (migration
-- 20): who attends is part of them.
CREATE TRIGGER calendar_version_attendee_added AFTER INSERT ON appointment_attendees
BEGIN
    UPDATE meta SET value = CAST(CAST(value AS INTEGER) + 1 AS TEXT) WHERE key = 'calendar_version';
END;

CREATE TRIGGER calendar_version_attendee_removed AFTER DELETE ON appointment_attendees
BEGIN
    UPDATE meta SET value = CAST(CAST(value AS INTEGER) + 1 AS TEXT) WHERE key = 'calendar_version';
END;
