-- Number ports ("nummerflytning"): an employee's existing number moving to us from the
-- donor operator, with the owner's power of attorney, and each port's history.
CREATE TABLE number_ports (
    id              TEXT PRIMARY KEY,
    company_id      TEXT NOT NULL REFERENCES companies (id),
    subscription_id TEXT NOT NULL UNIQUE REFERENCES subscriptions (id),
    number          TEXT NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('awaiting_signature', 'signed', 'submitted',
                        'accepted', 'rejected', 'completed', 'expired', 'cancelled')),
    version         INTEGER NOT NULL,
    owner_name      TEXT NOT NULL,
    owner_email     TEXT NOT NULL,
    requested_date  DATE,
    port_date       DATE,
    -- {code, text} as JSON while rejected
    rejection       TEXT,
    -- SHA-256 of the single-use power-of-attorney link's token; NULL once used
    poa_token_hash  TEXT UNIQUE,
    poa_expires_at  TIMESTAMP NOT NULL,
    created_at      TIMESTAMP NOT NULL,
    updated_at      TIMESTAMP NOT NULL
);
CREATE INDEX number_ports_company ON number_ports (company_id, id);
-- One live port per number: a second request for a number on its way is refused.
CREATE UNIQUE INDEX number_ports_live ON number_ports (number)
    WHERE status NOT IN ('completed', 'expired', 'cancelled');

CREATE TABLE number_port_events (
    id      TEXT PRIMARY KEY,
    port_id TEXT NOT NULL REFERENCES number_ports (id),
    status  TEXT NOT NULL,
    at      TIMESTAMP NOT NULL
);
CREATE INDEX number_port_events_port ON number_port_events (port_id, id);

-- Scheduled terminations are found by date.
CREATE INDEX subscriptions_terminates_on ON subscriptions (terminates_on);
