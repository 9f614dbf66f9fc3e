DROP INDEX numbers_reserved_by;
