use reqwest::StatusCode;
use rstest::rstest;

use crate::helpers::{Db, json_of, spawn_app};

#[rstest]
#[tokio::test]
async fn live_and_ready_answer_without_a_token(#[values(Db::Sqlite, Db::Postgres)] db: Db) {
    let Some(app) = spawn_app(db).await else {
        return;
    };
    let live = json_of(app.get("/health/live", None).await, StatusCode::OK).await;
    assert_eq!(live["status"], "ok");
    let ready = json_of(app.get("/health/ready", None).await, StatusCode::OK).await;
    assert_eq!(
        ready["database"],
        if db == Db::Sqlite {
            "sqlite"
        } else {
            "postgres"
        }
    );
}

#[rstest]
#[tokio::test]
async fn swagger_ui_is_served_and_the_bare_path_redirects(#[values(Db::Sqlite)] db: Db) {
    let Some(app) = spawn_app(db).await else {
        return;
    };
    let response = app.get("/swagger-ui/", None).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.text().await.unwrap().contains("swagger-ui"));
    let response = app.get("/swagger-ui", None).await;
    assert_eq!(response.status(), StatusCode::PERMANENT_REDIRECT);
    assert_eq!(response.headers()["location"], "/swagger-ui/");
}
