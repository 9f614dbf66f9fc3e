//! Login help: a forgotten password is reset through a single-use emailed link, and a new
//! user is invited to choose a first one.

use reqwest::StatusCode;
use rstest::rstest;
use serde_json::{Value, json};

use crate::helpers::{Db, TestApp, json_of, mailed_token, outbox, problem, spawn_app_with};

async fn app(db: Db) -> Option<TestApp> {
    spawn_app_with(db, |c| c.revocation_refresh_ms = 100).await
}

/// The token of the newest password link emailed to `to`, once there are `nth`.
async fn password_token(app: &TestApp, to: &str, nth: usize) -> String {
    mailed_token(app, to, "/auth/password-reset/", nth).await
}

async fn ask_reset(app: &TestApp, email: &str) -> reqwest::Response {
    app.post_json("/auth/password-reset", None, &json!({"email": email}))
        .await
}

async fn choose(app: &TestApp, token: &str, password: &str) -> reqwest::Response {
    app.post_json(
        &format!("/auth/password-reset/{token}"),
        None,
        &json!({"password": password}),
    )
    .await
}

#[rstest]
#[tokio::test]
async fn a_viewer_resets_a_forgotten_password_through_the_emailed_link(
    #[values(Db::Sqlite, Db::Postgres)] db: Db,
) {
    let Some(app) = app(db).await else {
        return;
    };
    let operator = app.operator_token().await;
    let company = app.company(&operator).await;
    let viewer = "viewer@firma31258715.example";
    let accepted = json_of(ask_reset(&app, viewer).await, StatusCode::ACCEPTED).await;
    let token = password_token(&app, viewer, 1).await;

    let link = json_of(
        app.get(&format!("/auth/password-reset/{token}"), None)
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(link["email"], "v***@firma31258715.example");
    assert_eq!(link["purpose"], "reset");

    assert_eq!(
        choose(&app, &token, "a-brand-new-password").await.status(),
        StatusCode::NO_CONTENT
    );
    app.token(viewer, "a-brand-new-password").await;
    problem(
        app.login(viewer, "company-password-123").await,
        StatusCode::BAD_REQUEST,
        "invalid_grant",
    )
    .await;
    // The viewer's earlier token no longer works.
    let old = app.get("/subscriptions", Some(&company.viewer)).await;
    assert_eq!(old.status(), StatusCode::UNAUTHORIZED);
    // The link worked once.
    for response in [
        app.get(&format!("/auth/password-reset/{token}"), None)
            .await,
        choose(&app, &token, "yet-another-password").await,
    ] {
        problem(response, StatusCode::GONE, "link_gone").await;
    }
    // The token is not kept in the outbox once the email is delivered.
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert!(outbox(&app).await.iter().all(|m| !m.body.contains(&token)));
    assert!(
        accepted["message"]
            .as_str()
            .unwrap()
            .contains("If the address")
    );
}

#[rstest]
#[tokio::test]
async fn an_unknown_address_gets_the_same_answer_and_no_email(
    #[values(Db::Sqlite, Db::Postgres)] db: Db,
) {
    let Some(app) = app(db).await else {
        return;
    };
    let operator = app.operator_token().await;
    app.company(&operator).await;
    let known = ask_reset(&app, "viewer@firma31258715.example").await;
    let unknown = ask_reset(&app, "nobody@firma31258715.example").await;
    assert_eq!(known.status(), unknown.status());
    assert_eq!(known.text().await.unwrap(), unknown.text().await.unwrap());
    let resets: Vec<String> = outbox(&app)
        .await
        .into_iter()
        .filter(|m| m.kind == "password_reset")
        .map(|m| m.recipient)
        .collect();
    assert_eq!(resets, ["viewer@firma31258715.example"]);
}

#[rstest]
#[tokio::test]
async fn a_reset_link_expires_after_an_hour_and_a_new_password_ends_every_other_link(
    #[values(Db::Sqlite, Db::Postgres)] db: Db,
) {
    let Some(app) = app(db).await else {
        return;
    };
    app.config.clock.set(chrono::Utc::now());
    let operator = app.operator_token().await;
    app.company(&operator).await;
    let viewer = "viewer@firma31258715.example";
    ask_reset(&app, viewer).await;
    let first = password_token(&app, viewer, 1).await;
    ask_reset(&app, viewer).await;
    let second = password_token(&app, viewer, 2).await;
    assert_ne!(first, second);
    assert_eq!(
        choose(&app, &second, "the-second-password").await.status(),
        StatusCode::NO_CONTENT
    );
    problem(
        choose(&app, &first, "the-first-password").await,
        StatusCode::GONE,
        "link_gone",
    )
    .await;

    ask_reset(&app, viewer).await;
    let third = password_token(&app, viewer, 3).await;
    app.config.clock.advance(chrono::Duration::minutes(61));
    problem(
        app.get(&format!("/auth/password-reset/{third}"), None)
            .await,
        StatusCode::GONE,
        "link_gone",
    )
    .await;
    problem(
        choose(&app, &third, "too-late-password").await,
        StatusCode::GONE,
        "link_gone",
    )
    .await;
}

#[rstest]
#[tokio::test]
async fn a_burst_of_reset_requests_is_limited_alike_for_known_and_unknown_addresses(
    #[values(Db::Sqlite, Db::Postgres)] db: Db,
) {
    let Some(app) = app(db).await else {
        return;
    };
    let operator = app.operator_token().await;
    app.company(&operator).await;
    for address in [
        "viewer@firma31258715.example",
        "nobody@firma31258715.example",
    ] {
        let burst = (0..10).map(|_| ask_reset(&app, address));
        let statuses: Vec<StatusCode> = futures_util::future::join_all(burst)
            .await
            .iter()
            .map(|r| r.status())
            .collect();
        let accepted = statuses
            .iter()
            .filter(|s| **s == StatusCode::ACCEPTED)
            .count();
        let limited = statuses
            .iter()
            .filter(|s| **s == StatusCode::TOO_MANY_REQUESTS)
            .count();
        assert_eq!((accepted, limited), (3, 7), "{address}: {statuses:?}");
    }
    let limited = ask_reset(&app, "viewer@firma31258715.example").await;
    assert!(limited.headers().contains_key("retry-after"));
    problem(limited, StatusCode::TOO_MANY_REQUESTS, "too_many_requests").await;
}

#[rstest]
#[tokio::test]
async fn an_invited_user_chooses_a_first_password_and_logs_in(
    #[values(Db::Sqlite, Db::Postgres)] db: Db,
) {
    let Some(app) = app(db).await else {
        return;
    };
    let operator = app.operator_token().await;
    let company = app.company(&operator).await;
    let invited = "ny@firma31258715.example";
    let created: Value = json_of(
        app.post_json(
            &format!("/operator/companies/{}/users", company.id),
            Some(&operator),
            &json!({"email": invited, "role": "viewer"}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(created["invitation_sent"], true);
    let user_id = created["user"]["id"].as_str().unwrap().to_owned();
    let first = password_token(&app, invited, 1).await;
    let link = json_of(
        app.get(&format!("/auth/password-reset/{first}"), None)
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(link["purpose"], "invitation");
    // No password yet: no login.
    problem(
        app.login(invited, "anything-at-all-here").await,
        StatusCode::BAD_REQUEST,
        "invalid_grant",
    )
    .await;

    // A new invitation replaces the first.
    let resend = app
        .post_json(
            &format!("/operator/users/{user_id}/invitation"),
            Some(&operator),
            &json!({}),
        )
        .await;
    assert_eq!(resend.status(), StatusCode::ACCEPTED);
    let second = password_token(&app, invited, 2).await;
    problem(
        choose(&app, &first, "my-first-password").await,
        StatusCode::GONE,
        "link_gone",
    )
    .await;
    assert_eq!(
        choose(&app, &second, "my-first-password").await.status(),
        StatusCode::NO_CONTENT
    );
    let token = app.token(invited, "my-first-password").await;
    assert_eq!(
        app.get("/subscriptions", Some(&token)).await.status(),
        StatusCode::OK
    );

    let again = app
        .post_json(
            &format!("/operator/users/{user_id}/invitation"),
            Some(&operator),
            &json!({}),
        )
        .await;
    problem(again, StatusCode::CONFLICT, "user_has_password").await;
}
