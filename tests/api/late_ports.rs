//! The operator's monthly late-ports report (`GET /operator/reports/late-ports`): a port
//! the donor moves after its deadline (Teleloven §27) owes compensation for each late
//! working day, and the report lists the month's late days per port and per company, as
//! JSON or as CSV.

use chrono::{DateTime, NaiveDate, Utc};
use domain::calendar::port_moment;
use reqwest::{Response, StatusCode};
use rstest::rstest;
use selvbetjening::config::DonorGatewayKind;
use serde_json::{Value, json};

use crate::helpers::{Company, Db, TestApp, json_of, pointers, problem};
use crate::porting::{
    Started, date, donor_answer, get_port, move_clock_to, port_in, port_reaches, sign,
    spawn_porting, utc,
};

/// The simulated donor's number that it moves three working days after the deadline.
const LATE_NUMBER: &str = "+4529990005";

const HEADER: &str = "port_id,company_id,company_name,sandbox,number,status,deadline,delayed_working_days,compensation_ore";

/// The company's port-in of the late number, signed at the clock's time and accepted by
/// the simulated donor.
async fn late_port(app: &TestApp, company: &Company) -> Started {
    let started = port_in(app, company, "JB", LATE_NUMBER, "jens@privat.example").await;
    assert_eq!(sign(app, &started.token).await["status"], "submitted");
    let accepted = donor_answer(app, &company.admin, &started.path()).await;
    assert_eq!(accepted["status"], "accepted", "{accepted}");
    started
}

/// Lets the porting worker live through each day from `first` to `last`: the clock stands
/// at 02:00 Danish time on each in turn, when late days are counted and numbers move.
async fn live_through(app: &TestApp, first: NaiveDate, last: NaiveDate) {
    for day in first.iter_days().take_while(|day| *day <= last) {
        move_clock_to(app, port_moment(day));
        app.porting_round().await;
    }
}

async fn report(app: &TestApp, token: &str, month: &str) -> Response {
    app.get(
        &format!("/operator/reports/late-ports?month={month}"),
        Some(token),
    )
    .await
}

async fn report_json(app: &TestApp, operator: &str, month: &str) -> Value {
    json_of(report(app, operator, month).await, StatusCode::OK).await
}

async fn report_csv(app: &TestApp, operator: &str, month: &str) -> Response {
    app.client
        .get(app.url(&format!("/operator/reports/late-ports?month={month}")))
        .bearer_auth(operator)
        .header("accept", "text/csv")
        .send()
        .await
        .unwrap()
}

fn header<'a>(response: &'a Response, name: &str) -> &'a str {
    response
        .headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
}

fn instant(value: &Value) -> DateTime<Utc> {
    value.as_str().unwrap().parse().unwrap()
}

#[rstest]
#[tokio::test]
async fn a_port_moved_three_working_days_late_owes_three_days_and_is_in_the_months_report(
    #[values(Db::Sqlite, Db::Postgres)] db: Db,
) {
    // Submitted on Monday 9 March: the deadline is Tuesday the 10th (23:59 Danish time),
    // the donor moves the number on Friday the 13th: late on the 11th, 12th and 13th.
    let Some(app) = spawn_porting(db, DonorGatewayKind::Simulated, utc(2026, 3, 9, 10, 0)).await
    else {
        return;
    };
    let operator = app.operator_token().await;
    let company = app.company(&operator).await;
    let started = late_port(&app, &company).await;
    let accepted = get_port(&app, &company.admin, &started.path()).await;
    assert_eq!(accepted["port_date"], json!(date(2026, 3, 13)));
    assert_eq!(
        instant(&accepted["deadline"]),
        utc(2026, 3, 10, 22, 59) + chrono::Duration::seconds(59)
    );
    assert_eq!(accepted["delayed_working_days"], 0);

    live_through(&app, date(2026, 3, 10), date(2026, 3, 13)).await;
    let moved = port_reaches(&app, &company.admin, &started.path(), "completed").await;
    assert_eq!(moved["delayed_working_days"], 3, "{moved}");
    assert_eq!(moved["compensation_ore"], 15000);

    let events = json_of(
        app.get("/events?type=number_port.delayed", Some(&company.admin))
            .await,
        StatusCode::OK,
    )
    .await;
    let delayed = events["items"].as_array().unwrap();
    assert_eq!(delayed.len(), 1, "one number_port.delayed: {events}");
    assert_eq!(delayed[0]["data"]["id"], started.id());

    let march = report_json(&app, &operator, "2026-03").await;
    assert_eq!(
        march,
        json!({
            "month": "2026-03",
            "ports": [{
                "port_id": started.id(), "company_id": company.id,
                "company_name": "Firma 31258715 ApS", "sandbox": false, "number": LATE_NUMBER,
                "status": "completed", "deadline": accepted["deadline"],
                "delayed_working_days": 3, "compensation_ore": 15000
            }],
            "companies": [{
                "company_id": company.id, "company_name": "Firma 31258715 ApS", "sandbox": false,
                "ports": 1, "delayed_working_days": 3, "compensation_ore": 15000
            }],
            "total_compensation_ore": 15000
        })
    );

    let csv = report_csv(&app, &operator, "2026-03").await;
    assert_eq!(csv.status(), StatusCode::OK);
    assert_eq!(header(&csv, "content-type"), "text/csv; charset=utf-8");
    assert_eq!(
        header(&csv, "content-disposition"),
        "attachment; filename=\"late-ports-2026-03.csv\""
    );
    assert_eq!(
        csv.text().await.unwrap(),
        format!(
            "{HEADER}\r\n{},{},Firma 31258715 ApS,false,{LATE_NUMBER},completed,{},3,15000\r\n",
            started.id(),
            company.id,
            accepted["deadline"].as_str().unwrap()
        )
    );

    // A month without late days: nothing listed, nothing owed.
    for month in ["2026-02", "2026-04"] {
        let quiet = report_json(&app, &operator, month).await;
        assert_eq!(
            quiet,
            json!({"month": month, "ports": [], "companies": [], "total_compensation_ore": 0})
        );
        let quiet_csv = report_csv(&app, &operator, month).await;
        assert_eq!(quiet_csv.text().await.unwrap(), format!("{HEADER}\r\n"));
    }
}

#[rstest]
#[tokio::test]
async fn a_port_late_across_a_month_end_is_in_each_months_report_with_that_months_days(
    #[values(Db::Sqlite, Db::Postgres)] db: Db,
) {
    // Submitted on Thursday 26 March: the deadline is Friday the 27th, the number moves on
    // Wednesday 1 April: late on 30 and 31 March and on 1 April.
    let Some(app) = spawn_porting(db, DonorGatewayKind::Simulated, utc(2026, 3, 26, 10, 0)).await
    else {
        return;
    };
    let operator = app.operator_token().await;
    let company = app.company(&operator).await;
    let started = late_port(&app, &company).await;
    live_through(&app, date(2026, 3, 27), date(2026, 4, 1)).await;
    let moved = port_reaches(&app, &company.admin, &started.path(), "completed").await;
    assert_eq!(moved["delayed_working_days"], 3, "{moved}");

    let march = report_json(&app, &operator, "2026-03").await;
    let april = report_json(&app, &operator, "2026-04").await;
    for (report, days, owed) in [(&march, 2, 10000), (&april, 1, 5000)] {
        assert_eq!(report["ports"][0]["port_id"], started.id(), "{report}");
        assert_eq!(report["ports"][0]["delayed_working_days"], days);
        assert_eq!(report["ports"][0]["compensation_ore"], owed);
        assert_eq!(report["companies"][0]["delayed_working_days"], days);
        assert_eq!(report["total_compensation_ore"], owed);
    }
}

#[rstest]
#[tokio::test]
async fn a_month_not_written_yyyy_mm_is_a_422_naming_month(
    #[values(Db::Sqlite, Db::Postgres)] db: Db,
) {
    let Some(app) = spawn_porting(db, DonorGatewayKind::Manual, utc(2026, 3, 9, 10, 0)).await
    else {
        return;
    };
    let operator = app.operator_token().await;
    for (query, code) in [
        ("month=2026-13", "month_format"),
        ("month=abc", "month_format"),
        ("month=2026-3", "month_format"),
        ("month=", "month_format"),
        ("", "required"),
    ] {
        let response = app
            .get(
                &format!("/operator/reports/late-ports?{query}"),
                Some(&operator),
            )
            .await;
        let body = problem(
            response,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
        assert_eq!(pointers(&body), ["/query/month"], "{query}: {body}");
        assert_eq!(body["errors"][0]["code"], code, "{query}: {body}");
    }
    let unknown = app
        .get(
            "/operator/reports/late-ports?month=2026-03&company=x",
            Some(&operator),
        )
        .await;
    let body = problem(
        unknown,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(pointers(&body), ["/query/company"], "{body}");
}

#[rstest]
#[tokio::test]
async fn only_the_operator_reads_the_report(#[values(Db::Sqlite, Db::Postgres)] db: Db) {
    let Some(app) = spawn_porting(db, DonorGatewayKind::Manual, utc(2026, 3, 9, 10, 0)).await
    else {
        return;
    };
    let operator = app.operator_token().await;
    let company = app.company(&operator).await;
    for token in [&company.admin, &company.viewer] {
        problem(
            report(&app, token, "2026-03").await,
            StatusCode::FORBIDDEN,
            "forbidden",
        )
        .await;
    }
    assert_eq!(
        app.get("/operator/reports/late-ports?month=2026-03", None)
            .await
            .status(),
        StatusCode::UNAUTHORIZED
    );
}

#[rstest]
#[tokio::test]
async fn json_is_the_default_and_csv_is_given_only_when_preferred(
    #[values(Db::Sqlite, Db::Postgres)] db: Db,
) {
    let Some(app) = spawn_porting(db, DonorGatewayKind::Manual, utc(2026, 3, 9, 10, 0)).await
    else {
        return;
    };
    let operator = app.operator_token().await;
    for (accept, media) in [
        (None, "application/json"),
        (Some("*/*"), "application/json"),
        (Some("application/json"), "application/json"),
        (Some("text/csv, application/json"), "application/json"),
        (Some("application/json;q=0.5, text/csv"), "text/csv"),
        (Some("text/*"), "text/csv"),
        (Some("text/csv;q=0, */*"), "application/json"),
    ] {
        let mut request = app
            .client
            .get(app.url("/operator/reports/late-ports?month=2026-03"))
            .bearer_auth(&operator);
        if let Some(accept) = accept {
            request = request.header("accept", accept);
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{accept:?}");
        assert!(
            header(&response, "content-type").starts_with(media),
            "{accept:?}: {}",
            header(&response, "content-type")
        );
        let vary = header(&response, "vary");
        assert!(
            vary.split(',').any(|name| name.trim() == "Accept"),
            "{accept:?}: Vary {vary}"
        );
    }
}
