-- A therapist's directory photo: always a JPEG that Sensate encoded itself
-- (never the uploaded file), so no metadata from the camera survives.
CREATE TABLE profile_photos (
    user_id UUID PRIMARY KEY REFERENCES users (id),
    image BYTEA NOT NULL,
    width INTEGER NOT NULL,
    height INTEGER NOT NULL,
    updated_at BIGINT NOT NULL
);
