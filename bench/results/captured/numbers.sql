BEGIN;
SELECT "numbers"."number" FROM "numbers" WHERE ((("numbers"."state" = 'available') OR (("numbers"."state" = 'reserved') AND ("numbers"."reserved_until" < E'2026-12-04 04\07200\07205.701667'))) AND ("numbers"."company_id" = '01a23f35-8096-7206-99a5-ba17919b40a2')) ORDER BY "numbers"."number" ASC LIMIT '51';
COMMIT;
