//! Selvbetjening's HTTP API: routes, auth, errors, the OpenAPI document, the CLI.

pub mod auth;
pub mod body;
pub mod cli;
pub mod config;
pub mod demo;
pub mod error;
pub mod fallback;
pub mod fields;
pub mod idempotency;
pub mod mail;
pub mod metrics;
pub mod openapi;
pub mod routes;
pub mod scheduler;
pub mod startup;
pub mod state;
pub mod telemetry;

pub use config::Config;
pub use startup::Application;
