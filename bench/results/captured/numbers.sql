BEGIN;
SELECT "numbers"."number" FROM "numbers" WHERE ((("numbers"."state" = 'available') OR (("numbers"."state" = 'reserved') AND ("numbers"."reserved_until" < E'2026-12-05 02\07226\07258.178859'))) AND ("numbers"."company_id" = '01a24406-971e-767c-91b2-c072b210de6b')) ORDER BY "numbers"."number" ASC LIMIT '51';
COMMIT;
