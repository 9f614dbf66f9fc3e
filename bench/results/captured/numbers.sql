BEGIN;
SELECT "test_clocks"."frozen_time" FROM "test_clocks" WHERE ("test_clocks"."company_id" = '01a24e2b-0c77-7382-9b0f-b5bf45d3b14c') LIMIT '1';
SELECT "numbers"."number" FROM "numbers" WHERE ((("numbers"."state" = 'available') OR (("numbers"."state" = 'reserved') AND ("numbers"."reserved_until" < E'2026-12-07 01\07242\07253.815654'))) AND ("numbers"."company_id" = '01a24e2b-0c77-7382-9b0f-b5bf45d3b14c')) ORDER BY "numbers"."number" ASC LIMIT '51';
COMMIT;
