//! What the tests that run the real binary as processes share: a fresh PostgreSQL
//! database, a server process on it, and small HTTP and mailbox helpers.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection};
use reqwest::StatusCode;
use serde_json::Value;

pub const BIN: &str = env!("CARGO_BIN_EXE_selvbetjening");
pub const SECRET: &str = "two-processes-secret-two-processes-secret-0123";

/// `TEST_DATABASE_URL`, or `None` when it is not set and the PostgreSQL case is skipped.
/// A skip says so on the terminal even when the test passes (written past the test
/// harness's capture), and is a failure when `TEST_REQUIRE_POSTGRES` is set, as CI sets it:
/// a run that was meant to cover PostgreSQL never passes by skipping it.
pub fn postgres_admin_url() -> Option<String> {
    if let Ok(url) = std::env::var("TEST_DATABASE_URL") {
        return Some(url);
    }
    let test = std::thread::current().name().unwrap_or("a test").to_owned();
    assert!(
        std::env::var_os("TEST_REQUIRE_POSTGRES").is_none(),
        "{test}: TEST_DATABASE_URL is not set, and TEST_REQUIRE_POSTGRES forbids skipping PostgreSQL"
    );
    use std::io::Write;
    let _ = writeln!(
        std::io::stderr(),
        "SKIPPED {test} on PostgreSQL: TEST_DATABASE_URL is not set"
    );
    None
}

pub struct Database {
    admin: String,
    name: String,
    pub url: String,
}

impl Database {
    pub fn create(admin: &str) -> Database {
        let name = format!("selvbetjening_test_{}", uuid::Uuid::now_v7().simple());
        let mut conn =
            PgConnection::establish(admin).expect("TEST_DATABASE_URL reaches PostgreSQL");
        conn.batch_execute(&format!("CREATE DATABASE {name}"))
            .unwrap();
        let (base, query) = admin
            .split_once('?')
            .map_or((admin, None), |(b, q)| (b, Some(q)));
        let host_start = base.find("://").map_or(0, |i| i + 3);
        let prefix = base[host_start..]
            .find('/')
            .map_or(base, |i| &base[..host_start + i]);
        let url = match query {
            Some(q) => format!("{prefix}/{name}?{q}"),
            None => format!("{prefix}/{name}"),
        };
        Database {
            admin: admin.to_owned(),
            name,
            url,
        }
    }
}

impl Drop for Database {
    fn drop(&mut self) {
        if let Ok(mut conn) = PgConnection::establish(&self.admin) {
            let _ = conn.batch_execute(&format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                self.name
            ));
        }
    }
}

/// A running `selvbetjening serve`, stopped when dropped.
pub struct Server {
    pub child: Child,
    pub base: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn command(db: &Database, dir: &Path) -> Command {
    let mut command = Command::new(BIN);
    command
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("DATABASE_URL", &db.url)
        .env("JWT_SECRET", SECRET)
        .env("DATA_DIR", dir)
        .env("DEMO", "false")
        .env("WEBHOOK_TARGETS", "loopback")
        .env("WEBHOOK_TIMEOUT_MS", "200")
        .env("OUTBOX_POLL_MS", "50")
        // A killed worker's claims on queued emails run out in 2 s, so a restart takes over.
        .env("OUTBOX_LEASE_SECONDS", "2")
        // A killed process's hold on a test clock's advance runs out in 3 s, so another
        // process resumes it.
        .env("TEST_CLOCK_LEASE_SECONDS", "3")
        // Likewise its hold on a bulk order's job.
        .env("BULK_ORDER_LEASE_SECONDS", "3")
        .env("WORKERS", "2")
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null());
    command
}

/// The operator's login every process test uses (`OPERATOR_EMAIL`, `OPERATOR_PASSWORD`),
/// made with the CLI as an operator's first login is.
pub const OPERATOR_EMAIL: &str = "ops@operator.example";
pub const OPERATOR_PASSWORD: &str = "operator-password-123";

pub fn create_operator(db: &Database, dir: &Path) {
    let status = command(db, dir)
        .args(["create-user", "--email", OPERATOR_EMAIL])
        .args(["--password", OPERATOR_PASSWORD, "--role", "operator"])
        .stdout(Stdio::null())
        .status()
        .unwrap();
    assert!(status.success(), "create-user");
}

/// A company (CVR 31258715) of `name` and `domain` registered through `server` by the
/// operator, with `numbers` in its own pool and an admin `admin@<domain>`: its id and the
/// admin's token.
pub async fn company_with_numbers(
    client: &reqwest::Client,
    server: &Server,
    operator: &str,
    (name, domain, sandbox): (&str, &str, bool),
    numbers: &[String],
) -> (String, String) {
    let r = post(client, server, "/operator/companies", operator,
        &serde_json::json!({"cvr": "31258715", "name": name, "email_domain": domain, "sandbox": sandbox}))
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let company = r.json::<serde_json::Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = post(
        client,
        server,
        &format!("/operator/companies/{company}/numbers"),
        operator,
        &serde_json::json!({"numbers": numbers}),
    )
    .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let email = format!("admin@{domain}");
    let r = post(
        client,
        server,
        &format!("/operator/companies/{company}/users"),
        operator,
        &serde_json::json!({"email": email, "role": "admin", "password": "company-password-123"}),
    )
    .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let admin = token(client, server, &email, "company-password-123").await;
    (company, admin)
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

pub async fn start(db: &Database, dir: &Path, mailbox: &Path) -> Server {
    let port = free_port();
    let child = command(db, dir)
        .arg("serve")
        .env("BIND_ADDR", format!("127.0.0.1:{port}"))
        .env("MAILBOX_DIR", mailbox)
        .stdout(Stdio::null())
        .spawn()
        .expect("the server binary starts");
    let server = Server {
        child,
        base: format!("http://127.0.0.1:{port}"),
    };
    let client = reqwest::Client::new();
    for _ in 0..200 {
        if let Ok(r) = client
            .get(format!("{}/health/ready", server.base))
            .send()
            .await
            && r.status() == StatusCode::OK
        {
            return server;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the server on port {port} did not become ready");
}

pub async fn token(
    client: &reqwest::Client,
    server: &Server,
    email: &str,
    password: &str,
) -> String {
    let r = client
        .post(format!("{}/auth/token", server.base))
        .form(&[
            ("grant_type", "password"),
            ("username", email),
            ("password", password),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    r.json::<Value>().await.unwrap()["access_token"]
        .as_str()
        .unwrap()
        .to_owned()
}

pub async fn post(
    client: &reqwest::Client,
    server: &Server,
    path: &str,
    token: &str,
    body: &Value,
) -> reqwest::Response {
    client
        .post(format!("{}{path}", server.base))
        .bearer_auth(token)
        .json(body)
        .send()
        .await
        .unwrap()
}

pub fn emails(folder: &Path) -> Vec<String> {
    std::fs::read_dir(folder)
        .map(|d| {
            d.flatten()
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|e| e == "eml"))
                .filter_map(|p| std::fs::read_to_string(p).ok())
                .collect()
        })
        .unwrap_or_default()
}

/// The Message-IDs of the emails in `folder`. A file without one is no delivery: one
/// being written as it is read, or one a `kill -9` cut short (the mailbox writes each
/// message in one go, into a file already created), whose message goes out again with the
/// same id once the killed worker's claim runs out.
pub fn message_ids(folder: &Path) -> std::collections::HashSet<String> {
    emails(folder)
        .iter()
        .filter_map(|email| {
            let header = email.lines().find_map(|l| l.strip_prefix("Message-ID: "))?;
            Some(header.trim().to_owned())
        })
        .collect()
}

pub fn message_id(email: &str) -> String {
    email
        .lines()
        .find_map(|l| l.strip_prefix("Message-ID: "))
        .expect("a Message-ID header")
        .trim()
        .to_owned()
}

/// `GET path` on `server`, as JSON.
pub async fn get(client: &reqwest::Client, server: &Server, path: &str, token: &str) -> Value {
    let r = client
        .get(format!("{}{path}", server.base))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK, "GET {path}");
    r.json::<Value>().await.unwrap()
}

/// Where the sandbox's test clock stands (`frozen_time`).
pub async fn frozen_time(
    client: &reqwest::Client,
    server: &Server,
    token: &str,
) -> chrono::DateTime<chrono::Utc> {
    instant(&get(client, server, "/test-clock", token).await["frozen_time"])
}

/// An RFC 3339 instant on the wire.
pub fn instant(value: &Value) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::parse_from_rfc3339(value.as_str().expect("an instant"))
        .expect("RFC 3339")
        .to_utc()
}

/// Polls the sandbox's test clock until it is no longer `advancing` (at most `patience`);
/// answers it as it then is.
pub async fn clock_settled(
    client: &reqwest::Client,
    server: &Server,
    token: &str,
    patience: Duration,
) -> Value {
    let until = std::time::Instant::now() + patience;
    loop {
        let clock = get(client, server, "/test-clock", token).await;
        if clock["status"] != "advancing" || std::time::Instant::now() > until {
            return clock;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Advances the sandbox's test clock to `to` and waits until it is ready there.
pub async fn advance_clock(
    client: &reqwest::Client,
    server: &Server,
    token: &str,
    to: chrono::DateTime<chrono::Utc>,
) {
    let r = post(
        client,
        server,
        "/test-clock/advance",
        token,
        &serde_json::json!({"frozen_time": to.to_rfc3339()}),
    )
    .await;
    assert_eq!(r.status(), StatusCode::ACCEPTED, "the advance is taken");
    let clock = clock_settled(client, server, token, Duration::from_secs(30)).await;
    assert_eq!(clock["status"], "ready", "{clock}");
    assert_eq!(instant(&clock["frozen_time"]), to, "{clock}");
}
