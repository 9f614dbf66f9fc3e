//! Sandbox companies and their test clocks: a sandbox's business time stands still until
//! its admin advances it, and an advance runs everything that fell due on the way, in
//! order, stamped with the clock's time — the port's whole life in seconds. The real
//! companies' clock (`config.clock`) is fixed elsewhere, so a test sees which time each
//! stamp came from.

use chrono::{DateTime, Datelike, Duration, TimeZone, Utc, Weekday};
use domain::calendar::{end_of_day, is_working_day, port_date, port_moment};
use reqwest::StatusCode;
use rstest::rstest;
use selvbetjening::config::DonorGatewayKind;
use serde_json::{Value, json};

use crate::helpers::{
    Company, Db, TestApp, confirmed, form, json_of, outbox, poa_token, problem, spawn_app_with,
};
use crate::receiver::Receiver;

/// The real companies' time in these tests: far from any sandbox's.
fn real_time() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 6, 1, 12, 0, 0).unwrap()
}

async fn app(db: Db) -> Option<TestApp> {
    spawn_app_with(db, |c| {
        c.clock.set(real_time());
        // Real companies' ports wait for the operators' answers: nothing moves them here.
        c.donor_gateway = Some(DonorGatewayKind::Manual);
    })
    .await
}

pub(crate) fn instant(value: &Value) -> DateTime<Utc> {
    value
        .as_str()
        .unwrap_or_else(|| panic!("a timestamp, not {value}"))
        .parse()
        .unwrap()
}

async fn clock(app: &TestApp, company: &Company) -> Value {
    json_of(
        app.get("/test-clock", Some(&company.viewer)).await,
        StatusCode::OK,
    )
    .await
}

/// Advances `company`'s clock to `to` and waits until it is ready there.
pub(crate) async fn advance(app: &TestApp, company: &Company, to: DateTime<Utc>) -> Value {
    let started = json_of(
        app.post_json(
            "/test-clock/advance",
            Some(&company.admin),
            &json!({"frozen_time": to}),
        )
        .await,
        StatusCode::ACCEPTED,
    )
    .await;
    assert_eq!(started["status"], "advancing", "{started}");
    assert_eq!(instant(&started["advancing_to"]), to);
    for _ in 0..300 {
        let now = clock(app, company).await;
        if now["status"] == "ready" {
            assert_eq!(instant(&now["frozen_time"]), to, "{now}");
            assert_eq!(now["advancing_to"], Value::Null);
            return now;
        }
        assert_eq!(now["status"], "advancing", "{now}");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("the clock did not reach {to}");
}

/// The next Monday 09:00 UTC after `after` that starts a full working week, so the
/// test's days are working days whatever the date it runs on.
fn monday_after(after: DateTime<Utc>) -> DateTime<Utc> {
    let mut day = after.date_naive() + Duration::days(1);
    while day.weekday() != Weekday::Mon || !(0..5).all(|d| is_working_day(day + Duration::days(d)))
    {
        day += Duration::days(1);
    }
    day.and_hms_opt(9, 0, 0).unwrap().and_utc()
}

/// A sandbox company, its clock moved to a Monday morning.
async fn sandbox_on_monday(app: &TestApp, operator: &str) -> (Company, DateTime<Utc>) {
    let company = app.sandbox(operator, "10150817").await;
    let created = clock(app, &company).await;
    assert_eq!(created["status"], "ready");
    let monday = monday_after(instant(&created["frozen_time"]));
    advance(app, &company, monday).await;
    (company, monday)
}

fn port_in(initials: &str, number: &str, owner: &str) -> Value {
    let mut order = form(initials, None);
    order["number"] = json!({
        "type": "port_in", "number": number, "owner_email": owner, "owner_name": "Jens Berg"
    });
    order
}

/// Confirms a port-in for `company` and signs its power of attorney; answers the port.
async fn signed_port(app: &TestApp, company: &Company, number: &str, owner: &str) -> Value {
    let confirmation = confirmed(app, &company.admin, &port_in("JB", number, owner)).await;
    let token = poa_token(app, owner, 1).await;
    let signed = json_of(
        app.post_json(
            &format!("/poa/{token}/sign"),
            None,
            &json!({"signer_name": "Jens Berg", "consent": true}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(signed["status"], "submitted", "{signed}");
    port(
        app,
        company,
        confirmation["number_port"]["id"].as_str().unwrap(),
    )
    .await
}

async fn port(app: &TestApp, company: &Company, id: &str) -> Value {
    json_of(
        app.get(&format!("/number-ports/{id}"), Some(&company.admin))
            .await,
        StatusCode::OK,
    )
    .await
}

async fn events(app: &TestApp, company: &Company) -> Vec<Value> {
    let page = json_of(
        app.get("/events?limit=200", Some(&company.admin)).await,
        StatusCode::OK,
    )
    .await;
    page["items"].as_array().unwrap().clone()
}

fn of_type<'a>(events: &'a [Value], kind: &str) -> Vec<&'a Value> {
    events.iter().filter(|e| e["type"] == kind).collect()
}

#[rstest]
#[tokio::test]
async fn a_sandbox_port_runs_its_whole_life_by_advancing_the_clock(
    #[values(Db::Sqlite, Db::Postgres)] db: Db,
) {
    let Some(app) = app(db).await else { return };
    let operator = app.operator_token().await;
    // A real company's port waits at the donor throughout.
    let real = app.company(&operator).await;
    let real_port = signed_port(&app, &real, "+4522110011", "ejer@real.example").await;

    let (sandbox, monday) = sandbox_on_monday(&app, &operator).await;
    let receiver = Receiver::start(Vec::new()).await;
    let registered = app
        .post_json(
            "/webhook-endpoints",
            Some(&sandbox.admin),
            &json!({"url": receiver.url, "events": ["number_port.completed"]}),
        )
        .await;
    assert_eq!(registered.status(), StatusCode::CREATED);

    let submitted = signed_port(&app, &sandbox, "+4522334455", "jens@privat.example").await;
    let id = submitted["id"].as_str().unwrap();
    // Everything the sandbox did happened at its clock's time.
    assert_eq!(instant(&submitted["created_at"]), monday);
    let expected_date = port_date(monday, None);
    assert_eq!(instant(&submitted["deadline"]), end_of_day(expected_date));
    // Time stands still: the simulated donor has not answered.
    assert_eq!(app.porting_round().await.answered, 0);
    assert_eq!(port(&app, &sandbox, id).await["status"], "submitted");

    // A minute on: the donor has answered, with the earliest port date.
    advance(&app, &sandbox, monday + Duration::minutes(1)).await;
    let accepted = port(&app, &sandbox, id).await;
    assert_eq!(accepted["status"], "accepted", "{accepted}");
    assert_eq!(accepted["port_date"], json!(expected_date));

    // 02:00 Danish time on the port date: the number moves.
    let moves = port_moment(expected_date);
    advance(&app, &sandbox, moves).await;
    let completed = port(&app, &sandbox, id).await;
    assert_eq!(completed["status"], "completed", "{completed}");
    assert_eq!(completed["delayed_working_days"], 0);
    assert_eq!(instant(&completed["updated_at"]), moves);
    let subscription = json_of(
        app.get(
            &format!(
                "/subscriptions/{}",
                completed["subscription_id"].as_str().unwrap()
            ),
            Some(&sandbox.admin),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(subscription["status"], "active");
    assert_eq!(subscription["number"], "+4522334455");

    // Its event, webhook and email carry the clock's time.
    let all = events(&app, &sandbox).await;
    let done = of_type(&all, "number_port.completed");
    assert_eq!(done.len(), 1);
    assert_eq!(instant(&done[0]["created_at"]), moves);
    assert_eq!(of_type(&all, "test_clock.ready").len(), 3);
    let webhook = receiver.wait_for(1).await[0].json();
    assert_eq!(webhook["type"], "number_port.completed");
    assert_eq!(webhook["sandbox"], true);
    assert_eq!(instant(&webhook["created_at"]), moves);
    let moved: Vec<_> = outbox(&app)
        .await
        .into_iter()
        .filter(|m| m.kind == "number_moved")
        .collect();
    assert_eq!(moved.len(), 1);
    assert_eq!(moved[0].created_at.and_utc(), moves);

    // Nothing of the real company moved, and its time is its own.
    let real_now = port(&app, &real, real_port["id"].as_str().unwrap()).await;
    assert_eq!(real_now["status"], "submitted");
    assert_eq!(instant(&real_now["created_at"]), real_time());
    assert!(of_type(&events(&app, &real).await, "number_port.completed").is_empty());
    assert_eq!(
        problem(
            app.get("/test-clock", Some(&real.admin)).await,
            StatusCode::NOT_FOUND,
            "not_a_sandbox"
        )
        .await["status"],
        404
    );
}

#[rstest]
#[tokio::test]
async fn fifteen_days_over_an_unsigned_port_remind_then_expire_it(
    #[values(Db::Sqlite, Db::Postgres)] db: Db,
) {
    let Some(app) = app(db).await else { return };
    let operator = app.operator_token().await;
    let (sandbox, monday) = sandbox_on_monday(&app, &operator).await;
    let owner = "glemsom@privat.example";
    let confirmation = confirmed(&app, &sandbox.admin, &port_in("GB", "+4522446688", owner)).await;
    let id = confirmation["number_port"]["id"]
        .as_str()
        .unwrap()
        .to_owned();

    advance(&app, &sandbox, monday + Duration::days(15)).await;

    let expired = port(&app, &sandbox, &id).await;
    assert_eq!(expired["status"], "expired", "{expired}");
    let steps: Vec<(&str, DateTime<Utc>)> = expired["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["status"].as_str().unwrap(), instant(&s["at"])))
        .collect();
    assert_eq!(
        steps.last().unwrap(),
        &("expired", monday + Duration::days(14))
    );
    // The reminder went out on day 3, before the expiry, with a new link.
    let mails: Vec<_> = outbox(&app)
        .await
        .into_iter()
        .filter(|m| m.recipient == owner)
        .collect();
    let kinds: Vec<(&str, DateTime<Utc>)> = mails
        .iter()
        .map(|m| (m.kind.as_str(), m.created_at.and_utc()))
        .collect();
    assert_eq!(
        kinds,
        vec![
            ("power_of_attorney", monday),
            ("power_of_attorney_reminder", monday + Duration::days(3)),
        ]
    );
    let subscription = json_of(
        app.get(
            &format!(
                "/subscriptions/{}",
                expired["subscription_id"].as_str().unwrap()
            ),
            Some(&sandbox.admin),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(subscription["status"], "terminated");
    // The port's expiry, then the subscription's end, in that order.
    let all = events(&app, &sandbox).await;
    let order: Vec<&str> = all
        .iter()
        .map(|e| e["type"].as_str().unwrap())
        .filter(|t| *t == "number_port.expired" || *t == "subscription.terminated")
        .collect();
    assert_eq!(
        order,
        vec!["number_port.expired", "subscription.terminated"]
    );
}

#[rstest]
#[tokio::test]
async fn a_clock_moves_only_forward_at_most_a_year_and_one_advance_at_a_time(
    #[values(Db::Sqlite, Db::Postgres)] db: Db,
) {
    let Some(app) = app(db).await else { return };
    let operator = app.operator_token().await;
    let (sandbox, monday) = sandbox_on_monday(&app, &operator).await;
    let to = |at: DateTime<Utc>| json!({"frozen_time": at});

    for (at, code) in [
        (monday - Duration::seconds(1), "clock_backwards"),
        (monday, "clock_backwards"),
        (
            monday + Duration::days(365) + Duration::seconds(1),
            "advance_too_far",
        ),
    ] {
        let refused = problem(
            app.post_json("/test-clock/advance", Some(&sandbox.admin), &to(at))
                .await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
        assert_eq!(refused["errors"][0]["pointer"], "/frozen_time", "{refused}");
        assert_eq!(refused["errors"][0]["code"], code, "{refused}");
    }
    problem(
        app.post_json(
            "/test-clock/advance",
            Some(&sandbox.admin),
            &json!({"frozen_time": "tomorrow"}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    // A viewer reads the clock but does not move it.
    assert_eq!(
        app.post_json(
            "/test-clock/advance",
            Some(&sandbox.viewer),
            &to(monday + Duration::days(1))
        )
        .await
        .status(),
        StatusCode::FORBIDDEN
    );

    // Two advances at once: one is taken, the other refused while it runs.
    let (two_days, three_days) = (
        to(monday + Duration::days(2)),
        to(monday + Duration::days(3)),
    );
    let (first, second) = tokio::join!(
        app.post_json("/test-clock/advance", Some(&sandbox.admin), &two_days),
        app.post_json("/test-clock/advance", Some(&sandbox.admin), &three_days),
    );
    let statuses = [first.status(), second.status()];
    assert!(statuses.contains(&StatusCode::ACCEPTED), "{statuses:?}");
    assert!(statuses.contains(&StatusCode::CONFLICT), "{statuses:?}");
    let refused = if first.status() == StatusCode::CONFLICT {
        first
    } else {
        second
    };
    problem(refused, StatusCode::CONFLICT, "clock_advancing").await;
    // The one taken runs to its end.
    for _ in 0..300 {
        if clock(&app, &sandbox).await["status"] == "ready" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let ready = clock(&app, &sandbox).await;
    assert_eq!(ready["status"], "ready");
    let at = instant(&ready["frozen_time"]);
    assert!(
        at == monday + Duration::days(2) || at == monday + Duration::days(3),
        "{at}"
    );
}

#[rstest]
#[tokio::test]
async fn a_late_port_is_delayed_by_its_working_days_and_owes_for_each(
    #[values(Db::Sqlite, Db::Postgres)] db: Db,
) {
    let Some(app) = app(db).await else { return };
    let operator = app.operator_token().await;
    let (sandbox, monday) = sandbox_on_monday(&app, &operator).await;
    // The simulated donor answers this number three working days after the deadline.
    let submitted = signed_port(&app, &sandbox, "+4529990005", "sen@privat.example").await;
    let id = submitted["id"].as_str().unwrap();
    let deadline_day = port_date(monday, None);
    assert_eq!(instant(&submitted["deadline"]), end_of_day(deadline_day));
    assert_eq!(submitted["delayed_working_days"], 0);

    // Two working days past the deadline: delayed by two, not moved yet.
    let mut day = deadline_day;
    for _ in 0..2 {
        day = domain::calendar::next_working_day_after(day);
    }
    advance(
        &app,
        &sandbox,
        domain::calendar::start_of_day(day) + Duration::hours(1),
    )
    .await;
    let waiting = port(&app, &sandbox, id).await;
    assert_eq!(waiting["status"], "accepted", "{waiting}");
    assert_eq!(waiting["delayed_working_days"], 2);
    assert_eq!(waiting["compensation_ore"], 10_000);

    // It moves at 02:00 on the third working day after its deadline: three days late.
    let moves_on = domain::calendar::next_working_day_after(day);
    assert_eq!(waiting["port_date"], json!(moves_on));
    advance(&app, &sandbox, port_moment(moves_on) + Duration::days(7)).await;
    let moved = port(&app, &sandbox, id).await;
    assert_eq!(moved["status"], "completed");
    assert_eq!(moved["delayed_working_days"], 3);
    assert_eq!(moved["compensation_ore"], 15_000);
    // One delayed event, on the first late day, showing the first day's delay.
    let all = events(&app, &sandbox).await;
    let delayed = of_type(&all, "number_port.delayed");
    assert_eq!(delayed.len(), 1);
    let first_late = domain::calendar::next_working_day_after(deadline_day);
    assert_eq!(
        instant(&delayed[0]["created_at"]),
        domain::calendar::start_of_day(first_late)
    );
    assert_eq!(delayed[0]["data"]["delayed_working_days"], 1);

    // The operator's report shows it, marked as a sandbox's, owing nothing real.
    let month = first_late.format("%Y-%m").to_string();
    let report = json_of(
        app.get(
            &format!("/operator/reports/late-ports?month={month}"),
            Some(&operator),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let ports = report["ports"].as_array().unwrap();
    assert_eq!(ports.len(), 1, "{report}");
    assert_eq!(ports[0]["port_id"], id);
    assert_eq!(ports[0]["sandbox"], true);
    assert_eq!(report["companies"][0]["sandbox"], true);
    assert_eq!(report["total_compensation_ore"], 0);
}
