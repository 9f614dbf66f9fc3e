use reqwest::StatusCode;
use rstest::rstest;
use serde_json::json;

use crate::helpers::{Db, pointers, problem, spawn_app, spawn_app_with};

#[rstest]
#[tokio::test]
async fn an_unknown_route_is_a_404_problem(#[values(Db::Sqlite, Db::Postgres)] db: Db) {
    let Some(app) = spawn_app(db).await else {
        return;
    };
    let response = app.get("/no/such/route", None).await;
    problem(response, StatusCode::NOT_FOUND, "not_found").await;
}

#[rstest]
#[tokio::test]
async fn a_method_the_path_does_not_support_is_405_with_allow(
    #[values(Db::Sqlite, Db::Postgres)] db: Db,
) {
    let Some(app) = spawn_app(db).await else {
        return;
    };
    for (method, path, allow) in [
        (reqwest::Method::DELETE, "/operator/companies", "GET, POST"),
        (reqwest::Method::PUT, "/catalog/plans", "GET"),
        (reqwest::Method::TRACE, "/health/live", "GET"),
        (reqwest::Method::GET, "/auth/token", "POST"),
        (
            reqwest::Method::PATCH,
            "/operator/companies/0193a000-0000-7000-8000-000000000000/users",
            "GET, POST",
        ),
    ] {
        let response = app
            .client
            .request(method.clone(), app.url(path))
            .send()
            .await
            .unwrap();
        assert_eq!(response.headers()["allow"], allow, "{method} {path}");
        problem(
            response,
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
        )
        .await;
    }
}

#[rstest]
#[tokio::test]
async fn body_errors_are_problems_that_name_the_field(#[values(Db::Sqlite, Db::Postgres)] db: Db) {
    let Some(app) = spawn_app(db).await else {
        return;
    };
    let operator = app.operator_token().await;
    let post = |body: String, content_type: &'static str| {
        app.client
            .post(app.url("/operator/companies"))
            .bearer_auth(&operator)
            .header("content-type", content_type)
            .body(body)
            .send()
    };

    problem(
        post("{\"cvr\": ".into(), "application/json").await.unwrap(),
        StatusCode::BAD_REQUEST,
        "malformed_json",
    )
    .await;
    problem(
        post(String::new(), "application/json").await.unwrap(),
        StatusCode::BAD_REQUEST,
        "malformed_json",
    )
    .await;
    problem(
        post("cvr=1".into(), "text/plain").await.unwrap(),
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported_media_type",
    )
    .await;

    let body =
        json!({"cvr": "31258715", "name": "A", "email_domain": "a.example", "colour": "red"})
            .to_string();
    let p = problem(
        post(body, "application/json").await.unwrap(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(p["errors"][0]["pointer"], "/colour");
    assert_eq!(p["errors"][0]["code"], "unknown_field");

    let body = json!({"cvr": 31258715, "name": "A", "email_domain": "a.example"}).to_string();
    let p = problem(
        post(body, "application/json").await.unwrap(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(p["errors"][0]["pointer"], "/cvr");
    assert_eq!(p["errors"][0]["code"], "invalid_type");

    // Over 64 KiB: refused before it is read whole.
    let big =
        json!({"cvr": "31258715", "name": "x".repeat(70 * 1024), "email_domain": "a.example"})
            .to_string();
    problem(
        post(big, "application/json").await.unwrap(),
        StatusCode::PAYLOAD_TOO_LARGE,
        "payload_too_large",
    )
    .await;

    // Semantic errors all at once.
    let body = json!({"cvr": "12345678", "name": "  ", "email_domain": "not a domain"}).to_string();
    let p = problem(
        post(body, "application/json").await.unwrap(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(pointers(&p), vec!["/cvr", "/email_domain", "/name"]);
}

#[rstest]
#[tokio::test]
async fn a_bad_query_parameter_is_a_422_naming_it(#[values(Db::Sqlite, Db::Postgres)] db: Db) {
    let Some(app) = spawn_app(db).await else {
        return;
    };
    let operator = app.operator_token().await;
    for (query, pointer) in [
        ("limit=0", "/query/limit"),
        ("limit=201", "/query/limit"),
        ("limit=ten", "/query/limit"),
        ("cursor=nope", "/query/cursor"),
        ("colour=red", "/query/colour"),
    ] {
        let response = app
            .get(&format!("/operator/companies?{query}"), Some(&operator))
            .await;
        let p = problem(
            response,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
        assert_eq!(p["errors"][0]["pointer"], pointer, "{query}");
    }
}

#[rstest]
#[tokio::test]
async fn the_request_id_is_echoed_or_generated(#[values(Db::Sqlite, Db::Postgres)] db: Db) {
    let Some(app) = spawn_app(db).await else {
        return;
    };
    let response = app
        .client
        .get(app.url("/health/live"))
        .header("x-request-id", "trace-abc-123")
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["x-request-id"], "trace-abc-123");

    let response = app.get("/health/live", None).await;
    let generated = response.headers()["x-request-id"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(uuid::Uuid::parse_str(&generated).is_ok(), "{generated}");

    let response = app
        .client
        .get(app.url("/nope"))
        .header("x-request-id", "trace-xyz")
        .send()
        .await
        .unwrap();
    let p = problem(response, StatusCode::NOT_FOUND, "not_found").await;
    assert_eq!(p["request_id"], "trace-xyz");

    // An unusable id (too long) is replaced, not echoed.
    let response = app
        .client
        .get(app.url("/health/live"))
        .header("x-request-id", "x".repeat(300))
        .send()
        .await
        .unwrap();
    assert_ne!(response.headers()["x-request-id"], "x".repeat(300).as_str());
}

#[rstest]
#[tokio::test]
async fn cors_answers_preflight_for_configured_origins_only(
    #[values(Db::Sqlite, Db::Postgres)] db: Db,
) {
    let Some(app) = spawn_app_with(db, |c| {
        c.cors_origins = vec!["https://portal.example".to_owned()]
    })
    .await
    else {
        return;
    };
    let preflight = |origin: &'static str| {
        app.client
            .request(reqwest::Method::OPTIONS, app.url("/catalog/plans"))
            .header("origin", origin)
            .header("access-control-request-method", "GET")
            .header("access-control-request-headers", "authorization")
            .send()
    };
    let response = preflight("https://portal.example").await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.headers()["access-control-allow-origin"],
        "https://portal.example"
    );

    let response = preflight("https://evil.example").await.unwrap();
    assert!(
        response
            .headers()
            .get("access-control-allow-origin")
            .is_none()
    );

    let response = app
        .client
        .get(app.url("/health/live"))
        .header("origin", "https://portal.example")
        .send()
        .await
        .unwrap();
    let exposed = response.headers()["access-control-expose-headers"]
        .to_str()
        .unwrap()
        .to_lowercase();
    for header in ["etag", "location", "x-request-id"] {
        assert!(exposed.contains(header), "{exposed}");
    }
}

#[tokio::test]
async fn a_lost_database_is_a_503_problem_without_internal_detail() {
    let Some(app) = spawn_app(Db::Postgres).await else {
        return;
    };
    let operator = app.operator_token().await;
    // Kill the database under the running app.
    let admin = std::env::var("TEST_DATABASE_URL").unwrap();
    let name = app
        .store
        .read(|conn| {
            use diesel::RunQueryDsl;
            #[derive(diesel::QueryableByName)]
            struct Name {
                #[diesel(sql_type = diesel::sql_types::Text)]
                name: String,
            }
            Ok::<_, persistence::Error>(
                diesel::sql_query("SELECT current_database() AS name")
                    .get_result::<Name>(conn)?
                    .name,
            )
        })
        .unwrap();
    std::thread::spawn(move || {
        use diesel::Connection;
        use diesel::connection::SimpleConnection;
        let mut conn = diesel::PgConnection::establish(&admin).unwrap();
        conn.batch_execute(&format!("DROP DATABASE {name} WITH (FORCE)"))
            .unwrap();
    })
    .join()
    .unwrap();

    let response = app.get("/operator/companies", Some(&operator)).await;
    let status = response.status();
    let text = response.text().await.unwrap();
    assert!(
        status == StatusCode::SERVICE_UNAVAILABLE || status == StatusCode::INTERNAL_SERVER_ERROR,
        "{status} {text}"
    );
    for leak in ["database \"", "SQL", "diesel", "postgres", "FATAL"] {
        assert!(!text.contains(leak), "leaked {leak}: {text}");
    }
    let response = app.get("/health/ready", None).await;
    problem(
        response,
        StatusCode::SERVICE_UNAVAILABLE,
        "service_unavailable",
    )
    .await;
}
