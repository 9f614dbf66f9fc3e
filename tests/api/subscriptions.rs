use chrono::{Duration, Utc};
use reqwest::StatusCode;
use rstest::rstest;
use serde_json::{Value, json};

use crate::helpers::{
    Db, TestApp, available, confirmed, form, json_of, mailbox, outbox, patch, pointers, problem,
    search_subscriptions, spawn_app, with_numbers,
};

fn today() -> chrono::NaiveDate {
    domain::calendar::date_in_denmark(Utc::now())
}

async fn terminate(
    app: &TestApp,
    token: &str,
    id: &str,
    if_match: Option<&str>,
    body: &Value,
) -> reqwest::Response {
    let mut request = app
        .client
        .post(app.url(&format!("/subscriptions/{id}/terminate")))
        .bearer_auth(token)
        .json(body);
    if let Some(etag) = if_match {
        request = request.header("if-match", etag);
    }
    request.send().await.unwrap()
}

fn port_in(number: &str) -> Value {
    json!({
        "plan": "ERHVERV_M", "mobile_package": "DATA_10",
        "employee": {"name": "Jens Berg", "initials": "JB", "title": "Sælger", "email": "jens@firma31258715.example"},
        "number": {"type": "port_in", "number": number, "owner_email": "jens@privat.example", "owner_name": "Jens Berg"}
    })
}

#[rstest]
#[tokio::test]
async fn a_subscription_is_changed_with_if_match_and_repriced(
    #[values(Db::Sqlite, Db::Postgres)] db: Db,
) {
    let Some(app) = spawn_app(db).await else {
        return;
    };
    let company = with_numbers(&app, &["20710001"], &[]).await;
    let confirmation = confirmed(&app, &company.admin, &form("MH", Some("20710001"))).await;
    let id = confirmation["subscription"]["id"].as_str().unwrap();
    let path = format!("/subscriptions/{id}");
    let before = confirmation["subscription"]["summary"]["monthly_ex_vat_ore"]
        .as_i64()
        .unwrap();
    let change = json!({"mobile_package": "DATA_100", "data_sharing_cards": 3,
        "employee": {"title": "Afdelingsleder", "cost_center": null}});

    problem(
        patch(&app, &path, &company.admin, None, &change).await,
        StatusCode::PRECONDITION_REQUIRED,
        "precondition_required",
    )
    .await;
    problem(
        patch(&app, &path, &company.admin, Some("\"7\""), &change).await,
        StatusCode::PRECONDITION_FAILED,
        "precondition_failed",
    )
    .await;
    problem(
        patch(&app, &path, &company.viewer, Some("\"1\""), &change).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;

    let response = patch(&app, &path, &company.admin, Some("\"1\""), &change).await;
    assert_eq!(response.headers()["etag"], "\"2\"");
    let changed = json_of(response, StatusCode::OK).await;
    assert_eq!(changed["version"], 2);
    assert_eq!(changed["mobile_package"]["code"], "DATA_100");
    assert_eq!(changed["data_sharing_cards"], 3);
    assert_eq!(changed["employee"]["title"], "Afdelingsleder");
    assert_eq!(changed["employee"]["name"], "Mette Hansen");
    assert_eq!(changed["employee"]["cost_center"], Value::Null);
    // Re-priced: the bigger package and two more cards at 29 kr. each.
    let packages = json_of(
        app.get("/catalog/mobile-packages", Some(&company.admin))
            .await,
        StatusCode::OK,
    )
    .await;
    let package_of = |code: &str| {
        packages["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["code"] == code)
            .unwrap()["monthly_price_ore"]
            .as_i64()
            .unwrap()
    };
    let difference = package_of("DATA_100") - package_of("DATA_50");
    assert_eq!(
        changed["summary"]["monthly_ex_vat_ore"].as_i64().unwrap(),
        before + difference + 2 * 2900
    );
    let read = json_of(app.get(&path, Some(&company.viewer)).await, StatusCode::OK).await;
    assert_eq!(read, changed);

    // Every wrong field at once; what may not change is an unknown field.
    let wrong = json!({"mobile_package": "DATA_9000", "data_sharing_cards": 9,
        "employee": {"name": " ", "initials": "XY"}});
    let body = problem(
        patch(&app, &path, &company.admin, Some("\"2\""), &wrong).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(pointers(&body), ["/employee/initials"]);
    let wrong =
        json!({"mobile_package": "DATA_9000", "data_sharing_cards": 9, "employee": {"name": " "}});
    let body = problem(
        patch(&app, &path, &company.admin, Some("\"2\""), &wrong).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(
        pointers(&body),
        ["/data_sharing_cards", "/employee/name", "/mobile_package"]
    );
    // Nothing was half-written.
    let read = json_of(app.get(&path, Some(&company.admin)).await, StatusCode::OK).await;
    assert_eq!(read, changed);

    // Another company sees nothing.
    let operator = app.operator_token().await;
    let other = app.company_with_cvr(&operator, "10000009").await;
    problem(
        app.get(&path, Some(&other.admin)).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    problem(
        patch(&app, &path, &other.admin, Some("\"2\""), &change).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    problem(
        terminate(
            &app,
            &other.admin,
            id,
            None,
            &json!({"effective_date": today()}),
        )
        .await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
}

#[rstest]
#[tokio::test]
async fn terminating_today_returns_the_number_to_the_company_and_frees_the_initials(
    #[values(Db::Sqlite, Db::Postgres)] db: Db,
) {
    let Some(app) = spawn_app(db).await else {
        return;
    };
    // The number comes from the operator's pool; on termination it stays with the company.
    let company = with_numbers(&app, &[], &["93100001"]).await;
    let confirmation = confirmed(&app, &company.admin, &form("MH", None)).await;
    let id = confirmation["subscription"]["id"].as_str().unwrap();
    assert_eq!(confirmation["subscription"]["number"], "+4593100001");
    assert!(available(&app, &company.admin).await.is_empty());

    let yesterday = today() - Duration::days(1);
    let body = problem(
        terminate(
            &app,
            &company.admin,
            id,
            None,
            &json!({"effective_date": yesterday}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(pointers(&body), ["/effective_date"]);
    assert_eq!(body["errors"][0]["code"], "date_in_past");
    let body = problem(
        terminate(
            &app,
            &company.admin,
            id,
            None,
            &json!({"effective_date": "31-12-2026"}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(pointers(&body), ["/effective_date"]);
    problem(
        terminate(
            &app,
            &company.viewer,
            id,
            None,
            &json!({"effective_date": today()}),
        )
        .await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    problem(
        terminate(
            &app,
            &company.admin,
            id,
            Some("\"5\""),
            &json!({"effective_date": today()}),
        )
        .await,
        StatusCode::PRECONDITION_FAILED,
        "precondition_failed",
    )
    .await;

    let response = terminate(
        &app,
        &company.admin,
        id,
        Some("\"1\""),
        &json!({"effective_date": today()}),
    )
    .await;
    assert_eq!(response.headers()["etag"], "\"2\"");
    let ended = json_of(response, StatusCode::OK).await;
    assert_eq!(ended["status"], "terminated");
    assert_eq!(ended["terminates_on"], json!(today()));

    let free = json_of(
        app.get("/numbers/available", Some(&company.admin)).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(free["items"][0]["number"], "+4593100001");
    assert_eq!(free["items"][0]["source"], "company");
    let listed = json_of(
        app.get("/subscriptions?status=terminated", Some(&company.viewer))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(listed["items"][0]["id"], id);

    // Terminated is final.
    problem(
        terminate(
            &app,
            &company.admin,
            id,
            None,
            &json!({"effective_date": today()}),
        )
        .await,
        StatusCode::CONFLICT,
        "subscription_terminated",
    )
    .await;
    problem(
        patch(
            &app,
            &format!("/subscriptions/{id}"),
            &company.admin,
            Some("\"2\""),
            &json!({"data_sharing_cards": 0}),
        )
        .await,
        StatusCode::CONFLICT,
        "subscription_terminated",
    )
    .await;

    // The initials and the number are free for the next employee.
    let next = confirmed(&app, &company.admin, &form("MH", Some("93100001"))).await;
    assert_eq!(next["subscription"]["number"], "+4593100001");
    assert_eq!(next["subscription"]["status"], "active");
}

#[rstest]
#[tokio::test]
async fn a_termination_on_a_later_date_is_carried_out_when_the_day_comes(
    #[values(Db::Sqlite, Db::Postgres)] db: Db,
) {
    let Some(app) = spawn_app(db).await else {
        return;
    };
    let company = with_numbers(&app, &["20710001"], &[]).await;
    let confirmation = confirmed(&app, &company.admin, &form("MH", None)).await;
    let id = confirmation["subscription"]["id"].as_str().unwrap();
    let on = today() + Duration::days(10);

    let scheduled = json_of(
        terminate(
            &app,
            &company.admin,
            id,
            None,
            &json!({"effective_date": on}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(scheduled["status"], "active");
    assert_eq!(scheduled["terminates_on"], json!(on));
    // Until then it may move.
    let later = on + Duration::days(5);
    let moved = json_of(
        terminate(
            &app,
            &company.admin,
            id,
            Some("\"2\""),
            &json!({"effective_date": later}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(moved["terminates_on"], json!(later));

    assert_eq!(
        selvbetjening::scheduler::terminate_due(&app.store, &app.settings, start_of(on))
            .unwrap()
            .ended,
        0
    );
    assert_eq!(
        selvbetjening::scheduler::terminate_due(&app.store, &app.settings, start_of(later))
            .unwrap()
            .ended,
        1
    );
    assert_eq!(
        selvbetjening::scheduler::terminate_due(&app.store, &app.settings, start_of(later))
            .unwrap()
            .ended,
        0
    );
    let ended = json_of(
        app.get(&format!("/subscriptions/{id}"), Some(&company.admin))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(ended["status"], "terminated");
    assert_eq!(ended["terminates_on"], json!(later));
    assert_eq!(available(&app, &company.admin).await, ["+4520710001"]);
    let events = json_of(
        app.get("/audit-events?limit=200", Some(&company.admin))
            .await,
        StatusCode::OK,
    )
    .await;
    let actions: Vec<&str> = events["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["action"].as_str())
        .collect();
    assert!(
        actions.contains(&"subscription.termination_scheduled"),
        "{actions:?}"
    );
    assert!(actions.contains(&"subscription.terminated"), "{actions:?}");
}

#[rstest]
#[tokio::test]
async fn a_corrupt_due_subscription_fails_alone_and_the_other_jobs_go_ahead(
    #[values(Db::Sqlite, Db::Postgres)] db: Db,
) {
    use diesel::connection::SimpleConnection;
    let Some(app) = spawn_app(db).await else {
        return;
    };
    let company = with_numbers(&app, &["20710001", "20710002"], &[]).await;
    let on = today() + Duration::days(10);
    let mut ids = Vec::new();
    for initials in ["MH", "JH"] {
        let confirmation = confirmed(&app, &company.admin, &form(initials, None)).await;
        let id = confirmation["subscription"]["id"]
            .as_str()
            .unwrap()
            .to_owned();
        json_of(
            terminate(
                &app,
                &company.admin,
                &id,
                None,
                &json!({"effective_date": on}),
            )
            .await,
            StatusCode::OK,
        )
        .await;
        ids.push(id);
    }
    // The first due one (in id order) holds a value that no longer parses.
    let (corrupt, sound) = (&ids[0], &ids[1]);
    app.store
        .conn()
        .unwrap()
        .batch_execute(&format!(
            "UPDATE subscriptions SET number = 'not a number' WHERE id = '{corrupt}'"
        ))
        .unwrap();

    let metrics = selvbetjening::metrics::Metrics::new().unwrap();
    let round =
        selvbetjening::scheduler::calendar_round(&app.store, &app.settings, &metrics, start_of(on));
    let terminations = round.terminations.expect("the job ran");
    assert_eq!((terminations.ended, terminations.failed), (1, 1));
    assert!(round.forgotten_keys.is_some(), "key cleanup ran");
    assert!(round.pruned_events.is_some(), "event pruning ran");
    let text = metrics.render((0, 0), 0, None).unwrap();
    assert!(
        text.contains("scheduled_work_failures_total{job=\"terminate_subscriptions\"} 1"),
        "{text}"
    );
    let ended = json_of(
        app.get(&format!("/subscriptions/{sound}"), Some(&company.admin))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(ended["status"], "terminated");
    // The next round tries the corrupt one again, and only it.
    let again =
        selvbetjening::scheduler::calendar_round(&app.store, &app.settings, &metrics, start_of(on));
    let terminations = again.terminations.expect("the job ran");
    assert_eq!((terminations.ended, terminations.failed), (0, 1));
}

#[rstest]
#[tokio::test]
async fn confirming_a_port_in_starts_the_port_and_asks_the_owner_to_sign(
    #[values(Db::Sqlite, Db::Postgres)] db: Db,
) {
    let Some(app) = spawn_app(db).await else {
        return;
    };
    let company = with_numbers(&app, &["20710001"], &[]).await;
    let confirmation = confirmed(&app, &company.admin, &port_in("21 23 45 67")).await;
    let subscription = &confirmation["subscription"];
    assert_eq!(subscription["status"], "pending_port");
    assert_eq!(subscription["number"], "+4521234567");
    let port = &confirmation["number_port"];
    assert_eq!(port["status"], "awaiting_signature");
    assert_eq!(port["number"], "+4521234567");
    assert_eq!(port["owner_email"], "jens@privat.example");
    assert_eq!(port["owner_name"], "Jens Berg");
    assert_eq!(port["subscription_id"], subscription["id"]);
    assert_eq!(port["port_date"], Value::Null);
    assert_eq!(port["history"].as_array().unwrap().len(), 1);
    assert_eq!(port["history"][0]["status"], "awaiting_signature");
    // The company's own free number was not touched.
    assert_eq!(available(&app, &company.admin).await, ["+4520710001"]);

    // The welcome email and the power of attorney, delivered to the mailbox folder.
    let kinds: Vec<String> = outbox(&app).await.into_iter().map(|m| m.kind).collect();
    assert_eq!(kinds.len(), 2, "{kinds:?}");
    assert!(
        kinds.contains(&"welcome".to_owned()) && kinds.contains(&"power_of_attorney".to_owned())
    );
    let emails = mailbox(&app, 2).await;
    assert_eq!(emails.len(), 2);
    let poa = emails
        .iter()
        .find(|e| e.contains("To: jens@privat.example"))
        .expect("the power of attorney goes to the owner");
    // The link points at this server (no PUBLIC_URL is set).
    let link_start = poa
        .find(&format!("{}/poa/", app.address))
        .map(|i| i + app.address.len())
        .expect("a signing link to this server");
    let token: String = poa[link_start + 5..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect();
    assert_eq!(token.len(), 43, "{poa}");
    // Only the token's hash is kept.
    let stored = app
        .store
        .read(|conn| {
            persistence::number_ports::of_subscription(
                conn,
                company.id.parse().unwrap(),
                subscription["id"].as_str().unwrap().parse().unwrap(),
            )
        })
        .unwrap()
        .unwrap();
    assert_eq!(
        stored.poa_token_hash.as_deref(),
        Some(selvbetjening::app::porting::token_hash(&token).as_str())
    );
    assert!(
        !emails
            .iter()
            .any(|e| e.contains(&stored.poa_token_hash.clone().unwrap()))
    );
    let welcome = emails
        .iter()
        .find(|e| e.contains("To: jens@firma31258715.example"))
        .expect("the welcome email goes to the employee");
    assert!(welcome.contains("+4521234567"), "{welcome}");

    // The number is on its way: another order for it is refused at once, as is one for
    // a number we already have.
    let mut again = port_in("+4521234567");
    again["employee"]["initials"] = json!("JBB");
    let body = problem(
        app.post_json("/orders", Some(&company.admin), &again).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(body["errors"][0]["code"], "number_port_exists");
    again["number"]["number"] = json!("20710001");
    let body = problem(
        app.post_json("/orders", Some(&company.admin), &again).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(body["errors"][0]["code"], "number_already_ours");

    // While the number is on its way, a subscription ends only at once, by cancelling
    // the port; its number was never ours, so no pool gets it.
    let id = subscription["id"].as_str().unwrap();
    let later = today() + Duration::days(30);
    problem(
        terminate(
            &app,
            &company.admin,
            id,
            None,
            &json!({"effective_date": later}),
        )
        .await,
        StatusCode::CONFLICT,
        "subscription_pending_port",
    )
    .await;
    let ended = json_of(
        terminate(
            &app,
            &company.admin,
            id,
            None,
            &json!({"effective_date": today()}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(ended["status"], "terminated");
    let port = app
        .store
        .read(|conn| {
            persistence::number_ports::of_subscription(
                conn,
                company.id.parse().unwrap(),
                id.parse().unwrap(),
            )
        })
        .unwrap()
        .unwrap();
    assert_eq!(port.status, domain::porting::PortStatus::Cancelled);
    assert_eq!(port.poa_token_hash, None);
    assert_eq!(available(&app, &company.admin).await, ["+4520710001"]);
    // The number may be ported again.
    let next = confirmed(&app, &company.admin, &port_in("21234567")).await;
    assert_eq!(next["number_port"]["status"], "awaiting_signature");
}

#[rstest]
#[tokio::test]
async fn the_company_pages_through_its_subscriptions_in_id_order_and_each_reads_as_listed(
    #[values(Db::Sqlite, Db::Postgres)] db: Db,
) {
    let Some(app) = spawn_app(db).await else {
        return;
    };
    let company = with_numbers(&app, &["20720001", "20720002", "20720003"], &[]).await;
    let mut created = Vec::new();
    for (initials, number) in [("PA", "20720001"), ("PB", "20720002"), ("PC", "20720003")] {
        let confirmation = confirmed(&app, &company.admin, &form(initials, Some(number))).await;
        created.push(
            confirmation["subscription"]["id"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    created.sort();

    let first = json_of(
        app.get("/subscriptions?limit=2", Some(&company.viewer))
            .await,
        StatusCode::OK,
    )
    .await;
    let cursor = first["next_cursor"]
        .as_str()
        .expect("a second page follows");
    let second = json_of(
        app.get(
            &format!("/subscriptions?limit=2&cursor={cursor}"),
            Some(&company.viewer),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(second["next_cursor"], Value::Null);
    let listed: Vec<Value> = [&first, &second]
        .iter()
        .flat_map(|page| page["items"].as_array().unwrap().clone())
        .collect();
    let ids: Vec<&str> = listed.iter().map(|s| s["id"].as_str().unwrap()).collect();
    assert_eq!(ids, created, "every subscription once, in id order");
    assert_eq!(cursor, ids[1], "the cursor is the first page's last id");

    for shown in &listed {
        let id = shown["id"].as_str().unwrap();
        let response = app
            .get(&format!("/subscriptions/{id}"), Some(&company.viewer))
            .await;
        let etag = response.headers()["etag"].to_str().unwrap().to_owned();
        assert_eq!(etag, format!("\"{}\"", shown["version"]));
        assert_eq!(
            response.headers()["content-type"].to_str().unwrap(),
            "application/json"
        );
        assert_eq!(&json_of(response, StatusCode::OK).await, shown);
    }
}

#[rstest]
#[tokio::test]
async fn danish_letters_typed_with_combining_marks_are_kept_composed_and_found_by_a_composed_search(
    #[values(Db::Sqlite, Db::Postgres)] db: Db,
) {
    let Some(app) = spawn_app(db).await else {
        return;
    };
    let company = with_numbers(&app, &["20710001"], &[]).await;
    // Å written as A and a combining ring (U+030A), as some keyboards and systems send it.
    let mut body = form("ba\u{30A}", Some("20710001"));
    body["employee"]["name"] = json!("Jens Ba\u{30A}dsmand");
    body["employee"]["title"] = json!("Sa\u{30A}dan set sælger");
    let draft = json_of(
        app.post_json("/orders", Some(&company.admin), &body).await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(draft["employee"]["initials"], "B\u{C5}");
    assert_eq!(draft["employee"]["name"], "Jens B\u{E5}dsmand");
    assert_eq!(draft["employee"]["title"], "S\u{E5}dan set sælger");
    let id = draft["id"].as_str().unwrap();
    let confirmed = json_of(
        app.post_json(
            &format!("/orders/{id}/confirm"),
            Some(&company.admin),
            &json!({}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let subscription = &confirmed["subscription"];

    for q in ["b\u{E5}dsmand", "ba\u{30A}dsmand", "B\u{C5}"] {
        let listed = search_subscriptions(&app, &company.viewer, q).await;
        assert_eq!(listed["items"].as_array().unwrap().len(), 1, "{q:?}");
        assert_eq!(listed["items"][0]["id"], subscription["id"], "{q:?}");
        assert_eq!(listed["items"][0]["employee"]["name"], "Jens B\u{E5}dsmand");
    }
}

#[rstest]
#[tokio::test]
async fn a_search_finds_danish_capitals_typed_in_either_case(
    #[values(Db::Sqlite, Db::Postgres)] db: Db,
) {
    let Some(app) = spawn_app(db).await else {
        return;
    };
    let company = with_numbers(&app, &["20710001"], &[]).await;
    let mut body = form("ÅØ", Some("20710001"));
    body["employee"]["name"] = json!("Åse Ørsted");
    let subscription = confirmed(&app, &company.admin, &body).await["subscription"].clone();

    for q in [
        "Åse", "åse", "ÅSE", "Ørsted", "ørsted", "ØRSTED", "se Ør", "åø",
    ] {
        let listed = search_subscriptions(&app, &company.viewer, q).await;
        assert_eq!(listed["items"].as_array().unwrap().len(), 1, "{q:?}");
        assert_eq!(listed["items"][0]["id"], subscription["id"], "{q:?}");
    }
    let listed = search_subscriptions(&app, &company.viewer, "Aase").await;
    assert_eq!(listed["items"], json!([]));
}

/// 00:00 Danish time on `day`, as stored: when that day's terminations fall due.
fn start_of(day: chrono::NaiveDate) -> chrono::NaiveDateTime {
    domain::clock::stamp(domain::calendar::start_of_day(day))
}
