//! Selvbetjening's product rules, with no IO: the values an order is made of (each
//! parsed once at the edge, so an invalid one cannot exist), the lifecycles of orders,
//! numbers, subscriptions and number ports, pricing, and the Danish working-day
//! calendar that porting dates follow.

#[macro_use]
mod macros;

pub mod approval;
pub mod bulk;
pub mod calendar;
pub mod catalog;
pub mod clock;
pub mod company;
pub mod email;
pub mod employee;
pub mod error;
pub mod event;
pub mod message;
pub mod money;
pub mod number;
pub mod order;
pub mod porting;
pub mod pricing;
pub mod sim;
pub mod subscription;
pub mod text;
pub mod user;

#[cfg(test)]
mod test_support;

pub use error::{TransitionError, ValueError};
