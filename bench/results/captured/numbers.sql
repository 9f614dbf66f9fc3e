BEGIN;
SELECT "numbers"."number" FROM "numbers" WHERE ((("numbers"."state" = 'available') OR (("numbers"."state" = 'reserved') AND ("numbers"."reserved_until" < E'2026-12-06 22\07203\07248.603039'))) AND ("numbers"."company_id" = '01a24d62-6030-77c5-a940-53935234fa34')) ORDER BY "numbers"."number" ASC LIMIT '51';
COMMIT;
