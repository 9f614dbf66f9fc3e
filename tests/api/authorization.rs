//! The authorization matrix, generated from the OpenAPI document: every operation is
//! called by nobody, a viewer, an admin and an operator, and answers as its `x-roles`
//! says (a refused caller: 401 without a token, 403 with one); and every company object a
//! path names is another company's 404. New operations join without editing this test.

use reqwest::StatusCode;
use rstest::rstest;
use serde_json::{Value, json};

use crate::document::{call, concrete, example_body, media_type, objects, operations, request};
use crate::helpers::{Db, confirmed, form, json_of, spawn_app, with_numbers};

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
    let endpoint = json_of(
        app.post_json(
            "/webhook-endpoints",
            Some(&owner.admin),
            &json!({"url": "http://127.0.0.1:9/hook", "events": ["order.confirmed"]}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let ids = [
        (
            "/webhook-endpoints/",
            endpoint["endpoint"]["id"].as_str().unwrap().to_owned(),
        ),
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
    assert!(checked >= 20, "{checked} calls");
    // And the owner still sees each of them: nothing was changed by the other company.
    for (prefix, id) in &ids {
        let status = app
            .get(&format!("{prefix}{id}"), Some(&owner.admin))
            .await
            .status();
        assert_eq!(status, StatusCode::OK, "{prefix}{id}");
    }
}

/// The fields the server owns: an object's identity, state, version, owner and times.
const READ_ONLY: [&str; 7] = [
    "id",
    "status",
    "version",
    "company_id",
    "created_at",
    "updated_at",
    "confirmed_at",
];

#[rstest]
#[tokio::test]
async fn a_read_only_field_in_any_body_is_refused_by_its_pointer(
    #[values(Db::Sqlite, Db::Postgres)] db: Db,
) {
    let Some(app) = spawn_app(db).await else {
        return;
    };
    let owner = with_numbers(&app, &["20710001", "20710002"], &[]).await;
    let operator = app.operator_token().await;
    let objects = objects(&app, &owner.admin, &operator).await;
    let draft_path = format!("/orders/{}", objects.draft);
    let draft = json_of(
        app.get(&draft_path, Some(&owner.viewer)).await,
        StatusCode::OK,
    )
    .await;
    let mut checked = 0;
    for (method, template, operation) in operations() {
        let Some(media) = media_type(&operation).filter(|m| m.ends_with("json")) else {
            continue;
        };
        let roles = operation["x-roles"].as_array().unwrap();
        let token = if roles.iter().any(|r| r == "admin") {
            Some(owner.admin.as_str())
        } else if roles.iter().any(|r| r == "operator") {
            Some(operator.as_str())
        } else {
            None
        };
        let path = objects.path(&template);
        let example: Value = serde_json::from_str(&example_body(&operation)).unwrap();
        for field in READ_ONLY {
            let mut body = example.clone();
            body[field] = match field {
                "version" => json!(1),
                "status" => json!("confirmed"),
                "id" | "company_id" => json!(owner.id),
                _ => json!("2026-01-01T00:00:00Z"),
            };
            let response = request(&app, &method, &path, &operation, token)
                .header("content-type", &media)
                .body(body.to_string())
                .send()
                .await
                .unwrap();
            let status = response.status();
            let p: Value = response.json().await.unwrap();
            assert_eq!(
                status,
                StatusCode::UNPROCESSABLE_ENTITY,
                "{method} {template} with {field} in {body}: {p}"
            );
            assert!(
                p["errors"].as_array().unwrap().iter().any(|e| {
                    e["pointer"] == format!("/{field}") && e["code"] == "unknown_field"
                }),
                "{method} {template} with {field}: {p}"
            );
            checked += 1;
        }
    }
    assert!(checked >= 7 * 15, "{checked} bodies");
    // None of them changed the draft.
    let after = json_of(
        app.get(&draft_path, Some(&owner.viewer)).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(after["version"], draft["version"]);
    assert_eq!(after["status"], "draft");
}
