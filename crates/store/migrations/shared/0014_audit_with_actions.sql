-- Written once for both engines; the column-type placeholders are listed in
-- store/src/migrations.rs.
-- Audit entries commit with the action they record. A use case writes its
-- entries into `audit_pending` inside its own transaction; the sealer then
-- moves them into the chain (`audit_log`) in the order it sees them, so no
-- lock on the chain is held while use cases run.
CREATE TABLE audit_pending (
    id {{serial}},
    at {{bigint}} NOT NULL,
    actor_id {{uuid}},
    practice_id {{uuid}},
    action TEXT NOT NULL,
    record_type TEXT NOT NULL,
    record_id TEXT NOT NULL,
    ip TEXT NOT NULL,
    outcome TEXT NOT NULL
);

-- 1: BLAKE2b-256 over the row (entries written before this version);
-- 2: keyed BLAKE2b-256 under a key only the app holds, so someone who can
--    write to the database cannot recompute the chain.
ALTER TABLE audit_log ADD COLUMN scheme INTEGER NOT NULL DEFAULT 1;
