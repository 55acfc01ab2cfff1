-- PostgreSQL keeps no care version, for the reason it keeps no calendar
-- version (migration 20): what waits for a client to complete is read for
-- every view of their Home page there. The step exists so both engines
-- share numbering.
SELECT 1;
