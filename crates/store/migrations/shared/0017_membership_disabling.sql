-- Written once for both engines.
-- Disabling is per practice: an administrator ends a person's roles in their
-- own practice (`memberships.disabled_at`); the account itself is disabled
-- (`users.disabled_at`) only when that practice is the only one it has.
ALTER TABLE memberships ADD COLUMN disabled_at BIGINT;
