-- A visitor's request for a session, attached to the appointment that holds
-- the time. What brings them (a concern category and free text) is health
-- information: both are stored encrypted. The confirmation link's token is
-- kept only as a hash; it confirms once.
CREATE TABLE booking_requests (
    appointment_id UUID PRIMARY KEY REFERENCES appointments (id),
    token_hash TEXT NOT NULL UNIQUE,
    session_type_id UUID NOT NULL REFERENCES session_types (id),
    name TEXT NOT NULL,
    email TEXT NOT NULL,
    phone TEXT NOT NULL,
    with_partner BOOLEAN NOT NULL,
    partner_email TEXT NOT NULL,
    concern BYTEA,
    message BYTEA,
    payment TEXT NOT NULL,
    voicemail_ok BOOLEAN NOT NULL,
    discreet_email BOOLEAN NOT NULL,
    jurisdiction TEXT NOT NULL,
    visitor_time_zone TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    email_confirmed_at BIGINT
);
