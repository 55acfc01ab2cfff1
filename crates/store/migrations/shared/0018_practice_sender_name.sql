-- Written once for both engines.
-- The name a practice's emails are sent under and signed with when they are
-- discreet (inbox lists and previews show it); empty until the practice
-- chooses one, and then emails use a neutral name (see Practice::mail_name).
ALTER TABLE practices ADD COLUMN sender_name TEXT NOT NULL DEFAULT '';
