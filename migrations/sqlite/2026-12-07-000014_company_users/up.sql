-- A user's version: a company's admins change a colleague exactly as they read them
-- (If-Match), as drafts and subscriptions are changed.
ALTER TABLE users ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
