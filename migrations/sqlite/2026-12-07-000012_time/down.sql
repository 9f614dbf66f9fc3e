DROP TABLE port_delays;
DROP TABLE port_deadlines;
DROP TABLE test_clocks;
ALTER TABLE companies DROP COLUMN sandbox;
