-- Counts changes to hours, session types and taken time, so app servers know
-- when to compute the directory's next free times again. SQLite keeps it in
-- `meta`, bumped inside each writing transaction (writers take turns anyway).
INSERT INTO meta (key, value) VALUES ('scheduling_version', '0') ON CONFLICT (key) DO NOTHING;
