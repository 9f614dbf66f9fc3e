-- A sandbox company lives by its own test clock; fixed when the company is created.
ALTER TABLE companies ADD COLUMN sandbox BOOLEAN NOT NULL DEFAULT 0;

-- A sandbox company's business time. It stands still until its admin advances it; an
-- advance is run by one process at a time, the one holding the lease (machine time).
CREATE TABLE test_clocks (
    company_id   TEXT PRIMARY KEY REFERENCES companies (id),
    frozen_time  TIMESTAMP NOT NULL,
    status       TEXT NOT NULL CHECK (status IN ('ready', 'advancing', 'internal_failure')),
    advancing_to TIMESTAMP,
    lease_owner  TEXT,
    lease_until  TIMESTAMP,
    updated_at   TIMESTAMP NOT NULL
);
CREATE INDEX test_clocks_advancing ON test_clocks (status) WHERE status = 'advancing';

-- A submitted port's deadline: the Danish date whose end it is (set by each submission),
-- the last working day counted late, and what the delay has come to so far.
CREATE TABLE port_deadlines (
    port_id              TEXT PRIMARY KEY REFERENCES number_ports (id),
    company_id           TEXT NOT NULL REFERENCES companies (id),
    deadline_on          DATE NOT NULL,
    delay_counted_to     DATE,
    delayed_working_days INTEGER NOT NULL DEFAULT 0,
    compensation_ore     BIGINT NOT NULL DEFAULT 0
);

-- One compensation entry per working day a port is late (Teleloven §27 stk. 4).
CREATE TABLE port_delays (
    port_id    TEXT NOT NULL REFERENCES number_ports (id),
    day        DATE NOT NULL,
    company_id TEXT NOT NULL REFERENCES companies (id),
    amount_ore BIGINT NOT NULL CHECK (amount_ore >= 0),
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (port_id, day)
);
CREATE INDEX port_delays_day ON port_delays (day, company_id);
