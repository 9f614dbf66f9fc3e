BEGIN;
SELECT "numbers"."number" FROM "numbers" WHERE ((("numbers"."state" = 'available') OR (("numbers"."state" = 'reserved') AND ("numbers"."reserved_until" < E'2026-12-04 23\07233\07237.041788'))) AND ("numbers"."company_id" = '01a24367-e25e-7586-b39a-8dcda8fe8986')) ORDER BY "numbers"."number" ASC LIMIT '51';
COMMIT;
