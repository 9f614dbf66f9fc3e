BEGIN;
SELECT "numbers"."number" FROM "numbers" WHERE ((("numbers"."state" = 'available') OR (("numbers"."state" = 'reserved') AND ("numbers"."reserved_until" < E'2026-12-04 18\07208\07233.872771'))) AND ("numbers"."company_id" = '01a2423e-450f-72d0-9e7a-d2990f4ef571')) ORDER BY "numbers"."number" ASC LIMIT '51';
COMMIT;
