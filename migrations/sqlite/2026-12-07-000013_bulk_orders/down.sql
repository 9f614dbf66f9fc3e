ALTER TABLE orders DROP COLUMN bulk_order_id;
DROP TABLE bulk_order_rows;
DROP TABLE bulk_orders;
