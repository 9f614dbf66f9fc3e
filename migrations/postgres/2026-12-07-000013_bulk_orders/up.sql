-- A bulk job: a spreadsheet of employees (or the same rows as JSON) drafted, reviewed and
-- confirmed as one. Its times are the company's business time, its lease machine time.
CREATE TABLE bulk_orders (
    id          TEXT PRIMARY KEY,
    company_id  TEXT NOT NULL REFERENCES companies (id),
    status      TEXT NOT NULL CHECK (status IN ('validating', 'drafting', 'drafted',
                    'confirming', 'completed', 'invalid', 'failed', 'cancelled', 'expired')),
    version     INTEGER NOT NULL,
    -- A CSV upload's header cells and separator (a JSON document), so the answer file is
    -- the uploaded one with its outcome columns added; NULL for JSON rows.
    header      TEXT,
    total       INTEGER NOT NULL,
    -- The job's own problems (a JSON array), e.g. not_enough_numbers.
    problems    TEXT,
    -- The drafts' priced total (a JSON document), once drafted.
    summary     TEXT,
    created_by  TEXT NOT NULL,
    confirmed_by TEXT,
    created_at  TIMESTAMP NOT NULL,
    updated_at  TIMESTAMP NOT NULL,
    expires_at  TIMESTAMP,
    lease_owner TEXT,
    lease_until TIMESTAMP,
    -- Steps that failed on a storage error other than a lost database, one after another;
    -- past a few, the job is ended rather than tried forever.
    failed_steps INTEGER NOT NULL DEFAULT 0
);
-- One running job per company, whatever the processes do at once.
CREATE UNIQUE INDEX bulk_orders_one_running ON bulk_orders (company_id)
    WHERE status IN ('validating', 'drafting', 'confirming');
CREATE INDEX bulk_orders_company ON bulk_orders (company_id, id);

-- One row of a job: the order form it reads as, the CSV cells as uploaded, and what became
-- of it.
CREATE TABLE bulk_order_rows (
    bulk_order_id   TEXT NOT NULL REFERENCES bulk_orders (id),
    row_number      INTEGER NOT NULL,
    form            TEXT NOT NULL,
    cells           TEXT,
    status          TEXT NOT NULL CHECK (status IN ('pending', 'invalid', 'drafted',
                        'confirmed', 'failed', 'cancelled')),
    problems        TEXT,
    order_id        TEXT,
    subscription_id TEXT,
    number_port_id  TEXT,
    PRIMARY KEY (bulk_order_id, row_number)
);

-- A draft made by a bulk job is reviewed, confirmed and cancelled with its job.
ALTER TABLE orders ADD COLUMN bulk_order_id TEXT;
