-- The employee journey: draft orders, the subscriptions they create, the SIM serial
-- counter, initials held by drafts and subscriptions, and the outbox of emails.

CREATE TABLE orders (
    id                  TEXT PRIMARY KEY NOT NULL,
    company_id          TEXT NOT NULL REFERENCES companies (id),
    status              TEXT NOT NULL CHECK (status IN ('draft', 'confirmed', 'cancelled', 'expired')),
    version             INTEGER NOT NULL,
    plan_code           TEXT NOT NULL REFERENCES plans (code),
    mobile_package_code TEXT NOT NULL REFERENCES mobile_packages (code),
    data_sharing_cards  INTEGER NOT NULL,
    -- name, title, email, cost_center as JSON; initials apart, for uniqueness
    employee            TEXT NOT NULL,
    initials            TEXT NOT NULL,
    number              TEXT NOT NULL,
    -- owner_email, owner_name, requested_date as JSON for a port-in; NULL for a new number
    port                TEXT,
    expires_at          TIMESTAMP NOT NULL,
    created_at          TIMESTAMP NOT NULL,
    updated_at          TIMESTAMP NOT NULL,
    subscription_id     TEXT
);
CREATE INDEX orders_company ON orders (company_id, id);

-- Initials are unique per company among live subscriptions and drafts; a draft's claim
-- lapses with the draft (expires_at), a subscription's when it is terminated.
CREATE TABLE initials_claims (
    company_id TEXT NOT NULL REFERENCES companies (id),
    initials   TEXT NOT NULL,
    holder_id  TEXT NOT NULL,
    expires_at TIMESTAMP,
    PRIMARY KEY (company_id, initials)
);
CREATE INDEX initials_claims_holder ON initials_claims (holder_id);

CREATE TABLE subscriptions (
    id                  TEXT PRIMARY KEY NOT NULL,
    company_id          TEXT NOT NULL REFERENCES companies (id),
    order_id            TEXT NOT NULL UNIQUE REFERENCES orders (id),
    status              TEXT NOT NULL CHECK (status IN ('pending_port', 'active', 'terminated')),
    version             INTEGER NOT NULL,
    plan_code           TEXT NOT NULL REFERENCES plans (code),
    mobile_package_code TEXT NOT NULL REFERENCES mobile_packages (code),
    data_sharing_cards  INTEGER NOT NULL,
    employee_name       TEXT NOT NULL,
    initials            TEXT NOT NULL,
    number              TEXT NOT NULL,
    -- title, email, cost_center, uc_account as JSON
    details             TEXT NOT NULL,
    iccid               TEXT NOT NULL UNIQUE,
    terminates_on       DATE,
    created_at          TIMESTAMP NOT NULL,
    updated_at          TIMESTAMP NOT NULL
);
CREATE INDEX subscriptions_company ON subscriptions (company_id, id);

-- The next SIM serial per issuer; taken inside the confirming transaction.
CREATE TABLE sim_serials (
    issuer      INTEGER PRIMARY KEY NOT NULL,
    next_serial BIGINT NOT NULL
);
INSERT INTO sim_serials (issuer, next_serial) VALUES (10, 1);

-- Emails, written in the transaction of the change that causes them and delivered by
-- the outbox worker (at least once).
CREATE TABLE outbox (
    id              TEXT PRIMARY KEY NOT NULL,
    company_id      TEXT REFERENCES companies (id),
    kind            TEXT NOT NULL,
    recipient       TEXT NOT NULL,
    subject         TEXT NOT NULL,
    body            TEXT NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('pending', 'sent', 'failed')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMP NOT NULL,
    claimed_until   TIMESTAMP,
    last_error      TEXT,
    created_at      TIMESTAMP NOT NULL,
    sent_at         TIMESTAMP
);
CREATE INDEX outbox_due ON outbox (status, next_attempt_at);
