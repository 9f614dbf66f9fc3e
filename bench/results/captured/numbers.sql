BEGIN;
SELECT "numbers"."number" FROM "numbers" WHERE ((("numbers"."state" = 'available') OR (("numbers"."state" = 'reserved') AND ("numbers"."reserved_until" < E'2026-12-05 00\07206\07238.274515'))) AND ("numbers"."company_id" = '01a24386-1dbe-756c-99ca-251ba7070069')) ORDER BY "numbers"."number" ASC LIMIT '51';
COMMIT;
