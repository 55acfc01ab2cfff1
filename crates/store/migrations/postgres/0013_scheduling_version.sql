-- Counts changes to hours, session types and taken time, so app servers know
-- when to compute the directory's next free times again. A sequence, taken
-- after each commit: bookings of different clinicians never wait on it.
CREATE SEQUENCE scheduling_version;
