//! A server killed (`kill -9`) in the middle of drafts and confirmations (with and without
//! an Idempotency-Key) loses nothing it acknowledged and leaves nothing half-done: after a
//! restart every acknowledged draft is there, every confirmation retried with its key
//! replays or confirms once, each confirmed order has exactly one subscription with its
//! number, each welcome email is delivered once the worker resumes, and the numbers and
//! initials of drafts nobody confirmed come free when the company's test clock moves past
//! their reservations (the company is a sandbox). Needs `TEST_DATABASE_URL` (as CI sets
//! it); without it, it ends at once.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};

#[path = "../../tests/api/receiver.rs"]
#[allow(dead_code)]
mod receiver;
mod support;

use support::{Database, message_ids, post, start, token};

const ORDERS: usize = 40;
/// Drafts made during the load, every other one confirmed at once without a key.
const EXTRA: usize = 20;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_server_killed_mid_load_keeps_every_confirmation_whole_and_once() {
    let Some(admin_url) = support::postgres_admin_url() else {
        return;
    };
    let db = Database::create(&admin_url);
    let dir = tempfile::tempdir().unwrap();
    let mailbox = dir.path().join("mailbox");
    support::create_operator(&db, dir.path());
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
        &json!({"cvr": "31258715", "name": "Nordlys Rådgivning ApS", "email_domain": "nordlys.example", "sandbox": true}))
        .await
        .json::<Value>()
        .await
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let numbers: Vec<String> = (0..ORDERS).map(|i| format!("+45207100{i:02}")).collect();
    let extra_numbers: Vec<String> = (0..EXTRA).map(|i| format!("+45207101{i:02}")).collect();
    let r = post(
        &client,
        &first,
        &format!("/operator/companies/{company}/numbers"),
        &operator,
        &json!({"numbers": numbers.iter().chain(&extra_numbers).collect::<Vec<_>>()}),
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

    // A partner hears of every confirmation.
    let partner = receiver::Receiver::start(Vec::new()).await;
    let r = post(
        &client,
        &first,
        "/webhook-endpoints",
        &admin,
        &json!({"url": partner.url, "events": ["order.confirmed"]}),
    )
    .await;
    assert_eq!(r.status(), StatusCode::CREATED);

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

    // Every draft confirmed at once, each with its key; the server dies in the middle, once
    // a third of the load has been answered.
    let answered = Arc::new(AtomicUsize::new(0));
    let keyless_answered = Arc::new(AtomicUsize::new(0));
    let confirm = |base: String, id: String| {
        let (client, admin, answered) = (client.clone(), admin.clone(), answered.clone());
        async move {
            let sent = client
                .post(format!("{base}/orders/{id}/confirm"))
                .bearer_auth(&admin)
                .header("idempotency-key", format!("confirm-{id}"))
                .send()
                .await;
            let subscription = match sent {
                Ok(r) if r.status() == StatusCode::CREATED => Some(
                    r.json::<Value>().await.ok()?["subscription"]["id"]
                        .as_str()?
                        .to_owned(),
                ),
                _ => None,
            };
            answered.fetch_add(usize::from(subscription.is_some()), Ordering::SeqCst);
            subscription
        }
    };
    let load = tokio::spawn(futures_util::future::join_all(
        drafts
            .iter()
            .map(|id| confirm(first.base.clone(), id.clone()))
            .collect::<Vec<_>>(),
    ));
    // Alongside: new drafts, every other one confirmed at once without a key.
    let draft_then_confirm = |base: String, i: usize, number: String| {
        let (client, admin, answered) = (client.clone(), admin.clone(), answered.clone());
        let keyless_answered = keyless_answered.clone();
        async move {
            let body = json!({"plan": "ERHVERV_S", "mobile_package": "DATA_10",
                "employee": {"name": format!("Ny {i}"), "initials": format!("X{}{}", (b'A' + (i / 26) as u8) as char, (b'A' + (i % 26) as u8) as char), "title": "Konsulent", "email": format!("x{i}@nordlys.example")},
                "number": {"type": "new", "number": number}});
            let sent = client
                .post(format!("{base}/orders"))
                .bearer_auth(&admin)
                .json(&body)
                .send()
                .await;
            let id = match sent {
                Ok(r) if r.status() == StatusCode::CREATED => {
                    r.json::<Value>().await.ok()?["id"].as_str()?.to_owned()
                }
                _ => return None,
            };
            answered.fetch_add(1, Ordering::SeqCst);
            if i % 2 == 1 {
                return Some((id, None));
            }
            let sent = client
                .post(format!("{base}/orders/{id}/confirm"))
                .bearer_auth(&admin)
                .send()
                .await;
            let subscription = match sent {
                Ok(r) if r.status() == StatusCode::CREATED => r
                    .json::<Value>()
                    .await
                    .ok()
                    .and_then(|v| Some(v["subscription"]["id"].as_str()?.to_owned())),
                _ => None,
            };
            answered.fetch_add(usize::from(subscription.is_some()), Ordering::SeqCst);
            keyless_answered.fetch_add(usize::from(subscription.is_some()), Ordering::SeqCst);
            Some((id, subscription))
        }
    };
    let extra_load = tokio::spawn(futures_util::future::join_all(
        extra_numbers
            .iter()
            .enumerate()
            .map(|(i, n)| draft_then_confirm(first.base.clone(), i, n.clone()))
            .collect::<Vec<_>>(),
    ));
    for _ in 0..1000 {
        if answered.load(Ordering::SeqCst) >= (ORDERS + EXTRA + EXTRA / 2) / 3
            && keyless_answered.load(Ordering::SeqCst) > 0
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    first.child.kill().unwrap();
    first.child.wait().unwrap();
    let extra: Vec<(String, Option<String>)> =
        extra_load.await.unwrap().into_iter().flatten().collect();
    let keyless: Vec<&(String, Option<String>)> =
        extra.iter().filter(|(_, s)| s.is_some()).collect();
    eprintln!(
        "{} of {EXTRA} drafts made during the load acknowledged, {} confirmed without a key",
        extra.len(),
        keyless.len()
    );
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

    // Every acknowledged draft is there; an acknowledged key-less confirmation holds, and
    // retrying it without a key is the documented 409, not a second subscription.
    for (id, acknowledged) in &extra {
        let order = client
            .get(format!("{}/orders/{id}", second.base))
            .bearer_auth(&admin)
            .send()
            .await
            .unwrap();
        assert_eq!(order.status(), StatusCode::OK, "acknowledged draft {id}");
        let order = order.json::<Value>().await.unwrap();
        if acknowledged.is_some() {
            assert_eq!(order["status"], "confirmed", "{id}");
            let again = client
                .post(format!("{}/orders/{id}/confirm", second.base))
                .bearer_auth(&admin)
                .send()
                .await
                .unwrap();
            assert_eq!(again.status(), StatusCode::CONFLICT, "{id}");
        }
    }
    let orders = items(&client, &second, "/orders?limit=200", &admin).await;
    let orders = orders["items"].as_array().unwrap().clone();
    let confirmed_orders: Vec<&Value> = orders
        .iter()
        .filter(|o| o["status"] == "confirmed")
        .collect();
    let drafts_left: Vec<&Value> = orders.iter().filter(|o| o["status"] == "draft").collect();
    assert_eq!(
        confirmed_orders.len() + drafts_left.len(),
        orders.len(),
        "every order is a draft or confirmed, nothing in between"
    );
    let listed = items(&client, &second, "/subscriptions?limit=200", &admin).await;
    let listed = listed["items"].as_array().unwrap();
    assert_eq!(
        listed.len(),
        confirmed_orders.len(),
        "one subscription per confirmed order: none twice, none half-made"
    );
    assert!(listed.len() >= ORDERS + keyless.len());
    let assigned: HashSet<&str> = listed
        .iter()
        .map(|s| s["number"].as_str().unwrap())
        .collect();
    assert_eq!(assigned.len(), listed.len(), "each with its own number");
    for order in &confirmed_orders {
        let number = order["number"]["number"].as_str().unwrap();
        assert!(
            assigned.contains(number),
            "{number} of a confirmed order is assigned"
        );
    }
    let free = items(&client, &second, "/numbers/available?limit=200", &admin).await;
    assert!(
        free["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|n| !assigned.contains(n["number"].as_str().unwrap())),
        "an assigned number is not free"
    );

    let welcomes = listed.len();
    // The worker resumes: every welcome email delivered, each Message-ID once; a delivery
    // the kill cut short may repeat with the same id, never with another.
    for _ in 0..200 {
        if message_ids(&mailbox).len() >= welcomes {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        message_ids(&mailbox).len(),
        welcomes,
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
    assert_eq!(
        message_ids(&mailbox).len(),
        welcomes,
        "still one id per welcome email"
    );

    // Every confirmation reached the partner: one event each, none lost (a delivery the
    // kill cut short comes again with the same webhook-id once its claim runs out).
    let events = items(
        &client,
        &second,
        "/events?type=order.confirmed&limit=200",
        &admin,
    )
    .await;
    let event_ids: HashSet<String> = events["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(event_ids.len(), listed.len(), "one event per confirmation");
    let mut heard = HashSet::new();
    for _ in 0..300 {
        heard = partner
            .received()
            .iter()
            .filter_map(|r| r.header("webhook-id").map(str::to_owned))
            .collect::<HashSet<String>>();
        if heard.len() >= event_ids.len() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(heard, event_ids, "every event delivered, none invented");
    eprintln!(
        "{} events delivered in {} requests",
        heard.len(),
        partner.received().len()
    );

    // Time passes: the company's test clock moves an hour on, past every draft's
    // reservation, and the drafts nobody confirmed lapse: their numbers and initials are
    // free again.
    let hour_on = support::frozen_time(&client, &second, &admin).await + chrono::Duration::hours(1);
    support::advance_clock(&client, &second, &admin, hour_on).await;
    let free = items(&client, &second, "/numbers/available?limit=200", &admin).await;
    let free: HashSet<&str> = free["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["number"].as_str().unwrap())
        .collect();
    let all: HashSet<&str> = numbers
        .iter()
        .chain(&extra_numbers)
        .map(String::as_str)
        .collect();
    let expected: HashSet<&str> = all.difference(&assigned).copied().collect();
    assert_eq!(free, expected, "every number not assigned is free again");
    if let Some(lapsed) = drafts_left.first() {
        let r = client
            .post(format!(
                "{}/orders/{}/confirm",
                second.base,
                lapsed["id"].as_str().unwrap()
            ))
            .bearer_auth(&admin)
            .send()
            .await
            .unwrap();
        assert!(
            r.status().is_client_error(),
            "a lapsed draft is not confirmed: {}",
            r.status()
        );
        // A new draft takes the lapsed one's initials and number.
        let body = json!({"plan": "ERHVERV_S", "mobile_package": "DATA_10",
            "employee": {"name": "Ny medarbejder", "initials": lapsed["employee"]["initials"], "title": "Konsulent", "email": "ny@nordlys.example"},
            "number": {"type": "new", "number": lapsed["number"]["number"]}});
        let r = post(&client, &second, "/orders", &admin, &body).await;
        assert_eq!(
            r.status(),
            StatusCode::CREATED,
            "a lapsed draft's initials and number are free again: {}",
            r.text().await.unwrap()
        );
    }
}

/// The page of `path` on `server`, as JSON.
async fn items(
    client: &reqwest::Client,
    server: &support::Server,
    path: &str,
    token: &str,
) -> Value {
    client
        .get(format!("{}{path}", server.base))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap()
}
