-- A page deep in the company's subscriptions, after the cursor.
SELECT * FROM subscriptions WHERE company_id = :company AND id > :cursor ORDER BY id LIMIT 51;
