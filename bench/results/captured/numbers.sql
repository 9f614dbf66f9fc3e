BEGIN;
SELECT "numbers"."number" FROM "numbers" WHERE ((("numbers"."state" = 'available') OR (("numbers"."state" = 'reserved') AND ("numbers"."reserved_until" < E'2026-12-06 22\07239\07244.742018'))) AND ("numbers"."company_id" = '01a24d83-4313-75cf-8032-671410af7771')) ORDER BY "numbers"."number" ASC LIMIT '51';
COMMIT;
