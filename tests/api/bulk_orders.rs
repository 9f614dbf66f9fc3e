//! Bulk onboarding (`/bulk-orders`): a spreadsheet of employees checked by the order
//! form's rules (a dry run answers every problem at once), drafted as one job that holds a
//! number for every row or none, and confirmed or cancelled as a whole.

use std::time::Duration;

use reqwest::{Response, StatusCode};
use rstest::rstest;
use serde_json::{Value, json};

use crate::helpers::{
    Company, Db, TestApp, available, json_of, outbox, problem, spawn_app, spawn_app_with,
    with_numbers,
};

const HEADER: &str = "plan;mobile_package;data_sharing_cards;name;initials;title;email;cost_center;number_type;number;owner_email;owner_name;requested_date";

/// Initials for row `i`: two letters, distinct for i < 676.
fn initials(i: usize) -> String {
    let letter = |n: usize| char::from(b'A' + u8::try_from(n % 26).unwrap());
    format!("{}{}", letter(i / 26), letter(i))
}

/// A row asking for a new number the server picks.
fn new_row(i: usize) -> String {
    format!(
        "ERHVERV_M;DATA_50;1;Medarbejder {i};{};Konsulent;m{i}@firma31258715.example;4100;new;;;;",
        initials(i)
    )
}

/// A row porting in `number`.
fn port_row(i: usize, number: &str) -> String {
    format!(
        "ERHVERV_S;DATA_10;0;Medarbejder {i};{};Konsulent;m{i}@firma31258715.example;4100;port_in;{number};ejer{i}@privat.example;Ejer {i};",
        initials(i)
    )
}

/// A file of `rows` with the header, CRLF line ends and a BOM, as a Danish spreadsheet
/// saves it.
fn spreadsheet(rows: &[String]) -> String {
    let mut file = format!("\u{feff}{HEADER}\r\n");
    for row in rows {
        file.push_str(row);
        file.push_str("\r\n");
    }
    file
}

async fn upload(
    app: &TestApp,
    token: &str,
    content_type: &str,
    body: impl Into<reqwest::Body>,
    key: Option<&str>,
    dry_run: bool,
) -> Response {
    let path = if dry_run {
        "/bulk-orders?dry_run=true"
    } else {
        "/bulk-orders"
    };
    let mut request = app
        .client
        .post(app.url(path))
        .bearer_auth(token)
        .header("content-type", content_type)
        .body(body);
    if let Some(key) = key {
        request = request.header("idempotency-key", key);
    }
    request.send().await.unwrap()
}

async fn dry_run(app: &TestApp, token: &str, file: &str) -> Value {
    json_of(
        upload(app, token, "text/csv", file.to_owned(), None, true).await,
        StatusCode::OK,
    )
    .await
}

/// Starts a job of `file` and answers its id.
async fn start(app: &TestApp, token: &str, file: &str, key: &str) -> String {
    let response = upload(app, token, "text/csv", file.to_owned(), Some(key), false).await;
    let location = response
        .headers()
        .get("location")
        .map(|l| l.to_str().unwrap().to_owned());
    let job = json_of(response, StatusCode::ACCEPTED).await;
    let id = job["id"].as_str().unwrap().to_owned();
    assert_eq!(
        location.as_deref(),
        Some(format!("/bulk-orders/{id}").as_str())
    );
    id
}

async fn job(app: &TestApp, token: &str, id: &str) -> Value {
    json_of(
        app.get(&format!("/bulk-orders/{id}"), Some(token)).await,
        StatusCode::OK,
    )
    .await
}

/// The job once it is in `status`, as the background worker moves it (polled).
async fn job_reaches(app: &TestApp, token: &str, id: &str, status: &str) -> Value {
    for _ in 0..400 {
        let job = job(app, token, id).await;
        if job["status"] == status {
            return job;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!(
        "the bulk order never became {status}: {}",
        job(app, token, id).await
    );
}

async fn rows(app: &TestApp, token: &str, id: &str) -> Vec<Value> {
    let page = json_of(
        app.get(&format!("/bulk-orders/{id}/rows?limit=200"), Some(token))
            .await,
        StatusCode::OK,
    )
    .await;
    page["items"].as_array().unwrap().clone()
}

async fn rows_csv(app: &TestApp, token: &str, id: &str) -> String {
    let response = app
        .client
        .get(app.url(&format!("/bulk-orders/{id}/rows")))
        .bearer_auth(token)
        .header("accept", "text/csv")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    response.text().await.unwrap()
}

async fn confirm(app: &TestApp, token: &str, id: &str, version: &Value) -> Response {
    app.client
        .post(app.url(&format!("/bulk-orders/{id}/confirm")))
        .bearer_auth(token)
        .header("if-match", format!("\"{version}\""))
        .send()
        .await
        .unwrap()
}

async fn orders(app: &TestApp, token: &str) -> Vec<Value> {
    let page = json_of(
        app.get("/orders?limit=200", Some(token)).await,
        StatusCode::OK,
    )
    .await;
    page["items"].as_array().unwrap().clone()
}

/// `(row, column, pointer, code)` of each problem, in order.
fn problems(answer: &Value) -> Vec<(u64, String, String, String)> {
    answer["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            let text = |k: &str| p[k].as_str().unwrap_or_default().to_owned();
            (
                p["row"].as_u64().unwrap_or(0),
                text("column"),
                text("pointer"),
                text("code"),
            )
        })
        .collect()
}

/// The company with `n` free numbers of its own (`+4571000000` on).
async fn company_with_pool(app: &TestApp, n: usize) -> Company {
    let numbers: Vec<String> = (0..n).map(|i| format!("+45710{i:05}")).collect();
    let numbers: Vec<&str> = numbers.iter().map(String::as_str).collect();
    with_numbers(app, &numbers, &[]).await
}

#[rstest]
#[tokio::test]
async fn a_five_row_semicolon_file_with_a_bom_is_drafted_and_confirmed_as_one_job(
    #[values(Db::Sqlite, Db::Postgres)] db: Db,
) {
    let Some(app) = spawn_app(db).await else {
        return;
    };
    let company = company_with_pool(&app, 8).await;
    let admin = &company.admin;
    let file = spreadsheet(&(0..5).map(new_row).collect::<Vec<_>>());

    let checked = dry_run(&app, admin, &file).await;
    assert_eq!(checked, json!({"rows": 5, "valid": 5, "problems": []}));
    assert!(
        orders(&app, admin).await.is_empty(),
        "a dry run writes nothing"
    );

    let id = start(&app, admin, &file, "upload-1").await;
    let drafted = job_reaches(&app, admin, &id, "drafted").await;
    assert_eq!(drafted["total"], 5);
    assert_eq!(drafted["drafted"], 5);
    assert_eq!(drafted["format"], "csv");
    // Each order: ERHVERV_M with DATA_50 and one card, as a single draft prices it.
    let single = &orders(&app, admin).await[0]["summary"];
    let summary = &drafted["summary"];
    assert_eq!(summary["orders"], 5);
    for total in [
        "monthly_incl_vat_ore",
        "one_time_incl_vat_ore",
        "monthly_ex_vat_ore",
    ] {
        assert_eq!(
            summary[total].as_i64().unwrap(),
            5 * single[total].as_i64().unwrap(),
            "{total}"
        );
    }
    assert!(drafted["expires_at"].is_string());
    assert_eq!(available(&app, admin).await.len(), 3, "five numbers held");

    // The drafts belong to the job: one alone is neither confirmed nor cancelled.
    let drafts = rows(&app, admin, &id).await;
    assert!(drafts.iter().all(|r| r["status"] == "drafted"));
    let order_id = drafts[0]["order_id"].as_str().unwrap();
    let order = json_of(
        app.get(&format!("/orders/{order_id}"), Some(admin)).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(order["bulk_order_id"], json!(id));
    let alone = app
        .post_json(
            &format!("/orders/{order_id}/confirm"),
            Some(admin),
            &json!({}),
        )
        .await;
    problem(alone, StatusCode::CONFLICT, "order_in_bulk_order").await;

    let confirming = confirm(&app, admin, &id, &drafted["version"]).await;
    let confirming = json_of(confirming, StatusCode::ACCEPTED).await;
    assert!(
        ["confirming", "completed"].contains(&confirming["status"].as_str().unwrap()),
        "{confirming}"
    );
    let completed = job_reaches(&app, admin, &id, "completed").await;
    assert_eq!(completed["confirmed"], 5);
    assert_eq!(completed["failed"], 0);

    let done = rows(&app, admin, &id).await;
    assert!(
        done.iter()
            .all(|r| r["status"] == "confirmed" && r["subscription_id"].is_string())
    );
    let subscriptions = json_of(
        app.get("/subscriptions?limit=200", Some(admin)).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(subscriptions["items"].as_array().unwrap().len(), 5);
    let welcomes = outbox(&app)
        .await
        .into_iter()
        .filter(|m| m.kind == "welcome")
        .count();
    assert_eq!(welcomes, 5, "one welcome email per employee");

    for kind in ["bulk_order.drafted", "bulk_order.completed"] {
        let events = json_of(
            app.get(&format!("/events?type={kind}"), Some(admin)).await,
            StatusCode::OK,
        )
        .await;
        let items = events["items"].as_array().unwrap();
        assert_eq!(items.len(), 1, "{kind}: {events}");
        assert_eq!(items[0]["data"]["id"], json!(id));
    }
    let confirmed = json_of(
        app.get("/events?type=order.confirmed&limit=200", Some(admin))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(confirmed["items"].as_array().unwrap().len(), 5);

    // The file back: the upload's columns (with the separator it came with) and the outcome.
    let back = rows_csv(&app, admin, &id).await;
    let lines: Vec<&str> = back.lines().collect();
    assert_eq!(lines[0], format!("{HEADER};order_id;status;error"));
    assert_eq!(lines.len(), 6);
    assert!(
        lines[1].starts_with("ERHVERV_M;DATA_50;1;Medarbejder 0;AA;"),
        "{}",
        lines[1]
    );
    assert!(lines[1].ends_with(";confirmed;"), "{}", lines[1]);
    assert!(lines[1].contains(drafts[0]["order_id"].as_str().unwrap()));
}

#[rstest]
#[tokio::test]
async fn fifty_rows_with_three_bad_ones_name_exactly_those_and_the_job_writes_nothing(
    #[values(Db::Sqlite, Db::Postgres)] db: Db,
) {
    let Some(app) = spawn_app(db).await else {
        return;
    };
    let operator = app.operator_token().await;
    let company = app.company(&operator).await;
    let admin = &company.admin;
    let mut rows_: Vec<String> = (1..=50)
        .map(|i| port_row(i, &format!("+45220000{i:02}")))
        .collect();
    rows_[6] = rows_[6].replacen("ERHVERV_S", "ERHVERV_XXL", 1); // row 7: unknown plan
    rows_[18] = rows_[18].replacen(&format!(";{};", initials(19)), ";;", 1); // row 19: no initials
    rows_[40] = port_row(41, "+4522000030"); // row 41: row 30's number
    let file = spreadsheet(&rows_);

    let checked = dry_run(&app, admin, &file).await;
    assert_eq!(checked["rows"], 50);
    assert_eq!(checked["valid"], 46);
    let expected = vec![
        (
            7,
            "plan".to_owned(),
            "/plan".to_owned(),
            "unknown_plan".to_owned(),
        ),
        (
            19,
            "initials".to_owned(),
            "/employee/initials".to_owned(),
            "required".to_owned(),
        ),
        (
            30,
            "number".to_owned(),
            "/number/number".to_owned(),
            "duplicate_number".to_owned(),
        ),
        (
            41,
            "number".to_owned(),
            "/number/number".to_owned(),
            "duplicate_number".to_owned(),
        ),
    ];
    assert_eq!(problems(&checked), expected, "{checked}");
    let clash = checked["problems"][2]["message"].as_str().unwrap();
    assert!(
        clash.contains("row 41"),
        "the clash names the other row: {clash}"
    );

    let id = start(&app, admin, &file, "upload-50").await;
    let invalid = job_reaches(&app, admin, &id, "invalid").await;
    assert_eq!(problems(&invalid), expected);
    assert_eq!(invalid["invalid"], 4);
    assert_eq!(invalid["drafted"], 0);
    assert!(orders(&app, admin).await.is_empty(), "nothing drafted");
    let ports = json_of(app.get("/number-ports", Some(admin)).await, StatusCode::OK).await;
    assert!(ports["items"].as_array().unwrap().is_empty());
    let back = rows_csv(&app, admin, &id).await;
    let row7 = back.lines().nth(7).unwrap();
    assert!(
        row7.ends_with(
            ";invalid;\"plan: there is no plan \"\"ERHVERV_XXL\"\"; see GET /catalog/plans\""
        ),
        "{row7}"
    );
}

#[rstest]
#[tokio::test]
async fn thirty_rows_wanting_new_numbers_from_a_pool_of_twenty_fail_with_nothing_held(
    #[values(Db::Sqlite, Db::Postgres)] db: Db,
) {
    let Some(app) = spawn_app(db).await else {
        return;
    };
    let company = company_with_pool(&app, 20).await;
    let admin = &company.admin;
    let file = spreadsheet(&(0..30).map(new_row).collect::<Vec<_>>());
    let id = start(&app, admin, &file, "upload-30").await;
    let failed = job_reaches(&app, admin, &id, "failed").await;
    assert_eq!(
        failed["problems"],
        json!([{
            "code": "not_enough_numbers",
            "message": failed["problems"][0]["message"],
            "needed": 30,
            "free": 20,
        }])
    );
    assert_eq!(failed["drafted"], 0);
    assert!(orders(&app, admin).await.is_empty());
    assert_eq!(available(&app, admin).await.len(), 20, "no number reserved");
    // Nothing runs now: the next upload is taken.
    let smaller = spreadsheet(&(0..20).map(new_row).collect::<Vec<_>>());
    let next = start(&app, admin, &smaller, "upload-20").await;
    job_reaches(&app, admin, &next, "drafted").await;
    assert!(available(&app, admin).await.is_empty());
}

#[rstest]
#[tokio::test]
async fn the_same_key_starts_one_job_and_a_second_job_waits_for_the_first(
    #[values(Db::Sqlite, Db::Postgres)] db: Db,
) {
    let Some(app) = spawn_app(db).await else {
        return;
    };
    let company = company_with_pool(&app, 4).await;
    let admin = &company.admin;
    // A job another process is validating, and holds for an hour.
    let held = held_job(&app, &company).await;
    let file = spreadsheet(&(0..2).map(new_row).collect::<Vec<_>>());
    let refused = upload(
        &app,
        admin,
        "text/csv",
        file.clone(),
        Some("same-key"),
        false,
    )
    .await;
    problem(refused, StatusCode::CONFLICT, "bulk_order_running").await;
    let listed = json_of(app.get("/bulk-orders", Some(admin)).await, StatusCode::OK).await;
    assert_eq!(listed["items"].as_array().unwrap().len(), 1, "{listed}");
    assert_eq!(listed["items"][0]["id"], json!(held.to_string()));
    // Once that job is no longer running, the same key starts one job.
    app.store
        .write(|conn| {
            let mut job = persistence::bulk_orders::find(conn, held)?.unwrap();
            job.status = domain::bulk::BulkStatus::Invalid;
            persistence::bulk_orders::update(conn, &mut job, persistence::machine_now())
        })
        .unwrap();
    let first = start(&app, admin, &file, "same-key").await;
    let again = upload(
        &app,
        admin,
        "text/csv",
        file.clone(),
        Some("same-key"),
        false,
    )
    .await;
    assert_eq!(again.headers()["idempotent-replayed"], "true");
    assert_eq!(
        json_of(again, StatusCode::ACCEPTED).await["id"],
        json!(first)
    );
    let other = spreadsheet(&[new_row(7)]);
    let reused = upload(&app, admin, "text/csv", other, Some("same-key"), false).await;
    problem(
        reused,
        StatusCode::UNPROCESSABLE_ENTITY,
        "idempotency_key_reused",
    )
    .await;
    let missing = upload(&app, admin, "text/csv", file, None, false).await;
    problem(
        missing,
        StatusCode::PRECONDITION_REQUIRED,
        "idempotency_key_required",
    )
    .await;
}

#[rstest]
#[tokio::test]
async fn another_companys_job_is_not_found_and_a_viewer_only_reads(
    #[values(Db::Sqlite, Db::Postgres)] db: Db,
) {
    let Some(app) = spawn_app(db).await else {
        return;
    };
    let company = company_with_pool(&app, 2).await;
    let operator = app.operator_token().await;
    let other = app.company_with_cvr(&operator, "10150817").await;
    let file = spreadsheet(&[new_row(0)]);
    let id = start(&app, &company.admin, &file, "mine").await;
    job_reaches(&app, &company.admin, &id, "drafted").await;

    for path in [
        format!("/bulk-orders/{id}"),
        format!("/bulk-orders/{id}/rows"),
    ] {
        problem(
            app.get(&path, Some(&other.admin)).await,
            StatusCode::NOT_FOUND,
            "not_found",
        )
        .await;
    }
    let theirs = confirm(&app, &other.admin, &id, &json!(3)).await;
    problem(theirs, StatusCode::NOT_FOUND, "not_found").await;
    let listed = json_of(
        app.get("/bulk-orders", Some(&other.admin)).await,
        StatusCode::OK,
    )
    .await;
    assert!(listed["items"].as_array().unwrap().is_empty());

    let viewer = upload(&app, &company.viewer, "text/csv", file, Some("v"), false).await;
    problem(viewer, StatusCode::FORBIDDEN, "forbidden").await;
    let read = job(&app, &company.viewer, &id).await;
    assert_eq!(read["status"], "drafted");
    let viewer_confirm = confirm(&app, &company.viewer, &id, &read["version"]).await;
    problem(viewer_confirm, StatusCode::FORBIDDEN, "forbidden").await;
}

#[rstest]
#[tokio::test]
async fn cancelling_a_drafted_job_frees_every_number_and_a_stale_confirm_is_412(
    #[values(Db::Sqlite, Db::Postgres)] db: Db,
) {
    let Some(app) = spawn_app(db).await else {
        return;
    };
    let company = company_with_pool(&app, 3).await;
    let admin = &company.admin;
    let id = start(
        &app,
        admin,
        &spreadsheet(&(0..3).map(new_row).collect::<Vec<_>>()),
        "k",
    )
    .await;
    let drafted = job_reaches(&app, admin, &id, "drafted").await;
    assert!(available(&app, admin).await.is_empty());

    let stale = confirm(&app, admin, &id, &json!(1)).await;
    problem(
        stale,
        StatusCode::PRECONDITION_FAILED,
        "precondition_failed",
    )
    .await;

    let cancelled = app
        .client
        .delete(app.url(&format!("/bulk-orders/{id}")))
        .bearer_auth(admin)
        .header("if-match", format!("\"{}\"", drafted["version"]))
        .send()
        .await
        .unwrap();
    let cancelled = json_of(cancelled, StatusCode::OK).await;
    assert_eq!(cancelled["status"], "cancelled");
    assert_eq!(
        available(&app, admin).await.len(),
        3,
        "every number free again"
    );
    assert!(
        orders(&app, admin)
            .await
            .iter()
            .all(|o| o["status"] == "cancelled")
    );
    assert!(
        rows(&app, admin, &id)
            .await
            .iter()
            .all(|r| r["status"] == "cancelled")
    );
    let again = confirm(&app, admin, &id, &cancelled["version"]).await;
    problem(again, StatusCode::CONFLICT, "bulk_order_not_drafted").await;
    // The initials are free again too: the same file drafts anew.
    let next = start(
        &app,
        admin,
        &spreadsheet(&(0..3).map(new_row).collect::<Vec<_>>()),
        "k2",
    )
    .await;
    job_reaches(&app, admin, &next, "drafted").await;
}

#[rstest]
#[tokio::test]
async fn a_file_that_cannot_be_read_as_a_whole_is_refused_with_its_columns_named(
    #[values(Db::Sqlite, Db::Postgres)] db: Db,
) {
    let Some(app) = spawn_app(db).await else {
        return;
    };
    let company = company_with_pool(&app, 1).await;
    let admin = &company.admin;
    let unknown = "plan,colour,name,initials,title,email\nERHVERV_M,blå,A,AB,T,a@x.example\n";
    let refused = upload(&app, admin, "text/csv", unknown, Some("a"), false).await;
    let body = problem(
        refused,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    let errors: Vec<(String, String)> = body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["pointer"].as_str().unwrap().to_owned(),
                e["code"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        errors,
        [
            ("/columns/colour".to_owned(), "unknown_column".to_owned()),
            (
                "/columns/mobile_package".to_owned(),
                "missing_column".to_owned()
            ),
        ]
    );
    let empty = upload(&app, admin, "text/csv", format!("{HEADER}\n"), None, true).await;
    problem(empty, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    let plain = upload(&app, admin, "text/plain", "x", None, true).await;
    problem(
        plain,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported_media_type",
    )
    .await;
    let huge = format!("{HEADER}\n{}", "x".repeat(1024 * 1024));
    let large = upload(&app, admin, "text/csv", huge, None, true).await;
    problem(large, StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large").await;
    // 64 KiB and more is fine for an upload, unlike other bodies.
    let many: Vec<String> = (0..500)
        .map(|i| port_row(i, &format!("+45230{i:05}")))
        .collect();
    let file = spreadsheet(&many);
    assert!(file.len() > 64 * 1024);
    let checked = dry_run(&app, admin, &file).await;
    assert_eq!(checked["valid"], 500, "{}", checked["problems"][0]);
    assert!(orders(&app, admin).await.is_empty());
}

#[rstest]
#[tokio::test]
async fn json_rows_are_checked_one_by_one_and_a_formula_comes_back_as_text(
    #[values(Db::Sqlite, Db::Postgres)] db: Db,
) {
    let Some(app) = spawn_app(db).await else {
        return;
    };
    let company = company_with_pool(&app, 2).await;
    let admin = &company.admin;
    let good = crate::helpers::form("MH", None);
    let mut formula = crate::helpers::form("JB", None);
    formula["employee"]["title"] = json!("=HYPERLINK(\"http://evil.example\")");
    formula["plan"] = json!("@SUM(A1)");
    let body = json!({"rows": [good, 7, formula]});
    let checked = json_of(
        upload(
            &app,
            admin,
            "application/json",
            body.to_string(),
            None,
            true,
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(checked["valid"], 1);
    let found = problems(&checked);
    assert_eq!(found[0].0, 2);
    assert_eq!(found[0].1, "", "no CSV column for JSON rows");
    assert_eq!(found[0].3, "invalid_type");
    assert_eq!(
        (found[1].0, found[1].2.as_str(), found[1].3.as_str()),
        (3, "/plan", "unknown_plan")
    );

    let id = json_of(
        upload(
            &app,
            admin,
            "application/json",
            body.to_string(),
            Some("j"),
            false,
        )
        .await,
        StatusCode::ACCEPTED,
    )
    .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    job_reaches(&app, admin, &id, "invalid").await;
    let back = rows_csv(&app, admin, &id).await;
    let row3 = back.lines().nth(3).unwrap();
    assert!(row3.starts_with("'@SUM(A1),DATA_50,1,"), "{row3}");
    assert!(
        row3.contains(",\"'=HYPERLINK(\"\"http://evil.example\"\")\","),
        "{row3}"
    );
}

#[rstest]
#[tokio::test]
async fn more_port_ins_than_the_company_may_have_unsigned_fail_before_any_draft(
    #[values(Db::Sqlite, Db::Postgres)] db: Db,
) {
    let Some(app) = spawn_app_with(db, |c| c.max_unsigned_ports = 3).await else {
        return;
    };
    let operator = app.operator_token().await;
    let company = app.company(&operator).await;
    let admin = &company.admin;
    let four: Vec<String> = (1..=4)
        .map(|i| port_row(i, &format!("+45240000{i:02}")))
        .collect();
    let id = start(&app, admin, &spreadsheet(&four), "ports").await;
    let failed = job_reaches(&app, admin, &id, "failed").await;
    let problem = &failed["problems"][0];
    assert_eq!(problem["code"], "too_many_unsigned_ports", "{failed}");
    assert_eq!(
        (problem["needed"].clone(), problem["free"].clone()),
        (json!(4), json!(3))
    );
    assert!(orders(&app, admin).await.is_empty());
    let three = start(&app, admin, &spreadsheet(&four[..3]), "three").await;
    let drafted = job_reaches(&app, admin, &three, "drafted").await;
    // Its three port-in drafts take the room: one more port-in does not fit.
    let one_more = spreadsheet(&[port_row(9, "+4524000009")]);
    let refused = start(&app, admin, &one_more, "one-more").await;
    let refused = job_reaches(&app, admin, &refused, "failed").await;
    assert_eq!(refused["problems"][0]["code"], "too_many_unsigned_ports");
    assert_eq!(refused["problems"][0]["free"], 0, "{refused}");
    let version = drafted["version"].clone();
    json_of(
        confirm(&app, admin, &three, &version).await,
        StatusCode::ACCEPTED,
    )
    .await;
    let completed = job_reaches(&app, admin, &three, "completed").await;
    assert_eq!(completed["confirmed"], 3);
    let rows_ = rows(&app, admin, &three).await;
    assert!(
        rows_.iter().all(|r| r["number_port_id"].is_string()),
        "{rows_:?}"
    );
}

/// A job of `company` in `validating` whose lease another process holds for an hour: it
/// stays running whatever this process's worker does.
async fn held_job(app: &TestApp, company: &Company) -> uuid::Uuid {
    let company: uuid::Uuid = company.id.parse().unwrap();
    let now = persistence::machine_now();
    let job = persistence::bulk_orders::BulkOrder {
        id: persistence::new_id(),
        company,
        status: domain::bulk::BulkStatus::Validating,
        version: 1,
        upload: persistence::bulk_orders::Upload::Json,
        total: 0,
        problems: Vec::new(),
        summary: None,
        created_by: "another-process".to_owned(),
        confirmed_by: None,
        created_at: now,
        updated_at: now,
        expires_at: None,
    };
    let id = job.id;
    app.store
        .write(|conn| {
            persistence::bulk_orders::insert(conn, &job, &[])?;
            persistence::bulk_orders::claim(
                conn,
                id,
                "another-process",
                now + chrono::Duration::hours(1),
                now,
            )
        })
        .unwrap();
    id
}

#[rstest]
#[tokio::test]
async fn a_row_that_cannot_be_confirmed_fails_alone_and_lets_its_initials_go(
    #[values(Db::Sqlite, Db::Postgres)] db: Db,
) {
    let Some(app) = spawn_app(db).await else {
        return;
    };
    let company = company_with_pool(&app, 2).await;
    let admin = &company.admin;
    let file = spreadsheet(&[new_row(0), port_row(1, "+4525000001")]);
    let id = start(&app, admin, &file, "two").await;
    let drafted = job_reaches(&app, admin, &id, "drafted").await;

    // Meanwhile a single order ports the same number in.
    let mut single = crate::helpers::form("ZZ", None);
    single["number"] = json!({"type": "port_in", "number": "+4525000001", "owner_email": "ejer@privat.example", "owner_name": "Ejer"});
    crate::helpers::confirmed(&app, admin, &single).await;

    json_of(
        confirm(&app, admin, &id, &drafted["version"]).await,
        StatusCode::ACCEPTED,
    )
    .await;
    let completed = job_reaches(&app, admin, &id, "completed").await;
    assert_eq!(
        (completed["confirmed"].clone(), completed["failed"].clone()),
        (json!(1), json!(1))
    );
    let rows_ = rows(&app, admin, &id).await;
    assert_eq!(rows_[1]["status"], "failed");
    assert_eq!(
        rows_[1]["problems"][0]["code"], "number_port_exists",
        "{rows_:?}"
    );
    // Its draft is cancelled: the employee's initials are free for a new try.
    let retry = app
        .post_json(
            "/orders",
            Some(admin),
            &crate::helpers::form(&initials(1), None),
        )
        .await;
    assert_eq!(
        retry.status(),
        StatusCode::CREATED,
        "{}",
        retry.text().await.unwrap()
    );
}

#[rstest]
#[tokio::test]
async fn a_job_whose_steps_keep_failing_on_storage_is_ended_not_retried_for_ever(
    #[values(Db::Sqlite, Db::Postgres)] db: Db,
) {
    // Holds lapse after a second here, so the worker tries the job again every second.
    let Some(app) = spawn_app_with(db, |c| c.bulk_order_lease_seconds = 1).await else {
        return;
    };
    let company = company_with_pool(&app, 1).await;
    let admin = &company.admin;
    let held = held_job(&app, &company).await;
    // A row whose stored form is no longer JSON: every step that reads it fails, and the
    // job is let go to the worker.
    app.store
        .write(|conn| {
            use diesel::connection::SimpleConnection;
            conn.batch_execute(&format!(
                "INSERT INTO bulk_order_rows (bulk_order_id, row_number, form, status) \
                 VALUES ('{held}', 1, 'not json', 'pending'); \
                 UPDATE bulk_orders SET lease_owner = NULL, lease_until = NULL WHERE id = '{held}';"
            ))
            .map_err(persistence::Error::from)
        })
        .unwrap();
    let failed = job_reaches(&app, admin, &held.to_string(), "failed").await;
    assert_eq!(failed["problems"][0]["code"], "internal_error", "{failed}");
    // Nothing runs now: the company's next upload is taken.
    let next = start(&app, admin, &spreadsheet(&[new_row(0)]), "after").await;
    job_reaches(&app, admin, &next, "drafted").await;
}

#[rstest]
#[tokio::test]
async fn a_bulk_job_the_rule_catches_waits_as_one_unit_for_another_admin(
    #[values(Db::Sqlite, Db::Postgres)] db: Db,
) {
    let Some(app) = spawn_app(db).await else {
        return;
    };
    let company = company_with_pool(&app, 6).await;
    let lars = crate::approvals::colleague(&app, &company, "lars").await;
    crate::approvals::set_rule(&app, &company, json!({"bulk": true})).await;
    let file = spreadsheet(&[new_row(0), new_row(1), new_row(2)]);

    // Asked, rejected, asked again, approved.
    let id = start(&app, &company.admin, &file, "approval-1").await;
    let drafted = job_reaches(&app, &company.admin, &id, "drafted").await;
    let asked = json_of(
        confirm(&app, &company.admin, &id, &drafted["version"]).await,
        StatusCode::ACCEPTED,
    )
    .await;
    assert_eq!(asked["status"], "awaiting_approval", "{asked}");
    assert_eq!(asked["approval"]["decision"], Value::Null);
    assert_eq!(asked["expires_at"], asked["approval"]["expires_at"]);
    let drafts = orders(&app, &company.admin).await;
    assert!(
        drafts
            .iter()
            .all(|o| o["status"] == "draft" && o["expires_at"] == asked["expires_at"]),
        "every draft is held until the approval expires: {drafts:?}"
    );
    let act = |token: &str, what: &str, body: Value| {
        let request = app
            .client
            .post(app.url(&format!("/bulk-orders/{id}/{what}")))
            .bearer_auth(token.to_owned())
            .json(&body);
        async move { request.send().await.unwrap() }
    };
    let own = act(&company.admin, "approve", json!({})).await;
    problem(own, StatusCode::FORBIDDEN, "self_approval").await;
    let rejected = act(&lars, "reject-approval", json!({"reason": "Tjek titlerne"})).await;
    let rejected = json_of(rejected, StatusCode::OK).await;
    assert_eq!(rejected["status"], "drafted");
    assert_eq!(rejected["approval"]["reason"], "Tjek titlerne");
    let late = act(&lars, "approve", json!({})).await;
    problem(
        late,
        StatusCode::CONFLICT,
        "bulk_order_not_awaiting_approval",
    )
    .await;
    let again = json_of(
        confirm(&app, &company.admin, &id, &rejected["version"]).await,
        StatusCode::ACCEPTED,
    )
    .await;
    assert_eq!(again["status"], "awaiting_approval");
    let approved = json_of(act(&lars, "approve", json!({})).await, StatusCode::ACCEPTED).await;
    assert_eq!(approved["status"], "confirming");
    assert_eq!(approved["approval"]["decision"], "approved");
    let completed = job_reaches(&app, &company.admin, &id, "completed").await;
    assert_eq!(completed["confirmed"], 3, "{completed}");

    // A waiting job is cancelled as a drafted one is, and its numbers go free.
    let second = spreadsheet(&[new_row(3), new_row(4)]);
    let id = start(&app, &company.admin, &second, "approval-2").await;
    let drafted = job_reaches(&app, &company.admin, &id, "drafted").await;
    json_of(
        confirm(&app, &company.admin, &id, &drafted["version"]).await,
        StatusCode::ACCEPTED,
    )
    .await;
    let cancelled = app
        .client
        .delete(app.url(&format!("/bulk-orders/{id}")))
        .bearer_auth(&company.admin)
        .send()
        .await
        .unwrap();
    assert_eq!(
        json_of(cancelled, StatusCode::OK).await["status"],
        "cancelled"
    );
    assert_eq!(available(&app, &company.admin).await.len(), 3);
}
