DROP TABLE outbox;
DROP TABLE sim_serials;
DROP TABLE subscriptions;
DROP TABLE initials_claims;
DROP TABLE orders;
