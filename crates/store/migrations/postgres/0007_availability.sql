-- Each clinician's availability: settings, weekly hours (wall-clock minutes
-- of the day in the clinician's time zone, ISO weekday 1 = Monday) and
-- date overrides (a closed day, or the hours of that date instead of the
-- weekly ones). Replaced as a whole when the clinician saves.
CREATE TABLE availability_settings (
    clinician_id UUID PRIMARY KEY REFERENCES users (id),
    time_zone TEXT NOT NULL,
    buffer_before_minutes INTEGER NOT NULL CHECK (buffer_before_minutes BETWEEN 0 AND 240),
    buffer_after_minutes INTEGER NOT NULL CHECK (buffer_after_minutes BETWEEN 0 AND 240),
    min_notice_minutes INTEGER NOT NULL CHECK (min_notice_minutes BETWEEN 0 AND 43200),
    horizon_days INTEGER NOT NULL CHECK (horizon_days BETWEEN 0 AND 366),
    max_per_day INTEGER CHECK (max_per_day BETWEEN 1 AND 24),
    slot_step_minutes INTEGER NOT NULL CHECK (slot_step_minutes BETWEEN 5 AND 240),
    updated_at BIGINT NOT NULL
);

CREATE TABLE weekly_hours (
    id UUID PRIMARY KEY,
    clinician_id UUID NOT NULL REFERENCES availability_settings (clinician_id) ON DELETE CASCADE,
    weekday INTEGER NOT NULL CHECK (weekday BETWEEN 1 AND 7),
    start_minute INTEGER NOT NULL CHECK (start_minute BETWEEN 0 AND 1439),
    end_minute INTEGER NOT NULL CHECK (end_minute BETWEEN 1 AND 1440),
    format TEXT NOT NULL CHECK (format IN ('in_person', 'telehealth')),
    office_id UUID,
    CHECK (end_minute > start_minute)
);
CREATE INDEX weekly_hours_clinician ON weekly_hours (clinician_id);

CREATE TABLE date_overrides (
    id UUID PRIMARY KEY,
    clinician_id UUID NOT NULL REFERENCES availability_settings (clinician_id) ON DELETE CASCADE,
    day TEXT NOT NULL,
    closed BOOLEAN NOT NULL,
    start_minute INTEGER CHECK (start_minute BETWEEN 0 AND 1439),
    end_minute INTEGER CHECK (end_minute BETWEEN 1 AND 1440),
    format TEXT CHECK (format IN ('in_person', 'telehealth')),
    office_id UUID,
    CHECK (closed OR (start_minute IS NOT NULL AND end_minute > start_minute AND format IS NOT NULL))
);
CREATE INDEX date_overrides_clinician ON date_overrides (clinician_id, day);
