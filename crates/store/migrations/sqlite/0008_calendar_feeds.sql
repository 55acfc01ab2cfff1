-- A clinician's private calendar feed: a secret address (only its hash is
-- kept) that calendar apps poll. One per clinician; a new one replaces the
-- old, and revoking deletes it.
CREATE TABLE calendar_feeds (
    clinician_id BLOB PRIMARY KEY REFERENCES users (id),
    token_hash TEXT NOT NULL UNIQUE,
    created_at INTEGER NOT NULL
);
