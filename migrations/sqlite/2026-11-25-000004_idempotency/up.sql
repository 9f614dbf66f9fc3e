-- Idempotency keys of POST /orders and confirm, per company: the first response is kept
-- and replayed for the same key and request; a key in flight refuses a second request.
CREATE TABLE idempotency_keys (
    company_id      TEXT NOT NULL REFERENCES companies (id),
    key             TEXT NOT NULL,
    fingerprint     TEXT NOT NULL,
    response_status INTEGER,
    response        TEXT,
    created_at      TIMESTAMP NOT NULL,
    PRIMARY KEY (company_id, key)
);
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);
