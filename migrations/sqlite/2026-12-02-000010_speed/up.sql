-- A confirmation finds the number its draft reserved by the draft's id.
-- (SIM serials stay a counter row: SQLite runs one writer at a time anyway. Search reads
-- the company's rows; see docs/decisions.md.)
CREATE INDEX numbers_reserved_by ON numbers (reserved_by);
