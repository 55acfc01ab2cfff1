-- Written once for both engines.
-- A file attached to a secure message (one per message): a PDF as sent, or
-- an image re-encoded as JPEG. Its name and its bytes are encrypted, each
-- bound to the attachment's id; its type and size are not (they say
-- nothing about the person).
CREATE TABLE message_attachments (
    id {{uuid}} PRIMARY KEY,
    message_id {{uuid}} NOT NULL UNIQUE REFERENCES messages (id),
    content_type TEXT NOT NULL CHECK (content_type IN ('application/pdf', 'image/jpeg')),
    size_bytes {{bigint}} NOT NULL,
    file_name {{bytes}} NOT NULL,
    data {{bytes}} NOT NULL
);
