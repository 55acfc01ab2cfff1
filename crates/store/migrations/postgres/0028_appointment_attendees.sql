-- Who attends an appointment of a couple's case, when not everyone in the
-- case does: a partner's individual session names that partner alone. An
-- appointment without rows here is attended by every client of its case
-- (a joint session, or an individual case's), so a partner who joins the
-- case later is expected at its joint sessions too. Every query that leads
-- from an appointment to its clients reads this through one predicate
-- (`store::shared::ATTENDS`). (PostgreSQL keeps no calendar version; see
-- migration 20.)
CREATE TABLE appointment_attendees (
    appointment_id UUID NOT NULL REFERENCES appointments (id),
    client_id UUID NOT NULL REFERENCES users (id),
    PRIMARY KEY (appointment_id, client_id)
);

CREATE INDEX appointment_attendees_by_client ON appointment_attendees (client_id);
