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

/// Every link in the document can be followed: it names an operation that exists, each of
/// its parameters is one the target declares (`header.X` a header, otherwise a path
/// parameter), it fills every path parameter of the target, and each runtime expression
/// names something the source response has (a property of its body's schema, or one of
/// its headers). The links are derived by rule (`openapi::Links`); this checks the rule's
/// output, whatever routes there are.
#[test]
fn every_link_can_be_followed() {
    let doc: Value = serde_json::from_str(&selvbetjening::openapi::document_json()).unwrap();
    // operationId -> its parameters, the path item's included, as (in, name)
    let mut params: std::collections::HashMap<String, Vec<(String, String)>> =
        std::collections::HashMap::new();
    for (_, item) in doc["paths"].as_object().unwrap() {
        for method in METHODS {
            let Some(op) = item.get(method) else { continue };
            let declared = item["parameters"]
                .as_array()
                .into_iter()
                .chain(op["parameters"].as_array())
                .flatten()
                .map(|p| resolve(&doc, p))
                .map(|p| {
                    let location = p["in"].as_str().unwrap().to_owned();
                    (location, p["name"].as_str().unwrap().to_owned())
                })
                .collect();
            params.insert(op["operationId"].as_str().unwrap().to_owned(), declared);
        }
    }
    let mut count = 0;
    for (method, path, op) in operations(&doc) {
        for (status, response) in op["responses"].as_object().unwrap() {
            let response = resolve(&doc, response);
            let Some(links) = response["links"].as_object() else {
                continue;
            };
            for (name, link) in links {
                let link = resolve(&doc, link);
                let at = format!("{} {path} {status} link {name}", method.to_uppercase());
                assert!(
                    link["description"].as_str().is_some_and(|d| !d.is_empty()),
                    "{at}: a description"
                );
                let target = link["operationId"].as_str().unwrap_or_default();
                let declared = params
                    .get(target)
                    .unwrap_or_else(|| panic!("{at}: no operation {target:?}"));
                let given = link["parameters"].as_object().unwrap();
                for (param, value) in given {
                    let (location, param_name) = match param.split_once('.') {
                        Some((location @ ("path" | "query" | "header" | "cookie"), rest)) => {
                            (location, rest)
                        }
                        _ => ("path", param.as_str()),
                    };
                    assert!(
                        declared.iter().any(|(l, n)| l == location
                            && (n == param_name
                                || location == "header" && n.eq_ignore_ascii_case(param_name))),
                        "{at}: {target} has no {location} parameter {param_name:?}"
                    );
                    let expression = value.as_str().unwrap_or_default();
                    if let Some(pointer) = expression.strip_prefix("$response.body#") {
                        let schema = &response["content"]["application/json"]["schema"];
                        assert!(
                            schema_at(&doc, schema, pointer).is_some(),
                            "{at}: {expression} is not in the response body's schema"
                        );
                    } else if let Some(header) = expression.strip_prefix("$response.header.") {
                        let headers = response["headers"].as_object();
                        assert!(
                            headers
                                .is_some_and(|h| h.keys().any(|k| k.eq_ignore_ascii_case(header))),
                            "{at}: the response declares no {header} header"
                        );
                    }
                }
                for (location, param_name) in declared {
                    if location == "path" {
                        assert!(
                            given.contains_key(param_name)
                                || given.contains_key(&format!("path.{param_name}")),
                            "{at}: path parameter {param_name:?} of {target} is not given"
                        );
                    }
                }
                count += 1;
            }
        }
    }
    assert!(count >= 10, "{count} links");

    let created = &doc["paths"]["/orders"]["post"]["responses"]["201"]["links"];
    let confirm = created
        .as_object()
        .and_then(|links| {
            links
                .values()
                .find(|link| link["operationId"] == "confirm_order")
        })
        .expect("create_order's 201 links to confirm_order");
    assert_eq!(
        confirm["parameters"]["header.If-Match"], "$response.header.ETag",
        "the draft's ETag is confirm_order's If-Match"
    );
    assert_eq!(confirm["parameters"]["id"], "$response.body#/id");
}

/// The schema a JSON pointer into an instance of `schema` lands on: object properties,
/// array items for index segments, through `$ref`s and the branches of
/// `oneOf`/`anyOf`/`allOf`.
fn schema_at<'a>(doc: &'a Value, schema: &'a Value, pointer: &str) -> Option<&'a Value> {
    let Some(rest) = pointer.strip_prefix('/') else {
        return pointer.is_empty().then_some(resolve(doc, schema));
    };
    let (segment, rest) = match rest.find('/') {
        Some(end) => (&rest[..end], &rest[end..]),
        None => (rest, ""),
    };
    let segment = segment.replace("~1", "/").replace("~0", "~");
    let schema = resolve(doc, schema);
    if let Some(property) = schema["properties"].get(&segment) {
        return schema_at(doc, property, rest);
    }
    if segment.parse::<usize>().is_ok()
        && let Some(items) = schema.get("items")
    {
        return schema_at(doc, items, rest);
    }
    ["oneOf", "anyOf", "allOf"]
        .iter()
        .filter_map(|key| schema[key].as_array())
        .flatten()
        .find_map(|branch| schema_at(doc, branch, &format!("/{segment}{rest}")))
}
