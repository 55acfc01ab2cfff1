-- Practice settings shown to clients: postal address and contact details.
ALTER TABLE practices ADD COLUMN address TEXT NOT NULL DEFAULT '';
ALTER TABLE practices ADD COLUMN contact_email TEXT NOT NULL DEFAULT '';
ALTER TABLE practices ADD COLUMN phone TEXT NOT NULL DEFAULT '';
