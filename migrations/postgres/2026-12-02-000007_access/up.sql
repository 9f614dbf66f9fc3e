-- Access is taken away as well as given: people and companies can be disabled, API
-- clients revoked, and the tokens issued to any of them before that moment stop working.
ALTER TABLE users ADD COLUMN enabled BOOLEAN NOT NULL DEFAULT TRUE;
ALTER TABLE companies ADD COLUMN enabled BOOLEAN NOT NULL DEFAULT TRUE;
ALTER TABLE api_clients ADD COLUMN revoked_at TIMESTAMP;

-- Tokens issued to `subject_id` (a user, an API client or a whole company) at or before
-- `not_before` are refused. Every process keeps a copy, refreshed every few seconds.
CREATE TABLE access_revocations (
    subject_id TEXT PRIMARY KEY,
    not_before TIMESTAMP NOT NULL
);
