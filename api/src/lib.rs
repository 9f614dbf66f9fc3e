//! Selvbetjening's HTTP API: the use cases (`app`), their HTTP face (`routes`, `http`,
//! `wire`), auth, errors, the OpenAPI document, the workers and the CLI.
//! `docs/architecture.md` draws the layers.

pub mod app;
pub mod auth;
pub mod body;
pub mod cli;
pub mod config;
pub mod demo;
pub mod emails;
pub mod error;
pub mod fallback;
pub mod fields;
pub mod http;
pub mod mail;
pub mod metrics;
pub mod openapi;
pub mod pages;
pub mod routes;
pub mod scheduler;
pub mod secrets;
pub mod startup;
pub mod state;
pub mod telemetry;
pub mod webhooks;
pub mod wire;

pub use config::Config;
pub use startup::Application;
