//! Where the server and JSON Schema must agree: an `integer` in a request body is any
//! number with a zero fraction (JSON Schema Core 2020-12, §4.2.1), so `2.0` is accepted as
//! 2 wherever the document says `integer`, and `2.5` is refused as a wrong type. On PATCH
//! the merge patch is merged into the stored form before it is read, so both the draft's
//! and the subscription's merged forms are checked here, and `null` keeps its meaning.

use reqwest::StatusCode;
use rstest::rstest;
use serde_json::json;

use crate::helpers::{
    Db, confirmed, form, json_of, patch, pointers, problem, spawn_app, with_numbers,
};

/// Erhverv M (149 kr) with Mobilpakke 50 GB (99 kr) and `cards` cards at 29 kr (none free).
fn monthly_ex_vat(cards: i64) -> i64 {
    14900 + 9900 + cards * 2900
}

#[rstest]
#[tokio::test]
async fn a_draft_takes_a_whole_number_written_with_a_zero_fraction(
    #[values(Db::Sqlite, Db::Postgres)] db: Db,
) {
    let Some(app) = spawn_app(db).await else {
        return;
    };
    let company = with_numbers(&app, &["20710001"], &[]).await;

    let mut body = form("MH", Some("20710001"));
    body["data_sharing_cards"] = json!(2.0);
    let response = app.post_json("/orders", Some(&company.admin), &body).await;
    let etag = response.headers()["etag"].to_str().unwrap().to_owned();
    let draft = json_of(response, StatusCode::CREATED).await;
    assert_eq!(draft["data_sharing_cards"], 2);
    assert_eq!(draft["summary"]["monthly_ex_vat_ore"], monthly_ex_vat(2));

    // The merged form of a draft's merge patch is read the same way.
    let path = format!("/orders/{}", draft["id"].as_str().unwrap());
    let response = patch(
        &app,
        &path,
        &company.admin,
        Some(&etag),
        &json!({"data_sharing_cards": 4.0}),
    )
    .await;
    let etag = response.headers()["etag"].to_str().unwrap().to_owned();
    let edited = json_of(response, StatusCode::OK).await;
    assert_eq!(edited["data_sharing_cards"], 4);
    assert_eq!(edited["summary"]["monthly_ex_vat_ore"], monthly_ex_vat(4));

    // A fraction is still the wrong type, at the field's pointer, and changes nothing.
    let p = problem(
        patch(
            &app,
            &path,
            &company.admin,
            Some(&etag),
            &json!({"data_sharing_cards": 1.5}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(pointers(&p), ["/data_sharing_cards"]);
    assert_eq!(p["errors"][0]["code"], "invalid_type");

    // `null` removes the value from a draft's form, as before: the default, no cards.
    let edited = json_of(
        patch(
            &app,
            &path,
            &company.admin,
            Some(&etag),
            &json!({"data_sharing_cards": null}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(edited["data_sharing_cards"], 0);
    assert_eq!(edited["summary"]["monthly_ex_vat_ore"], monthly_ex_vat(0));
}

#[rstest]
#[tokio::test]
async fn a_draft_refuses_a_fraction_as_the_wrong_type(#[values(Db::Sqlite, Db::Postgres)] db: Db) {
    let Some(app) = spawn_app(db).await else {
        return;
    };
    let company = with_numbers(&app, &["20710001"], &[]).await;

    let mut body = form("MH", Some("20710001"));
    body["data_sharing_cards"] = json!(2.5);
    let p = problem(
        app.post_json("/orders", Some(&company.admin), &body).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(pointers(&p), ["/data_sharing_cards"]);
    assert_eq!(p["errors"][0]["code"], "invalid_type");
    assert!(
        p["errors"][0]["message"]
            .as_str()
            .unwrap()
            .starts_with("invalid type: floating point `2.5`"),
        "{p}"
    );

    // Nothing was held: the same form with a whole number is a draft.
    body["data_sharing_cards"] = json!(2);
    let draft = json_of(
        app.post_json("/orders", Some(&company.admin), &body).await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(draft["data_sharing_cards"], 2);
}

#[rstest]
#[tokio::test]
async fn a_subscription_takes_a_whole_number_written_with_a_zero_fraction(
    #[values(Db::Sqlite, Db::Postgres)] db: Db,
) {
    let Some(app) = spawn_app(db).await else {
        return;
    };
    let company = with_numbers(&app, &["20710001"], &[]).await;
    let confirmation = confirmed(&app, &company.admin, &form("MH", Some("20710001"))).await;
    let subscription = &confirmation["subscription"];
    assert_eq!(subscription["data_sharing_cards"], 1);
    let path = format!("/subscriptions/{}", subscription["id"].as_str().unwrap());

    let response = patch(
        &app,
        &path,
        &company.admin,
        Some("\"1\""),
        &json!({"data_sharing_cards": 3.0}),
    )
    .await;
    assert_eq!(response.headers()["etag"], "\"2\"");
    let changed = json_of(response, StatusCode::OK).await;
    assert_eq!(changed["data_sharing_cards"], 3);
    assert_eq!(changed["summary"]["monthly_ex_vat_ore"], monthly_ex_vat(3));

    // A fraction is the wrong type, at its pointer.
    let p = problem(
        patch(
            &app,
            &path,
            &company.admin,
            Some("\"2\""),
            &json!({"data_sharing_cards": 3.5}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(pointers(&p), ["/data_sharing_cards"]);
    assert_eq!(p["errors"][0]["code"], "invalid_type");

    // `null` removes the value from the merged form, and a subscription's cards cannot be
    // removed: refused as before, as a required value.
    let p = problem(
        patch(
            &app,
            &path,
            &company.admin,
            Some("\"2\""),
            &json!({"data_sharing_cards": null}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(pointers(&p), ["/data_sharing_cards"]);
    assert_eq!(p["errors"][0]["code"], "required");

    let current = json_of(app.get(&path, Some(&company.viewer)).await, StatusCode::OK).await;
    assert_eq!(current["version"], 2);
    assert_eq!(current["data_sharing_cards"], 3);
}
