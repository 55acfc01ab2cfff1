-- Written once for both engines.
-- A limited action records its attempt before it is checked, so attempts at
-- the same moment cannot all slip past the limit; an attempt that succeeds
-- is then forgotten by its id (limits count failures).
ALTER TABLE rate_limit_hits ADD COLUMN attempt TEXT;
CREATE INDEX rate_limit_hits_attempt ON rate_limit_hits (attempt);
