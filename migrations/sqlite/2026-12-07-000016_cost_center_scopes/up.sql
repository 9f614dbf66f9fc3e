-- Scoped admins and viewers: a user may be limited to some cost centres (NULL: the whole
-- company), and every object such a user may see or act on is filed under its employee's
-- cost centre: an order, a subscription, a number port (its subscription's), a bulk job
-- (each of its rows' cost centres, once). '' stands for none, which no scope names.
ALTER TABLE users ADD COLUMN cost_centers TEXT;
CREATE TABLE object_cost_centers (
    object_id   TEXT NOT NULL,
    company_id  TEXT NOT NULL REFERENCES companies (id),
    cost_center TEXT NOT NULL,
    PRIMARY KEY (object_id, cost_center)
);
CREATE INDEX object_cost_centers_company ON object_cost_centers (company_id, cost_center);
-- The object an event carries (its data's id), so scoped users read only their own.
ALTER TABLE events ADD COLUMN object_id TEXT;

INSERT INTO object_cost_centers (object_id, company_id, cost_center)
    SELECT id, company_id, COALESCE(json_extract(employee, '$.cost_center'), '') FROM orders;
INSERT INTO object_cost_centers (object_id, company_id, cost_center)
    SELECT id, company_id, COALESCE(json_extract(details, '$.cost_center'), '') FROM subscriptions;
INSERT INTO object_cost_centers (object_id, company_id, cost_center)
    SELECT p.id, p.company_id, c.cost_center FROM number_ports p
    JOIN object_cost_centers c ON c.object_id = p.subscription_id;
INSERT INTO object_cost_centers (object_id, company_id, cost_center)
    SELECT DISTINCT r.bulk_order_id, j.company_id, COALESCE(json_extract(r.form, '$.employee.cost_center'), '')
    FROM bulk_order_rows r JOIN bulk_orders j ON j.id = r.bulk_order_id;
UPDATE events SET object_id = json_extract(data, '$.id');
