use reqwest::StatusCode;
use rstest::rstest;
use serde_json::json;

use crate::helpers::{Db, confirmed, form, with_numbers};

/// The value of the sample `name{labels}` in a Prometheus text exposition.
fn sample(text: &str, series: &str) -> Option<f64> {
    text.lines().filter(|l| !l.starts_with('#')).find_map(|l| {
        l.strip_prefix(series)?
            .strip_prefix(' ')?
            .trim()
            .parse()
            .ok()
    })
}

#[rstest]
#[tokio::test]
async fn metrics_count_requests_per_route_and_status_and_show_pool_and_outbox(
    #[values(Db::Sqlite, Db::Postgres)] db: Db,
) {
    let Some(app) = spawn_app_paused_outbox(db).await else {
        return;
    };
    let company = with_numbers(&app, &["20710001"], &[]).await;
    for _ in 0..3 {
        assert_eq!(
            app.get("/catalog/plans", Some(&company.admin))
                .await
                .status(),
            StatusCode::OK
        );
    }
    let unknown = format!("/orders/{}", uuid::Uuid::now_v7());
    assert_eq!(
        app.get(&unknown, Some(&company.admin)).await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.get("/no/such/path", None).await.status(),
        StatusCode::NOT_FOUND
    );
    confirmed(&app, &company.admin, &form("MH", None)).await;
    let bad = app
        .post_json("/orders", Some(&company.admin), &json!({}))
        .await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);

    let response = app.get("/metrics", None).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain; version=0.0.4")
    );
    let text = response.text().await.unwrap();
    let series = |s: &str| sample(&text, s);
    assert_eq!(
        series(r#"http_requests_total{method="GET",route="/catalog/plans",status="200"}"#),
        Some(3.0),
        "{text}"
    );
    assert_eq!(
        series(r#"http_requests_total{method="GET",route="/orders/{id}",status="404"}"#),
        Some(1.0),
        "{text}"
    );
    assert_eq!(
        series(r#"http_requests_total{method="GET",route="unmatched",status="404"}"#),
        Some(1.0),
        "{text}"
    );
    assert_eq!(
        series(r#"http_requests_total{method="POST",route="/orders",status="201"}"#),
        Some(1.0),
        "{text}"
    );
    assert_eq!(
        series(r#"http_requests_total{method="POST",route="/orders",status="422"}"#),
        Some(1.0),
        "{text}"
    );
    assert_eq!(
        series(r#"http_requests_total{method="POST",route="/orders/{id}/confirm",status="201"}"#),
        Some(1.0),
        "{text}"
    );
    assert_eq!(
        series(
            r#"http_request_duration_seconds_count{method="GET",route="/catalog/plans",status="200"}"#
        ),
        Some(3.0)
    );
    assert_eq!(
        series(
            r#"http_request_duration_seconds_bucket{method="GET",route="/catalog/plans",status="200",le="+Inf"}"#
        ),
        Some(3.0)
    );
    // The welcome email waits in the outbox: the worker is not running in this app.
    assert_eq!(
        series(r#"outbox_messages{status="pending"}"#),
        Some(1.0),
        "{text}"
    );
    assert_eq!(series(r#"outbox_messages{status="sent"}"#), Some(0.0));
    assert_eq!(
        series(r#"db_pool_connections{state="max"}"#),
        Some(f64::from(app.config.database_pool_size))
    );
    assert!(series(r#"db_pool_connections{state="idle"}"#).is_some());
    assert!(series(r#"db_pool_connections{state="in_use"}"#).is_some());
}

async fn spawn_app_paused_outbox(db: Db) -> Option<crate::helpers::TestApp> {
    // An hour between outbox rounds: the first round runs at start, before any order.
    crate::helpers::spawn_app_with(db, |c| c.outbox_poll_ms = 3_600_000).await
}

#[rstest]
#[tokio::test]
async fn invented_methods_and_paths_add_no_series_to_the_metrics(
    #[values(Db::Sqlite, Db::Postgres)] db: Db,
) {
    let Some(app) = crate::helpers::spawn_app(db).await else {
        return;
    };
    for i in 0..5 {
        let method = reqwest::Method::from_bytes(format!("INVENTED{i}").as_bytes()).unwrap();
        let response = app
            .client
            .request(method, app.url(&format!("/made/up/{i}")))
            .send()
            .await
            .unwrap();
        assert!(response.status().is_client_error());
    }
    let text = app.get("/metrics", None).await.text().await.unwrap();
    assert!(
        !text.contains("INVENTED"),
        "a method became a label:\n{text}"
    );
    assert!(!text.contains("/made/up"), "a path became a label:\n{text}");
    assert_eq!(
        sample(
            &text,
            r#"http_requests_total{method="other",route="unmatched",status="404"}"#
        ),
        Some(5.0),
        "{text}"
    );
}
