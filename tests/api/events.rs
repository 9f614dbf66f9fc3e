//! Events for partner integrations (`GET /events`): each change partners hear of is an
//! event written with it, carrying the object as `GET` answered then; a company sees only
//! its own, filtered by type, page by page.

use reqwest::StatusCode;
use rstest::rstest;
use serde_json::{Value, json};

use crate::helpers::{Db, confirmed, form, json_of, patch, problem, spawn_app, with_numbers};

async fn events(app: &crate::helpers::TestApp, token: &str, query: &str) -> Vec<Value> {
    let page = json_of(
        app.get(&format!("/events{query}"), Some(token)).await,
        StatusCode::OK,
    )
    .await;
    page["items"].as_array().unwrap().clone()
}

fn types(events: &[Value]) -> Vec<&str> {
    events.iter().map(|e| e["type"].as_str().unwrap()).collect()
}

#[rstest]
#[tokio::test]
async fn each_change_is_an_event_with_the_object_as_it_was_then(
    #[values(Db::Sqlite, Db::Postgres)] db: Db,
) {
    let Some(app) = spawn_app(db).await else {
        return;
    };
    let company = with_numbers(&app, &["20710001"], &[]).await;
    let operator = app.operator_token().await;
    let other = app.company_with_cvr(&operator, "10150817").await;

    let confirmation = confirmed(&app, &company.admin, &form("MH", Some("20710001"))).await;
    let subscription_path = format!(
        "/subscriptions/{}",
        confirmation["subscription"]["id"].as_str().unwrap()
    );
    let after_confirm = events(&app, &company.viewer, "").await;
    assert_eq!(
        types(&after_confirm),
        ["order.confirmed", "subscription.activated"]
    );
    let order = json_of(
        app.get(
            &format!("/orders/{}", confirmation["order"]["id"].as_str().unwrap()),
            Some(&company.admin),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(after_confirm[0]["data"], order);
    assert_eq!(after_confirm[1]["data"], confirmation["subscription"]);
    for event in &after_confirm {
        assert_eq!(event["company_id"], company.id.as_str());
        assert!(event["id"].as_str().is_some_and(|id| id.len() == 36));
        assert!(event["created_at"].as_str().is_some());
    }

    let changed = patch(
        &app,
        &subscription_path,
        &company.admin,
        Some("\"1\""),
        &json!({"data_sharing_cards": 2}),
    )
    .await;
    let changed = json_of(changed, StatusCode::OK).await;
    let ended = json_of(
        app.post_json(
            &format!("{subscription_path}/terminate"),
            Some(&company.admin),
            &json!({"effective_date": domain::calendar::date_in_denmark(chrono::Utc::now())}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let all = events(&app, &company.admin, "").await;
    assert_eq!(
        types(&all),
        [
            "order.confirmed",
            "subscription.activated",
            "subscription.changed",
            "subscription.terminated"
        ]
    );
    assert_eq!(all[2]["data"], changed);
    assert_eq!(all[3]["data"], ended);
    assert_eq!(all[3]["data"]["status"], "terminated");

    // One type; one page at a time; another company sees none of them.
    let only = events(&app, &company.admin, "?type=subscription.changed").await;
    assert_eq!(types(&only), ["subscription.changed"]);
    let first = json_of(
        app.get("/events?limit=3", Some(&company.admin)).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(first["items"].as_array().unwrap().len(), 3);
    let cursor = first["next_cursor"].as_str().unwrap();
    let rest = events(&app, &company.admin, &format!("?limit=3&cursor={cursor}")).await;
    assert_eq!(types(&rest), ["subscription.terminated"]);
    assert!(events(&app, &other.admin, "").await.is_empty());

    // A type that does not exist is named; the operator has no company events.
    let p = problem(
        app.get("/events?type=order.cancelled", Some(&company.admin))
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(p["errors"][0]["pointer"], "/query/type");
    assert_eq!(
        app.get("/events", Some(&operator)).await.status(),
        StatusCode::FORBIDDEN
    );
}

#[rstest]
#[tokio::test]
async fn events_older_than_thirty_days_are_pruned(#[values(Db::Sqlite, Db::Postgres)] db: Db) {
    let Some(app) = spawn_app(db).await else {
        return;
    };
    let company = with_numbers(&app, &["20710001"], &[]).await;
    confirmed(&app, &company.admin, &form("MH", Some("20710001"))).await;
    assert_eq!(events(&app, &company.admin, "").await.len(), 2);
    let mut conn = app.store.conn().unwrap();
    let in_29_days = persistence::machine_now() + chrono::Duration::days(29);
    assert_eq!(
        selvbetjening::app::events::prune(&mut conn, in_29_days).unwrap(),
        0
    );
    let in_31_days = persistence::machine_now() + chrono::Duration::days(31);
    assert_eq!(
        selvbetjening::app::events::prune(&mut conn, in_31_days).unwrap(),
        2
    );
    assert!(events(&app, &company.admin, "").await.is_empty());
}
