use reqwest::StatusCode;
use rstest::rstest;
use serde_json::json;

use crate::helpers::{Db, json_of, pointers, problem, spawn_app};

const ARTICLE: &str = "/help/articles/opret-ny-medarbejder";

#[rstest]
#[tokio::test]
async fn the_shipped_article_is_public_and_counts_its_readers_answers(
    #[values(Db::Sqlite, Db::Postgres)] db: Db,
) {
    let Some(app) = spawn_app(db).await else {
        return;
    };
    let list = json_of(app.get("/help/articles", None).await, StatusCode::OK).await;
    assert!(
        list["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["slug"] == "opret-ny-medarbejder")
    );

    let article = json_of(app.get(ARTICLE, None).await, StatusCode::OK).await;
    assert!(
        article["body"]
            .as_str()
            .unwrap()
            .contains("Godkend og opret")
    );
    assert_eq!(article["rating"]["total"], 0);

    let feedback = format!("{ARTICLE}/feedback");
    for helpful in [true, true, false] {
        let receipt = json_of(
            app.post_json(&feedback, None, &json!({"helpful": helpful}))
                .await,
            StatusCode::CREATED,
        )
        .await;
        assert!(receipt["rating"]["total"].as_i64().unwrap() >= 1);
    }
    let body = json!({"helpful": false, "comment": "Hvor er fuldmagten?", "email": "mette@nordlys.example"});
    json_of(
        app.post_json(&feedback, None, &body).await,
        StatusCode::CREATED,
    )
    .await;

    let article = json_of(app.get(ARTICLE, None).await, StatusCode::OK).await;
    assert_eq!(article["rating"]["helpful"], 2);
    assert_eq!(article["rating"]["total"], 4);
    assert_eq!(
        article["rating"]["text"],
        "2 af 4 fandt denne artikel nyttig"
    );
}

#[rstest]
#[tokio::test]
async fn a_comment_needs_a_valid_email_and_unknown_articles_are_404(
    #[values(Db::Sqlite, Db::Postgres)] db: Db,
) {
    let Some(app) = spawn_app(db).await else {
        return;
    };
    let feedback = format!("{ARTICLE}/feedback");
    let p = problem(
        app.post_json(&feedback, None, &json!({"helpful": true, "comment": "Fin"}))
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(pointers(&p), vec!["/email"]);
    let p = problem(
        app.post_json(
            &feedback,
            None,
            &json!({"helpful": true, "comment": "Fin", "email": "not an email"}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(pointers(&p), vec!["/email"]);
    let p = problem(
        app.post_json(&feedback, None, &json!({"helpful": "yes"}))
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(pointers(&p), vec!["/helpful"]);
    let p = problem(
        app.post_json(&feedback, None, &json!({"helpful": true, "stars": 5}))
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(pointers(&p), vec!["/stars"]);

    problem(
        app.get("/help/articles/no-such-article", None).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    problem(
        app.post_json(
            "/help/articles/no-such-article/feedback",
            None,
            &json!({"helpful": true}),
        )
        .await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;

    // Nothing of the refused answers was kept.
    let article = json_of(app.get(ARTICLE, None).await, StatusCode::OK).await;
    assert_eq!(article["rating"]["total"], 0);
}

#[rstest]
#[tokio::test]
async fn feedback_is_rate_limited_per_address(#[values(Db::Sqlite, Db::Postgres)] db: Db) {
    let Some(app) = spawn_app(db).await else {
        return;
    };
    let feedback = format!("{ARTICLE}/feedback");
    for _ in 0..10 {
        json_of(
            app.post_json(&feedback, None, &json!({"helpful": true}))
                .await,
            StatusCode::CREATED,
        )
        .await;
    }
    let response = app
        .post_json(&feedback, None, &json!({"helpful": true}))
        .await;
    let retry: u64 = response.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(retry > 0 && retry <= 3600, "{retry}");
    problem(response, StatusCode::TOO_MANY_REQUESTS, "too_many_requests").await;
    let article = json_of(app.get(ARTICLE, None).await, StatusCode::OK).await;
    assert_eq!(article["rating"]["total"], 10);
}
