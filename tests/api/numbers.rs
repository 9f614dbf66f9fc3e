use reqwest::StatusCode;
use rstest::rstest;
use serde_json::{Value, json};

use crate::helpers::{Db, TestApp, json_of, problem, spawn_app};

async fn add(app: &TestApp, operator: &str, path: &str, numbers: &[&str]) {
    let response = app
        .post_json(path, Some(operator), &json!({ "numbers": numbers }))
        .await;
    assert_eq!(response.status(), StatusCode::CREATED, "{path}");
}

fn listed(page: &Value) -> Vec<(String, String)> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| {
            (
                n["source"].as_str().unwrap().to_owned(),
                n["number"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

#[rstest]
#[tokio::test]
async fn the_company_pool_comes_first_then_the_operators_page_by_page(
    #[values(Db::Sqlite, Db::Postgres)] db: Db,
) {
    let Some(app) = spawn_app(db).await else {
        return;
    };
    let operator = app.operator_token().await;
    let company = app.company(&operator).await;
    let other = app.company_with_cvr(&operator, "10150817").await;
    add(
        &app,
        &operator,
        &format!("/operator/companies/{}/numbers", company.id),
        &["20710002", "20710001", "20710003"],
    )
    .await;
    add(
        &app,
        &operator,
        &format!("/operator/companies/{}/numbers", other.id),
        &["20720001"],
    )
    .await;
    add(
        &app,
        &operator,
        "/operator/numbers",
        &["93100002", "93100001"],
    )
    .await;

    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let path = match &cursor {
            Some(c) => format!("/numbers/available?limit=2&cursor={}", urlencode(c)),
            None => "/numbers/available?limit=2".to_owned(),
        };
        let page = json_of(app.get(&path, Some(&company.viewer)).await, StatusCode::OK).await;
        seen.extend(listed(&page));
        pages += 1;
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
    }
    let expected: Vec<(String, String)> = [
        ("company", "+4520710001"),
        ("company", "+4520710002"),
        ("company", "+4520710003"),
        ("operator", "+4593100001"),
        ("operator", "+4593100002"),
    ]
    .iter()
    .map(|(s, n)| ((*s).to_owned(), (*n).to_owned()))
    .collect();
    assert_eq!(seen, expected, "another company's numbers are never listed");
    assert_eq!(pages, 3);

    // The other company sees its own number first and none of the first company's.
    let page = json_of(
        app.get("/numbers/available", Some(&other.admin)).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        listed(&page)[0],
        ("company".to_owned(), "+4520720001".to_owned())
    );
    assert!(listed(&page).iter().all(|(_, n)| !n.starts_with("+452071")));
}

#[rstest]
#[tokio::test]
async fn contains_filters_by_digits_and_bad_parameters_are_named(
    #[values(Db::Sqlite, Db::Postgres)] db: Db,
) {
    let Some(app) = spawn_app(db).await else {
        return;
    };
    let operator = app.operator_token().await;
    let company = app.company(&operator).await;
    add(
        &app,
        &operator,
        &format!("/operator/companies/{}/numbers", company.id),
        &["20715555", "20716666"],
    )
    .await;
    add(&app, &operator, "/operator/numbers", &["93105555"]).await;

    let page = json_of(
        app.get("/numbers/available?contains=55%2055", Some(&company.admin))
            .await,
        StatusCode::OK,
    )
    .await;
    let numbers: Vec<String> = listed(&page).into_iter().map(|(_, n)| n).collect();
    assert_eq!(numbers, vec!["+4520715555", "+4593105555"]);

    for (query, pointer) in [
        ("contains=abc", "/query/contains"),
        ("cursor=nope", "/query/cursor"),
        ("limit=0", "/query/limit"),
        ("colour=red", "/query/colour"),
    ] {
        let p = problem(
            app.get(&format!("/numbers/available?{query}"), Some(&company.admin))
                .await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
        assert_eq!(p["errors"][0]["pointer"], pointer, "{query}");
    }
}

#[rstest]
#[tokio::test]
async fn free_numbers_are_for_company_users(#[values(Db::Sqlite, Db::Postgres)] db: Db) {
    let Some(app) = spawn_app(db).await else {
        return;
    };
    let operator = app.operator_token().await;
    problem(
        app.get("/numbers/available", Some(&operator)).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    problem(
        app.get("/numbers/available", None).await,
        StatusCode::UNAUTHORIZED,
        "unauthorized",
    )
    .await;
}

fn urlencode(text: &str) -> String {
    text.replace('+', "%2B").replace(':', "%3A")
}

#[tokio::test]
async fn a_draft_without_a_number_takes_the_next_free_one_instead_of_waiting_for_another_draft() {
    use diesel::connection::SimpleConnection;
    let Some(app) = spawn_app(Db::Postgres).await else {
        return;
    };
    let company = crate::helpers::with_numbers(&app, &["20710001", "20710002"], &[]).await;
    // Another transaction is taking the first free number, and has not committed.
    let mut other = app.store.conn().unwrap();
    other
        .batch_execute("BEGIN; SELECT id FROM numbers WHERE number = '+4520710001' FOR UPDATE")
        .unwrap();
    let drafted = tokio::time::timeout(
        std::time::Duration::from_secs(5),
        app.post_json(
            "/orders",
            Some(&company.admin),
            &crate::helpers::form("MH", None),
        ),
    )
    .await
    .expect("the draft does not wait for the other transaction");
    let drafted = json_of(drafted, StatusCode::CREATED).await;
    assert_eq!(drafted["number"]["number"], "+4520710002");
    other.batch_execute("ROLLBACK").unwrap();
    // The first one is still free for the next draft.
    let next = json_of(
        app.post_json(
            "/orders",
            Some(&company.admin),
            &crate::helpers::form("JH", None),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(next["number"]["number"], "+4520710001");
}

#[rstest]
#[tokio::test]
async fn parallel_drafts_without_a_number_each_get_a_different_one(
    #[values(Db::Sqlite, Db::Postgres)] db: Db,
) {
    let Some(app) = spawn_app(db).await else {
        return;
    };
    let numbers: Vec<String> = (1..=12).map(|i| format!("207100{i:02}")).collect();
    let numbers: Vec<&str> = numbers.iter().map(String::as_str).collect();
    let company = crate::helpers::with_numbers(&app, &numbers[..8], &numbers[8..]).await;
    let initials = [
        "AA", "BB", "CC", "DD", "EE", "FF", "GG", "HH", "II", "JJ", "KK", "LL",
    ];
    let forms: Vec<Value> = initials
        .iter()
        .map(|i| crate::helpers::form(i, None))
        .collect();
    let drafts = futures_util::future::join_all(
        forms
            .iter()
            .map(|form| app.post_json("/orders", Some(&company.admin), form)),
    )
    .await;
    let mut got = Vec::new();
    for drafted in drafts {
        let drafted = json_of(drafted, StatusCode::CREATED).await;
        got.push(drafted["number"]["number"].as_str().unwrap().to_owned());
    }
    got.sort();
    let mut wanted: Vec<String> = numbers.iter().map(|n| format!("+45{n}")).collect();
    wanted.sort();
    assert_eq!(
        got, wanted,
        "each number once, the company's and the operator's"
    );
    problem(
        app.post_json(
            "/orders",
            Some(&company.admin),
            &crate::helpers::form("MM", None),
        )
        .await,
        StatusCode::CONFLICT,
        "no_numbers_available",
    )
    .await;
}
