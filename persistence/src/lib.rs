//! Selvbetjening's storage: one repository API over SQLite (the embedded default) and
//! PostgreSQL (production), through diesel's `MultiConnection`.
//!
//! Every function takes a `&mut DbConnection`; the caller decides the transaction with
//! [`db::write`] or [`db::read`], so one request is one transaction.

pub mod audit;
pub mod catalog;
pub mod clients;
pub mod companies;
pub mod db;
mod error;
pub mod events;
pub mod help;
pub mod idempotency;
pub mod login_failures;
pub mod login_links;
pub mod number_ports;
pub mod numbers;
pub mod orders;
pub mod outbox;
pub mod page;
pub mod revocations;
pub mod schema;
pub mod subscriptions;
pub mod users;
pub mod webhook_deliveries;
pub mod webhook_endpoints;

pub use db::{Backend, DbConnection, Store};
pub use error::{Error, Result};
pub use page::Page;

/// Now, in UTC, truncated to microseconds: PostgreSQL keeps microseconds, so a value
/// written and read back compares equal on both backends.
pub fn now() -> chrono::NaiveDateTime {
    let now = chrono::Utc::now().naive_utc();
    chrono::DurationRound::duration_trunc(now, chrono::TimeDelta::microseconds(1)).unwrap_or(now)
}

/// A new time-ordered id (UUIDv7).
pub fn new_id() -> uuid::Uuid {
    uuid::Uuid::now_v7()
}
