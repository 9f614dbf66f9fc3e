//! Idempotency-Key on the writes a client may retry blindly: the key, the effect and the
//! kept answer commit together, so a retry either replays the answer or does the work once.

use reqwest::StatusCode;
use rstest::rstest;
use serde_json::{Value, json};

use crate::helpers::{Db, form, json_of, outbox, problem, spawn_app, with_numbers};

#[rstest]
#[tokio::test]
async fn an_idempotency_key_replays_the_first_answer_and_refuses_another_body(
    #[values(Db::Sqlite, Db::Postgres)] db: Db,
) {
    let Some(app) = spawn_app(db).await else {
        return;
    };
    let company = with_numbers(&app, &["20710001", "20710002"], &[]).await;
    let send = |body: Value, key: &'static str| {
        app.client
            .post(app.url("/orders"))
            .bearer_auth(&company.admin)
            .header("idempotency-key", key)
            .json(&body)
            .send()
    };
    let first = send(form("MH", None), "k-1").await.unwrap();
    assert!(first.headers().get("idempotent-replayed").is_none());
    let first = json_of(first, StatusCode::CREATED).await;
    let again = send(form("MH", None), "k-1").await.unwrap();
    assert_eq!(again.headers()["idempotent-replayed"], "true");
    assert_eq!(json_of(again, StatusCode::CREATED).await["id"], first["id"]);
    problem(
        send(form("XY", None), "k-1").await.unwrap(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "idempotency_key_reused",
    )
    .await;
    let all = json_of(
        app.get("/orders", Some(&company.admin)).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        all["items"].as_array().unwrap().len(),
        1,
        "one draft, not two"
    );

    // A failed request leaves the key free for a corrected retry.
    problem(
        send(json!({"plan": "NOPE"}), "k-2").await.unwrap(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    let bad_key = app
        .client
        .post(app.url("/orders"))
        .bearer_auth(&company.admin)
        .header("idempotency-key", "")
        .json(&form("ZZ", None))
        .send()
        .await
        .unwrap();
    problem(
        bad_key,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;

    // Keys are per company: the same key elsewhere is a new request.
    let operator = app.operator_token().await;
    let other = app.company_with_cvr(&operator, "10150817").await;
    let r = app
        .post_json(
            &format!("/operator/companies/{}/numbers", other.id),
            Some(&operator),
            &json!({"numbers": ["20720001"]}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let theirs = app
        .client
        .post(app.url("/orders"))
        .bearer_auth(&other.admin)
        .header("idempotency-key", "k-1")
        .json(&form("MH", None))
        .send()
        .await
        .unwrap();
    assert_ne!(
        json_of(theirs, StatusCode::CREATED).await["id"],
        first["id"]
    );
}

#[rstest]
#[tokio::test]
async fn twenty_parallel_confirms_with_one_key_all_answer_with_the_one_subscription(
    #[values(Db::Sqlite, Db::Postgres)] db: Db,
) {
    let Some(app) = spawn_app(db).await else {
        return;
    };
    let company = with_numbers(&app, &["20710001"], &[]).await;
    let draft = json_of(
        app.post_json("/orders", Some(&company.admin), &form("MH", None))
            .await,
        StatusCode::CREATED,
    )
    .await;
    let path = format!("/orders/{}/confirm", draft["id"].as_str().unwrap());
    let requests = (0..20).map(|_| {
        let request = app
            .client
            .post(app.url(&path))
            .bearer_auth(&company.admin)
            .header("idempotency-key", "confirm-once");
        async move { request.send().await.unwrap() }
    });
    // A duplicate that arrives while the first runs waits for it and replays its answer:
    // every one of them is the one confirmation.
    let mut subscriptions = std::collections::BTreeSet::new();
    let mut replayed = 0;
    for response in futures_util::future::join_all(requests).await {
        if response.headers().get("idempotent-replayed").is_some() {
            replayed += 1;
        }
        let body = json_of(response, StatusCode::CREATED).await;
        subscriptions.insert(body["subscription"]["id"].as_str().unwrap().to_owned());
    }
    assert_eq!(
        subscriptions.len(),
        1,
        "every answer names the same subscription"
    );
    assert_eq!(replayed, 19, "one confirmed, nineteen replayed");
    // After the race, the key replays the answer.
    let replay = app
        .client
        .post(app.url(&path))
        .bearer_auth(&company.admin)
        .header("idempotency-key", "confirm-once")
        .send()
        .await
        .unwrap();
    let replay = json_of(replay, StatusCode::CREATED).await;
    assert!(subscriptions.contains(replay["subscription"]["id"].as_str().unwrap()));
    let subs = json_of(
        app.get("/subscriptions", Some(&company.admin)).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(subs["items"].as_array().unwrap().len(), 1);
    assert_eq!(outbox(&app).await.len(), 1);
}

#[rstest]
#[tokio::test]
async fn an_idempotency_key_is_forgotten_after_48_hours(
    #[values(Db::Sqlite, Db::Postgres)] db: Db,
) {
    use diesel::{ExpressionMethods, RunQueryDsl};
    use persistence::schema::idempotency_keys;

    let Some(app) = spawn_app(db).await else {
        return;
    };
    let company = with_numbers(&app, &["20710001", "20710002"], &[]).await;
    let send = |body: Value| {
        app.client
            .post(app.url("/orders"))
            .bearer_auth(&company.admin)
            .header("idempotency-key", "k-old")
            .json(&body)
            .send()
    };
    let age = |hours: i64| {
        app.store
            .write(|conn| {
                diesel::update(idempotency_keys::table)
                    .set(
                        idempotency_keys::created_at
                            .eq(persistence::machine_now() - chrono::Duration::hours(hours)),
                    )
                    .execute(conn)
                    .map_err(persistence::Error::from)
            })
            .unwrap()
    };
    json_of(send(form("AA", None)).await.unwrap(), StatusCode::CREATED).await;
    // Within 48 hours the key still refuses another body.
    age(47);
    problem(
        send(form("BB", None)).await.unwrap(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "idempotency_key_reused",
    )
    .await;
    assert_eq!(
        selvbetjening::scheduler::forget_idempotency_keys(&app.store).unwrap(),
        0
    );
    // After that it is unused: another request may take it.
    age(49);
    let second = json_of(send(form("BB", None)).await.unwrap(), StatusCode::CREATED).await;
    assert_eq!(second["employee"]["initials"], "BB");
    age(49);
    assert_eq!(
        selvbetjening::scheduler::forget_idempotency_keys(&app.store).unwrap(),
        1
    );
}

#[rstest]
#[tokio::test]
async fn a_crash_between_the_effect_and_its_answer_leaves_nothing_and_a_retry_confirms_once(
    #[values(Db::Sqlite, Db::Postgres)] db: Db,
) {
    let Some(app) = spawn_app(db).await else {
        return;
    };
    let company = with_numbers(&app, &["20710001"], &[]).await;
    let draft = json_of(
        app.post_json("/orders", Some(&company.admin), &form("MH", None))
            .await,
        StatusCode::CREATED,
    )
    .await;
    let id = draft["id"].as_str().unwrap().to_owned();
    let confirm = || {
        app.client
            .post(app.url(&format!("/orders/{id}/confirm")))
            .bearer_auth(&company.admin)
            .header("idempotency-key", "confirm-after-crash")
            .send()
    };

    // The process fails after the confirmation's effect and before its answer is kept.
    app.config.faults.fail_before_answer(1);
    problem(
        confirm().await.unwrap(),
        StatusCode::INTERNAL_SERVER_ERROR,
        "internal_error",
    )
    .await;
    // Nothing of it is left: the order is a draft, no subscription, no email, and the
    // key is not taken.
    let order = json_of(
        app.get(&format!("/orders/{id}"), Some(&company.admin))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(order["status"], "draft");
    assert_eq!(order["version"], 1);
    let subs = json_of(
        app.get("/subscriptions", Some(&company.admin)).await,
        StatusCode::OK,
    )
    .await;
    assert!(subs["items"].as_array().unwrap().is_empty());
    assert!(outbox(&app).await.is_empty());

    // The client retries with its key: confirmed once, then replayed.
    let retry = confirm().await.unwrap();
    assert!(retry.headers().get("idempotent-replayed").is_none());
    let retry = json_of(retry, StatusCode::CREATED).await;
    assert_eq!(retry["order"]["status"], "confirmed");
    let again = confirm().await.unwrap();
    assert_eq!(again.headers()["idempotent-replayed"], "true");
    let again = json_of(again, StatusCode::CREATED).await;
    assert_eq!(
        again, retry,
        "the replay is the first answer, byte for byte"
    );
    let subs = json_of(
        app.get("/subscriptions", Some(&company.admin)).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(subs["items"].as_array().unwrap().len(), 1);
    assert_eq!(outbox(&app).await.len(), 1, "one welcome email");
}

#[rstest]
#[tokio::test]
async fn a_crash_before_a_drafts_answer_is_kept_leaves_no_draft_and_no_reservation(
    #[values(Db::Sqlite, Db::Postgres)] db: Db,
) {
    let Some(app) = spawn_app(db).await else {
        return;
    };
    let company = with_numbers(&app, &["20710001"], &[]).await;
    let create = || {
        app.client
            .post(app.url("/orders"))
            .bearer_auth(&company.admin)
            .header("idempotency-key", "draft-after-crash")
            .json(&form("MH", Some("20710001")))
            .send()
    };
    app.config.faults.fail_before_answer(1);
    problem(
        create().await.unwrap(),
        StatusCode::INTERNAL_SERVER_ERROR,
        "internal_error",
    )
    .await;
    let orders = json_of(
        app.get("/orders", Some(&company.admin)).await,
        StatusCode::OK,
    )
    .await;
    assert!(orders["items"].as_array().unwrap().is_empty());
    // The number and the initials are free again: the retry gets both.
    let draft = json_of(create().await.unwrap(), StatusCode::CREATED).await;
    assert_eq!(draft["number"]["number"], "+4520710001");
    assert_eq!(draft["employee"]["initials"], "MH");
    let replay = create().await.unwrap();
    assert_eq!(replay.headers()["idempotent-replayed"], "true");
    assert_eq!(
        json_of(replay, StatusCode::CREATED).await["id"],
        draft["id"]
    );
}

/// Reads one setting of a PostgreSQL session.
#[derive(diesel::QueryableByName)]
struct Setting {
    #[diesel(sql_type = diesel::sql_types::Text)]
    lock_timeout: String,
}

#[tokio::test]
async fn a_key_held_by_a_running_request_is_in_flight_and_the_wait_bounds_only_that_statement() {
    use diesel::RunQueryDsl;
    use diesel::connection::SimpleConnection;
    use persistence::idempotency::{Claim, claim};

    let Some(app) = spawn_app(Db::Postgres).await else {
        return;
    };
    let company = with_numbers(&app, &[], &[]).await;
    let company: uuid::Uuid = company.id.parse().unwrap();
    let forget_before = persistence::machine_now() - chrono::Duration::hours(48);
    let wait = std::time::Duration::from_millis(200);

    // The first request holds the key, uncommitted, while a second one arrives.
    let mut first = app.store.conn().unwrap();
    first.batch_execute("BEGIN").unwrap();
    assert_eq!(
        claim(&mut first, company, "k-held", "fp", forget_before, wait).unwrap(),
        Claim::Fresh
    );
    let mut second = app.store.conn().unwrap();
    // A session whose own lock_timeout is unbounded, as the connections' default is.
    second
        .batch_execute("BEGIN; SET LOCAL lock_timeout = 0")
        .unwrap();
    assert_eq!(
        claim(&mut second, company, "k-held", "fp", forget_before, wait).unwrap(),
        Claim::InFlight
    );
    // Its transaction goes on, with the session's own setting back.
    let setting: Setting = diesel::sql_query("SHOW lock_timeout")
        .get_result(&mut **second)
        .unwrap();
    assert_eq!(setting.lock_timeout, "0");
    second.batch_execute("ROLLBACK").unwrap();

    // Once the first commits, the key is there and answers for itself.
    first.batch_execute("COMMIT").unwrap();
    assert_eq!(
        claim(&mut second, company, "k-held", "fp", forget_before, wait).unwrap(),
        Claim::InFlight,
        "a row without its answer counts as still running"
    );
    assert_eq!(
        claim(&mut second, company, "k-held", "other", forget_before, wait).unwrap(),
        Claim::Mismatch
    );
}
