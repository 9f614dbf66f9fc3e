DROP INDEX subscriptions_search_number;
DROP INDEX subscriptions_search_initials;
DROP INDEX subscriptions_search_name;
DROP INDEX numbers_reserved_by;
UPDATE sim_serials
SET next_serial = GREATEST(next_serial,
    (SELECT CASE WHEN is_called THEN last_value + 1 ELSE last_value END FROM sim_serials_10))
WHERE issuer = 10;
DROP SEQUENCE sim_serials_10;
