PRAGMA foreign_keys = OFF;
BEGIN;
DROP TABLE approvals;
DROP TABLE approval_rules;
UPDATE orders SET status = 'draft' WHERE status = 'awaiting_approval';
UPDATE orders SET status = 'expired' WHERE status = 'approval_expired';
UPDATE bulk_orders SET status = 'drafted' WHERE status = 'awaiting_approval';
CREATE TABLE orders_new (
    id                  TEXT PRIMARY KEY NOT NULL,
    company_id          TEXT NOT NULL REFERENCES companies (id),
    status              TEXT NOT NULL CHECK (status IN ('draft', 'confirmed', 'cancelled', 'expired')),
    version             INTEGER NOT NULL,
    plan_code           TEXT NOT NULL REFERENCES plans (code),
    mobile_package_code TEXT NOT NULL REFERENCES mobile_packages (code),
    data_sharing_cards  INTEGER NOT NULL,
    employee            TEXT NOT NULL,
    initials            TEXT NOT NULL,
    number              TEXT NOT NULL,
    port                TEXT,
    expires_at          TIMESTAMP NOT NULL,
    created_at          TIMESTAMP NOT NULL,
    updated_at          TIMESTAMP NOT NULL,
    subscription_id     TEXT,
    bulk_order_id       TEXT
);
INSERT INTO orders_new (id, company_id, status, version, plan_code, mobile_package_code, data_sharing_cards, employee, initials, number, port, expires_at, created_at, updated_at, subscription_id, bulk_order_id) SELECT id, company_id, status, version, plan_code, mobile_package_code, data_sharing_cards, employee, initials, number, port, expires_at, created_at, updated_at, subscription_id, bulk_order_id FROM orders;
DROP TABLE orders;
ALTER TABLE orders_new RENAME TO orders;
CREATE INDEX orders_company ON orders (company_id, id);

CREATE TABLE bulk_orders_new (
    id          TEXT PRIMARY KEY,
    company_id  TEXT NOT NULL REFERENCES companies (id),
    status      TEXT NOT NULL CHECK (status IN ('validating', 'drafting', 'drafted', 'confirming', 'completed', 'invalid', 'failed', 'cancelled', 'expired')),
    version     INTEGER NOT NULL,
    header      TEXT,
    total       INTEGER NOT NULL,
    problems    TEXT,
    summary     TEXT,
    created_by  TEXT NOT NULL,
    confirmed_by TEXT,
    created_at  TIMESTAMP NOT NULL,
    updated_at  TIMESTAMP NOT NULL,
    expires_at  TIMESTAMP,
    lease_owner TEXT,
    lease_until TIMESTAMP,
    failed_steps INTEGER NOT NULL DEFAULT 0
);
INSERT INTO bulk_orders_new (id, company_id, status, version, header, total, problems, summary, created_by, confirmed_by, created_at, updated_at, expires_at, lease_owner, lease_until, failed_steps) SELECT id, company_id, status, version, header, total, problems, summary, created_by, confirmed_by, created_at, updated_at, expires_at, lease_owner, lease_until, failed_steps FROM bulk_orders;
DROP TABLE bulk_orders;
ALTER TABLE bulk_orders_new RENAME TO bulk_orders;
CREATE UNIQUE INDEX bulk_orders_one_running ON bulk_orders (company_id)
    WHERE status IN ('validating', 'drafting', 'confirming');
CREATE INDEX bulk_orders_company ON bulk_orders (company_id, id);
COMMIT;
PRAGMA foreign_keys = ON;
