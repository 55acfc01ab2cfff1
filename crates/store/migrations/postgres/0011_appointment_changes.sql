-- What happens to an appointment after it is booked: the practice's
-- cancellation notice, the history of changes (who, when, late or not), the
-- client's manage link, and accounts made for visitors whose request was
-- accepted (completed by an invitation).

-- Clients may cancel or move a session themselves until this many hours before it.
ALTER TABLE practices ADD COLUMN cancellation_notice_hours INTEGER NOT NULL DEFAULT 24
    CHECK (cancellation_notice_hours BETWEEN 0 AND 336);

-- One row per change. `party` is who asked (the client by their link or
-- account, or the practice); `actor_id` the signed-in person, if any.
-- `reason` is a category from a fixed list, never free text.
CREATE TABLE appointment_events (
    id UUID PRIMARY KEY,
    appointment_id UUID NOT NULL REFERENCES appointments (id),
    at BIGINT NOT NULL,
    change TEXT NOT NULL CHECK (change IN ('confirmed', 'declined', 'cancelled', 'rescheduled', 'completed', 'no_show')),
    party TEXT NOT NULL CHECK (party IN ('client', 'practice')),
    actor_id UUID REFERENCES users (id),
    late BOOLEAN NOT NULL,
    reason TEXT NOT NULL,
    previous_starts_at BIGINT
);
CREATE INDEX appointment_events_appointment ON appointment_events (appointment_id, at);

-- The client's link to see, cancel or move one appointment. Looked up by
-- the token's hash; the token itself is kept only encrypted (field
-- encryption, key apart from the database) so that later emails can repeat
-- the same link.
CREATE TABLE appointment_links (
    appointment_id UUID PRIMARY KEY REFERENCES appointments (id),
    token_hash TEXT NOT NULL UNIQUE,
    sealed_token BYTEA NOT NULL,
    created_at BIGINT NOT NULL
);

-- An invitation that completes an account made earlier (a visitor whose
-- request was accepted) sets its password instead of creating one.
ALTER TABLE invitations ADD COLUMN user_id UUID REFERENCES users (id);
