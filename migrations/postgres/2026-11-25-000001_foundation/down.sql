DROP TABLE login_failures;
DROP TABLE audit_events;
DROP TABLE numbers;
DROP TABLE mobile_packages;
DROP TABLE plans;
DROP TABLE api_clients;
DROP TABLE users;
DROP TABLE companies;
