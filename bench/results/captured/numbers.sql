BEGIN;
SELECT "numbers"."number" FROM "numbers" WHERE ((("numbers"."state" = 'available') OR (("numbers"."state" = 'reserved') AND ("numbers"."reserved_until" < E'2026-12-04 18\07238\07238.460724'))) AND ("numbers"."company_id" = '01a24259-d269-73bf-80d9-ffc1fbf44a8b')) ORDER BY "numbers"."number" ASC LIMIT '51';
COMMIT;
