-- The first page of the company's subscriptions (50 and one more, which says more follow).
SELECT * FROM subscriptions WHERE company_id = :company ORDER BY id LIMIT 51;
