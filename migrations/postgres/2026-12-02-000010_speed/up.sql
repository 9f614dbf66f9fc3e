-- SIM serials come from a sequence: every confirmation used to lock the one sim_serials
-- row until it committed, so confirmations took turns. A rolled-back confirmation leaves
-- a gap in the serials; an ICCID must be unique, not consecutive. The table stays the
-- record of issuers (and is what SQLite, with its one writer, counts with).
CREATE SEQUENCE sim_serials_10;
SELECT setval('sim_serials_10', (SELECT next_serial FROM sim_serials WHERE issuer = 10), false);

-- A confirmation finds the number its draft reserved by the draft's id.
CREATE INDEX numbers_reserved_by ON numbers (reserved_by);

-- Search (q: a case-insensitive substring of name, initials or number) uses trigram
-- indexes instead of reading every row of the company.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX subscriptions_search_name ON subscriptions USING gin (lower(employee_name) gin_trgm_ops);
CREATE INDEX subscriptions_search_initials ON subscriptions USING gin (initials gin_trgm_ops);
CREATE INDEX subscriptions_search_number ON subscriptions USING gin (number gin_trgm_ops);
