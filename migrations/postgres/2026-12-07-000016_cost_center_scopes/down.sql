ALTER TABLE events DROP COLUMN object_id;
DROP TABLE object_cost_centers;
ALTER TABLE users DROP COLUMN cost_centers;
