BEGIN;
SELECT "test_clocks"."frozen_time" FROM "test_clocks" WHERE ("test_clocks"."company_id" = '01a24f56-3090-7262-9c4a-502009ad4d0d') LIMIT '1';
SELECT "numbers"."number" FROM "numbers" WHERE ((("numbers"."state" = 'available') OR (("numbers"."state" = 'reserved') AND ("numbers"."reserved_until" < E'2026-12-07 07\07209\07238.320624'))) AND ("numbers"."company_id" = '01a24f56-3090-7262-9c4a-502009ad4d0d')) ORDER BY "numbers"."number" ASC LIMIT '51';
COMMIT;
