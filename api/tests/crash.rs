//! A server killed (`kill -9`) in the middle of confirmations loses nothing it
//! acknowledged and leaves nothing half-done: after a restart every confirmation retried
//! with its Idempotency-Key replays or confirms once, each order has exactly one
//! subscription with its number, and each welcome email is delivered once the worker
//! resumes. Needs `TEST_DATABASE_URL` (as CI sets it); without it, it ends at once.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{HashMap, HashSet};
use std::process::Stdio;
use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};

mod support;

use support::{Database, command, emails, message_id, post, start, token};

const ORDERS: usize = 40;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_server_killed_mid_load_keeps_every_confirmation_whole_and_once() {
    let Ok(admin_url) = std::env::var("TEST_DATABASE_URL") else {
        eprintln!("TEST_DATABASE_URL is not set: the crash test does not run here");
        return;
    };
    let db = Database::create(&admin_url);
    let dir = tempfile::tempdir().unwrap();
    let mailbox = dir.path().join("mailbox");
    let status = command(&db, dir.path())
        .args(["create-user", "--email", "ops@operator.example"])
        .args(["--password", "operator-password-123", "--role", "operator"])
        .stdout(Stdio::null())
        .status()
        .unwrap();
    assert!(status.success(), "create-user");
    let mut first = start(&db, dir.path(), &mailbox).await;
    let client = reqwest::Client::new();
    let operator = token(
        &client,
        &first,
        "ops@operator.example",
        "operator-password-123",
    )
    .await;
    let company = post(&client, &first, "/operator/companies", &operator,
        &json!({"cvr": "31258715", "name": "Nordlys Rådgivning ApS", "email_domain": "nordlys.example"}))
        .await
        .json::<Value>()
        .await
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let numbers: Vec<String> = (0..ORDERS).map(|i| format!("+45207100{i:02}")).collect();
    let r = post(
        &client,
        &first,
        &format!("/operator/companies/{company}/numbers"),
        &operator,
        &json!({"numbers": numbers}),
    )
    .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let r = post(&client, &first, &format!("/operator/companies/{company}/users"), &operator,
        &json!({"email": "admin@nordlys.example", "role": "admin", "password": "company-password-123"})).await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let admin = token(
        &client,
        &first,
        "admin@nordlys.example",
        "company-password-123",
    )
    .await;

    let mut drafts = Vec::new();
    for (i, number) in numbers.iter().enumerate() {
        let initials: String = [b'A' + (i / 26) as u8, b'A' + (i % 26) as u8]
            .iter()
            .map(|&c| c as char)
            .collect();
        let body = json!({"plan": "ERHVERV_S", "mobile_package": "DATA_10",
            "employee": {"name": format!("Medarbejder {i}"), "initials": format!("K{initials}"), "title": "Konsulent", "email": format!("k{i}@nordlys.example")},
            "number": {"type": "new", "number": number}});
        let r = post(&client, &first, "/orders", &admin, &body).await;
        assert_eq!(r.status(), StatusCode::CREATED);
        drafts.push(
            r.json::<Value>().await.unwrap()["id"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }

    // Every draft confirmed at once, each with its key; the server dies in the middle.
    let confirm = |base: String, id: String| {
        let (client, admin) = (client.clone(), admin.clone());
        async move {
            let sent = client
                .post(format!("{base}/orders/{id}/confirm"))
                .bearer_auth(&admin)
                .header("idempotency-key", format!("confirm-{id}"))
                .send()
                .await;
            match sent {
                Ok(r) if r.status() == StatusCode::CREATED => Some(
                    r.json::<Value>().await.ok()?["subscription"]["id"]
                        .as_str()?
                        .to_owned(),
                ),
                _ => None,
            }
        }
    };
    let load = tokio::spawn(futures_util::future::join_all(
        drafts
            .iter()
            .map(|id| confirm(first.base.clone(), id.clone()))
            .collect::<Vec<_>>(),
    ));
    tokio::time::sleep(Duration::from_millis(120)).await;
    first.child.kill().unwrap();
    first.child.wait().unwrap();
    let acknowledged: HashMap<String, String> = drafts
        .iter()
        .cloned()
        .zip(load.await.unwrap())
        .filter_map(|(id, sub)| sub.map(|s| (id, s)))
        .collect();
    eprintln!(
        "{} of {ORDERS} confirmations acknowledged before the kill",
        acknowledged.len()
    );

    // A new process on the same database: every key replays or confirms once.
    let second = start(&db, dir.path(), &mailbox).await;
    let mut subscriptions = HashSet::new();
    for id in &drafts {
        let r = client
            .post(format!("{}/orders/{id}/confirm", second.base))
            .bearer_auth(&admin)
            .header("idempotency-key", format!("confirm-{id}"))
            .send()
            .await
            .unwrap();
        // Never "still in flight" after a crash: a key commits only with its answer.
        assert_eq!(r.status(), StatusCode::CREATED, "{id}");
        let answer = r.json::<Value>().await.unwrap();
        let sub = answer["subscription"]["id"].as_str().unwrap().to_owned();
        if let Some(before) = acknowledged.get(id) {
            assert_eq!(
                &sub, before,
                "{id}: an acknowledged confirmation is the one replayed"
            );
        }
        assert_eq!(answer["order"]["status"], "confirmed");
        subscriptions.insert(sub);
    }
    assert_eq!(subscriptions.len(), ORDERS, "one subscription per order");
    let listed = client
        .get(format!("{}/subscriptions?limit=200", second.base))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap();
    let listed = listed["items"].as_array().unwrap();
    assert_eq!(
        listed.len(),
        ORDERS,
        "no subscription twice, none half-made"
    );
    let assigned: HashSet<&str> = listed
        .iter()
        .map(|s| s["number"].as_str().unwrap())
        .collect();
    assert_eq!(assigned.len(), ORDERS, "each with its own number");
    let free = client
        .get(format!("{}/numbers/available?limit=200", second.base))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap();
    assert!(
        free["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|n| !assigned.contains(n["number"].as_str().unwrap())),
        "an assigned number is not free"
    );

    // The worker resumes: every welcome email delivered, each Message-ID once; a delivery
    // the kill cut short may repeat with the same id, never with another.
    for _ in 0..200 {
        let ids: HashSet<String> = emails(&mailbox).iter().map(|e| message_id(e)).collect();
        if ids.len() >= ORDERS {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    let delivered = emails(&mailbox);
    let ids: HashSet<String> = delivered.iter().map(|e| message_id(e)).collect();
    assert_eq!(
        ids.len(),
        ORDERS,
        "every welcome email, none missing and none with a second id"
    );
    // A message the killed worker wrote but had not recorded is delivered again, with the
    // same id, once its claim runs out; then nothing is left pending.
    let mut pending = Value::Null;
    for _ in 0..100 {
        pending = client
            .get(format!(
                "{}/operator/outbox?status=pending&limit=200",
                second.base
            ))
            .bearer_auth(&operator)
            .send()
            .await
            .unwrap()
            .json::<Value>()
            .await
            .unwrap();
        if pending["items"].as_array().unwrap().is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        pending["items"].as_array().unwrap().is_empty(),
        "no message left behind: {pending}"
    );
    let ids: HashSet<String> = emails(&mailbox).iter().map(|e| message_id(e)).collect();
    assert_eq!(ids.len(), ORDERS, "still one id per welcome email");
}
