//! Black-box tests: each starts the real app on a random port over a fresh database and
//! runs on SQLite and (with `TEST_DATABASE_URL`) on PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod document;
mod helpers;

mod access;
mod approvals;
mod audit;
mod auth;
mod authorization;
mod bulk_orders;
mod catalog;
mod company_users;
mod contract_rules;
mod database_loss;
mod errors;
mod events;
mod health;
mod help;
mod hosted_pages;
mod hostile_input;
mod idempotency;
mod late_ports;
mod link_pages;
mod login_help;
mod metrics;
mod migrations;
mod numbers;
mod openapi;
mod operator;
mod orders;
mod outbox;
mod porting;
mod receiver;
mod request_limits;
mod sandbox;
mod scopes;
mod security;
mod subscriptions;
mod webhooks;
