//! What the real binary writes to its log, at debug level: no secret ever appears there —
//! a power-of-attorney link's token (it signs for the number's owner), passwords, client
//! secrets, access tokens and password links — whatever happens to the request; nor does
//! any answer after the one that created a secret show it again.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};

mod support;

use support::{BIN, free_port};

/// The server at debug level with the demo company, writing its log to a file: its
/// process, address, mailbox folder and log file.
async fn serve(dir: &std::path::Path) -> (Child, String, PathBuf, PathBuf) {
    let mailbox = dir.join("mailbox");
    let log = dir.join("server.log");
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let child = Command::new(BIN)
        .arg("serve")
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("DATABASE_URL", dir.join("db.sqlite"))
        .env("DATA_DIR", dir)
        .env("MAILBOX_DIR", &mailbox)
        .env("BIND_ADDR", format!("127.0.0.1:{port}"))
        .env("DEMO", "true")
        .env("DONOR_GATEWAY", "manual")
        .env("WEBHOOK_TARGETS", "loopback")
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
    (child, base, mailbox, log)
}

/// Stops the server and answers its log.
fn stopped(mut child: Child, log: &std::path::Path) -> String {
    let _ = child.kill();
    let _ = child.wait();
    std::fs::read_to_string(log).unwrap()
}

/// Fails naming the log lines that hold `secret`.
fn assert_absent(written: &str, secret: &str, what: &str) {
    assert!(
        !written.contains(secret),
        "{what} is in the log:\n{}",
        written
            .lines()
            .filter(|l| l.contains(secret))
            .collect::<Vec<_>>()
            .join("\n")
    );
}

/// The token of the first link to `path` (`/poa/`) in the mailbox folder.
async fn mailed_token(mailbox: &std::path::Path, path: &str) -> String {
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
            let start = t.find(path)? + path.len();
            Some(t[start..start + 43].to_owned())
        }) {
            return token;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("no {path} link in {}", mailbox.display());
}

#[tokio::test]
async fn a_signing_links_token_never_reaches_the_log() {
    let dir = tempfile::tempdir().unwrap();
    let (child, base, mailbox, log) = serve(dir.path()).await;
    let client = reqwest::Client::new();
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
    let link = mailed_token(&mailbox, "/poa/").await;
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
    let written = stopped(child, &log);
    assert!(
        written.contains("/poa/{redacted}/sign"),
        "the signing requests are logged, redacted"
    );
    assert_absent(&written, &link, "the signing link's token");
}

/// A fresh random text, so nothing in the log can hold it by chance.
fn fresh(prefix: &str) -> String {
    format!("{prefix}-{}", uuid::Uuid::now_v7().simple())
}

#[tokio::test]
async fn no_password_secret_token_or_link_reaches_the_log_or_a_later_answer() {
    let dir = tempfile::tempdir().unwrap();
    let (child, base, mailbox, log) = serve(dir.path()).await;
    let client = reqwest::Client::new();
    let login = |form: Vec<(&'static str, String)>| {
        let client = client.clone();
        let url = format!("{base}/auth/token");
        async move { client.post(url).form(&form).send().await.unwrap() }
    };
    let bearer = |response: reqwest::Response| async move {
        assert_eq!(response.status(), StatusCode::OK);
        let body: Value = response.json().await.unwrap();
        body["access_token"].as_str().unwrap().to_owned()
    };
    let password = |email: &str, password: &str| {
        vec![
            ("grant_type", "password".to_owned()),
            ("username", email.to_owned()),
            ("password", password.to_owned()),
        ]
    };
    let operator = bearer(
        login(password(
            "operator@selvbetjening.example",
            "demo-operator-password",
        ))
        .await,
    )
    .await;
    let get = |path: String, token: String| {
        let client = client.clone();
        let url = format!("{base}{path}");
        async move { client.get(url).bearer_auth(token).send().await.unwrap() }
    };
    let companies: Value = get("/operator/companies".into(), operator.clone())
        .await
        .json()
        .await
        .unwrap();
    let company = companies["items"][0]["id"].as_str().unwrap().to_owned();

    // A user with a password, logging in right and wrong, by form and by JSON.
    let first_password = fresh("first-password");
    let wrong_password = fresh("wrong-password");
    let email = "secret.keeper@nordlys.example";
    let created = client
        .post(format!("{base}/operator/companies/{company}/users"))
        .bearer_auth(&operator)
        .json(&json!({"email": email, "role": "viewer", "password": first_password}))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), StatusCode::CREATED);
    let user_token = bearer(login(password(email, &first_password)).await).await;
    assert_eq!(
        login(password(email, &wrong_password)).await.status(),
        StatusCode::BAD_REQUEST
    );
    let json_login = client
        .post(format!("{base}/auth/token"))
        .json(&json!({"grant_type": "password", "username": email, "password": first_password}))
        .send()
        .await
        .unwrap();
    let json_token = bearer(json_login).await;

    // An API client: its secret is shown once, then used in the body and as Basic auth.
    let created: Value = client
        .post(format!("{base}/operator/companies/{company}/clients"))
        .bearer_auth(&operator)
        .json(&json!({"name": "HR-system", "role": "admin"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let client_id = created["client_id"].as_str().unwrap().to_owned();
    let secret = created["client_secret"].as_str().unwrap().to_owned();
    let client_token = bearer(
        login(vec![
            ("grant_type", "client_credentials".to_owned()),
            ("client_id", client_id.clone()),
            ("client_secret", secret.clone()),
        ])
        .await,
    )
    .await;
    let basic = client
        .post(format!("{base}/auth/token"))
        .basic_auth(&client_id, Some(&secret))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    let basic_token = bearer(basic).await;

    // The tokens at work, answered and refused.
    for token in [&user_token, &json_token, &client_token, &basic_token] {
        assert_eq!(
            get("/subscriptions".into(), token.clone()).await.status(),
            StatusCode::OK
        );
        let missing = format!("/orders/{}", uuid::Uuid::now_v7());
        assert_eq!(
            get(missing, token.clone()).await.status(),
            StatusCode::NOT_FOUND
        );
    }

    // A password link: asked for, opened, used to choose a new password.
    let asked = client
        .post(format!("{base}/auth/password-reset"))
        .json(&json!({"email": email}))
        .send()
        .await
        .unwrap();
    assert_eq!(asked.status(), StatusCode::ACCEPTED);
    let link = mailed_token(&mailbox, "/auth/password-reset/").await;
    let opened = client
        .get(format!("{base}/auth/password-reset/{link}"))
        .send()
        .await
        .unwrap();
    assert_eq!(opened.status(), StatusCode::OK);
    let new_password = fresh("new-password");
    let chosen = client
        .post(format!("{base}/auth/password-reset/{link}"))
        .json(&json!({"password": new_password}))
        .send()
        .await
        .unwrap();
    assert!(chosen.status().is_success(), "{}", chosen.status());
    let later_token = bearer(login(password(email, &new_password)).await).await;

    // A webhook endpoint's secret, and the one that replaces it.
    let admin = bearer(login(password("admin@nordlys.example", "demo-admin-password")).await).await;
    let endpoint: Value = client
        .post(format!("{base}/webhook-endpoints"))
        .bearer_auth(&admin)
        .json(&json!({"url": "http://127.0.0.1:9/hook", "events": ["order.confirmed"]}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let endpoint_id = endpoint["endpoint"]["id"].as_str().unwrap().to_owned();
    let webhook_secret = endpoint["secret"].as_str().unwrap().to_owned();
    let rotated: Value = client
        .post(format!(
            "{base}/webhook-endpoints/{endpoint_id}/rotate-secret"
        ))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let rotated_secret = rotated["secret"].as_str().unwrap().to_owned();

    // No later answer shows a secret again: not the lists of users, clients and messages.
    let secrets = [
        ("the first password", first_password.as_str()),
        ("a wrong password", wrong_password.as_str()),
        ("the new password", new_password.as_str()),
        ("the client secret", secret.as_str()),
        ("a webhook secret", webhook_secret.as_str()),
        ("a rotated webhook secret", rotated_secret.as_str()),
        ("the password link's token", link.as_str()),
        ("a password hash", "$argon2"),
    ];
    for (path, token) in [
        (format!("/webhook-endpoints/{endpoint_id}"), &admin),
        ("/webhook-endpoints".to_owned(), &admin),
        (
            format!("/webhook-endpoints/{endpoint_id}/deliveries"),
            &admin,
        ),
    ] {
        let text = get(path.clone(), token.clone()).await.text().await.unwrap();
        for (what, secret) in secrets {
            assert!(!text.contains(secret), "{what} is in GET {path}");
        }
    }
    for path in [
        format!("/operator/companies/{company}/users"),
        format!("/operator/companies/{company}/clients"),
        "/operator/outbox?limit=200".to_owned(),
        "/audit-events?limit=200".to_owned(),
    ] {
        let response = get(path.clone(), operator.clone()).await;
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        let text = response.text().await.unwrap();
        for (what, secret) in secrets {
            assert!(!text.contains(secret), "{what} is in GET {path}");
        }
    }

    tokio::time::sleep(Duration::from_millis(300)).await;
    let written = stopped(child, &log);
    assert!(written.contains("/auth/token"), "the logins are logged");
    for (what, secret) in secrets {
        assert_absent(&written, secret, what);
    }
    for (what, token) in [
        ("the operator's token", &operator),
        ("a user's token", &user_token),
        ("a JSON login's token", &json_token),
        ("a client's token", &client_token),
        ("a Basic login's token", &basic_token),
        ("a token after the reset", &later_token),
    ] {
        assert_absent(&written, token, what);
        // Nor the token's signature alone.
        assert_absent(&written, token.rsplit('.').next().unwrap(), what);
    }
}
