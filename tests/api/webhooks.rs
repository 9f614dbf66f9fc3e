//! Webhooks for partners: endpoints receive their company's events signed as Standard
//! Webhooks says (verified here with its Rust library, which matches the Python and npm
//! ones byte for byte), are retried on the schedule with the same `webhook-id`, sign with
//! both secrets during a rotation, never follow a redirect, never wait on each other, and
//! never reach beyond the allowed targets. Receivers run on loopback, with IP literals.

use std::time::Duration;

use reqwest::StatusCode;
use rstest::rstest;
use serde_json::{Value, json};

use crate::helpers::{
    Company, Db, TestApp, confirmed, form, json_of, patch, problem, second_process, spawn_app,
    spawn_app_with, with_numbers,
};
use crate::receiver::{Answer, Receiver};

/// Registers an endpoint for `events` at `url`; answers its id and secret.
async fn register(
    app: &TestApp,
    company: &Company,
    url: &str,
    events: &[&str],
) -> (String, String) {
    let created = json_of(
        app.post_json(
            "/webhook-endpoints",
            Some(&company.admin),
            &json!({"url": url, "events": events, "description": "HR-systemet"}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let secret = created["secret"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("whsec_"), "{secret}");
    (
        created["endpoint"]["id"].as_str().unwrap().to_owned(),
        secret,
    )
}

/// `POST /webhook-endpoints/{endpoint}/test`: queues a ping.
async fn send_ping(app: &TestApp, company: &Company, endpoint: &str) -> reqwest::Response {
    app.post_json(
        &format!("/webhook-endpoints/{endpoint}/test"),
        Some(&company.admin),
        &json!({}),
    )
    .await
}

async fn deliveries(app: &TestApp, company: &Company, endpoint: &str) -> Vec<Value> {
    let page = json_of(
        app.get(
            &format!("/webhook-endpoints/{endpoint}/deliveries"),
            Some(&company.admin),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    page["items"].as_array().unwrap().clone()
}

/// Waits (up to 10 s) until the endpoint's newest delivery has `status`.
async fn delivery_reaches(app: &TestApp, company: &Company, endpoint: &str, status: &str) -> Value {
    for _ in 0..200 {
        let all = deliveries(app, company, endpoint).await;
        if let Some(d) = all.first().filter(|d| d["status"] == status) {
            return d.clone();
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!(
        "no {status} delivery: {:?}",
        deliveries(app, company, endpoint).await
    );
}

#[rstest]
#[tokio::test]
async fn a_confirmed_order_reaches_a_receiver_signed_and_the_secret_is_shown_once(
    #[values(Db::Sqlite, Db::Postgres)] db: Db,
) {
    let Some(app) = spawn_app(db).await else {
        return;
    };
    let company = with_numbers(&app, &["20710001"], &[]).await;
    let receiver = Receiver::start(Vec::new()).await;
    let (endpoint, secret) = register(&app, &company, &receiver.url, &["order.confirmed"]).await;

    let confirmation = confirmed(&app, &company.admin, &form("MH", Some("20710001"))).await;
    let got = receiver.wait_for(1).await;
    let delivery = &got[0];
    delivery
        .verify(&secret)
        .expect("the signature verifies with the secret");
    assert!(
        delivery
            .verify("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
            .is_err()
    );
    let body = delivery.json();
    assert_eq!(body["type"], "order.confirmed");
    assert_eq!(body["id"], delivery.header("webhook-id").unwrap());
    assert_eq!(body["company_id"], company.id.as_str());
    assert_eq!(body["data"]["id"], confirmation["order"]["id"]);
    assert_eq!(body["data"]["status"], "confirmed");
    // The event as GET /events keeps it is the one delivered.
    let events = json_of(
        app.get("/events", Some(&company.admin)).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(events["items"][0], body);

    let logged = delivery_reaches(&app, &company, &endpoint, "delivered").await;
    assert_eq!(logged["event_id"], body["id"]);
    assert_eq!(logged["attempts"].as_array().unwrap().len(), 1);
    assert_eq!(logged["attempts"][0]["status_code"], 200);
    // The metrics count it, and nothing is left waiting.
    let metrics = app.get("/metrics", None).await.text().await.unwrap();
    assert!(
        metrics.contains("webhook_attempts_total{outcome=\"delivered\"} 1"),
        "{metrics}"
    );
    assert!(metrics.contains("webhook_deliveries_pending{measure=\"count\"} 0"));
    assert!(metrics.contains("webhook_deliveries_pending{measure=\"oldest_age_seconds\"} 0"));
    // subscription.activated was not asked for: only the one delivery.
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(receiver.received().len(), 1);

    // The secret is never shown again.
    for path in [
        "/webhook-endpoints".to_owned(),
        format!("/webhook-endpoints/{endpoint}"),
        format!("/webhook-endpoints/{endpoint}/deliveries"),
        "/audit-events".to_owned(),
    ] {
        let text = app
            .get(&path, Some(&company.admin))
            .await
            .text()
            .await
            .unwrap();
        assert!(!text.contains(&secret), "the secret is in GET {path}");
    }
}

#[rstest]
#[tokio::test]
async fn a_receiver_failing_three_times_gets_the_event_on_the_fourth_attempt(
    #[values(Db::Sqlite, Db::Postgres)] db: Db,
) {
    let Some(app) = spawn_app(db).await else {
        return;
    };
    let clock = app.config.machine_clock.clone();
    let company = with_numbers(&app, &["20710001"], &[]).await;
    let receiver = Receiver::start(vec![
        Answer::Status(500),
        Answer::Status(503),
        Answer::Status(500),
    ])
    .await;
    let (endpoint, secret) = register(&app, &company, &receiver.url, &["order.confirmed"]).await;
    confirmed(&app, &company.admin, &form("MH", Some("20710001"))).await;

    receiver.wait_for(1).await;
    // The schedule: 5 s, 5 min, 30 min after each failure. Nothing is sent early.
    for (n, wait) in [(2, 5), (3, 5 * 60), (4, 30 * 60)] {
        let pending = loop {
            let d = delivery_reaches(&app, &company, &endpoint, "pending").await;
            if d["attempts"].as_array().unwrap().len() == n - 1 {
                break d;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        };
        let last: chrono::DateTime<chrono::Utc> = pending["attempts"][n - 2]["at"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap();
        let due: chrono::DateTime<chrono::Utc> = pending["next_attempt_at"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap();
        assert_eq!((due - last).num_seconds(), wait, "attempt {n}");
        clock.set(due - chrono::Duration::seconds(1));
        tokio::time::sleep(Duration::from_millis(400)).await;
        assert_eq!(receiver.received().len(), n - 1, "attempt {n} came early");
        clock.set(due);
        receiver.wait_for(n).await;
    }
    let logged = delivery_reaches(&app, &company, &endpoint, "delivered").await;
    let codes: Vec<&Value> = logged["attempts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| &a["status_code"])
        .collect();
    assert_eq!(codes, [500, 503, 500, 200]);
    let got = receiver.received();
    assert_eq!(got.len(), 4);
    assert!(
        got.iter()
            .all(|r| r.header("webhook-id") == got[0].header("webhook-id")),
        "one webhook-id for every attempt"
    );
    for request in &got {
        assert!(request.signed_by(&secret));
    }
}

#[rstest]
#[tokio::test]
async fn a_rotated_secret_signs_beside_the_new_one(#[values(Db::Sqlite, Db::Postgres)] db: Db) {
    let Some(app) = spawn_app(db).await else {
        return;
    };
    let operator = app.operator_token().await;
    let company = app.company(&operator).await;
    let receiver = Receiver::start(Vec::new()).await;
    let (endpoint, old) = register(&app, &company, &receiver.url, &["order.confirmed"]).await;
    let rotated = json_of(
        app.post_json(
            &format!("/webhook-endpoints/{endpoint}/rotate-secret"),
            Some(&company.admin),
            &json!({}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let new = rotated["secret"].as_str().unwrap();
    assert_ne!(new, old);
    assert!(rotated["endpoint"]["previous_secret_expires_at"].is_string());

    let queued = json_of(
        send_ping(&app, &company, &endpoint).await,
        StatusCode::ACCEPTED,
    )
    .await;
    let ping = &receiver.wait_for(1).await[0];
    assert_eq!(ping.json()["type"], "ping");
    assert_eq!(
        ping.header("webhook-signature").unwrap().split(' ').count(),
        2,
        "two signatures during the rotation"
    );
    ping.verify(new).expect("the new secret verifies");
    ping.verify(&old).expect("the old secret still verifies");
    let logged = delivery_reaches(&app, &company, &endpoint, "delivered").await;
    assert_eq!(logged["id"], queued["delivery_id"]);

    // 24 hours on, only the new secret signs.
    app.config
        .machine_clock
        .set(chrono::Utc::now() + chrono::Duration::hours(25));
    let r = send_ping(&app, &company, &endpoint).await;
    assert_eq!(r.status(), StatusCode::ACCEPTED);
    let later = &receiver.wait_for(2).await[1];
    assert_eq!(
        later
            .header("webhook-signature")
            .unwrap()
            .split(' ')
            .count(),
        1
    );
    assert!(later.signed_by(new));
    assert!(!later.signed_by(&old));
}

#[rstest]
#[tokio::test]
async fn a_hanging_receiver_does_not_hold_up_another_endpoint(
    #[values(Db::Sqlite, Db::Postgres)] db: Db,
) {
    let Some(app) = spawn_app(db).await else {
        return;
    };
    let company = with_numbers(&app, &["20710001"], &[]).await;
    let hanging = Receiver::start(vec![Answer::Hang]).await;
    let quick = Receiver::start(Vec::new()).await;
    let (slow, _) = register(&app, &company, &hanging.url, &["order.confirmed"]).await;
    register(&app, &company, &quick.url, &["order.confirmed"]).await;
    confirmed(&app, &company.admin, &form("MH", Some("20710001"))).await;

    hanging.wait_for(1).await;
    // While the first endpoint's request hangs, the other gets its event.
    quick.wait_for(1).await;
    assert!(
        deliveries(&app, &company, &slow).await[0]["attempts"]
            .as_array()
            .unwrap()
            .is_empty(),
        "the hanging attempt is still running"
    );
    // Its timeout (2 s in tests) ends the attempt; it is retried later.
    let logged = delivery_reaches(&app, &company, &slow, "pending").await;
    for _ in 0..100 {
        let d = &deliveries(&app, &company, &slow).await[0];
        if let Some(a) = d["attempts"].as_array().unwrap().first() {
            assert_eq!(a["error"], "timed out");
            assert!(a["status_code"].is_null());
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the hanging attempt never ended: {logged}");
}

#[rstest]
#[tokio::test]
async fn a_redirect_is_recorded_and_not_followed(#[values(Db::Sqlite, Db::Postgres)] db: Db) {
    let Some(app) = spawn_app(db).await else {
        return;
    };
    let operator = app.operator_token().await;
    let company = app.company(&operator).await;
    let elsewhere = Receiver::start(Vec::new()).await;
    let redirecting = Receiver::start(vec![Answer::Redirect(elsewhere.url.clone())]).await;
    let (endpoint, _) = register(&app, &company, &redirecting.url, &["order.confirmed"]).await;
    let r = send_ping(&app, &company, &endpoint).await;
    assert_eq!(r.status(), StatusCode::ACCEPTED);
    redirecting.wait_for(1).await;
    let logged = delivery_reaches(&app, &company, &endpoint, "pending").await;
    for _ in 0..100 {
        let d = &deliveries(&app, &company, &endpoint).await[0];
        if let Some(a) = d["attempts"].as_array().unwrap().first() {
            assert_eq!(a["status_code"], 302, "{logged}");
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(elsewhere.received().is_empty(), "the redirect was followed");
}

#[rstest]
#[tokio::test]
async fn in_public_mode_no_internal_url_is_accepted_and_none_is_contacted(
    #[values(Db::Sqlite, Db::Postgres)] db: Db,
) {
    let Some(app) = spawn_app_with(db, |c| {
        c.webhook_targets = Some(selvbetjening::webhooks::targets::WebhookTargets::Public);
    })
    .await
    else {
        return;
    };
    let operator = app.operator_token().await;
    let company = app.company(&operator).await;
    let receiver = Receiver::start(Vec::new()).await;
    for url in [
        receiver.url.clone(),
        receiver.url.replace("http://", "https://"),
        "http://127.0.0.1/hook".to_owned(),
        "https://169.254.169.254/latest/meta-data".to_owned(),
        "https://10.0.0.1/hook".to_owned(),
        "https://localhost/hook".to_owned(),
        "https://[::1]/hook".to_owned(),
        "ftp://93.184.216.34/hook".to_owned(),
    ] {
        let p = problem(
            app.post_json(
                "/webhook-endpoints",
                Some(&company.admin),
                &json!({"url": url, "events": ["order.confirmed"]}),
            )
            .await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
        assert_eq!(p["errors"][0]["pointer"], "/url", "{url}");
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(receiver.received().is_empty());
}

#[rstest]
#[tokio::test]
async fn endpoints_are_the_admins_own_and_another_companys_are_not_found(
    #[values(Db::Sqlite, Db::Postgres)] db: Db,
) {
    let Some(app) = spawn_app(db).await else {
        return;
    };
    let operator = app.operator_token().await;
    let company = app.company(&operator).await;
    let other = app.company_with_cvr(&operator, "10150817").await;
    let receiver = Receiver::start(Vec::new()).await;
    let (endpoint, _) = register(&app, &company, &receiver.url, &["order.confirmed"]).await;
    let path = format!("/webhook-endpoints/{endpoint}");

    assert_eq!(
        app.get(&path, Some(&company.viewer)).await.status(),
        StatusCode::FORBIDDEN
    );
    for (method, suffix) in [
        ("GET", ""),
        ("PATCH", ""),
        ("DELETE", ""),
        ("POST", "/rotate-secret"),
        ("POST", "/test"),
        ("GET", "/deliveries"),
    ] {
        let mut request = app
            .client
            .request(method.parse().unwrap(), app.url(&format!("{path}{suffix}")))
            .bearer_auth(&other.admin);
        if method == "PATCH" {
            request = request
                .header("if-match", "*")
                .header("content-type", "application/merge-patch+json")
                .body(r#"{"enabled": false}"#);
        }
        let status = request.send().await.unwrap().status();
        assert_eq!(
            status,
            StatusCode::NOT_FOUND,
            "{method} {suffix} as another company"
        );
    }

    // The owner changes it: events, description removed, disabled; then deletes it.
    let changed = json_of(
        patch(
            &app,
            &path,
            &company.admin,
            Some("\"1\""),
            &json!({"events": ["subscription.changed", "number_port.completed"], "description": null, "enabled": false}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        changed["events"],
        json!(["subscription.changed", "number_port.completed"])
    );
    assert!(changed["description"].is_null());
    assert_eq!(changed["enabled"], false);
    assert_eq!(changed["version"], 2);
    let p = problem(
        patch(
            &app,
            &path,
            &company.admin,
            Some("\"2\""),
            &json!({"events": ["order.confirmed", "order.confirmed"]}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(p["errors"][0]["pointer"], "/events/1");
    let stale = patch(
        &app,
        &path,
        &company.admin,
        Some("\"1\""),
        &json!({"enabled": true}),
    )
    .await;
    assert_eq!(stale.status(), StatusCode::PRECONDITION_FAILED);
    let deleted = app
        .client
        .delete(app.url(&path))
        .bearer_auth(&company.admin)
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        app.get(&path, Some(&company.admin)).await.status(),
        StatusCode::NOT_FOUND
    );
}

#[rstest]
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_processes_deliver_a_hundred_events_each_exactly_once(
    #[values(Db::Sqlite, Db::Postgres)] db: Db,
) {
    let Some(app) = spawn_app(db).await else {
        return;
    };
    // A second server on the same database.
    let second_url = second_process(&app).await;

    let numbers: Vec<String> = (0..50).map(|i| format!("207100{i:02}")).collect();
    let refs: Vec<&str> = numbers.iter().map(String::as_str).collect();
    let company = with_numbers(&app, &refs, &[]).await;
    let receiver = Receiver::start(Vec::new()).await;
    let (endpoint, secret) = register(
        &app,
        &company,
        &receiver.url,
        &["order.confirmed", "subscription.activated"],
    )
    .await;

    // Fifty confirmations, through both processes: a hundred events.
    for (i, number) in numbers.iter().enumerate() {
        let initials: String = [b'A' + (i / 26) as u8, b'A' + (i % 26) as u8]
            .iter()
            .map(|&c| c as char)
            .collect();
        let base = if i % 2 == 0 {
            app.address.clone()
        } else {
            second_url.clone()
        };
        let draft = app
            .client
            .post(format!("{base}/orders"))
            .bearer_auth(&company.admin)
            .json(&form(&format!("K{initials}"), Some(number)))
            .send()
            .await
            .unwrap();
        let draft = json_of(draft, StatusCode::CREATED).await;
        let confirmed = app
            .client
            .post(format!(
                "{base}/orders/{}/confirm",
                draft["id"].as_str().unwrap()
            ))
            .bearer_auth(&company.admin)
            .send()
            .await
            .unwrap();
        assert_eq!(confirmed.status(), StatusCode::CREATED);
    }

    let got = receiver.wait_for(100).await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let got_all = receiver.received();
    let ids: std::collections::HashSet<&str> =
        got.iter().filter_map(|r| r.header("webhook-id")).collect();
    assert_eq!(ids.len(), 100, "a hundred events, none lost");
    assert_eq!(got_all.len(), 100, "none delivered twice");
    assert!(got_all.iter().all(|r| r.signed_by(&secret)));
    let page = json_of(
        app.get(
            &format!("/webhook-endpoints/{endpoint}/deliveries?limit=200"),
            Some(&company.admin),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let logged = page["items"].as_array().unwrap();
    assert_eq!(logged.len(), 100);
    assert!(
        logged
            .iter()
            .all(|d| d["status"] == "delivered" && d["attempts"].as_array().unwrap().len() == 1)
    );
}

#[rstest]
#[tokio::test]
async fn an_endpoint_failing_for_five_days_is_disabled_and_its_admins_are_told(
    #[values(Db::Sqlite, Db::Postgres)] db: Db,
) {
    let Some(app) = spawn_app(db).await else {
        return;
    };
    let operator = app.operator_token().await;
    let company = app.company(&operator).await;
    let failing = Receiver::start(vec![Answer::Status(500); 20]).await;
    let (endpoint, _) = register(&app, &company, &failing.url, &["order.confirmed"]).await;
    let r = send_ping(&app, &company, &endpoint).await;
    assert_eq!(r.status(), StatusCode::ACCEPTED);
    failing.wait_for(1).await;
    let path = format!("/webhook-endpoints/{endpoint}");
    let read = json_of(app.get(&path, Some(&company.admin)).await, StatusCode::OK).await;
    assert_eq!(read["enabled"], true, "a few failures do not disable it");

    // Five days of failures later (no success in between), the worker disables it.
    app.config
        .machine_clock
        .set(chrono::Utc::now() + chrono::Duration::days(5) + chrono::Duration::minutes(1));
    let mut disabled = Value::Null;
    for _ in 0..100 {
        disabled = json_of(app.get(&path, Some(&company.admin)).await, StatusCode::OK).await;
        if disabled["enabled"] == false {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(disabled["enabled"], false, "{disabled}");
    let told = crate::helpers::mailbox(&app, 1).await;
    assert!(
        told.iter().any(
            |e| e.contains(&format!("To: {}", company.admin_email)) && e.contains(&failing.url)
        ),
        "the admin is emailed"
    );
}
