//! Configuration: one typed struct, from flags or the environment (flags win).

use std::path::PathBuf;

use clap::{Args, ValueEnum};

pub use crate::app::porting::donor::DonorGatewayKind;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Clone, Args)]
pub struct Config {
    /// PostgreSQL (`postgres://…`) or SQLite (a file path, or `sqlite://path`).
    #[arg(
        long,
        env = "DATABASE_URL",
        default_value = "./data/selvbetjening.db",
        global = true
    )]
    pub database_url: String,

    /// Address and port to listen on; port 0 picks a free one.
    #[arg(
        long,
        env = "BIND_ADDR",
        default_value = "127.0.0.1:8080",
        global = true
    )]
    pub bind_addr: String,

    /// HMAC secret for access tokens, at least 32 bytes. Default: generated once and kept
    /// in `<data dir>/jwt-secret`. Set it explicitly when several processes serve one database.
    #[arg(long, env = "JWT_SECRET", hide_env_values = true, global = true)]
    pub jwt_secret: Option<String>,

    /// Folder for the generated secret and the embedded database.
    #[arg(long, env = "DATA_DIR", default_value = "./data", global = true)]
    pub data_dir: PathBuf,

    /// Where emails are written as `.eml` files when no SMTP server is configured.
    #[arg(
        long,
        env = "MAILBOX_DIR",
        default_value = "./data/mailbox",
        global = true
    )]
    pub mailbox_dir: PathBuf,

    /// SMTP server for emails, e.g. `smtp://localhost:1025`. Unset: write to the mailbox folder.
    #[arg(long, env = "SMTP_URL", global = true)]
    pub smtp_url: Option<String>,

    /// Seed the demo company on an empty database. Default: on for SQLite, off for PostgreSQL.
    #[arg(long, env = "DEMO", global = true)]
    pub demo: Option<bool>,

    /// Browser origins allowed by CORS, comma-separated (none by default).
    #[arg(long, env = "CORS_ORIGINS", value_delimiter = ',', global = true)]
    pub cors_origins: Vec<String>,

    /// `text` or `json` log lines.
    #[arg(
        long,
        env = "LOG_FORMAT",
        value_enum,
        default_value = "text",
        global = true
    )]
    pub log_format: LogFormat,

    /// Lifetime of an access token, in seconds.
    #[arg(long, env = "TOKEN_TTL_SECONDS", default_value_t = 3600, global = true)]
    pub token_ttl_seconds: u64,

    /// Minutes a draft order keeps its number without being edited or confirmed.
    #[arg(long, env = "DRAFT_TTL_MINUTES", default_value_t = 30, global = true)]
    pub draft_ttl_minutes: u32,

    /// How often the outbox worker looks for email to deliver, in milliseconds.
    #[arg(long, env = "OUTBOX_POLL_MS", default_value_t = 1000, global = true)]
    pub outbox_poll_ms: u64,

    /// Where people reach this service: the base of links in emails (the power of
    /// attorney's signing link). Default: the address the server listens on.
    #[arg(long, env = "PUBLIC_URL", global = true)]
    pub public_url: Option<String>,

    /// HTTP worker threads (default: one per core).
    #[arg(long, env = "WORKERS", global = true)]
    pub workers: Option<usize>,

    /// Largest number of database connections in the pool.
    #[arg(long, env = "DATABASE_POOL_SIZE", default_value_t = 10, global = true)]
    pub database_pool_size: u32,

    /// Who answers signed port requests: `simulated` (answers by itself within seconds,
    /// so the whole journey completes locally) or `manual` (operators record the donor's
    /// answers). Default: simulated on the embedded database, manual on PostgreSQL.
    #[arg(long, env = "DONOR_GATEWAY", value_enum, global = true)]
    pub donor_gateway: Option<DonorGatewayKind>,

    /// Faults a test injects; never set from flags or the environment.
    #[arg(skip)]
    pub faults: crate::app::Faults,

    /// The clock of number porting; tests set and move it, nothing else does.
    #[arg(skip)]
    pub clock: crate::app::Clock,
}

impl Config {
    /// The defaults, without reading flags or the environment (for tests and tools).
    pub fn defaults() -> Config {
        Config {
            database_url: "./data/selvbetjening.db".to_owned(),
            bind_addr: "127.0.0.1:8080".to_owned(),
            jwt_secret: None,
            data_dir: PathBuf::from("./data"),
            mailbox_dir: PathBuf::from("./data/mailbox"),
            smtp_url: None,
            demo: None,
            cors_origins: Vec::new(),
            log_format: LogFormat::Text,
            token_ttl_seconds: 3600,
            workers: None,
            draft_ttl_minutes: 30,
            outbox_poll_ms: 1000,
            public_url: None,
            database_pool_size: 10,
            donor_gateway: None,
            faults: crate::app::Faults::default(),
            clock: crate::app::Clock::default(),
        }
    }

    pub fn is_embedded(&self) -> bool {
        persistence::Backend::of_url(&self.database_url) == persistence::Backend::Sqlite
    }

    /// The simulated donor by default on the embedded database, so a new user can follow
    /// a port to its end; manual on PostgreSQL, where a real operator runs.
    pub fn donor_gateway(&self) -> DonorGatewayKind {
        self.donor_gateway.unwrap_or(if self.is_embedded() {
            DonorGatewayKind::Simulated
        } else {
            DonorGatewayKind::Manual
        })
    }

    /// The demo company is seeded by default only on the embedded database.
    pub fn demo_enabled(&self) -> bool {
        self.demo.unwrap_or_else(|| self.is_embedded())
    }
}
