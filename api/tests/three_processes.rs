//! Three server processes of the real binary on one PostgreSQL database: one
//! Idempotency-Key confirmed through all three makes one subscription and one email, a
//! number raced for through all three goes to one draft, and the login limit counts
//! across them. Needs `TEST_DATABASE_URL` (as CI sets it); without it, it ends at once.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashSet;
use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};

mod support;

use support::{Database, emails, message_id, post, start, token};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn three_processes_keep_one_key_one_number_and_one_limit() {
    let Some(admin_url) = support::postgres_admin_url() else {
        return;
    };
    let db = Database::create(&admin_url);
    let dir = tempfile::tempdir().unwrap();
    support::create_operator(&db, dir.path());
    let mailboxes: Vec<_> = (0..3)
        .map(|i| dir.path().join(format!("mailbox-{i}")))
        .collect();
    let mut servers = Vec::new();
    for mailbox in &mailboxes {
        servers.push(start(&db, dir.path(), mailbox).await);
    }
    let bases: Vec<String> = servers.iter().map(|s| s.base.clone()).collect();
    let client = reqwest::Client::new();
    let first = &servers[0];
    let operator = token(
        &client,
        first,
        "ops@operator.example",
        "operator-password-123",
    )
    .await;
    let company = post(&client, first, "/operator/companies", &operator,
        &json!({"cvr": "31258715", "name": "Nordlys Rådgivning ApS", "email_domain": "nordlys.example"}))
        .await
        .json::<Value>()
        .await
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = post(
        &client,
        &servers[1],
        &format!("/operator/companies/{company}/numbers"),
        &operator,
        &json!({"numbers": ["+4520710000", "+4520710001"]}),
    )
    .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let r = post(&client, &servers[2], &format!("/operator/companies/{company}/users"), &operator,
        &json!({"email": "admin@nordlys.example", "role": "admin", "password": "company-password-123"})).await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let admin = token(
        &client,
        &servers[2],
        "admin@nordlys.example",
        "company-password-123",
    )
    .await;

    // Fifteen drafts race for one number through the three: one wins.
    let racing = (0..15).map(|i| {
        let (client, admin, base) = (client.clone(), admin.clone(), bases[i % 3].clone());
        async move {
            let body = json!({"plan": "ERHVERV_M", "mobile_package": "DATA_50",
                "employee": {"name": "Mette Hansen", "initials": format!("R{}", (b'A' + i as u8) as char), "title": "Projektleder", "email": "mette@nordlys.example"},
                "number": {"type": "new", "number": "+4520710000"}});
            let r = client.post(format!("{base}/orders")).bearer_auth(&admin).json(&body).send().await.unwrap();
            (r.status(), r.json::<Value>().await.unwrap())
        }
    });
    let answers = futures_util::future::join_all(racing).await;
    let won: Vec<&Value> = answers
        .iter()
        .filter(|(s, _)| *s == StatusCode::CREATED)
        .map(|(_, b)| b)
        .collect();
    assert_eq!(won.len(), 1, "{answers:?}");
    let draft = won[0]["id"].as_str().unwrap().to_owned();

    // One key, nine confirmations through the three: one subscription, every answer it.
    let confirms = (0..9).map(|i| {
        let (client, admin, base, draft) = (
            client.clone(),
            admin.clone(),
            bases[i % 3].clone(),
            draft.clone(),
        );
        async move {
            let r = client
                .post(format!("{base}/orders/{draft}/confirm"))
                .bearer_auth(&admin)
                .header("idempotency-key", "one-key-three-servers")
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), StatusCode::CREATED);
            r.json::<Value>().await.unwrap()["subscription"]["id"]
                .as_str()
                .unwrap()
                .to_owned()
        }
    });
    let subscriptions: HashSet<String> = futures_util::future::join_all(confirms)
        .await
        .into_iter()
        .collect();
    assert_eq!(subscriptions.len(), 1, "{subscriptions:?}");

    // One welcome email, delivered by whichever worker claimed it, once.
    for _ in 0..100 {
        if mailboxes.iter().map(|m| emails(m).len()).sum::<usize>() >= 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let delivered: Vec<String> = mailboxes.iter().flat_map(|m| emails(m)).collect();
    let ids: HashSet<String> = delivered.iter().map(|e| message_id(e)).collect();
    assert_eq!((delivered.len(), ids.len()), (1, 1), "one email, once");

    // Five wrong passwords spread over the three: the sixth is refused by any of them.
    let wrong = |base: String| {
        let client = client.clone();
        async move {
            client
                .post(format!("{base}/auth/token"))
                .form(&[
                    ("grant_type", "password"),
                    ("username", "admin@nordlys.example"),
                    ("password", "wrong-wrong-wrong"),
                ])
                .send()
                .await
                .unwrap()
                .status()
        }
    };
    for i in 0..5 {
        assert_eq!(wrong(bases[i % 3].clone()).await, StatusCode::BAD_REQUEST);
    }
    for base in &bases {
        assert_eq!(
            wrong(base.clone()).await,
            StatusCode::TOO_MANY_REQUESTS,
            "{base}"
        );
    }
}
