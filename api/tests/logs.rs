//! What the real binary writes to its log: a power-of-attorney link's token signs for the
//! number's owner, so it never appears there, whatever happens to the request.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::{Command, Stdio};
use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};

mod support;

use support::{BIN, free_port};

/// The token of the first signing link in the mailbox folder.
async fn signing_token(mailbox: &std::path::Path) -> String {
    for _ in 0..100 {
        let texts: Vec<String> = std::fs::read_dir(mailbox)
            .map(|d| {
                d.flatten()
                    .filter_map(|e| std::fs::read_to_string(e.path()).ok())
                    .map(|t| t.replace("=\r\n", "").replace("=\n", ""))
                    .collect()
            })
            .unwrap_or_default();
        if let Some(token) = texts.iter().find_map(|t| {
            let start = t.find("/poa/")? + 5;
            Some(t[start..start + 43].to_owned())
        }) {
            return token;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("no power of attorney in {}", mailbox.display());
}

#[tokio::test]
async fn a_signing_links_token_never_reaches_the_log() {
    let dir = tempfile::tempdir().unwrap();
    let mailbox = dir.path().join("mailbox");
    let log = dir.path().join("server.log");
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let mut child = Command::new(BIN)
        .arg("serve")
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("DATABASE_URL", dir.path().join("db.sqlite"))
        .env("DATA_DIR", dir.path())
        .env("MAILBOX_DIR", &mailbox)
        .env("BIND_ADDR", format!("127.0.0.1:{port}"))
        .env("DEMO", "true")
        .env("DONOR_GATEWAY", "manual")
        .env("OUTBOX_POLL_MS", "50")
        .env("LOG_FORMAT", "json")
        .env("RUST_LOG", "debug")
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&log).unwrap())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let client = reqwest::Client::new();
    let mut ready = false;
    for _ in 0..300 {
        if let Ok(r) = client.get(format!("{base}/health/ready")).send().await
            && r.status() == StatusCode::OK
        {
            ready = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(ready, "the server answers");

    let token: Value = client
        .post(format!("{base}/auth/token"))
        .form(&[
            ("grant_type", "password"),
            ("username", "admin@nordlys.example"),
            ("password", "demo-admin-password"),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let admin = token["access_token"].as_str().unwrap().to_owned();
    let draft: Value = client
        .post(format!("{base}/orders"))
        .bearer_auth(&admin)
        .json(&json!({
            "plan": "ERHVERV_M", "mobile_package": "DATA_50",
            "employee": {"name": "Jens Hansen", "initials": "JH", "title": "Sælger", "email": "jens@nordlys.example"},
            "number": {"type": "port_in", "number": "+4522334455", "owner_email": "jens@privat.example", "owner_name": "Jens Hansen"}
        }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let confirmed = client
        .post(format!(
            "{base}/orders/{}/confirm",
            draft["id"].as_str().unwrap()
        ))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(confirmed.status(), StatusCode::CREATED);

    // The owner opens the link, fails to consent, signs, and tries the spent link again:
    // every kind of answer the link's routes give, each logged.
    let link = signing_token(&mailbox).await;
    let poa = format!("{base}/poa/{link}");
    assert_eq!(
        client.get(&poa).send().await.unwrap().status(),
        StatusCode::OK
    );
    let sign = |consent: bool| {
        client
            .post(format!("{poa}/sign"))
            .json(&json!({"signer_name": "Jens Hansen", "consent": consent}))
            .send()
    };
    assert_eq!(
        sign(false).await.unwrap().status(),
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(sign(true).await.unwrap().status(), StatusCode::OK);
    assert_eq!(sign(true).await.unwrap().status(), StatusCode::GONE);
    assert_eq!(
        client.get(&poa).send().await.unwrap().status(),
        StatusCode::GONE
    );

    tokio::time::sleep(Duration::from_millis(300)).await;
    let _ = child.kill();
    let _ = child.wait();
    let written = std::fs::read_to_string(&log).unwrap();
    assert!(
        written.contains("/poa/{redacted}/sign"),
        "the signing requests are logged, redacted"
    );
    assert!(
        !written.contains(&link),
        "the token is in the log:\n{}",
        written
            .lines()
            .filter(|l| l.contains(&link))
            .collect::<Vec<_>>()
            .join("\n")
    );
}
