//! Two server processes of the real binary on one PostgreSQL database: what one process
//! reserves the other respects, and the outbox delivers every message exactly once
//! between them. Needs `TEST_DATABASE_URL` (as CI sets it); without it, it ends at once.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashSet;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection};
use reqwest::StatusCode;
use serde_json::{Value, json};

const BIN: &str = env!("CARGO_BIN_EXE_selvbetjening");
const SECRET: &str = "two-processes-secret-two-processes-secret-0123";
const SUBSCRIPTIONS: usize = 24;

struct Database {
    admin: String,
    name: String,
    url: String,
}

impl Database {
    fn create(admin: &str) -> Database {
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
struct Server {
    child: Child,
    base: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn command(db: &Database, dir: &Path) -> Command {
    let mut command = Command::new(BIN);
    command
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("DATABASE_URL", &db.url)
        .env("JWT_SECRET", SECRET)
        .env("DATA_DIR", dir)
        .env("DEMO", "false")
        .env("OUTBOX_POLL_MS", "50")
        .env("WORKERS", "2")
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null());
    command
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

async fn start(db: &Database, dir: &Path, mailbox: &Path) -> Server {
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

async fn token(client: &reqwest::Client, server: &Server, email: &str, password: &str) -> String {
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

async fn post(
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

fn emails(folder: &Path) -> Vec<String> {
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

fn message_id(email: &str) -> String {
    email
        .lines()
        .find_map(|l| l.strip_prefix("Message-ID: "))
        .expect("a Message-ID header")
        .trim()
        .to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_processes_share_reservations_and_deliver_each_email_once() {
    let Ok(admin_url) = std::env::var("TEST_DATABASE_URL") else {
        eprintln!("TEST_DATABASE_URL is not set: the two-process test does not run here");
        return;
    };
    let db = Database::create(&admin_url);
    let dir = tempfile::tempdir().unwrap();
    let status = command(&db, dir.path())
        .args([
            "create-user",
            "--email",
            "ops@operator.example",
            "--password",
            "operator-password-123",
            "--role",
            "operator",
        ])
        .stdout(Stdio::null())
        .status()
        .unwrap();
    assert!(status.success(), "create-user");

    let (mail_a, mail_b) = (dir.path().join("mailbox-a"), dir.path().join("mailbox-b"));
    let a = start(&db, dir.path(), &mail_a).await;
    let b = start(&db, dir.path(), &mail_b).await;
    let client = reqwest::Client::new();
    let operator = token(&client, &a, "ops@operator.example", "operator-password-123").await;

    let company = post(&client, &a, "/operator/companies", &operator,
        &json!({"cvr": "31258715", "name": "Nordlys Rådgivning ApS", "email_domain": "nordlys.example"})).await;
    assert_eq!(company.status(), StatusCode::CREATED);
    let company = company.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let numbers: Vec<String> = (0..SUBSCRIPTIONS)
        .map(|i| format!("+45207100{i:02}"))
        .collect();
    let r = post(
        &client,
        &b,
        &format!("/operator/companies/{company}/numbers"),
        &operator,
        &json!({"numbers": numbers}),
    )
    .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let r = post(&client, &b, &format!("/operator/companies/{company}/users"), &operator,
        &json!({"email": "admin@nordlys.example", "role": "admin", "password": "company-password-123"})).await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let admin = token(&client, &b, "admin@nordlys.example", "company-password-123").await;

    // Twenty drafts for one number, half through each process: exactly one wins.
    let racing = (0..20).map(|i| {
        let (client, admin) = (client.clone(), admin.clone());
        let base = if i % 2 == 0 { a.base.clone() } else { b.base.clone() };
        async move {
            let body = json!({"plan": "ERHVERV_M", "mobile_package": "DATA_50",
                "employee": {"name": "Mette Hansen", "initials": format!("R{}", (b'A' + i as u8) as char), "title": "Projektleder", "email": "mette@nordlys.example"},
                "number": {"type": "new", "number": "+4520710000"}});
            let r = client.post(format!("{base}/orders")).bearer_auth(&admin).json(&body).send().await.unwrap();
            let status = r.status();
            let body: Value = r.json().await.unwrap();
            (status, body)
        }
    });
    let answers = futures_util::future::join_all(racing).await;
    let won: Vec<&Value> = answers
        .iter()
        .filter(|(s, _)| *s == StatusCode::CREATED)
        .map(|(_, b)| b)
        .collect();
    assert_eq!(won.len(), 1, "{answers:?}");
    assert!(
        answers
            .iter()
            .filter(|(s, _)| *s != StatusCode::CREATED)
            .all(|(s, b)| *s == StatusCode::CONFLICT && b["code"] == "number_unavailable"),
        "{answers:?}"
    );
    let winner = won[0]["id"].as_str().unwrap().to_owned();
    let r = post(
        &client,
        &b,
        &format!("/orders/{winner}/confirm"),
        &admin,
        &json!({}),
    )
    .await;
    assert_eq!(r.status(), StatusCode::CREATED);

    // The rest of the numbers: a subscription each, confirmed through either process.
    for (i, number) in numbers.iter().enumerate().skip(1) {
        let (drafting, confirming) = if i % 2 == 0 { (&a, &b) } else { (&b, &a) };
        let initials: String = [b'A' + (i / 26) as u8, b'A' + (i % 26) as u8]
            .iter()
            .map(|&c| c as char)
            .collect();
        let body = json!({"plan": "ERHVERV_S", "mobile_package": "DATA_10",
            "employee": {"name": format!("Medarbejder {i}"), "initials": format!("M{initials}"), "title": "Konsulent", "email": format!("m{i}@nordlys.example")},
            "number": {"type": "new", "number": number}});
        let r = post(&client, drafting, "/orders", &admin, &body).await;
        assert_eq!(r.status(), StatusCode::CREATED);
        let id = r.json::<Value>().await.unwrap()["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let r = post(
            &client,
            confirming,
            &format!("/orders/{id}/confirm"),
            &admin,
            &json!({}),
        )
        .await;
        assert_eq!(r.status(), StatusCode::CREATED);
    }

    // Both workers poll the one outbox; every welcome email arrives exactly once.
    for _ in 0..200 {
        if emails(&mail_a).len() + emails(&mail_b).len() >= SUBSCRIPTIONS {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // A little longer, so a duplicate delivery would have time to show.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let delivered = [emails(&mail_a), emails(&mail_b)].concat();
    let ids: HashSet<String> = delivered.iter().map(|e| message_id(e)).collect();
    assert_eq!(delivered.len(), SUBSCRIPTIONS, "each email once");
    assert_eq!(ids.len(), SUBSCRIPTIONS, "no email twice");
    let sent = client
        .get(format!("{}/operator/outbox?status=sent&limit=200", a.base))
        .bearer_auth(&operator)
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap();
    assert_eq!(sent["items"].as_array().unwrap().len(), SUBSCRIPTIONS);
    eprintln!(
        "process A delivered {}, process B {}",
        emails(&mail_a).len(),
        emails(&mail_b).len()
    );
}
