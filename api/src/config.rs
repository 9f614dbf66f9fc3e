//! Configuration: one typed struct, from flags or the environment (flags win), and the
//! small choices it is made of. It stands on its own: the modules that act on a choice
//! import it from here, never the other way round.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use clap::{Args, ValueEnum};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

/// Which forwarding header the trusted proxies write.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, ValueEnum)]
pub enum ForwardedHeader {
    /// `X-Forwarded-For: client, proxy1, …` (nginx, most cloud balancers).
    #[default]
    XForwardedFor,
    /// `Forwarded: for=client, for=proxy1` (RFC 7239).
    Forwarded,
}

/// Which donor answers: `simulated` answers by itself within seconds; with `manual` the
/// operators record the donor's answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DonorGatewayKind {
    Simulated,
    Manual,
}

/// Where webhooks may go (`webhooks::targets` applies it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum WebhookTargets {
    Public,
    Loopback,
}

/// The business time of real companies: the system's or, in tests, set and moved by hand
/// so that nothing waits for days to pass. A sandbox company's business time is its test
/// clock instead (`app::Settings::now_for` asks the right one).
#[derive(Debug, Clone, Default)]
pub struct Clock {
    fixed: Arc<std::sync::RwLock<Option<chrono::DateTime<chrono::Utc>>>>,
}

impl Clock {
    /// Now: the set time, or the system's.
    pub fn now(&self) -> chrono::DateTime<chrono::Utc> {
        let fixed = self.fixed.read().map(|f| *f).unwrap_or(None);
        fixed.unwrap_or_else(domain::clock::system_now)
    }

    /// Now as stored: UTC, to the microsecond.
    pub fn stamp(&self) -> chrono::NaiveDateTime {
        domain::clock::stamp(self.now())
    }

    /// Fixes the time at `at`.
    pub fn set(&self, at: chrono::DateTime<chrono::Utc>) {
        if let Ok(mut fixed) = self.fixed.write() {
            *fixed = Some(at);
        }
    }

    /// Moves a set time on by `by` (a system clock moves by itself).
    pub fn advance(&self, by: chrono::Duration) {
        if let Ok(mut fixed) = self.fixed.write()
            && let Some(at) = fixed.as_mut()
        {
            *at += by;
        }
    }
}

/// Faults a test injects to prove what a crash at that point leaves behind. Nothing sets
/// them outside tests: they cannot be configured by flag or environment.
#[derive(Debug, Clone, Default)]
pub struct Faults {
    fail_before_answer: Arc<AtomicUsize>,
}

impl Faults {
    /// The next `n` keyed requests fail after their effect, before their answer is kept.
    pub fn fail_before_answer(&self, n: usize) {
        self.fail_before_answer.store(n, Ordering::SeqCst);
    }

    /// Whether this keyed request is one to fail (counting it).
    pub(crate) fn take_before_answer(&self) -> bool {
        self.fail_before_answer
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .is_ok()
    }
}

/// `Debug` is written by hand below: the secret and the URLs' passwords stay out of it.
#[derive(Clone, Args)]
pub struct Config {
    /// PostgreSQL (`postgres://…`) or SQLite (a file path, or `sqlite://path`).
    #[arg(
        long,
        env = "DATABASE_URL",
        default_value = "./data/selvbetjening.db",
        hide_env_values = true,
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
    #[arg(long, env = "SMTP_URL", hide_env_values = true, global = true)]
    pub smtp_url: Option<String>,

    /// Seed the demo company (its passwords are published) on an empty database. Default:
    /// on for SQLite while listening on loopback only; off otherwise.
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

    /// Lifetime of an access token, in seconds (60 to 86400).
    #[arg(long, env = "TOKEN_TTL_SECONDS", default_value_t = 3600, global = true)]
    pub token_ttl_seconds: u64,

    /// Minutes a draft order keeps its number without being edited or confirmed.
    #[arg(long, env = "DRAFT_TTL_MINUTES", default_value_t = 30, global = true)]
    pub draft_ttl_minutes: u32,

    /// How many of a company's number ports may wait for their owner's signature at once;
    /// one more is refused (409 `too_many_unsigned_ports`).
    #[arg(long, env = "MAX_UNSIGNED_PORTS", default_value_t = 50, global = true)]
    pub max_unsigned_ports: u32,

    /// The compensation a port owes for each working day it is late past its deadline, in
    /// øre (Teleloven §27 stk. 4 leaves the amount to the operator's terms).
    #[arg(
        long,
        env = "PORT_DELAY_COMPENSATION_ORE",
        default_value_t = 5000,
        global = true
    )]
    pub port_delay_compensation_ore: u32,

    /// How often the outbox worker looks for email to deliver, in milliseconds.
    #[arg(long, env = "OUTBOX_POLL_MS", default_value_t = 1000, global = true)]
    pub outbox_poll_ms: u64,

    /// How long a worker's claim on queued emails lasts: after a crash, its unsent emails
    /// go out once the claim runs out. Longer than an SMTP exchange (10 s).
    #[arg(
        long,
        env = "OUTBOX_LEASE_SECONDS",
        default_value_t = 60,
        global = true
    )]
    pub outbox_lease_seconds: u64,

    /// How long a process holds a sandbox's clock advance without moving it a step: after
    /// a crash, another process resumes the advance once the hold runs out.
    #[arg(
        long,
        env = "TEST_CLOCK_LEASE_SECONDS",
        default_value_t = 30,
        global = true
    )]
    pub test_clock_lease_seconds: u64,

    /// How long a process holds a bulk order's job without finishing a step: after a
    /// crash, another process resumes the job once the hold runs out.
    #[arg(
        long,
        env = "BULK_ORDER_LEASE_SECONDS",
        default_value_t = 30,
        global = true
    )]
    pub bulk_order_lease_seconds: u64,

    /// Where people reach this service: the base of links in emails (the power of
    /// attorney's signing link). Default: the address the server listens on.
    #[arg(long, env = "PUBLIC_URL", global = true)]
    pub public_url: Option<String>,

    /// HTTP worker threads (default: one per core).
    #[arg(long, env = "WORKERS", global = true)]
    pub workers: Option<usize>,

    /// Largest number of database connections in the pool (default: four per core).
    #[arg(long, env = "DATABASE_POOL_SIZE", default_value_t = default_pool_size(), global = true)]
    pub database_pool_size: u32,

    /// How long a request waits for a database connection before it answers 503, in
    /// milliseconds (when the database is away, this is how soon clients hear it).
    #[arg(
        long,
        env = "DATABASE_TIMEOUT_MS",
        default_value_t = 5000,
        global = true
    )]
    pub database_timeout_ms: u64,

    /// How often each process reads the revoked users, clients and companies, in
    /// milliseconds; a revocation takes effect everywhere within this.
    #[arg(
        long,
        env = "REVOCATION_REFRESH_MS",
        default_value_t = 10_000,
        global = true
    )]
    pub revocation_refresh_ms: u64,

    /// Proxies (CIDR blocks or addresses, comma-separated) whose `X-Forwarded-For` and
    /// `Forwarded` headers name the client; none by default, so only the TCP peer counts.
    #[arg(long, env = "TRUSTED_PROXIES", value_delimiter = ',', global = true)]
    pub trusted_proxies: Vec<String>,

    /// The forwarding header the trusted proxies write: `x-forwarded-for` or `forwarded`
    /// (RFC 7239). The other is ignored, so a client cannot slip an address in through it.
    #[arg(
        long,
        env = "FORWARDED_HEADER",
        value_enum,
        default_value = "x-forwarded-for",
        global = true
    )]
    pub forwarded_header: ForwardedHeader,

    /// Who answers signed port requests: `simulated` (answers by itself within seconds,
    /// so the whole journey completes locally) or `manual` (operators record the donor's
    /// answers). Default: simulated on the embedded database, manual on PostgreSQL.
    #[arg(long, env = "DONOR_GATEWAY", value_enum, global = true)]
    pub donor_gateway: Option<DonorGatewayKind>,

    /// Where webhooks may go: `public` (https to public addresses only) or `loopback`
    /// (127.0.0.0/8 and ::1 only, http allowed: for the demo, tests and contract checks,
    /// so nothing leaves the machine). Default: loopback with the demo, public otherwise.
    #[arg(long, env = "WEBHOOK_TARGETS", value_enum, global = true)]
    pub webhook_targets: Option<WebhookTargets>,

    /// How long one webhook delivery may take, in milliseconds (connect, send, answer).
    #[arg(
        long,
        env = "WEBHOOK_TIMEOUT_MS",
        default_value_t = 10_000,
        global = true
    )]
    pub webhook_timeout_ms: u64,

    /// Faults a test injects; never set from flags or the environment.
    #[arg(skip)]
    pub faults: Faults,

    /// Real companies' business time; tests set and move it, nothing else does.
    #[arg(skip)]
    pub clock: Clock,

    /// The machine's time for webhook deliveries (when an attempt is due, which secrets
    /// sign, when a failing endpoint is disabled); tests set and move it, nothing else does.
    #[arg(skip)]
    pub machine_clock: Clock,
}

/// A URL with its password (`scheme://user:password@host`) replaced, for logs and `Debug`.
pub fn without_password(url: &str) -> String {
    let Some(scheme_end) = url.find("://").map(|i| i + 3) else {
        return url.to_owned();
    };
    let rest = &url[scheme_end..];
    let authority_end = rest.find('/').unwrap_or(rest.len());
    match rest[..authority_end].rfind('@') {
        Some(at) => match rest[..at].find(':') {
            Some(colon) => format!(
                "{}{}:***{}",
                &url[..scheme_end],
                &rest[..colon],
                &rest[at..]
            ),
            None => url.to_owned(),
        },
        None => url.to_owned(),
    }
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("database_url", &without_password(&self.database_url))
            .field("bind_addr", &self.bind_addr)
            .field("jwt_secret", &self.jwt_secret.as_ref().map(|_| "***"))
            .field("data_dir", &self.data_dir)
            .field("mailbox_dir", &self.mailbox_dir)
            .field("smtp_url", &self.smtp_url.as_deref().map(without_password))
            .field("demo", &self.demo)
            .field("cors_origins", &self.cors_origins)
            .field("log_format", &self.log_format)
            .field("token_ttl_seconds", &self.token_ttl_seconds)
            .field("draft_ttl_minutes", &self.draft_ttl_minutes)
            .field("max_unsigned_ports", &self.max_unsigned_ports)
            .field(
                "port_delay_compensation_ore",
                &self.port_delay_compensation_ore,
            )
            .field("outbox_poll_ms", &self.outbox_poll_ms)
            .field("outbox_lease_seconds", &self.outbox_lease_seconds)
            .field("test_clock_lease_seconds", &self.test_clock_lease_seconds)
            .field("bulk_order_lease_seconds", &self.bulk_order_lease_seconds)
            .field("public_url", &self.public_url)
            .field("workers", &self.workers)
            .field("database_pool_size", &self.database_pool_size)
            .field("database_timeout_ms", &self.database_timeout_ms)
            .field("donor_gateway", &self.donor_gateway)
            .field("trusted_proxies", &self.trusted_proxies)
            .field("forwarded_header", &self.forwarded_header)
            .field("revocation_refresh_ms", &self.revocation_refresh_ms)
            .field("webhook_targets", &self.webhook_targets)
            .field("webhook_timeout_ms", &self.webhook_timeout_ms)
            .finish_non_exhaustive()
    }
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
            max_unsigned_ports: 50,
            port_delay_compensation_ore: 5000,
            outbox_poll_ms: 1000,
            outbox_lease_seconds: 60,
            test_clock_lease_seconds: 30,
            bulk_order_lease_seconds: 30,
            public_url: None,
            database_pool_size: default_pool_size(),
            database_timeout_ms: 5000,
            donor_gateway: None,
            trusted_proxies: Vec::new(),
            forwarded_header: ForwardedHeader::XForwardedFor,
            revocation_refresh_ms: 10_000,
            webhook_targets: None,
            webhook_timeout_ms: 10_000,
            faults: Faults::default(),
            clock: Clock::default(),
            machine_clock: Clock::default(),
        }
    }

    /// Loopback with the demo (nothing it sends leaves the machine), public otherwise.
    pub fn webhook_targets(&self) -> WebhookTargets {
        self.webhook_targets.unwrap_or(if self.demo_enabled() {
            WebhookTargets::Loopback
        } else {
            WebhookTargets::Public
        })
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

    /// The demo company, with its published passwords, is seeded by default only on the
    /// embedded database and only while the server listens on this machine alone
    /// (loopback): `DEMO=true` seeds it anywhere, `DEMO=false` nowhere.
    pub fn demo_enabled(&self) -> bool {
        self.demo
            .unwrap_or_else(|| self.is_embedded() && self.listens_on_loopback())
    }

    /// Whether only this machine can reach the listen address.
    pub fn listens_on_loopback(&self) -> bool {
        let host = self
            .bind_addr
            .rsplit_once(':')
            .map_or(self.bind_addr.as_str(), |(host, _)| host)
            .trim_start_matches('[')
            .trim_end_matches(']');
        host == "localhost"
            || host
                .parse::<std::net::IpAddr>()
                .is_ok_and(|ip| ip.is_loopback())
    }
}

/// The cores this process may use: the count that workers, the pool and password work
/// are sized by.
pub fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, usize::from)
}

/// Four connections per core: a request holds its connection only while its statements
/// run, so a few per core keep the database busy. More only add threads waiting for a
/// turn, each with memory of its own (bench/run: 8 instead of 10 on 2 cores, 2 MiB less at
/// the peak and no slower).
fn default_pool_size() -> u32 {
    u32::try_from(cores().saturating_mul(4))
        .unwrap_or(u32::MAX)
        .max(4)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn listening_on(bind_addr: &str, demo: Option<bool>) -> Config {
        let mut config = Config::defaults();
        config.bind_addr = bind_addr.to_owned();
        config.demo = demo;
        config
    }

    #[test]
    fn the_demo_is_seeded_by_default_only_when_listening_on_loopback() {
        for loopback in [
            "127.0.0.1:8080",
            "localhost:8080",
            "[::1]:8080",
            "127.0.0.2:0",
        ] {
            assert!(listening_on(loopback, None).demo_enabled(), "{loopback}");
        }
        for exposed in ["0.0.0.0:8080", "[::]:8080", "192.168.1.10:8080"] {
            assert!(!listening_on(exposed, None).demo_enabled(), "{exposed}");
        }
    }

    #[test]
    fn demo_true_seeds_it_anywhere_and_demo_false_nowhere() {
        assert!(listening_on("0.0.0.0:8080", Some(true)).demo_enabled());
        assert!(!listening_on("127.0.0.1:8080", Some(false)).demo_enabled());
    }

    #[test]
    fn debug_output_shows_no_secret_and_no_password() {
        let mut config = Config::defaults();
        config.jwt_secret = Some("jwt-secret-jwt-secret-jwt-secret-jwt".to_owned());
        config.database_url = "postgres://app:db-password@db:5432/selvbetjening".to_owned();
        config.smtp_url = Some("smtp://mailer:smtp-password@relay:25".to_owned());
        let shown = format!("{config:?}");
        for secret in ["jwt-secret", "db-password", "smtp-password"] {
            assert!(!shown.contains(secret), "{secret} in {shown}");
        }
        assert!(
            shown.contains("postgres://app:***@db:5432/selvbetjening"),
            "{shown}"
        );
    }

    #[test]
    fn a_url_without_a_password_is_shown_as_it_is() {
        assert_eq!(without_password("postgres://db/x"), "postgres://db/x");
        assert_eq!(without_password("./data/x.db"), "./data/x.db");
        assert_eq!(without_password("smtp://user@relay"), "smtp://user@relay");
    }

    #[test]
    fn the_demo_is_not_seeded_by_default_on_postgresql() {
        let mut config = listening_on("127.0.0.1:8080", None);
        config.database_url = "postgres://localhost/selvbetjening".to_owned();
        assert!(!config.demo_enabled());
    }
}
