//! Promise: bad input never causes a 500. Every operation of the served document gets
//! hostile bodies (query and JSON metacharacters in every string field, absurd numbers
//! and dates, invalid UTF-8, deep and huge JSON, wrong media types), hostile path and
//! query values (absurd limits, tampered cursors) — and answers each with a problem
//! document of its own status, never a 5xx. Stored hostile strings then read back whole.
//! New operations join without editing this test.

use reqwest::{Method, Response, StatusCode};
use rstest::rstest;
use serde_json::{Value, json};

use crate::document::{
    concrete, example_body, leaves, media_type, objects, operations, request, required_query,
    urlencode,
};
use crate::helpers::{Db, spawn_app, with_numbers};

/// Strings that break naive SQL, JSON, LIKE patterns, paths, HTML and text handling.
fn hostile_strings() -> Vec<String> {
    vec![
        "' OR '1'='1' --".to_owned(),
        "Robert'); DROP TABLE subscriptions;--".to_owned(),
        "\"}]}{\\\"".to_owned(),
        "%_%\\".to_owned(),
        "\u{0}nul".to_owned(),
        "\u{202e}kcatta\u{200b}".to_owned(),
        "😀 Æble Ørn Å".to_owned(),
        "../../etc/passwd".to_owned(),
        "<script>alert(1)</script>".to_owned(),
        "x".repeat(20_000),
    ]
}

/// Numbers and dates outside any range a field allows.
fn absurd_values() -> Vec<Value> {
    vec![
        json!(i64::MAX),
        json!(i64::MIN),
        json!(-1),
        json!(1e300),
        json!("0000-00-00"),
        json!("9999-12-31"),
        json!("2026-02-30"),
        json!("+275760-09-13T00:00:00Z"),
    ]
}

/// Whole bodies no operation can take.
fn hostile_bodies() -> Vec<Vec<u8>> {
    vec![
        b"{\"name\": \"\xff\xfe\xfd\"}".to_vec(),
        b"\xef\xbb\xbf{}".to_vec(),
        "[".repeat(100_000).into_bytes(),
        format!("{}1{}", "{\"a\":".repeat(5_000), "}".repeat(5_000)).into_bytes(),
        b"{\"a\": 1e999999}".to_vec(),
        b"{\"a\": 123456789012345678901234567890}".to_vec(),
        b"{\"a\": 1, \"a\": 2}".to_vec(),
        b"null".to_vec(),
        b"[]".to_vec(),
        b"\"text\"".to_vec(),
        b"{\"a\": \"\\ud800\"}".to_vec(),
    ]
}

/// The answer is the client's mistake or a success, never the server's failure, and a
/// refusal is a problem document stating its own status.
async fn sane(response: Response, what: &str) -> StatusCode {
    let status = response.status();
    assert!(!status.is_server_error(), "{what}: {status}");
    if status.is_client_error() {
        let media = response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        let body = response.bytes().await.unwrap();
        if !body.is_empty() || status != StatusCode::METHOD_NOT_ALLOWED {
            assert!(
                media.starts_with("application/problem+json"),
                "{what}: {status} as {media:?}"
            );
            let problem: Value = serde_json::from_slice(&body).unwrap();
            assert_eq!(problem["status"], status.as_u16(), "{what}");
        }
    }
    status
}

/// The caller the operation allows with the most reach into stored data.
fn caller<'a>(operation: &Value, admin: &'a str, operator: &'a str) -> Option<&'a str> {
    let roles = operation["x-roles"].as_array().unwrap();
    let allows = |role: &str| roles.iter().any(|r| r == role);
    if allows("admin") {
        Some(admin)
    } else if allows("operator") {
        Some(operator)
    } else {
        None
    }
}

/// Operations that end an object go last, so the others still reach a live one.
fn ending(method: &Method, template: &str) -> bool {
    method == Method::DELETE
        || ["/confirm", "/terminate", "/cancel", "/complete"]
            .iter()
            .any(|end| template.ends_with(end))
}

/// Every body variant for an example: each leaf replaced by each hostile string or
/// absurd value (inside an array when the leaf is one).
fn variants(example: &Value) -> Vec<(String, Value)> {
    let mut found = Vec::new();
    leaves(example, "", &mut found);
    let mut all = Vec::new();
    for (pointer, leaf) in found {
        let replacements = hostile_strings()
            .into_iter()
            .map(Value::String)
            .chain(absurd_values());
        for replacement in replacements {
            let replacement = if leaf.is_array() {
                json!([replacement])
            } else {
                replacement
            };
            let mut body = example.clone();
            *body.pointer_mut(&pointer).unwrap() = replacement;
            all.push((pointer.clone(), body));
        }
    }
    all
}

#[rstest]
#[tokio::test]
async fn no_body_of_any_operation_makes_a_server_error(#[values(Db::Sqlite, Db::Postgres)] db: Db) {
    let Some(app) = spawn_app(db).await else {
        return;
    };
    let owner = with_numbers(&app, &["20710001", "20710002"], &[]).await;
    let operator = app.operator_token().await;
    let objects = objects(&app, &owner.admin, &operator).await;
    let mut all = operations();
    all.sort_by_key(|(method, template, _)| ending(method, template));
    let mut tried = 0;
    for (method, template, operation) in &all {
        let Some(media) = media_type(operation) else {
            continue;
        };
        let path = objects.path(template);
        let token = caller(operation, &owner.admin, &operator);
        let example: Value = serde_json::from_str(&example_body(operation)).unwrap();
        let send = |content_type: &str, body: Vec<u8>| {
            request(&app, method, &path, operation, token)
                .header("content-type", content_type)
                .body(body)
                .send()
        };
        if media == "application/json" || media.ends_with("+json") {
            for (pointer, body) in variants(&example) {
                let what = format!("{method} {template} with {pointer} hostile");
                sane(
                    send(&media, body.to_string().into_bytes()).await.unwrap(),
                    &what,
                )
                .await;
                tried += 1;
            }
        }
        for (i, body) in hostile_bodies().into_iter().enumerate() {
            let what = format!("{method} {template} with hostile body #{i}");
            let status = sane(send(&media, body).await.unwrap(), &what).await;
            assert!(status.is_client_error(), "{what}: {status}");
            tried += 1;
        }
        for wrong in [
            "text/plain",
            "application/xml",
            "application/json; charset=latin1",
        ] {
            let what = format!("{method} {template} as {wrong}");
            let body = example.to_string().into_bytes();
            let status = sane(send(wrong, body).await.unwrap(), &what).await;
            if wrong != "application/json; charset=latin1" {
                assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{what}");
            }
            tried += 1;
        }
        let what = format!("{method} {template} without a content type");
        let response = request(&app, method, &path, operation, token)
            .body(example.to_string())
            .send()
            .await
            .unwrap();
        sane(response, &what).await;
        tried += 1;
    }
    eprintln!("{tried} hostile bodies tried");
    assert!(tried > 800, "{tried}");

    // Whatever hostile text was stored reads back: every list and every object still answers
    // (this company is a real one: it has no test clock to read).
    for (method, template, operation) in &all {
        if method != Method::GET
            || template.starts_with("/poa/")
            || template.contains("password-reset")
            || *template == "/test-clock"
        {
            continue;
        }
        let token = caller(operation, &owner.admin, &operator);
        let path = format!("{}{}", objects.path(template), required_query(operation));
        let response = request(&app, method, &path, operation, token)
            .send()
            .await
            .unwrap();
        let status = sane(response, &format!("GET {template} afterwards")).await;
        assert!(status.is_success(), "GET {template} afterwards: {status}");
    }
}

#[rstest]
#[tokio::test]
async fn no_path_or_query_value_makes_a_server_error(#[values(Db::Sqlite, Db::Postgres)] db: Db) {
    let Some(app) = spawn_app(db).await else {
        return;
    };
    let owner = with_numbers(&app, &["20710001", "20710002"], &[]).await;
    let operator = app.operator_token().await;
    let mut tried = 0;
    let mut values = hostile_strings();
    values.extend(["-1", "0", "99999999999999999999", "1e3", "NaN", ""].map(str::to_owned));
    for (method, template, operation) in operations() {
        let token = caller(&operation, &owner.admin, &operator);
        let body = example_body(&operation);
        // Every path parameter, hostile.
        if template.contains('{') {
            for value in &values {
                let path = concrete(&template, |_| urlencode(value));
                let mut call = request(&app, &method, &path, &operation, token);
                if let Some(media) = media_type(&operation) {
                    call = call.header("content-type", media).body(body.clone());
                }
                sane(
                    call.send().await.unwrap(),
                    &format!("{method} {template} = {value:.40}"),
                )
                .await;
                tried += 1;
            }
        }
        if method != Method::GET || template.contains('{') {
            continue;
        }
        // Every query parameter, hostile; limits and cursors are refused by name.
        let parameters: Vec<String> = operation["parameters"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|p| p["in"] == "query")
            .map(|p| p["name"].as_str().unwrap().to_owned())
            .collect();
        let tampered = [
            "AAAA",
            "eyJpZCI6IicgT1IgMT0xIn0",
            "eyJhIjoxfQ",
            "MjAyNi0wMS0wMXxub3QtYS11dWlk",
            "%00",
        ];
        for name in &parameters {
            for value in values.iter().map(String::as_str).chain(tampered) {
                let path = format!("{template}?{name}={}", urlencode(value));
                let response = request(&app, &method, &path, &operation, token)
                    .send()
                    .await
                    .unwrap();
                let what = format!("GET {path:.80}");
                let status = sane(response, &what).await;
                let numeric_limit = value.parse::<i64>().is_ok_and(|n| (1..=200).contains(&n));
                if name == "limit" && !numeric_limit {
                    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{what}");
                }
                if name == "cursor" && !value.is_empty() {
                    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{what}");
                }
                tried += 1;
            }
        }
    }
    eprintln!("{tried} hostile path and query values tried");
    assert!(tried > 500, "{tried}");
}
