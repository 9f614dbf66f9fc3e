SELECT 1;
BEGIN;
SET LOCAL plan_cache_mode = auto;
SELECT "subscriptions"."id", "subscriptions"."company_id", "subscriptions"."order_id", "subscriptions"."status", "subscriptions"."version", "subscriptions"."plan_code", "subscriptions"."mobile_package_code", "subscriptions"."data_sharing_cards", "subscriptions"."employee_name", "subscriptions"."initials", "subscriptions"."number", "subscriptions"."details", "subscriptions"."iccid", "subscriptions"."terminates_on", "subscriptions"."created_at", "subscriptions"."updated_at" FROM "subscriptions" WHERE (("subscriptions"."company_id" = '01a24f61-e3e7-7742-8249-074be46201a9') AND (((lower("subscriptions"."employee_name") LIKE '%jensen%' ESCAPE '\') OR ("subscriptions"."initials" LIKE '%JENSEN%' ESCAPE '\')) OR ("subscriptions"."number" LIKE '%jensen%' ESCAPE '\'))) ORDER BY "subscriptions"."id" ASC LIMIT '51';
COMMIT;
