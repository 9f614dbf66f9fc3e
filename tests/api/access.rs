//! Access is taken away as well as given: disabled users and companies and revoked API
//! clients can no longer log in, and their existing tokens stop working in every server
//! process within the revocation refresh.

use reqwest::StatusCode;
use rstest::rstest;
use serde_json::{Value, json};

use crate::helpers::{Db, TestApp, json_of, problem, second_process, spawn_app_with};

const REFRESH_MS: u64 = 100;

async fn app_with_fast_revocations(db: Db) -> Option<TestApp> {
    spawn_app_with(db, |c| c.revocation_refresh_ms = REFRESH_MS).await
}

async fn status_of(app: &TestApp, base: &str, token: &str) -> StatusCode {
    app.client
        .get(format!("{base}/subscriptions"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .status()
}

/// Waits (a few refresh intervals at most) until `token` is refused at `base`.
async fn refused_soon(app: &TestApp, base: &str, token: &str) -> bool {
    for _ in 0..30 {
        if status_of(app, base, token).await == StatusCode::UNAUTHORIZED {
            return true;
        }
        tokio::time::sleep(std::time::Duration::from_millis(REFRESH_MS)).await;
    }
    false
}

async fn change(app: &TestApp, operator: &str, path: &str, enabled: bool) -> Value {
    let response = app
        .client
        .patch(app.url(path))
        .bearer_auth(operator)
        .header("content-type", "application/merge-patch+json")
        .body(json!({"enabled": enabled}).to_string())
        .send()
        .await
        .unwrap();
    json_of(response, StatusCode::OK).await
}

#[rstest]
#[tokio::test]
async fn a_disabled_users_tokens_stop_working_in_every_process_and_they_cannot_log_in(
    #[values(Db::Sqlite, Db::Postgres)] db: Db,
) {
    let Some(app) = app_with_fast_revocations(db).await else {
        return;
    };
    let second = second_process(&app).await;
    let operator = app.operator_token().await;
    let company = app.company(&operator).await;
    assert_eq!(
        status_of(&app, &second, &company.admin).await,
        StatusCode::OK
    );

    let users = json_of(
        app.get(
            &format!("/operator/companies/{}/users", company.id),
            Some(&operator),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let admin = users["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["email"] == company.admin_email)
        .unwrap()
        .clone();
    assert_eq!(admin["enabled"], true);
    let admin_path = format!("/operator/users/{}", admin["id"].as_str().unwrap());

    let disabled = change(&app, &operator, &admin_path, false).await;
    assert_eq!(disabled["enabled"], false);
    // At once in the process that disabled, within the refresh in the other.
    assert_eq!(
        status_of(&app, &app.address, &company.admin).await,
        StatusCode::UNAUTHORIZED
    );
    assert!(
        refused_soon(&app, &second, &company.admin).await,
        "the second process refuses"
    );
    problem(
        app.login(&company.admin_email, "company-password-123")
            .await,
        StatusCode::BAD_REQUEST,
        "invalid_grant",
    )
    .await;
    // The viewer of the same company is untouched.
    assert_eq!(
        status_of(&app, &second, &company.viewer).await,
        StatusCode::OK
    );

    // Enabled again: a new login works at once; the old token stays dead.
    change(&app, &operator, &admin_path, true).await;
    let fresh = app
        .token(&company.admin_email, "company-password-123")
        .await;
    assert_eq!(status_of(&app, &app.address, &fresh).await, StatusCode::OK);
    tokio::time::sleep(std::time::Duration::from_millis(3 * REFRESH_MS)).await;
    assert_eq!(status_of(&app, &second, &fresh).await, StatusCode::OK);
    assert_eq!(
        status_of(&app, &second, &company.admin).await,
        StatusCode::UNAUTHORIZED
    );
}

#[rstest]
#[tokio::test]
async fn a_disabled_companys_people_and_clients_are_shut_out(
    #[values(Db::Sqlite, Db::Postgres)] db: Db,
) {
    let Some(app) = app_with_fast_revocations(db).await else {
        return;
    };
    let second = second_process(&app).await;
    let operator = app.operator_token().await;
    let company = app.company(&operator).await;
    let created = json_of(
        app.post_json(
            &format!("/operator/companies/{}/clients", company.id),
            Some(&operator),
            &json!({"name": "HR-system"}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let (client_id, secret) = (
        created["client_id"].as_str().unwrap().to_owned(),
        created["client_secret"].as_str().unwrap().to_owned(),
    );
    let client_login = || {
        app.client
            .post(app.url("/auth/token"))
            .form(&[
                ("grant_type", "client_credentials"),
                ("client_id", client_id.as_str()),
                ("client_secret", secret.as_str()),
            ])
            .send()
    };
    let client_token = json_of(client_login().await.unwrap(), StatusCode::OK).await["access_token"]
        .as_str()
        .unwrap()
        .to_owned();

    let disabled = change(
        &app,
        &operator,
        &format!("/operator/companies/{}", company.id),
        false,
    )
    .await;
    assert_eq!(disabled["enabled"], false);
    for token in [&company.admin, &company.viewer, &client_token] {
        assert!(refused_soon(&app, &second, token).await);
    }
    problem(
        app.login(&company.admin_email, "company-password-123")
            .await,
        StatusCode::BAD_REQUEST,
        "invalid_grant",
    )
    .await;
    problem(
        client_login().await.unwrap(),
        StatusCode::UNAUTHORIZED,
        "invalid_client",
    )
    .await;

    change(
        &app,
        &operator,
        &format!("/operator/companies/{}", company.id),
        true,
    )
    .await;
    let fresh = app
        .token(&company.admin_email, "company-password-123")
        .await;
    assert_eq!(status_of(&app, &app.address, &fresh).await, StatusCode::OK);
}

#[rstest]
#[tokio::test]
async fn a_revoked_client_is_gone_from_the_list_and_its_token_and_secret_stop_working(
    #[values(Db::Sqlite, Db::Postgres)] db: Db,
) {
    let Some(app) = app_with_fast_revocations(db).await else {
        return;
    };
    let second = second_process(&app).await;
    let operator = app.operator_token().await;
    let company = app.company(&operator).await;
    let created = json_of(
        app.post_json(
            &format!("/operator/companies/{}/clients", company.id),
            Some(&operator),
            &json!({"name": "HR-system", "role": "viewer"}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let client_id = created["client_id"].as_str().unwrap().to_owned();
    let secret = created["client_secret"].as_str().unwrap().to_owned();
    let login = || {
        app.client
            .post(app.url("/auth/token"))
            .basic_auth(&client_id, Some(&secret))
            .form(&[("grant_type", "client_credentials")])
            .send()
    };
    let token = json_of(login().await.unwrap(), StatusCode::OK).await["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let clients_path = format!("/operator/companies/{}/clients", company.id);
    let listed = json_of(
        app.get(&clients_path, Some(&operator)).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(listed["items"][0]["client_id"], client_id);
    assert!(
        !listed.to_string().contains(&secret) && listed["items"][0].get("client_secret").is_none(),
        "no secret in the list"
    );

    let revoke = || {
        app.client
            .delete(app.url(&format!("/operator/clients/{client_id}")))
            .bearer_auth(&operator)
            .send()
    };
    assert_eq!(revoke().await.unwrap().status(), StatusCode::NO_CONTENT);
    assert!(refused_soon(&app, &second, &token).await);
    problem(
        login().await.unwrap(),
        StatusCode::UNAUTHORIZED,
        "invalid_client",
    )
    .await;
    problem(revoke().await.unwrap(), StatusCode::NOT_FOUND, "not_found").await;
    let listed = json_of(
        app.get(&clients_path, Some(&operator)).await,
        StatusCode::OK,
    )
    .await;
    assert!(listed["items"].as_array().unwrap().is_empty());
}

#[rstest]
#[tokio::test]
async fn an_operator_cannot_disable_themselves_and_companies_cannot_use_these_routes(
    #[values(Db::Sqlite, Db::Postgres)] db: Db,
) {
    let Some(app) = app_with_fast_revocations(db).await else {
        return;
    };
    let operator = app.operator_token().await;
    let claims: Value = {
        use base64::Engine;
        let payload = operator.split('.').nth(1).unwrap();
        serde_json::from_slice(
            &base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(payload)
                .unwrap(),
        )
        .unwrap()
    };
    let me = format!("/operator/users/{}", claims["sub"].as_str().unwrap());
    let response = app
        .client
        .patch(app.url(&me))
        .bearer_auth(&operator)
        .header("content-type", "application/merge-patch+json")
        .body(json!({"enabled": false}).to_string())
        .send()
        .await
        .unwrap();
    problem(response, StatusCode::CONFLICT, "cannot_disable_yourself").await;

    let company = app.company(&operator).await;
    let response = app
        .get(
            &format!("/operator/companies/{}/users", company.id),
            Some(&company.admin),
        )
        .await;
    problem(response, StatusCode::FORBIDDEN, "forbidden").await;
}

#[tokio::test]
async fn a_token_lifetime_over_a_day_stops_the_start() {
    let dir = tempfile::tempdir().unwrap();
    let (url, _) = crate::helpers::fresh_database(Db::Sqlite, dir.path()).unwrap();
    let mut config = crate::helpers::test_config(url, dir.path());
    config.token_ttl_seconds = 24 * 60 * 60 + 1;
    let Err(err) = selvbetjening::Application::build(config).await else {
        panic!("the app started with a two-day token lifetime");
    };
    assert!(format!("{err:#}").contains("TOKEN_TTL_SECONDS"));
}
