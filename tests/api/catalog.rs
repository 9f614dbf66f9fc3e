use reqwest::StatusCode;
use rstest::rstest;

use crate::helpers::{Db, json_of, problem, spawn_app};

#[rstest]
#[tokio::test]
async fn the_catalog_ships_four_plans_and_four_packages_smallest_first(
    #[values(Db::Sqlite, Db::Postgres)] db: Db,
) {
    let Some(app) = spawn_app(db).await else {
        return;
    };
    let operator = app.operator_token().await;
    let company = app.company(&operator).await;
    for token in [&operator, &company.admin, &company.viewer] {
        let plans = json_of(app.get("/catalog/plans", Some(token)).await, StatusCode::OK).await;
        let plans = plans["items"].as_array().unwrap().clone();
        let codes = |items: &[serde_json::Value]| -> Vec<String> {
            items
                .iter()
                .map(|i| i["code"].as_str().unwrap().to_owned())
                .collect()
        };
        // Exactly what the migration ships, in its order.
        assert_eq!(
            codes(&plans),
            ["ERHVERV_S", "ERHVERV_M", "ERHVERV_L", "ERHVERV_XL"]
        );
        let prices: Vec<i64> = plans
            .iter()
            .map(|p| p["monthly_price_ore"].as_i64().unwrap())
            .collect();
        assert!(
            prices.windows(2).all(|w| w[0] < w[1]),
            "smallest first: {prices:?}"
        );
        // The larger plans include data-sharing cards free; the smallest does not.
        assert_eq!(plans[0]["free_data_sharing_cards"], 0);
        assert!(
            plans.last().unwrap()["free_data_sharing_cards"]
                .as_i64()
                .unwrap()
                > 0
        );

        let packages = json_of(
            app.get("/catalog/mobile-packages", Some(token)).await,
            StatusCode::OK,
        )
        .await;
        let packages = packages["items"].as_array().unwrap().clone();
        assert_eq!(
            codes(&packages),
            ["DATA_10", "DATA_50", "DATA_100", "DATA_EU"]
        );
        assert!(
            packages
                .iter()
                .all(|p| p["code"].is_string() && p["data_gb"].as_i64().unwrap() > 0)
        );
    }
}

#[rstest]
#[tokio::test]
async fn the_catalog_needs_a_token(#[values(Db::Sqlite, Db::Postgres)] db: Db) {
    let Some(app) = spawn_app(db).await else {
        return;
    };
    problem(
        app.get("/catalog/plans", None).await,
        StatusCode::UNAUTHORIZED,
        "unauthorized",
    )
    .await;
    problem(
        app.get("/catalog/mobile-packages", None).await,
        StatusCode::UNAUTHORIZED,
        "unauthorized",
    )
    .await;
}
