DROP TABLE approvals;
DROP TABLE approval_rules;
UPDATE orders SET status = 'draft' WHERE status = 'awaiting_approval';
UPDATE orders SET status = 'expired' WHERE status = 'approval_expired';
UPDATE bulk_orders SET status = 'drafted' WHERE status = 'awaiting_approval';
ALTER TABLE orders DROP CONSTRAINT orders_status_check;
ALTER TABLE orders ADD CONSTRAINT orders_status_check CHECK (status IN ('draft', 'confirmed',
    'cancelled', 'expired'));
ALTER TABLE bulk_orders DROP CONSTRAINT bulk_orders_status_check;
ALTER TABLE bulk_orders ADD CONSTRAINT bulk_orders_status_check CHECK (status IN ('validating',
    'drafting', 'drafted', 'confirming', 'completed', 'invalid', 'failed', 'cancelled',
    'expired'));
