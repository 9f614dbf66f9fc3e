//! Holes a review found, each closed: weak preconditions, dates the calendar cannot
//! compute, invented metric labels, the published demo on the network, configuration
//! mistakes that failed late.

use reqwest::StatusCode;
use rstest::rstest;
use serde_json::json;

use crate::helpers::{
    Db, fresh_database, json_of, patch, pointers, problem, spawn_app, spawn_app_with, test_config,
    with_numbers,
};

#[rstest]
#[tokio::test]
async fn a_weak_etag_never_matches_a_write(#[values(Db::Sqlite, Db::Postgres)] db: Db) {
    let Some(app) = spawn_app(db).await else {
        return;
    };
    let company = with_numbers(&app, &["20710001"], &[]).await;
    let draft = json_of(
        app.post_json(
            "/orders",
            Some(&company.admin),
            &crate::helpers::form("MH", None),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let path = format!("/orders/{}", draft["id"].as_str().unwrap());
    let change = json!({"data_sharing_cards": 2});
    problem(
        patch(&app, &path, &company.admin, Some("W/\"1\""), &change).await,
        StatusCode::PRECONDITION_FAILED,
        "precondition_failed",
    )
    .await;
    problem(
        patch(&app, &path, &company.admin, Some("1"), &change).await,
        StatusCode::PRECONDITION_FAILED,
        "precondition_failed",
    )
    .await;
    let edited = patch(&app, &path, &company.admin, Some("W/\"1\", \"1\""), &change).await;
    assert_eq!(json_of(edited, StatusCode::OK).await["version"], 2);
}

#[rstest]
#[tokio::test]
async fn a_requested_port_date_is_at_most_a_year_ahead_and_never_breaks_the_calendar(
    #[values(Db::Sqlite, Db::Postgres)] db: Db,
) {
    let Some(app) = spawn_app(db).await else {
        return;
    };
    let company = with_numbers(&app, &[], &[]).await;
    let today = chrono::Utc::now().date_naive();
    for (date, code) in [
        ((today + chrono::Months::new(13)).to_string(), "too_late"),
        ("9999-12-31".to_owned(), "too_late"),
        ("2000-01-03".to_owned(), "too_early"),
    ] {
        let mut form = crate::helpers::form("MH", None);
        form["number"] = json!({
            "type": "port_in", "number": "+4521234567", "owner_email": "jens@privat.example",
            "owner_name": "Jens Berg", "requested_date": date,
        });
        let p = problem(
            app.post_json("/orders", Some(&company.admin), &form).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
        assert_eq!(pointers(&p), ["/number/requested_date"], "{date}");
        assert_eq!(p["errors"][0]["code"], code, "{date}");
    }
}

#[tokio::test]
async fn the_published_demo_is_not_seeded_on_an_address_other_machines_reach() {
    let dir = tempfile::tempdir().unwrap();
    let (url, _) = fresh_database(Db::Sqlite, dir.path()).unwrap();
    let mut config = test_config(url, dir.path());
    config.bind_addr = "0.0.0.0:0".to_owned();
    config.demo = None;
    let app = selvbetjening::Application::build(config).await.unwrap();
    assert!(!selvbetjening::demo::exists(&app.state().store).unwrap());

    let dir = tempfile::tempdir().unwrap();
    let (url, _) = fresh_database(Db::Sqlite, dir.path()).unwrap();
    let mut config = test_config(url, dir.path());
    config.bind_addr = "127.0.0.1:0".to_owned();
    config.demo = None;
    let app = selvbetjening::Application::build(config).await.unwrap();
    assert!(selvbetjening::demo::exists(&app.state().store).unwrap());
}

#[tokio::test]
async fn a_wrong_cors_origin_or_smtp_url_stops_the_start_with_its_reason() {
    for (origins, smtp, expected) in [
        (vec!["portal.example.dk".to_owned()], None, "CORS_ORIGINS"),
        (
            vec!["https://portal.example.dk/app".to_owned()],
            None,
            "CORS_ORIGINS",
        ),
        (vec![], Some("mail.example:25"), "SMTP_URL"),
        (
            vec![],
            Some("smtp://user:smtp-password@relay:port"),
            "SMTP_URL",
        ),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let (url, _) = fresh_database(Db::Sqlite, dir.path()).unwrap();
        let mut config = test_config(url, dir.path());
        config.cors_origins = origins;
        config.smtp_url = smtp.map(str::to_owned);
        let Err(err) = selvbetjening::Application::build(config).await else {
            panic!("{expected}: the app started");
        };
        let message = format!("{err:#}");
        assert!(message.contains(expected), "{message}");
        assert!(!message.contains("smtp-password"), "{message}");
    }
    let dir = tempfile::tempdir().unwrap();
    let (url, _) = fresh_database(Db::Sqlite, dir.path()).unwrap();
    let mut config = test_config(url, dir.path());
    config.cors_origins = vec![
        "https://portal.example.dk".to_owned(),
        "http://localhost:5173".to_owned(),
    ];
    assert!(selvbetjening::Application::build(config).await.is_ok());
}

#[rstest]
#[tokio::test]
async fn a_started_app_answers_with_the_configured_cors_origin(
    #[values(Db::Sqlite, Db::Postgres)] db: Db,
) {
    let Some(app) = spawn_app_with(db, |c| {
        c.cors_origins = vec!["https://portal.example.dk".to_owned()];
    })
    .await
    else {
        return;
    };
    let response = app
        .client
        .get(app.url("/health/live"))
        .header("origin", "https://portal.example.dk")
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.headers()["access-control-allow-origin"],
        "https://portal.example.dk"
    );
}

/// A wrong login for `username`, as forwarded for `client` by the proxy at 127.0.0.1.
async fn wrong_login_via(
    app: &crate::helpers::TestApp,
    username: &str,
    client: &str,
) -> StatusCode {
    app.client
        .post(app.url("/auth/token"))
        .header("x-forwarded-for", format!("6.6.6.6, {client}"))
        .form(&[
            ("grant_type", "password"),
            ("username", username),
            ("password", "wrong-wrong-wrong"),
        ])
        .send()
        .await
        .unwrap()
        .status()
}

#[rstest]
#[tokio::test]
async fn behind_a_trusted_proxy_each_client_address_is_limited_on_its_own(
    #[values(Db::Sqlite, Db::Postgres)] db: Db,
) {
    let Some(app) = spawn_app_with(db, |c| c.trusted_proxies = vec!["127.0.0.1".to_owned()]).await
    else {
        return;
    };
    for i in 0..5 {
        let status = wrong_login_via(&app, &format!("u{i}@x.example"), "203.0.113.5").await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
    }
    assert_eq!(
        wrong_login_via(&app, "u9@x.example", "203.0.113.5").await,
        StatusCode::TOO_MANY_REQUESTS,
        "the address that failed five times is limited"
    );
    assert_eq!(
        wrong_login_via(&app, "u9@x.example", "203.0.113.6").await,
        StatusCode::BAD_REQUEST,
        "another client behind the same proxy is not"
    );
    // IPv6 clients count per /64.
    for i in 0..5 {
        let client = format!("2001:db8:1:2::{i}");
        assert_eq!(
            wrong_login_via(&app, &format!("v{i}@x.example"), &client).await,
            StatusCode::BAD_REQUEST
        );
    }
    assert_eq!(
        wrong_login_via(&app, "v9@x.example", "2001:db8:1:2:ffff::1").await,
        StatusCode::TOO_MANY_REQUESTS
    );
}

#[rstest]
#[tokio::test]
async fn without_trusted_proxies_a_forwarded_address_is_ignored(
    #[values(Db::Sqlite, Db::Postgres)] db: Db,
) {
    let Some(app) = spawn_app(db).await else {
        return;
    };
    for i in 0..5 {
        let status =
            wrong_login_via(&app, &format!("u{i}@x.example"), &format!("203.0.113.{i}")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
    }
    assert_eq!(
        wrong_login_via(&app, "u9@x.example", "203.0.113.99").await,
        StatusCode::TOO_MANY_REQUESTS,
        "the peer is the client; what it writes in X-Forwarded-For does not change that"
    );
}

#[rstest]
#[tokio::test]
async fn a_number_being_ported_in_cannot_be_added_to_a_pool(
    #[values(Db::Sqlite, Db::Postgres)] db: Db,
) {
    let Some(app) = spawn_app(db).await else {
        return;
    };
    let company = with_numbers(&app, &[], &[]).await;
    let mut port_in = crate::helpers::form("JB", None);
    port_in["number"] = json!({
        "type": "port_in", "number": "+4521234567", "owner_email": "jens@privat.example",
        "owner_name": "Jens Berg",
    });
    crate::helpers::confirmed(&app, &company.admin, &port_in).await;
    let operator = app.operator_token().await;
    let p = problem(
        app.post_json(
            "/operator/numbers",
            Some(&operator),
            &json!({"numbers": ["+4521234567"]}),
        )
        .await,
        StatusCode::CONFLICT,
        "number_taken",
    )
    .await;
    assert_eq!(pointers(&p), ["/numbers/0"]);
}
