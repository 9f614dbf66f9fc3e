BEGIN;
SELECT "numbers"."number" FROM "numbers" WHERE ((("numbers"."state" = 'available') OR (("numbers"."state" = 'reserved') AND ("numbers"."reserved_until" < E'2026-12-04 21\07203\07232.640597'))) AND ("numbers"."company_id" = '01a242de-6a46-7165-bed9-756d44bcb1ad')) ORDER BY "numbers"."number" ASC LIMIT '51';
COMMIT;
