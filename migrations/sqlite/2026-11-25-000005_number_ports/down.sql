DROP INDEX subscriptions_terminates_on;
DROP TABLE number_port_events;
DROP TABLE number_ports;
