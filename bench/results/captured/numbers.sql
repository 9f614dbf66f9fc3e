BEGIN;
SELECT "test_clocks"."frozen_time" FROM "test_clocks" WHERE ("test_clocks"."company_id" = '01a24f61-e3e7-7742-8249-074be46201a9') LIMIT '1';
SELECT "numbers"."number" FROM "numbers" WHERE ((("numbers"."state" = 'available') OR (("numbers"."state" = 'reserved') AND ("numbers"."reserved_until" < E'2026-12-07 07\07222\07225.12739'))) AND ("numbers"."company_id" = '01a24f61-e3e7-7742-8249-074be46201a9')) ORDER BY "numbers"."number" ASC LIMIT '51';
COMMIT;
