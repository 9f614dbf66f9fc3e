-- Four-eyes approval: an order or a bulk job may wait for a second admin.
ALTER TABLE orders DROP CONSTRAINT orders_status_check;
ALTER TABLE orders ADD CONSTRAINT orders_status_check CHECK (status IN ('draft',
    'awaiting_approval', 'confirmed', 'cancelled', 'expired', 'approval_expired'));
ALTER TABLE bulk_orders DROP CONSTRAINT bulk_orders_status_check;
ALTER TABLE bulk_orders ADD CONSTRAINT bulk_orders_status_check CHECK (status IN ('validating',
    'drafting', 'drafted', 'awaiting_approval', 'confirming', 'completed', 'invalid', 'failed',
    'cancelled', 'expired'));

-- A company's approval rule (four-eyes): which confirms wait for a second admin, and for
-- how long. No row: nothing waits.
CREATE TABLE approval_rules (
    company_id                 TEXT PRIMARY KEY NOT NULL REFERENCES companies (id),
    above_monthly_incl_vat_ore BIGINT,
    bulk                       BOOLEAN NOT NULL,
    expires_after_hours        INTEGER NOT NULL CHECK (expires_after_hours BETWEEN 1 AND 168),
    version                    INTEGER NOT NULL,
    updated_at                 TIMESTAMP NOT NULL
);

-- The latest approval asked for an order or a bulk job: who asked, until when, and who
-- answered how. Earlier rounds are in the audit log. Times are the company's business
-- time.
CREATE TABLE approvals (
    subject_id   TEXT PRIMARY KEY NOT NULL,
    company_id   TEXT NOT NULL REFERENCES companies (id),
    kind         TEXT NOT NULL CHECK (kind IN ('order', 'bulk_order')),
    requested_by TEXT NOT NULL,
    requested_at TIMESTAMP NOT NULL,
    expires_at   TIMESTAMP NOT NULL,
    decision     TEXT CHECK (decision IN ('approved', 'rejected')),
    decided_by   TEXT,
    decided_at   TIMESTAMP,
    reason       TEXT
);
