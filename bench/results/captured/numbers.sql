BEGIN;
SELECT "numbers"."number" FROM "numbers" WHERE ((("numbers"."state" = 'available') OR (("numbers"."state" = 'reserved') AND ("numbers"."reserved_until" < E'2026-12-04 18\07218\07214.157229'))) AND ("numbers"."company_id" = '01a24247-21d7-76ba-8fe3-68c4d97be5a0')) ORDER BY "numbers"."number" ASC LIMIT '51';
COMMIT;
