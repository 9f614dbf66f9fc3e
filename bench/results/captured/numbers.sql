BEGIN;
SELECT "numbers"."number" FROM "numbers" WHERE ((("numbers"."state" = 'available') OR (("numbers"."state" = 'reserved') AND ("numbers"."reserved_until" < E'2026-12-04 22\07245\07224.546723'))) AND ("numbers"."company_id" = '01a2433b-beb2-7381-a9d5-66a92155d3cd')) ORDER BY "numbers"."number" ASC LIMIT '51';
COMMIT;
