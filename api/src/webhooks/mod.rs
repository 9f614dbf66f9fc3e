//! Outbound webhooks: where they may go, and the worker that signs and delivers them.

pub mod addresses;
pub mod delivery;
pub mod targets;
