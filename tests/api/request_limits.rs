//! Every string a client sends is bounded in the document, and the server holds it to the
//! same bound: one character more is 422 `too_long` naming the field (`/query/<name>`,
//! `/path/<name>`, `/header/<name>` or the body's pointer). Each test reads the bound from
//! the document, so the two cannot drift apart.

use reqwest::{Method, StatusCode};
use rstest::rstest;
use serde_json::{Value, json};

use crate::document::document;
use crate::helpers::{Db, confirmed, form, patch, pointers, problem, spawn_app, with_numbers};

/// The `maxLength` the document gives the parameter `name` of `method path`.
fn parameter_max(path: &str, method: &str, name: &str) -> usize {
    let doc = document();
    let parameter = doc["paths"][path][method]["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == name)
        .unwrap_or_else(|| panic!("{method} {path} has no parameter {name}"))
        .clone();
    max_length(&doc, &parameter["schema"]).unwrap_or_else(|| panic!("{name}: no maxLength"))
}

/// The `maxLength` of a body field `property` of `schema` (a component's name).
fn property_max(schema: &str, property: &str) -> usize {
    let doc = document();
    let property = doc["components"]["schemas"][schema]["properties"][property].clone();
    max_length(&doc, &property).unwrap_or_else(|| panic!("{schema}.{property}: no maxLength"))
}

fn max_length(doc: &Value, schema: &Value) -> Option<usize> {
    if let Some(max) = schema["maxLength"].as_u64() {
        return usize::try_from(max).ok();
    }
    if let Some(name) = schema["$ref"]
        .as_str()
        .and_then(|r| r.strip_prefix("#/components/schemas/"))
    {
        return max_length(doc, &doc["components"]["schemas"][name]);
    }
    schema["oneOf"]
        .as_array()?
        .iter()
        .find_map(|s| max_length(doc, s))
}

async fn too_long_at(response: reqwest::Response, pointer: &str) {
    let p = problem(
        response,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(pointers(&p), [pointer], "{p}");
    assert_eq!(p["errors"][0]["code"], "too_long", "{p}");
}

#[rstest]
#[tokio::test]
async fn a_search_longer_than_its_max_length_is_refused_at_query_q(
    #[values(Db::Sqlite, Db::Postgres)] db: Db,
) {
    let Some(app) = spawn_app(db).await else {
        return;
    };
    let company = with_numbers(&app, &["20710001"], &[]).await;
    let max = parameter_max("/subscriptions", "get", "q");
    // Characters, not bytes: "ø" is one.
    let fits = "ø".repeat(max);
    let response = app
        .get(&format!("/subscriptions?q={fits}"), Some(&company.viewer))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let too_long = format!("{fits}x");
    too_long_at(
        app.get(
            &format!("/subscriptions?q={too_long}"),
            Some(&company.viewer),
        )
        .await,
        "/query/q",
    )
    .await;

    let max = parameter_max("/numbers/available", "get", "contains");
    // Spaces between the digits are allowed, and count.
    let spaces = "%20".repeat(max);
    too_long_at(
        app.get(
            &format!("/numbers/available?contains=20{spaces}71"),
            Some(&company.viewer),
        )
        .await,
        "/query/contains",
    )
    .await;
}

#[rstest]
#[tokio::test]
async fn a_link_token_longer_than_its_max_length_is_refused_at_path_token(
    #[values(Db::Sqlite, Db::Postgres)] db: Db,
) {
    let Some(app) = spawn_app(db).await else {
        return;
    };
    for (path, method) in [
        ("/poa/{token}", "get"),
        ("/poa/{token}/sign", "post"),
        ("/auth/password-reset/{token}", "get"),
        ("/auth/password-reset/{token}", "post"),
    ] {
        let max = parameter_max(path, method, "token");
        let body = if path.starts_with("/poa/") {
            json!({"signer_name": "Mette Hansen", "consent": true})
        } else {
            json!({"password": "et-nyt-langt-kodeord"})
        };
        let call = |token: String| {
            let url = app.url(&path.replace("{token}", &token));
            let method = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let request = app.client.request(method.clone(), url);
            let request = if method == Method::POST {
                request.json(&body)
            } else {
                request
            };
            request.send()
        };
        // As long as allowed, and no live link: gone, as any dead link.
        problem(
            call("a".repeat(max)).await.unwrap(),
            StatusCode::GONE,
            "link_gone",
        )
        .await;
        too_long_at(call("a".repeat(max + 1)).await.unwrap(), "/path/token").await;
    }
}

#[rstest]
#[tokio::test]
async fn an_if_match_longer_than_its_max_length_is_refused_at_header_if_match(
    #[values(Db::Sqlite, Db::Postgres)] db: Db,
) {
    let Some(app) = spawn_app(db).await else {
        return;
    };
    let company = with_numbers(&app, &["20710001"], &[]).await;
    let confirmation = confirmed(&app, &company.admin, &form("MH", Some("20710001"))).await;
    let path = format!(
        "/subscriptions/{}",
        confirmation["subscription"]["id"].as_str().unwrap()
    );
    let max = parameter_max("/subscriptions/{id}", "patch", "If-Match");
    let change = json!({"data_sharing_cards": 2});
    // A list of tags as long as allowed that names the current version matches it.
    let mut fits = "\"1\"".to_owned();
    while fits.len() + 5 <= max {
        fits.push_str(", \"9\"");
    }
    let response = patch(&app, &path, &company.admin, Some(&fits), &change).await;
    assert_eq!(response.status(), StatusCode::OK);
    // One tag more, and it is too long, though it names the current version.
    let too_long = format!("\"2\", \"9\"{}", &fits[3..]);
    assert!(too_long.len() > max);
    too_long_at(
        patch(&app, &path, &company.admin, Some(&too_long), &change).await,
        "/header/If-Match",
    )
    .await;
}

#[rstest]
#[tokio::test]
async fn a_body_string_longer_than_its_max_length_is_refused_at_its_pointer(
    #[values(Db::Sqlite, Db::Postgres)] db: Db,
) {
    let Some(app) = spawn_app(db).await else {
        return;
    };
    // The token request, form-encoded as Swagger UI sends it: every field too long is named.
    let username = "a".repeat(property_max("TokenRequest", "username") + 1);
    let password = "p".repeat(property_max("TokenRequest", "password") + 1);
    let response = app
        .client
        .post(app.url("/auth/token"))
        .form(&[
            ("grant_type", "password"),
            ("username", username.as_str()),
            ("password", password.as_str()),
        ])
        .send()
        .await
        .unwrap();
    let p = problem(
        response,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(pointers(&p), ["/password", "/username"]);
    assert!(
        p["errors"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["code"] == "too_long")
    );

    // A catalog code is bounded too: too long is not an unknown plan, but too long.
    let company = with_numbers(&app, &["20710001"], &[]).await;
    let mut body = form("MH", Some("20710001"));
    body["plan"] = json!("P".repeat(property_max("OrderForm", "plan") + 1));
    too_long_at(
        app.post_json("/orders", Some(&company.admin), &body).await,
        "/plan",
    )
    .await;
}
