//! Two server processes of the real binary on one PostgreSQL database: what one process
//! reserves the other respects, and the outbox delivers every message exactly once
//! between them. Needs `TEST_DATABASE_URL` (as CI sets it); without it, it ends at once.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashSet;
use std::process::Stdio;
use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};

mod support;

use support::{Database, command, emails, message_id, post, start, token};

const SUBSCRIPTIONS: usize = 24;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_processes_share_reservations_and_deliver_each_email_once() {
    let Some(admin_url) = support::postgres_admin_url() else {
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
