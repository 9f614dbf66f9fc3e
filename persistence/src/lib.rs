//! Selvbetjening's storage: one repository API over SQLite (the embedded default) and
//! PostgreSQL (production), through diesel's `MultiConnection`.
//!
//! Every function takes a `&mut DbConnection`; the caller decides the transaction with
//! [`db::write`] or [`db::read`], so one request is one transaction.

pub mod approvals;
pub mod audit;
pub mod bulk_order_rows;
pub mod bulk_orders;
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
pub mod port_deadlines;
pub mod revocations;
pub mod schema;
pub mod scopes;
pub mod subscriptions;
pub mod test_clocks;
pub mod users;
pub mod webhook_deliveries;
pub mod webhook_endpoints;

pub use db::{Backend, DbConnection, Store};
pub use error::{Error, Result};
pub use page::Page;

/// Whose work a scheduled round does: the real companies' (at the system's time), or one
/// sandbox company's (at its test clock, while it advances). A real round never touches a
/// sandbox's items, whose time stands still until its clock moves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    Real,
    Sandbox(uuid::Uuid),
}

/// Keeps a boxed query's rows to a [`Scope`], by the table's `company_id` column.
macro_rules! in_scope {
    ($query:expr, $column:expr, $scope:expr) => {
        match $scope {
            $crate::Scope::Real => $query.filter(diesel::dsl::not($column.eq_any(
                $crate::schema::test_clocks::table.select($crate::schema::test_clocks::company_id),
            ))),
            $crate::Scope::Sandbox(company) => $query.filter($column.eq(company.to_string())),
        }
    };
}
pub(crate) use in_scope;

/// Machine time now (leases, retries, keeping times, when a record was made), as stored:
/// business time is always the caller's, passed in.
pub use domain::clock::machine_now;

/// A new time-ordered id (UUIDv7).
pub fn new_id() -> uuid::Uuid {
    uuid::Uuid::now_v7()
}
