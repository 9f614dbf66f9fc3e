BEGIN;
SELECT "numbers"."number" FROM "numbers" WHERE ((("numbers"."state" = 'available') OR (("numbers"."state" = 'reserved') AND ("numbers"."reserved_until" < E'2026-12-02 11\07252\07238.934621'))) AND ("numbers"."company_id" = '01a23699-5f43-7535-9aeb-e921769289ed')) ORDER BY "numbers"."number" ASC LIMIT '51';
COMMIT;
