BEGIN;
SELECT "numbers"."number" FROM "numbers" WHERE ((("numbers"."state" = 'available') OR (("numbers"."state" = 'reserved') AND ("numbers"."reserved_until" < E'2026-12-05 02\07246\07214.393063'))) AND ("numbers"."company_id" = '01a24418-3d01-70dc-9c02-b63297a5edd2')) ORDER BY "numbers"."number" ASC LIMIT '51';
COMMIT;
