DROP TABLE access_revocations;
ALTER TABLE api_clients DROP COLUMN revoked_at;
ALTER TABLE companies DROP COLUMN enabled;
ALTER TABLE users DROP COLUMN enabled;
