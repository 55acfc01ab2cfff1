-- PostgreSQL keeps no calendar version. One row bumped inside every
-- transaction that books, moves or cancels would make bookings of
-- different clinicians queue on it, so on PostgreSQL a client's coming
-- sessions are read for every view of their Home page (SQLite's version is
-- in its migration 20). The step exists so both engines share numbering.
SELECT 1;
