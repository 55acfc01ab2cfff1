-- Written once for both engines.
-- Secure messages in a case. `private_to` is the one client a message is
-- for besides the care team; NULL is every client of the case. The body is
-- encrypted, bound to the message's id. Reads record who opened what.
CREATE TABLE messages (
    id {{uuid}} PRIMARY KEY,
    practice_id {{uuid}} NOT NULL REFERENCES practices (id),
    case_id {{uuid}} NOT NULL REFERENCES cases (id),
    author_id {{uuid}} NOT NULL REFERENCES users (id),
    private_to {{uuid}} REFERENCES users (id),
    body {{bytes}} NOT NULL,
    sent_at {{bigint}} NOT NULL
);
CREATE INDEX messages_case ON messages (case_id, sent_at);

CREATE TABLE message_reads (
    message_id {{uuid}} NOT NULL REFERENCES messages (id),
    user_id {{uuid}} NOT NULL REFERENCES users (id),
    read_at {{bigint}} NOT NULL,
    PRIMARY KEY (message_id, user_id)
);
