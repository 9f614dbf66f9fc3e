BEGIN;
SELECT "numbers"."number" FROM "numbers" WHERE ((("numbers"."state" = 'available') OR (("numbers"."state" = 'reserved') AND ("numbers"."reserved_until" < E'2026-12-06 22\07210\07228.028186'))) AND ("numbers"."company_id" = '01a24d68-739e-7559-9778-973f61248594')) ORDER BY "numbers"."number" ASC LIMIT '51';
COMMIT;
