-- Foundation: companies, people and machine clients, the catalog, number pools, audit.
-- Ids are UUIDv7 text; times are UTC, written by the application (never a database default),
-- so both backends compare them the same way.

CREATE TABLE companies (
    id           TEXT PRIMARY KEY,
    cvr          TEXT NOT NULL UNIQUE,
    name         TEXT NOT NULL,
    email_domain TEXT NOT NULL,
    created_at   TIMESTAMP NOT NULL
);

CREATE TABLE users (
    id            TEXT PRIMARY KEY,
    email         TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('admin', 'viewer', 'operator')),
    company_id    TEXT REFERENCES companies (id),
    created_at    TIMESTAMP NOT NULL,
    -- operators belong to no company; everybody else to exactly one
    CHECK ((role = 'operator' AND company_id IS NULL) OR (role <> 'operator' AND company_id IS NOT NULL))
);

CREATE TABLE api_clients (
    id          TEXT PRIMARY KEY,
    company_id  TEXT NOT NULL REFERENCES companies (id),
    name        TEXT NOT NULL,
    role        TEXT NOT NULL CHECK (role IN ('admin', 'viewer')),
    secret_hash TEXT NOT NULL,
    created_at  TIMESTAMP NOT NULL
);
CREATE INDEX api_clients_company ON api_clients (company_id, id);

CREATE TABLE plans (
    code                        TEXT PRIMARY KEY,
    name                        TEXT NOT NULL,
    monthly_price_ore           BIGINT NOT NULL CHECK (monthly_price_ore >= 0),
    included_data_gb            INTEGER NOT NULL CHECK (included_data_gb >= 0),
    free_data_sharing_cards     INTEGER NOT NULL CHECK (free_data_sharing_cards >= 0),
    data_sharing_card_price_ore BIGINT NOT NULL CHECK (data_sharing_card_price_ore >= 0),
    setup_fee_ore               BIGINT NOT NULL CHECK (setup_fee_ore >= 0),
    sort_order                  INTEGER NOT NULL
);

CREATE TABLE mobile_packages (
    code              TEXT PRIMARY KEY,
    name              TEXT NOT NULL,
    data_gb           INTEGER NOT NULL CHECK (data_gb >= 0),
    monthly_price_ore BIGINT NOT NULL CHECK (monthly_price_ore >= 0),
    sort_order        INTEGER NOT NULL
);

CREATE TABLE numbers (
    id             TEXT PRIMARY KEY,
    number         TEXT NOT NULL UNIQUE,
    -- NULL: the operator's general pool
    company_id     TEXT REFERENCES companies (id),
    state          TEXT NOT NULL CHECK (state IN ('available', 'reserved', 'assigned')),
    reserved_until TIMESTAMP,
    reserved_by    TEXT,
    version        INTEGER NOT NULL DEFAULT 1,
    created_at     TIMESTAMP NOT NULL,
    updated_at     TIMESTAMP NOT NULL
);
CREATE INDEX numbers_pool ON numbers (company_id, state, number);

CREATE TABLE audit_events (
    id          TEXT PRIMARY KEY,
    occurred_at TIMESTAMP NOT NULL,
    actor_id    TEXT NOT NULL,
    actor_role  TEXT NOT NULL,
    company_id  TEXT REFERENCES companies (id),
    action      TEXT NOT NULL,
    object_type TEXT NOT NULL,
    object_id   TEXT NOT NULL,
    details     TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_events_company ON audit_events (company_id, id);

-- Failed logins, counted in the database so every API process sees the same count.
CREATE TABLE login_failures (
    id        TEXT PRIMARY KEY,
    subject   TEXT NOT NULL,
    failed_at TIMESTAMP NOT NULL
);
CREATE INDEX login_failures_subject ON login_failures (subject, failed_at);

INSERT INTO plans (code, name, monthly_price_ore, included_data_gb, free_data_sharing_cards, data_sharing_card_price_ore, setup_fee_ore, sort_order) VALUES
    ('ERHVERV_S',  'Erhverv S',  9900,  5,  0, 2900, 9900, 1),
    ('ERHVERV_M',  'Erhverv M',  14900, 30, 0, 2900, 9900, 2),
    ('ERHVERV_L',  'Erhverv L',  19900, 100, 1, 2900, 0, 3),
    ('ERHVERV_XL', 'Erhverv XL', 29900, 500, 3, 2900, 0, 4);

INSERT INTO mobile_packages (code, name, data_gb, monthly_price_ore, sort_order) VALUES
    ('DATA_10',  'Mobilpakke 10 GB',  10,  4900,  1),
    ('DATA_50',  'Mobilpakke 50 GB',  50,  9900,  2),
    ('DATA_100', 'Mobilpakke 100 GB', 100, 14900, 3),
    ('DATA_EU',  'Mobilpakke EU 200 GB', 200, 19900, 4);
