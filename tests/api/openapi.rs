//! The contract: the committed document is what the server serves, and every operation in
//! it is complete. These checks read the document, so they cover routes added later too.

use reqwest::StatusCode;
use serde_json::Value;

use crate::helpers::{Db, spawn_app};

const METHODS: [&str; 5] = ["get", "post", "put", "patch", "delete"];

fn committed() -> String {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../openapi/openapi.json");
    std::fs::read_to_string(&path).unwrap_or_default()
}

fn operations(doc: &Value) -> Vec<(String, String, Value)> {
    let mut ops = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in METHODS {
            if let Some(op) = item.get(method) {
                ops.push((method.to_owned(), path.clone(), op.clone()));
            }
        }
    }
    ops
}

fn is_public(op: &Value) -> bool {
    op["security"] == serde_json::json!([{}])
}

#[tokio::test]
async fn the_committed_document_is_what_the_server_serves() {
    let generated = selvbetjening::openapi::document_json();
    assert!(
        committed() == generated,
        "openapi/openapi.json is stale: run `cargo run -p selvbetjening -- openapi > openapi/openapi.json`"
    );
    let app = spawn_app(Db::Sqlite).await.unwrap();
    let served: Value = app
        .get("/api-docs/openapi.json", None)
        .await
        .json()
        .await
        .unwrap();
    let committed: Value = serde_json::from_str(&committed()).unwrap();
    assert_eq!(served, committed);
    assert_eq!(served["openapi"], "3.1.0");
}

#[test]
fn every_operation_is_complete() {
    let doc: Value = serde_json::from_str(&selvbetjening::openapi::document_json()).unwrap();
    let schemes = doc["components"]["securitySchemes"].as_object().unwrap();
    assert!(schemes.contains_key("oauth2") && schemes.contains_key("bearer"));
    assert_eq!(
        doc["components"]["securitySchemes"]["oauth2"]["flows"]["password"]["tokenUrl"],
        "/auth/token"
    );
    let mut ids = std::collections::HashSet::new();
    for (method, path, op) in operations(&doc) {
        let name = format!("{} {path}", method.to_uppercase());
        let id = op["operationId"]
            .as_str()
            .unwrap_or_else(|| panic!("{name}: operationId"));
        assert!(
            ids.insert(id.to_owned()),
            "{name}: duplicate operationId {id}"
        );
        assert!(
            op["tags"].as_array().is_some_and(|t| !t.is_empty()),
            "{name}: tag"
        );
        assert!(
            op["summary"].as_str().is_some_and(|s| !s.is_empty()),
            "{name}: summary"
        );
        let security = op["security"]
            .as_array()
            .unwrap_or_else(|| panic!("{name}: security or an explicit public marking"));
        assert!(!security.is_empty(), "{name}: security");
        if !is_public(&op) {
            assert!(op["responses"]["401"].is_object(), "{name}: 401 documented");
        }
        if op.get("requestBody").is_some() {
            for code in ["400", "413", "415", "422"] {
                assert!(
                    op["responses"][code].is_object(),
                    "{name}: {code} documented"
                );
            }
        }
        let responses = op["responses"].as_object().unwrap();
        assert!(
            responses.keys().any(|k| k.starts_with('2')),
            "{name}: a success response"
        );
        for (status, response) in responses {
            let response = resolve(&doc, response);
            let content = response["content"].as_object();
            if status.starts_with('4') || status.starts_with('5') {
                let content = content.unwrap_or_else(|| panic!("{name} {status}: content"));
                assert!(
                    content.contains_key("application/problem+json"),
                    "{name} {status}: problem+json"
                );
                assert_eq!(content.len(), 1, "{name} {status}: only problem+json");
            }
            if status.starts_with('2')
                && let Some(content) = content
            {
                for (media, body) in content {
                    assert!(
                        has_example(&doc, body),
                        "{name} {status} {media}: an example"
                    );
                }
            }
        }
    }
    assert!(ids.len() >= 10);
}

fn resolve<'a>(doc: &'a Value, value: &'a Value) -> &'a Value {
    match value["$ref"].as_str() {
        Some(reference) => {
            let pointer = reference.trim_start_matches('#');
            doc.pointer(pointer)
                .unwrap_or_else(|| panic!("dangling {reference}"))
        }
        None => value,
    }
}

/// An example on the media type, or on its schema (followed through `$ref`, arrays and
/// the `items` of list pages).
fn has_example(doc: &Value, media: &Value) -> bool {
    if media.get("example").is_some() || media.get("examples").is_some() {
        return true;
    }
    schema_has_example(doc, &media["schema"], 0)
}

fn schema_has_example(doc: &Value, schema: &Value, depth: u8) -> bool {
    if depth > 4 || schema.is_null() {
        return false;
    }
    let schema = resolve(doc, schema);
    if schema.get("example").is_some() || schema.get("examples").is_some() {
        return true;
    }
    if let Some(items) = schema.get("items") {
        return schema_has_example(doc, items, depth + 1);
    }
    if let Some(items) = schema.pointer("/properties/items") {
        return schema_has_example(doc, items, depth + 1);
    }
    false
}

/// Driven by the document: every operation that declares security refuses a call without
/// a token, whatever its path and body.
#[tokio::test]
async fn every_secured_operation_refuses_a_call_without_a_token() {
    let app = spawn_app(Db::Sqlite).await.unwrap();
    let doc: Value = app
        .get("/api-docs/openapi.json", None)
        .await
        .json()
        .await
        .unwrap();
    let mut checked = 0;
    for (method, path, op) in operations(&doc) {
        if is_public(&op) {
            continue;
        }
        let concrete = path
            .split('/')
            .map(|s| {
                if s.starts_with('{') {
                    uuid::Uuid::now_v7().to_string()
                } else {
                    s.to_owned()
                }
            })
            .collect::<Vec<_>>()
            .join("/");
        let method = reqwest::Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
        let mut req = app.client.request(method.clone(), app.url(&concrete));
        if op.get("requestBody").is_some() {
            req = req.json(&serde_json::json!({}));
        }
        let response = req.send().await.unwrap();
        assert_eq!(
            response.status(),
            StatusCode::UNAUTHORIZED,
            "{method} {path}"
        );
        checked += 1;
    }
    assert!(checked >= 8, "checked {checked} operations");
}
