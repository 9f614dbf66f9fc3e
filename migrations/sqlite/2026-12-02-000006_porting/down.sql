DROP TABLE poa_signatures;
DROP TABLE poa_links;
DROP INDEX number_ports_status;
ALTER TABLE number_ports DROP COLUMN submitted_at;
