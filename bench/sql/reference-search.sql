-- A search page: a case-insensitive substring of name, initials or number.
SELECT * FROM subscriptions WHERE company_id = :company AND (lower(employee_name) LIKE :pattern OR initials LIKE upper(:pattern) OR number LIKE :pattern) ORDER BY id LIMIT 51;
