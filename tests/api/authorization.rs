//! The authorization matrix, generated from the OpenAPI document: every operation is
//! called by nobody, a viewer, an admin and an operator, and answers as its `x-roles`
//! says (a refused caller: 401 without a token, 403 with one); and every company object a
//! path names is another company's 404. New operations join without editing this test.

use reqwest::{Method, StatusCode};
use rstest::rstest;
use serde_json::{Value, json};

use crate::helpers::{Db, TestApp, confirmed, form, json_of, spawn_app, with_numbers};

fn document() -> Value {
    serde_json::from_str(&selvbetjening::openapi::document_json()).unwrap()
}

/// The documented example of the operation's request body (its own, or its schema's), so
/// a call gets past validation to the object it names; `{}` when there is none.
fn example_body(operation: &Value) -> String {
    let Some(content) = operation["requestBody"]["content"].as_object() else {
        return "{}".to_owned();
    };
    let media = content.values().next().unwrap();
    if !media["example"].is_null() {
        return media["example"].to_string();
    }
    let schema = media["schema"]["$ref"]
        .as_str()
        .and_then(|r| r.strip_prefix("#/components/schemas/"))
        .map(|name| document()["components"]["schemas"][name]["example"].clone())
        .unwrap_or(Value::Null);
    if schema.is_null() {
        "{}".to_owned()
    } else {
        schema.to_string()
    }
}

/// Every (method, path template, operation) of the served document.
fn operations() -> Vec<(Method, String, Value)> {
    let doc = document();
    let mut all = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            let Ok(method) = method.to_uppercase().parse::<Method>() else {
                continue;
            };
            all.push((method, path.clone(), operation.clone()));
        }
    }
    all
}

/// The path with every parameter filled in by `fill(name)`.
fn concrete(template: &str, fill: impl Fn(&str) -> String) -> String {
    let mut path = String::new();
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        let close = rest[open..].find('}').unwrap() + open;
        path.push_str(&rest[..open]);
        path.push_str(&fill(&rest[open + 1..close]));
        rest = &rest[close + 1..];
    }
    path.push_str(rest);
    path
}

async fn call(
    app: &TestApp,
    method: &Method,
    path: &str,
    operation: &Value,
    token: Option<&str>,
    body: &str,
) -> StatusCode {
    let mut request = app.client.request(method.clone(), app.url(path));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let reads_if_match = operation["parameters"]
        .as_array()
        .is_some_and(|ps| ps.iter().any(|p| p["name"] == "If-Match"));
    if reads_if_match {
        request = request.header("if-match", "*");
    }
    if let Some(content) = operation["requestBody"]["content"].as_object() {
        let media = content.keys().next().unwrap().clone();
        request = request.header("content-type", media).body(body.to_owned());
    }
    request.send().await.unwrap().status()
}

#[rstest]
#[tokio::test]
async fn every_operation_answers_each_role_as_its_x_roles_say(
    #[values(Db::Sqlite, Db::Postgres)] db: Db,
) {
    let Some(app) = spawn_app(db).await else {
        return;
    };
    let operator = app.operator_token().await;
    let company = app.company(&operator).await;
    let callers = [
        ("anonymous", None),
        ("viewer", Some(company.viewer.as_str())),
        ("admin", Some(company.admin.as_str())),
        ("operator", Some(operator.as_str())),
    ];
    let mut checked = 0;
    for (method, template, operation) in operations() {
        let roles: Vec<&str> = operation["x-roles"]
            .as_array()
            .unwrap_or_else(|| panic!("{method} {template} states no x-roles"))
            .iter()
            .map(|r| r.as_str().unwrap())
            .collect();
        let path = concrete(&template, |name| match name {
            "slug" => "log-ind".to_owned(),
            "token" => "A".repeat(43),
            _ => uuid::Uuid::now_v7().to_string(),
        });
        for (role, token) in callers {
            let status = call(&app, &method, &path, &operation, token, "{}").await;
            let allowed = roles.contains(&role);
            match (allowed, token) {
                (true, _) => assert!(
                    status != StatusCode::UNAUTHORIZED && status != StatusCode::FORBIDDEN,
                    "{method} {template} as {role}: {status}, but x-roles allows it"
                ),
                (false, None) => assert_eq!(
                    status,
                    StatusCode::UNAUTHORIZED,
                    "{method} {template} without a token"
                ),
                (false, Some(_)) => assert_eq!(
                    status,
                    StatusCode::FORBIDDEN,
                    "{method} {template} as {role}"
                ),
            }
            checked += 1;
        }
    }
    assert!(checked > 150, "{checked} calls");
}

#[rstest]
#[tokio::test]
async fn another_companys_objects_are_not_found_on_every_route_that_names_them(
    #[values(Db::Sqlite, Db::Postgres)] db: Db,
) {
    let Some(app) = spawn_app(db).await else {
        return;
    };
    let owner = with_numbers(&app, &["20710001", "20710002"], &[]).await;
    let operator = app.operator_token().await;
    let other = app.company_with_cvr(&operator, "10150817").await;

    // One object of each kind the company paths name, all the first company's.
    let draft = json_of(
        app.post_json("/orders", Some(&owner.admin), &form("MH", Some("20710001")))
            .await,
        StatusCode::CREATED,
    )
    .await;
    let subscription = confirmed(&app, &owner.admin, &form("AB", Some("20710002"))).await;
    let mut port_in = form("JB", None);
    port_in["number"] = json!({
        "type": "port_in", "number": "+4521234567", "owner_email": "jens@privat.example",
        "owner_name": "Jens Berg",
    });
    let port = confirmed(&app, &owner.admin, &port_in).await;
    let ids = [
        ("/orders/", draft["id"].as_str().unwrap().to_owned()),
        (
            "/subscriptions/",
            subscription["subscription"]["id"]
                .as_str()
                .unwrap()
                .to_owned(),
        ),
        (
            "/number-ports/",
            port["number_port"]["id"].as_str().unwrap().to_owned(),
        ),
    ];
    let mut checked = 0;
    for (method, template, operation) in operations() {
        let Some((_, id)) = ids.iter().find(|(prefix, _)| template.starts_with(prefix)) else {
            continue;
        };
        if !template.contains("{id}") {
            continue;
        }
        let path = concrete(&template, |_| id.clone());
        let roles: Vec<&str> = operation["x-roles"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r.as_str().unwrap())
            .collect();
        for (role, token) in [("admin", &other.admin), ("viewer", &other.viewer)] {
            if !roles.contains(&role) {
                continue;
            }
            let body = example_body(&operation);
            let status = call(&app, &method, &path, &operation, Some(token), &body).await;
            assert_eq!(
                status,
                StatusCode::NOT_FOUND,
                "{method} {template} as the other company's {role}"
            );
            checked += 1;
        }
    }
    assert!(checked >= 14, "{checked} calls");
    // And the owner still sees each of them: nothing was changed by the other company.
    for (prefix, id) in &ids {
        let status = app
            .get(&format!("{prefix}{id}"), Some(&owner.viewer))
            .await
            .status();
        assert_eq!(status, StatusCode::OK, "{prefix}{id}");
    }
}
