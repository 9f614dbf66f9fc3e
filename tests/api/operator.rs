use reqwest::StatusCode;
use rstest::rstest;
use serde_json::{Value, json};

use crate::helpers::{Db, json_of, pointers, problem, spawn_app};

#[rstest]
#[tokio::test]
async fn an_operator_registers_a_company_and_finds_it(#[values(Db::Sqlite, Db::Postgres)] db: Db) {
    let Some(app) = spawn_app(db).await else {
        return;
    };
    let operator = app.operator_token().await;
    let response = app
        .post_json("/operator/companies", Some(&operator), &json!({"cvr": " 31258715 ", "name": " Nordlys Rådgivning ApS ", "email_domain": "Nordlys.Example"}))
        .await;
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    let company = json_of(response, StatusCode::CREATED).await;
    assert_eq!(company["cvr"], "31258715");
    assert_eq!(company["name"], "Nordlys Rådgivning ApS");
    assert_eq!(company["email_domain"], "nordlys.example");
    assert_eq!(
        location,
        format!("/operator/companies/{}", company["id"].as_str().unwrap())
    );

    let fetched = json_of(app.get(&location, Some(&operator)).await, StatusCode::OK).await;
    assert_eq!(fetched, company);
    let list = json_of(
        app.get("/operator/companies", Some(&operator)).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(list["items"], json!([company]));
    assert_eq!(list["next_cursor"], Value::Null);
}

#[rstest]
#[tokio::test]
async fn a_cvr_must_be_eight_digits_with_a_valid_check_digit_and_unique(
    #[values(Db::Sqlite, Db::Postgres)] db: Db,
) {
    let Some(app) = spawn_app(db).await else {
        return;
    };
    let operator = app.operator_token().await;
    for (cvr, code) in [
        ("1234567", "cvr_format"),
        ("123456789", "cvr_format"),
        ("3125871a", "cvr_format"),
        ("31258716", "cvr_checksum"),
        ("", "cvr_format"),
    ] {
        let response = app
            .post_json(
                "/operator/companies",
                Some(&operator),
                &json!({"cvr": cvr, "name": "A ApS", "email_domain": "a.example"}),
            )
            .await;
        let p = problem(
            response,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
        assert_eq!(
            p["errors"],
            json!([{"pointer": "/cvr", "code": code, "message": p["errors"][0]["message"]}]),
            "{cvr}"
        );
    }
    app.company(&operator).await;
    let response = app
        .post_json(
            "/operator/companies",
            Some(&operator),
            &json!({"cvr": "31258715", "name": "Copy ApS", "email_domain": "copy.example"}),
        )
        .await;
    problem(response, StatusCode::CONFLICT, "cvr_taken").await;
}

#[rstest]
#[tokio::test]
async fn companies_page_with_a_cursor(#[values(Db::Sqlite, Db::Postgres)] db: Db) {
    let Some(app) = spawn_app(db).await else {
        return;
    };
    let operator = app.operator_token().await;
    let cvrs = ["10150817", "25313763", "29403473", "35954716", "12345674"];
    for cvr in cvrs {
        let response = app
            .post_json(
                "/operator/companies",
                Some(&operator),
                &json!({"cvr": cvr, "name": format!("F {cvr}"), "email_domain": "f.example"}),
            )
            .await;
        assert_eq!(response.status(), StatusCode::CREATED);
    }
    let mut seen = Vec::new();
    let mut path = "/operator/companies?limit=2".to_owned();
    loop {
        let page = json_of(app.get(&path, Some(&operator)).await, StatusCode::OK).await;
        let items = page["items"].as_array().unwrap();
        assert!(items.len() <= 2);
        seen.extend(items.iter().map(|c| c["cvr"].as_str().unwrap().to_owned()));
        match page["next_cursor"].as_str() {
            Some(cursor) => path = format!("/operator/companies?limit=2&cursor={cursor}"),
            None => break,
        }
    }
    assert_eq!(seen, cvrs, "every company once, in creation order");
}

#[rstest]
#[tokio::test]
async fn an_unknown_company_is_404(#[values(Db::Sqlite, Db::Postgres)] db: Db) {
    let Some(app) = spawn_app(db).await else {
        return;
    };
    let operator = app.operator_token().await;
    let missing = uuid::Uuid::now_v7();
    problem(
        app.get(&format!("/operator/companies/{missing}"), Some(&operator))
            .await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    problem(
        app.get("/operator/companies/not-a-uuid", Some(&operator))
            .await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    let response = app
        .post_json(
            &format!("/operator/companies/{missing}/users"),
            Some(&operator),
            &json!({"email": "a@b.example", "role": "admin", "password": "long-enough-password"}),
        )
        .await;
    problem(response, StatusCode::NOT_FOUND, "not_found").await;
    let response = app
        .post_json(
            &format!("/operator/companies/{missing}/numbers"),
            Some(&operator),
            &json!({"numbers": ["20123456"]}),
        )
        .await;
    problem(response, StatusCode::NOT_FOUND, "not_found").await;
}

#[rstest]
#[tokio::test]
async fn company_users_are_validated_and_emails_are_unique(
    #[values(Db::Sqlite, Db::Postgres)] db: Db,
) {
    let Some(app) = spawn_app(db).await else {
        return;
    };
    let operator = app.operator_token().await;
    let company = app.company(&operator).await;
    let path = format!("/operator/companies/{}/users", company.id);

    let response = app
        .post_json(
            &path,
            Some(&operator),
            &json!({"email": "not-an-email", "role": "admin", "password": "short"}),
        )
        .await;
    let p = problem(
        response,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(pointers(&p), vec!["/email", "/password"]);

    let response = app.post_json(&path, Some(&operator), &json!({"email": "x@firma.example", "role": "operator", "password": "long-enough-password"})).await;
    let p = problem(
        response,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(pointers(&p), vec!["/role"]);

    let response = app.post_json(&path, Some(&operator), &json!({"email": company.admin_email.to_uppercase(), "role": "viewer", "password": "long-enough-password"})).await;
    problem(response, StatusCode::CONFLICT, "email_taken").await;
}

#[rstest]
#[tokio::test]
async fn numbers_join_a_pool_once_and_bad_ones_are_named(
    #[values(Db::Sqlite, Db::Postgres)] db: Db,
) {
    let Some(app) = spawn_app(db).await else {
        return;
    };
    let operator = app.operator_token().await;
    let company = app.company(&operator).await;
    let path = format!("/operator/companies/{}/numbers", company.id);

    let response = app
        .post_json(
            &path,
            Some(&operator),
            &json!({"numbers": ["20123456", "+45 20 12 34 57", "004520123458"]}),
        )
        .await;
    let added = json_of(response, StatusCode::CREATED).await;
    let numbers: Vec<&str> = added["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["number"].as_str().unwrap())
        .collect();
    assert_eq!(numbers, vec!["+4520123456", "+4520123457", "+4520123458"]);
    assert!(
        added["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|n| n["source"] == "company" && n["state"] == "available")
    );

    let response = app
        .post_json(
            "/operator/numbers",
            Some(&operator),
            &json!({"numbers": ["93100000"]}),
        )
        .await;
    let added = json_of(response, StatusCode::CREATED).await;
    assert_eq!(added["items"][0]["source"], "operator");

    // Every bad entry at once: not a number, a landline, a repeat.
    let response = app
        .post_json(
            &path,
            Some(&operator),
            &json!({"numbers": ["20999999", "123", "33123456", "20999999"]}),
        )
        .await;
    let p = problem(
        response,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(pointers(&p), vec!["/numbers/1", "/numbers/2", "/numbers/3"]);
    let codes: Vec<&str> = p["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["code"].as_str().unwrap())
        .collect();
    assert_eq!(
        codes,
        vec!["number_format", "number_not_mobile", "duplicate"]
    );

    // Already in a pool (either pool): 409 naming each, and nothing of the request is added.
    let response = app
        .post_json(
            &path,
            Some(&operator),
            &json!({"numbers": ["20999998", "+4520123456", "93100000"]}),
        )
        .await;
    let p = problem(response, StatusCode::CONFLICT, "number_taken").await;
    assert_eq!(pointers(&p), vec!["/numbers/1", "/numbers/2"]);
    let count = app
        .store
        .read(|conn| {
            persistence::numbers::count(
                conn,
                Some(company.id.parse().unwrap()),
                domain::number::NumberState::Available,
            )
        })
        .unwrap();
    assert_eq!(count, 3, "the whole request was refused");

    let response = app
        .post_json(&path, Some(&operator), &json!({"numbers": []}))
        .await;
    problem(
        response,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
}

#[rstest]
#[tokio::test]
async fn operator_changes_are_audited(#[values(Db::Sqlite, Db::Postgres)] db: Db) {
    let Some(app) = spawn_app(db).await else {
        return;
    };
    let operator = app.operator_token().await;
    let company = app.company(&operator).await;
    let events = app
        .store
        .read(|conn| {
            let company = Some(company.id.parse().unwrap());
            let whole = domain::user::Scope::Company;
            persistence::audit::list(conn, company, &whole, None, 50)
        })
        .unwrap();
    let actions: Vec<&str> = events.items.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(
        actions,
        vec!["company.created", "user.created", "user.created"]
    );
    assert!(events.items.iter().all(|e| e.actor_role == "operator"));
}

/// Every operator route refuses company users with 403 — and with 401 without a token.
#[rstest]
#[tokio::test]
async fn company_users_cannot_use_the_back_office(#[values(Db::Sqlite, Db::Postgres)] db: Db) {
    let Some(app) = spawn_app(db).await else {
        return;
    };
    let operator = app.operator_token().await;
    let company = app.company(&operator).await;
    let id = &company.id;
    let routes: Vec<(reqwest::Method, String, Value)> = vec![
        (
            reqwest::Method::GET,
            "/operator/companies".into(),
            Value::Null,
        ),
        (
            reqwest::Method::POST,
            "/operator/companies".into(),
            json!({"cvr": "10150817", "name": "X", "email_domain": "x.example"}),
        ),
        (
            reqwest::Method::GET,
            format!("/operator/companies/{id}"),
            Value::Null,
        ),
        (
            reqwest::Method::POST,
            format!("/operator/companies/{id}/users"),
            json!({"email": "y@x.example", "role": "admin", "password": "long-enough-password"}),
        ),
        (
            reqwest::Method::POST,
            format!("/operator/companies/{id}/clients"),
            json!({"name": "X"}),
        ),
        (
            reqwest::Method::POST,
            format!("/operator/companies/{id}/numbers"),
            json!({"numbers": ["20000001"]}),
        ),
        (
            reqwest::Method::POST,
            "/operator/numbers".into(),
            json!({"numbers": ["20000002"]}),
        ),
    ];
    for (method, path, body) in routes {
        for token in [&company.admin, &company.viewer] {
            let mut req = app
                .client
                .request(method.clone(), app.url(&path))
                .bearer_auth(token);
            if !body.is_null() {
                req = req.json(&body);
            }
            problem(
                req.send().await.unwrap(),
                StatusCode::FORBIDDEN,
                "forbidden",
            )
            .await;
        }
    }
    // Nothing was written by the refused calls.
    let count = app.store.read(persistence::companies::count).unwrap();
    assert_eq!(count, 1);
}
