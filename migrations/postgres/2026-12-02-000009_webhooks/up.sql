-- Events for partner integrations: what happened to a company's objects, kept 30 days
-- for partners that poll (GET /events), and delivered as signed webhooks to the
-- endpoints its admins register. Deliveries are written in the transaction of the change
-- (an outbox); every attempt is kept for the delivery log.
CREATE TABLE events (
    id         TEXT PRIMARY KEY,
    company_id TEXT NOT NULL REFERENCES companies (id),
    type       TEXT NOT NULL,
    -- the object as GET on it answered when the event happened (JSON)
    data       TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX events_company ON events (company_id, id);
CREATE INDEX events_created ON events (created_at);

CREATE TABLE webhook_endpoints (
    id                  TEXT PRIMARY KEY,
    company_id          TEXT NOT NULL REFERENCES companies (id),
    url                 TEXT NOT NULL,
    description         TEXT,
    -- the event types it receives (JSON array of names)
    event_types         TEXT NOT NULL,
    enabled             BOOLEAN NOT NULL,
    -- the signing secret (whsec_...): HMAC needs the key itself, so it is kept as given
    secret              TEXT NOT NULL,
    -- after a rotation the old secret signs beside the new one until this time
    previous_secret     TEXT,
    previous_secret_until TIMESTAMP,
    -- since when every delivery to it has failed (NULL: the last one succeeded)
    failing_since       TIMESTAMP,
    version             INTEGER NOT NULL,
    created_at          TIMESTAMP NOT NULL,
    updated_at          TIMESTAMP NOT NULL
);
CREATE INDEX webhook_endpoints_company ON webhook_endpoints (company_id, id);

CREATE TABLE webhook_deliveries (
    id              TEXT PRIMARY KEY,
    endpoint_id     TEXT NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
    -- the event's id, or a ping's own id (pings are not events)
    event_id        TEXT NOT NULL,
    event_type      TEXT NOT NULL,
    -- the exact body sent on every attempt (JSON)
    payload         TEXT NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMP NOT NULL,
    claimed_until   TIMESTAMP,
    created_at      TIMESTAMP NOT NULL,
    UNIQUE (endpoint_id, event_id)
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (status, next_attempt_at);
CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries (endpoint_id, id);

CREATE TABLE webhook_attempts (
    id           TEXT PRIMARY KEY,
    delivery_id  TEXT NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
    attempted_at TIMESTAMP NOT NULL,
    -- the HTTP status the endpoint answered, or NULL with an error when it did not answer
    status_code  INTEGER,
    error        TEXT,
    duration_ms  INTEGER NOT NULL
);
CREATE INDEX webhook_attempts_delivery ON webhook_attempts (delivery_id, id);
