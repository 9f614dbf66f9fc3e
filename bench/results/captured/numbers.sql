BEGIN;
SELECT "numbers"."number" FROM "numbers" WHERE ((("numbers"."state" = 'available') OR (("numbers"."state" = 'reserved') AND ("numbers"."reserved_until" < E'2026-12-04 16\07215\07210.7713'))) AND ("numbers"."company_id" = '01a241d6-67df-7350-8427-82ec5978f5a8')) ORDER BY "numbers"."number" ASC LIMIT '51';
COMMIT;
