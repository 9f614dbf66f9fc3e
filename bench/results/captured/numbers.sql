BEGIN;
SELECT "numbers"."number" FROM "numbers" WHERE ((("numbers"."state" = 'available') OR (("numbers"."state" = 'reserved') AND ("numbers"."reserved_until" < E'2026-12-06 22\07225\07250.835307'))) AND ("numbers"."company_id" = '01a24d76-8aba-7535-b484-7e93c113dbe6')) ORDER BY "numbers"."number" ASC LIMIT '51';
COMMIT;
