//! A sandbox's test clock with two server processes on one PostgreSQL database. Two
//! advances of the same clock sent to both processes at once: one is taken (202), the
//! other answered `clock_advancing` (409), and every termination that fell due on the way
//! is done exactly once, on its own day. Then the process running a long advance is killed
//! (`kill -9`) in the middle: the clock stays where its last step left it, another
//! process resumes it once the hold runs out, and the clock ends ready at the target with
//! every termination done once — none skipped, none twice. Needs `TEST_DATABASE_URL` (as
//! CI sets it); without it, it ends at once.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;
use std::time::{Duration, Instant};

use chrono::{DateTime, NaiveDate, Utc};
use reqwest::StatusCode;
use serde_json::{Value, json};

mod support;

use support::{Database, Server, frozen_time, get, instant, post, start, token};

/// Subscriptions whose terminations fall due during the advance sent to both processes.
const AT_ONCE: usize = 8;
/// Subscriptions whose terminations fall due, each on a day of its own, during the
/// advance whose process is killed: one step a day, so the advance takes a while.
const LONG: usize = 200;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn one_advance_of_a_clock_in_two_processes_and_a_crash_mid_advance_resumed() {
    let Some(admin_url) = support::postgres_admin_url() else {
        return;
    };
    let db = Database::create(&admin_url);
    let dir = tempfile::tempdir().unwrap();
    let mailbox = dir.path().join("mailbox");
    support::create_operator(&db, dir.path());
    let mut a = start(&db, dir.path(), &mailbox).await;
    let b = start(&db, dir.path(), &mailbox).await;
    let client = reqwest::Client::new();
    let operator = token(&client, &a, "ops@operator.example", "operator-password-123").await;
    // A sandbox picks only from its own pool.
    let numbers: Vec<String> = (0..AT_ONCE + LONG)
        .map(|i| format!("+452072{i:04}"))
        .collect();
    let (_, admin) = support::company_with_numbers(
        &client,
        &a,
        &operator,
        ("Sandkassen ApS", "sandkassen.example", true),
        &numbers,
    )
    .await;

    // Subscriptions, each terminating on a later day of the clock; some on the same day.
    let started = frozen_time(&client, &a, &admin).await;
    let today = domain::calendar::date_in_denmark(started);
    let days = [1, 2, 2, 3, 5, 8, 13, 13];
    let due: Vec<NaiveDate> = days.iter().map(|d| today + chrono::Days::new(*d)).collect();
    let first = subscribe_terminating(&client, &a, &admin, 0, &numbers[..AT_ONCE], &due).await;

    // Both processes asked to advance the clock at once: one advance is taken.
    let to = started + chrono::Duration::days(20);
    let body = json!({"frozen_time": to.to_rfc3339()});
    let (via_a, via_b) = tokio::join!(
        post(&client, &a, "/test-clock/advance", &admin, &body),
        post(&client, &b, "/test-clock/advance", &admin, &body),
    );
    let mut answers = vec![
        (via_a.status(), via_a.json::<Value>().await.unwrap()),
        (via_b.status(), via_b.json::<Value>().await.unwrap()),
    ];
    answers.sort_by_key(|(status, _)| *status);
    assert_eq!(answers[0].0, StatusCode::ACCEPTED, "{answers:?}");
    assert_eq!(answers[0].1["status"], "advancing");
    assert_eq!(answers[1].0, StatusCode::CONFLICT, "{answers:?}");
    assert_eq!(answers[1].1["code"], "clock_advancing");
    let clock = support::clock_settled(&client, &b, &admin, Duration::from_secs(30)).await;
    assert_eq!(clock["status"], "ready", "{clock}");
    assert_eq!(instant(&clock["frozen_time"]), to);
    assert_eq!(clock["advancing_to"], Value::Null);
    terminated_once_each(&client, &b, &admin, &first).await;
    assert_eq!(
        events(&client, &b, &admin, "test_clock.advancing")
            .await
            .len(),
        1
    );
    assert_eq!(
        events(&client, &b, &admin, "test_clock.ready").await.len(),
        1
    );

    // A long advance, one step a day, run by the first process alone.
    drop(b);
    let today = domain::calendar::date_in_denmark(to);
    let due: Vec<NaiveDate> = (1..=LONG as u64)
        .map(|d| today + chrono::Days::new(d))
        .collect();
    let long = subscribe_terminating(&client, &a, &admin, AT_ONCE, &numbers[AT_ONCE..], &due).await;
    let target = to + chrono::Duration::days(LONG as i64 + 2);
    let r = post(
        &client,
        &a,
        "/test-clock/advance",
        &admin,
        &json!({"frozen_time": target.to_rfc3339()}),
    )
    .await;
    assert_eq!(r.status(), StatusCode::ACCEPTED);

    // Killed once ten days' steps are stored: the advance dies in the middle, some of its
    // terminations done and most not.
    let mut seen = to;
    for _ in 0..4000 {
        let clock = get(&client, &a, "/test-clock", &admin).await;
        seen = instant(&clock["frozen_time"]);
        if seen >= to + chrono::Duration::days(10) || clock["status"] != "advancing" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    a.child.kill().unwrap();
    a.child.wait().unwrap();
    let killed = Instant::now();

    // The clock stands where the last stored step left it, still advancing, until another
    // process takes the advance over.
    let c = start(&db, dir.path(), &mailbox).await;
    let clock = get(&client, &c, "/test-clock", &admin).await;
    let at_kill = instant(&clock["frozen_time"]);
    eprintln!(
        "killed with the clock {} at {at_kill} ({} of {} days on; {seen} seen before the kill)",
        clock["status"],
        (at_kill - to).num_days(),
        (target - to).num_days(),
    );
    if clock["status"] == "advancing" {
        assert!(at_kill >= seen && at_kill < target, "{clock}");
        assert_eq!(instant(&clock["advancing_to"]), target);
    }
    let clock = support::clock_settled(&client, &c, &admin, Duration::from_secs(40)).await;
    eprintln!(
        "resumed and ready {:.1} s after the kill",
        killed.elapsed().as_secs_f64()
    );
    assert_eq!(clock["status"], "ready", "{clock}");
    assert_eq!(instant(&clock["frozen_time"]), target);
    terminated_once_each(
        &client,
        &c,
        &admin,
        &first.into_iter().chain(long).collect(),
    )
    .await;
    assert_eq!(
        events(&client, &c, &admin, "test_clock.advancing")
            .await
            .len(),
        2
    );
    assert_eq!(
        events(&client, &c, &admin, "test_clock.ready").await.len(),
        2
    );
}

/// Subscriptions with `numbers`, the `i`th terminating on `due[i]`: their ids and dates.
async fn subscribe_terminating(
    client: &reqwest::Client,
    server: &Server,
    admin: &str,
    offset: usize,
    numbers: &[String],
    due: &[NaiveDate],
) -> HashMap<String, NaiveDate> {
    let made = numbers.iter().zip(due).enumerate().map(|(i, (number, on))| {
        let i = offset + i;
        let initials: String = [b'A' + (i / 26) as u8, b'A' + (i % 26) as u8]
            .iter()
            .map(|&c| c as char)
            .collect();
        async move {
            let body = json!({"plan": "ERHVERV_S", "mobile_package": "DATA_10",
                "employee": {"name": format!("Medarbejder {i}"), "initials": format!("T{initials}"), "title": "Konsulent", "email": format!("t{i}@sandkassen.example")},
                "number": {"type": "new", "number": number}});
            let r = post(client, server, "/orders", admin, &body).await;
            assert_eq!(r.status(), StatusCode::CREATED);
            let order = r.json::<Value>().await.unwrap()["id"]
                .as_str()
                .unwrap()
                .to_owned();
            let r = post(client, server, &format!("/orders/{order}/confirm"), admin, &json!({})).await;
            assert_eq!(r.status(), StatusCode::CREATED);
            let id = r.json::<Value>().await.unwrap()["subscription"]["id"]
                .as_str()
                .unwrap()
                .to_owned();
            let r = post(
                client,
                server,
                &format!("/subscriptions/{id}/terminate"),
                admin,
                &json!({"effective_date": on}),
            )
            .await;
            assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());
            (id, *on)
        }
    });
    let mut all = HashMap::new();
    let made: Vec<_> = made.collect();
    let mut made = made.into_iter();
    loop {
        let batch: Vec<_> = made.by_ref().take(8).collect();
        if batch.is_empty() {
            return all;
        }
        all.extend(futures_util::future::join_all(batch).await);
    }
}

/// Every one of `due` is terminated, with exactly one `subscription.terminated` event,
/// stamped on the day it was due; and no other subscription's.
async fn terminated_once_each(
    client: &reqwest::Client,
    server: &Server,
    admin: &str,
    due: &HashMap<String, NaiveDate>,
) {
    let mut seen: HashMap<String, Vec<DateTime<Utc>>> = HashMap::new();
    for event in events(client, server, admin, "subscription.terminated").await {
        let id = event["data"]["id"].as_str().unwrap().to_owned();
        seen.entry(id)
            .or_default()
            .push(instant(&event["created_at"]));
    }
    assert_eq!(seen.len(), due.len(), "one subscription per event");
    for (id, on) in due {
        let stamps = seen.get(id).map(Vec::as_slice).unwrap_or_default();
        assert_eq!(
            stamps.len(),
            1,
            "{id}, due {on}: terminated once ({stamps:?})"
        );
        assert_eq!(
            domain::calendar::date_in_denmark(stamps[0]),
            *on,
            "{id} terminated on its day"
        );
        let s = get(client, server, &format!("/subscriptions/{id}"), admin).await;
        assert_eq!(s["status"], "terminated", "{id}");
    }
}

/// Every event of `kind` the company has, across pages.
async fn events(client: &reqwest::Client, server: &Server, admin: &str, kind: &str) -> Vec<Value> {
    let mut all = Vec::new();
    let mut path = format!("/events?type={kind}&limit=200");
    loop {
        let page = get(client, server, &path, admin).await;
        all.extend(page["items"].as_array().unwrap().iter().cloned());
        match page["next_cursor"].as_str() {
            Some(cursor) => path = format!("/events?type={kind}&limit=200&cursor={cursor}"),
            None => return all,
        }
    }
}
