DROP INDEX number_ports_live;
CREATE UNIQUE INDEX number_ports_live ON number_ports (number)
    WHERE status NOT IN ('completed', 'expired', 'cancelled');
DROP INDEX subscriptions_live_initials;
