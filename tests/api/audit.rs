use reqwest::StatusCode;
use rstest::rstest;
use serde_json::{Value, json};

use crate::helpers::{Db, json_of, problem, spawn_app};

fn actions(page: &Value) -> Vec<(String, String)> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["action"].as_str().unwrap().to_owned(),
                e["company_id"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect()
}

#[rstest]
#[tokio::test]
async fn company_users_see_their_companys_events_and_operators_all(
    #[values(Db::Sqlite, Db::Postgres)] db: Db,
) {
    let Some(app) = spawn_app(db).await else {
        return;
    };
    let operator = app.operator_token().await;
    let company = app.company(&operator).await;
    let other = app.company_with_cvr(&operator, "10150817").await;
    let response = app
        .post_json(
            &format!("/operator/companies/{}/numbers", company.id),
            Some(&operator),
            &json!({"numbers": ["20710001"]}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);

    for token in [&company.admin, &company.viewer] {
        let page = json_of(
            app.get("/audit-events?limit=200", Some(token)).await,
            StatusCode::OK,
        )
        .await;
        let seen = actions(&page);
        assert!(
            seen.iter().all(|(_, c)| *c == company.id),
            "only the own company: {seen:?}"
        );
        let names: Vec<&str> = seen.iter().map(|(a, _)| a.as_str()).collect();
        assert_eq!(
            names,
            vec![
                "company.created",
                "user.created",
                "user.created",
                "numbers.added"
            ]
        );
    }

    let all = json_of(
        app.get("/audit-events?limit=200", Some(&operator)).await,
        StatusCode::OK,
    )
    .await;
    let companies: std::collections::BTreeSet<String> =
        actions(&all).into_iter().map(|(_, c)| c).collect();
    assert!(companies.contains(&company.id) && companies.contains(&other.id));
    let first = &all["items"][0];
    assert_eq!(first["object"]["type"], "company");
    assert_eq!(first["actor"]["role"], "operator");

    // Cursor pagination walks the same events.
    let mut walked = Vec::new();
    let mut path = "/audit-events?limit=3".to_owned();
    loop {
        let page = json_of(app.get(&path, Some(&operator)).await, StatusCode::OK).await;
        walked.extend(actions(&page));
        match page["next_cursor"].as_str() {
            Some(c) => path = format!("/audit-events?limit=3&cursor={c}"),
            None => break,
        }
    }
    assert_eq!(walked, actions(&all));

    problem(
        app.get("/audit-events", None).await,
        StatusCode::UNAUTHORIZED,
        "unauthorized",
    )
    .await;
}
