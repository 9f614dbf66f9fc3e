-- One subscription of the company.
SELECT * FROM subscriptions WHERE company_id = :company AND id = :subscription;
