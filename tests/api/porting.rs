//! Number porting end to end: the owner's power of attorney, the donor's answer, the move
//! at 02:00 Danish time on the port date, and everything that can go wrong on the way.
//! The porting clock is fixed by the test (`config.clock`) and moved by hand, so nothing
//! waits for days; the porting worker also runs in the background every 100 ms, so the
//! tests assert on outcomes, not on which round did the work.

use chrono::{DateTime, Datelike, Duration, NaiveDate, TimeZone, Utc};
use domain::calendar::{
    date_in_denmark, holiday_name, is_working_day, port_date, port_moment,
    previous_working_day_before,
};
use domain::message::MessageStatus;
use reqwest::{Response, StatusCode};
use rstest::rstest;
use selvbetjening::app::porting::Round;
use selvbetjening::config::DonorGatewayKind;
use serde_json::{Value, json};

use crate::helpers::{
    Company, Db, TestApp, confirmed, form, json_of, mailbox, outbox, patch, poa_token, pointers,
    problem, spawn_app_with,
};

// ---------------------------------------------------------------------------------------
// Time

pub(crate) fn utc(year: i32, month: u32, day: u32, hour: u32, minute: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(year, month, day, hour, minute, 0)
        .unwrap()
}

pub(crate) fn date(year: i32, month: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, month, day).unwrap()
}

/// 09:00 UTC on Tuesday 1 December 2026, a Danish working day.
fn tuesday_morning() -> DateTime<Utc> {
    utc(2026, 12, 1, 9, 0)
}

/// Moves the app's porting clock (shared with the running app) to `at`.
pub(crate) fn move_clock_to(app: &TestApp, at: DateTime<Utc>) {
    let clock = &app.config.clock;
    clock.advance(at - clock.now());
}

/// A timestamp of a JSON body.
fn instant(value: &Value) -> DateTime<Utc> {
    value
        .as_str()
        .unwrap_or_else(|| panic!("a timestamp, not {value}"))
        .parse()
        .unwrap()
}

// ---------------------------------------------------------------------------------------
// The app and a port

/// The app with its porting clock fixed at `now` and the given donor gateway.
pub(crate) async fn spawn_porting(
    db: Db,
    donor: DonorGatewayKind,
    now: DateTime<Utc>,
) -> Option<TestApp> {
    spawn_app_with(db, |c| {
        c.clock.set(now);
        c.donor_gateway = Some(donor);
    })
    .await
}

/// An order for an employee who brings their own number, owned by Jens Berg at
/// `owner_email`.
fn port_in_form(initials: &str, number: &str, owner_email: &str) -> Value {
    let mut order = form(initials, None);
    order["number"] = json!({
        "type": "port_in", "number": number,
        "owner_email": owner_email, "owner_name": "Jens Berg"
    });
    order
}

/// A confirmed port-in order and the signing link its owner was emailed.
pub(crate) struct Started {
    port: Value,
    subscription: Value,
    pub(crate) token: String,
}

impl Started {
    pub(crate) fn id(&self) -> &str {
        self.port["id"].as_str().unwrap()
    }

    pub(crate) fn path(&self) -> String {
        format!("/number-ports/{}", self.id())
    }

    fn subscription_path(&self) -> String {
        format!(
            "/subscriptions/{}",
            self.subscription["id"].as_str().unwrap()
        )
    }
}

/// Confirms `order` (a port-in) as the company's admin and reads the owner's link from
/// the mailbox. Each port in a test has an owner email of its own.
async fn start(app: &TestApp, company: &Company, order: &Value) -> Started {
    let confirmation = confirmed(app, &company.admin, order).await;
    let owner = order["number"]["owner_email"].as_str().unwrap();
    let token = poa_token(app, owner, 1).await;
    Started {
        port: confirmation["number_port"].clone(),
        subscription: confirmation["subscription"].clone(),
        token,
    }
}

pub(crate) async fn port_in(
    app: &TestApp,
    company: &Company,
    initials: &str,
    number: &str,
    owner_email: &str,
) -> Started {
    start(app, company, &port_in_form(initials, number, owner_email)).await
}

async fn open_link(app: &TestApp, token: &str) -> Response {
    app.get(&format!("/poa/{token}"), None).await
}

async fn sign_with(app: &TestApp, token: &str, body: &Value) -> Response {
    app.post_json(&format!("/poa/{token}/sign"), None, body)
        .await
}

/// The owner signs as `signer_name`, with consent.
async fn sign_as(app: &TestApp, token: &str, signer_name: &str) -> Value {
    json_of(
        sign_with(
            app,
            token,
            &json!({"signer_name": signer_name, "consent": true}),
        )
        .await,
        StatusCode::OK,
    )
    .await
}

pub(crate) async fn sign(app: &TestApp, token: &str) -> Value {
    sign_as(app, token, "Jens Berg").await
}

/// A link that does not open: 410 whatever the reason.
async fn gone(response: Response) {
    problem(response, StatusCode::GONE, "link_gone").await;
}

pub(crate) async fn get_port(app: &TestApp, token: &str, path: &str) -> Value {
    json_of(app.get(path, Some(token)).await, StatusCode::OK).await
}

/// `POST` without a body of substance (`resend`, `cancel`, `complete`).
async fn post(app: &TestApp, path: &str, token: &str) -> Response {
    app.post_json(path, Some(token), &json!({})).await
}

async fn donor_responds(app: &TestApp, token: &str, port_id: &str, body: &Value) -> Response {
    app.post_json(
        &format!("/operator/number-ports/{port_id}/donor-response"),
        Some(token),
        body,
    )
    .await
}

/// The operator records that the donor accepted `port_date`.
async fn donor_accepts(app: &TestApp, operator: &str, port_id: &str, day: NaiveDate) -> Value {
    json_of(
        donor_responds(
            app,
            operator,
            port_id,
            &json!({"decision": "accepted", "port_date": day}),
        )
        .await,
        StatusCode::OK,
    )
    .await
}

/// Polls (up to 5 s) until the port is in `status`: a background round may be doing
/// the work while the test's own round finds it taken.
pub(crate) async fn port_reaches(app: &TestApp, token: &str, path: &str, status: &str) -> Value {
    let mut port = Value::Null;
    for _ in 0..50 {
        port = get_port(app, token, path).await;
        if port["status"] == status {
            return port;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("the port never became {status}: {port}");
}

/// Lets the simulated donor answer: moves the clock on 5 s at a time and runs the porting
/// worker until the port is no longer `submitted`.
pub(crate) async fn donor_answer(app: &TestApp, token: &str, path: &str) -> Value {
    let mut port = Value::Null;
    for _ in 0..20 {
        app.config.clock.advance(Duration::seconds(5));
        app.porting_round().await;
        port = get_port(app, token, path).await;
        if port["status"] != "submitted" {
            return port;
        }
    }
    panic!("the simulated donor never answered: {port}");
}

/// The statuses of a port's history, oldest first.
fn statuses(port: &Value) -> Vec<String> {
    port["history"]
        .as_array()
        .unwrap_or_else(|| panic!("a history: {port}"))
        .iter()
        .map(|step| step["status"].as_str().unwrap().to_owned())
        .collect()
}

/// `"<version>"`, the port's ETag.
fn etag(port: &Value) -> String {
    format!("\"{}\"", port["version"])
}

/// The recipients of every queued or sent message of `kind`.
async fn recipients(app: &TestApp, kind: &str) -> Vec<String> {
    outbox(app)
        .await
        .into_iter()
        .filter(|m| m.kind == kind)
        .map(|m| m.recipient)
        .collect()
}

async fn count(app: &TestApp, kind: &str) -> usize {
    recipients(app, kind).await.len()
}

/// The code of a 422's only field error, which must be at `pointer`.
async fn field_error(response: Response, pointer: &str) -> String {
    let body = problem(
        response,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(pointers(&body), [pointer], "{body}");
    body["errors"][0]["code"].as_str().unwrap().to_owned()
}

fn assert_idle(round: &Round) {
    assert_eq!(
        (
            round.reminded,
            round.expired,
            round.answered,
            round.completed
        ),
        (0, 0, 0, 0),
        "a round with nothing left to do does nothing"
    );
}

const EMPLOYEE_EMAIL: &str = "mette@firma31258715.example";

// ---------------------------------------------------------------------------------------
// The journey

#[rstest]
#[tokio::test]
async fn a_port_in_moves_the_number_at_two_on_the_port_date_after_the_owner_signs_and_the_donor_accepts(
    #[values(Db::Sqlite, Db::Postgres)] db: Db,
) {
    let now = tuesday_morning();
    let Some(app) = spawn_porting(db, DonorGatewayKind::Manual, now).await else {
        return;
    };
    let operator = app.operator_token().await;
    let company = app.company(&operator).await;
    let started = port_in(&app, &company, "JB", "+4521234567", "jens@privat.example").await;
    assert_eq!(started.port["status"], "awaiting_signature");
    assert_eq!(started.subscription["status"], "pending_port");

    // What the owner is asked to sign.
    let poa = json_of(open_link(&app, &started.token).await, StatusCode::OK).await;
    assert_eq!(poa["number"], "+4521234567");
    assert_eq!(poa["owner_name"], "Jens Berg");
    assert_eq!(poa["company_name"], "Firma 31258715 ApS");
    assert_eq!(
        instant(&poa["expires_at"]),
        instant(&started.port["poa_expires_at"])
    );
    assert!(
        poa["document"].as_str().is_some_and(|d| !d.is_empty()),
        "{poa}"
    );
    let sha = poa["document_sha256"].as_str().unwrap().to_owned();
    assert!(
        sha.len() == 64 && sha.chars().all(|c| c.is_ascii_hexdigit()),
        "{sha}"
    );

    // Signing submits the request to the donor in the same request.
    let signed = sign(&app, &started.token).await;
    assert_eq!(signed["status"], "submitted");
    assert_eq!(signed["number"], "+4521234567");
    assert_eq!(signed["document_sha256"], sha.as_str());

    let response = app.get(&started.path(), Some(&company.admin)).await;
    let etag_header = response.headers()["etag"].to_str().unwrap().to_owned();
    let port = json_of(response, StatusCode::OK).await;
    assert_eq!(etag_header, etag(&port));
    assert_eq!(port["status"], "submitted");
    assert_eq!(
        statuses(&port),
        ["awaiting_signature", "signed", "submitted"]
    );
    // The evidence is summarised; the signer's IP address and browser stay in the record.
    let signature = port["signature"].as_object().unwrap();
    let mut fields: Vec<&str> = signature.keys().map(String::as_str).collect();
    fields.sort_unstable();
    assert_eq!(fields, ["document_sha256", "signed_at", "signer_name"]);
    assert_eq!(signature["signer_name"], "Jens Berg");
    assert_eq!(signature["document_sha256"], sha.as_str());
    assert_eq!(instant(&signature["signed_at"]), now);
    assert!(!port.to_string().contains("127.0.0.1"), "{port}");

    // The donor agrees to the earliest legal date: the next Danish working day.
    let day = port_date(now, None);
    assert_eq!(day, date(2026, 12, 2));
    let accepted = donor_accepts(&app, &operator, started.id(), day).await;
    assert_eq!(accepted["status"], "accepted");
    assert_eq!(accepted["port_date"], json!(day));
    assert_eq!(
        statuses(&accepted),
        ["awaiting_signature", "signed", "submitted", "accepted"]
    );

    // Nothing moves before 02:00 Danish time (01:00 UTC in winter) on the port date.
    let moment = port_moment(day);
    assert_eq!(moment, utc(2026, 12, 2, 1, 0));
    move_clock_to(&app, moment - Duration::minutes(1));
    assert_eq!(app.porting_round().await.completed, 0);
    assert_eq!(
        get_port(&app, &company.admin, &started.path()).await["status"],
        "accepted"
    );

    move_clock_to(&app, moment);
    app.porting_round().await;
    let completed = port_reaches(&app, &company.admin, &started.path(), "completed").await;
    assert_eq!(
        statuses(&completed),
        [
            "awaiting_signature",
            "signed",
            "submitted",
            "accepted",
            "completed"
        ]
    );
    let subscription = json_of(
        app.get(&started.subscription_path(), Some(&company.admin))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(subscription["status"], "active");
    assert_eq!(subscription["number"], "+4521234567");

    // One email per step, to whom it concerns.
    let messages = outbox(&app).await;
    let mut kinds: Vec<&str> = messages.iter().map(|m| m.kind.as_str()).collect();
    kinds.sort_unstable();
    assert_eq!(
        kinds,
        [
            "number_moved",
            "port_accepted",
            "port_completed",
            "power_of_attorney",
            "welcome"
        ]
    );
    assert_eq!(
        recipients(&app, "power_of_attorney").await,
        ["jens@privat.example"]
    );
    assert_eq!(
        recipients(&app, "port_accepted").await,
        [company.admin_email.as_str()]
    );
    assert_eq!(recipients(&app, "number_moved").await, [EMPLOYEE_EMAIL]);
    assert_eq!(
        recipients(&app, "port_completed").await,
        [company.admin_email.as_str()]
    );

    // Partners heard of each step a partner cares about, with the object as it was then.
    let events = json_of(
        app.get("/events", Some(&company.viewer)).await,
        StatusCode::OK,
    )
    .await;
    let events = events["items"].as_array().unwrap();
    let types: Vec<&str> = events.iter().map(|e| e["type"].as_str().unwrap()).collect();
    assert_eq!(
        types,
        [
            "order.confirmed",
            "number_port.submitted",
            "number_port.accepted",
            "number_port.completed",
            "subscription.activated"
        ]
    );
    assert_eq!(events[1]["data"]["status"], "submitted");
    assert_eq!(events[2]["data"]["port_date"], json!(day));
    assert_eq!(events[3]["data"], completed);
    assert_eq!(events[4]["data"], subscription);

    // Done is done: another round finds nothing, and nobody is emailed twice.
    assert_idle(&app.porting_round().await);
    assert_eq!(outbox(&app).await.len(), messages.len());
    assert_eq!(
        get_port(&app, &company.admin, &started.path()).await["status"],
        "completed"
    );
}

#[rstest]
#[tokio::test]
async fn the_simulated_donor_accepts_by_itself_with_the_earliest_legal_date_after_the_signing_request(
    #[values(Db::Sqlite, Db::Postgres)] db: Db,
) {
    let now = tuesday_morning();
    let Some(app) = spawn_porting(db, DonorGatewayKind::Simulated, now).await else {
        return;
    };
    let operator = app.operator_token().await;
    let company = app.company(&operator).await;
    let started = port_in(&app, &company, "JB", "+4521234567", "jens@privat.example").await;

    let signed = sign(&app, &started.token).await;
    assert_eq!(signed["status"], "submitted");
    // The donor never answers inside the signing request.
    assert_eq!(
        get_port(&app, &company.admin, &started.path()).await["status"],
        "submitted"
    );

    let answered = donor_answer(&app, &company.admin, &started.path()).await;
    assert_eq!(answered["status"], "accepted", "{answered}");
    let day = port_date(now, None);
    assert_eq!(answered["port_date"], json!(day));
    assert_eq!(
        recipients(&app, "port_accepted").await,
        [company.admin_email.as_str()]
    );

    // The whole journey completes locally: the scheduler moves the number on its date.
    move_clock_to(&app, port_moment(day));
    app.porting_round().await;
    port_reaches(&app, &company.admin, &started.path(), "completed").await;
    let subscription = json_of(
        app.get(&started.subscription_path(), Some(&company.admin))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(subscription["status"], "active");
}

// ---------------------------------------------------------------------------------------
// Rejections and corrections

#[rstest]
#[tokio::test]
async fn a_port_rejected_for_the_owners_name_is_corrected_signed_again_and_then_accepted(
    #[values(Db::Sqlite, Db::Postgres)] db: Db,
) {
    let Some(app) = spawn_porting(db, DonorGatewayKind::Simulated, tuesday_morning()).await else {
        return;
    };
    let operator = app.operator_token().await;
    let company = app.company(&operator).await;
    // The simulated donor's test number for a name that does not match its records.
    let started = port_in(&app, &company, "JB", "+4529990001", "jens@privat.example").await;
    sign(&app, &started.token).await;

    let rejected = donor_answer(&app, &company.admin, &started.path()).await;
    assert_eq!(rejected["status"], "rejected", "{rejected}");
    assert_eq!(rejected["rejection"]["code"], "owner_mismatch");
    assert!(rejected["rejection"]["text"].is_string(), "{rejected}");
    assert_eq!(
        recipients(&app, "port_rejected").await,
        [company.admin_email.as_str()]
    );

    // The name is what the owner signed: correcting it needs a fresh signature.
    let corrected = json_of(
        patch(
            &app,
            &started.path(),
            &company.admin,
            Some(&etag(&rejected)),
            &json!({"owner_name": "Jens Peter Berg"}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(corrected["status"], "awaiting_signature");
    assert_eq!(corrected["owner_name"], "Jens Peter Berg");
    let fresh = poa_token(&app, "jens@privat.example", 2).await;
    assert_ne!(fresh, started.token);
    gone(open_link(&app, &started.token).await).await;
    let poa = json_of(open_link(&app, &fresh).await, StatusCode::OK).await;
    assert_eq!(poa["owner_name"], "Jens Peter Berg");

    let signed_at = app.config.clock.now();
    let signed = sign_as(&app, &fresh, "Jens Peter Berg").await;
    assert_eq!(signed["status"], "submitted");

    // Rejected only the first time: now the simulated donor accepts.
    let accepted = donor_answer(&app, &company.admin, &started.path()).await;
    assert_eq!(accepted["status"], "accepted", "{accepted}");
    assert_eq!(accepted["port_date"], json!(port_date(signed_at, None)));
    assert_eq!(
        statuses(&accepted),
        [
            "awaiting_signature",
            "signed",
            "submitted",
            "rejected",
            "awaiting_signature",
            "signed",
            "submitted",
            "accepted"
        ]
    );
}

#[rstest]
#[tokio::test]
async fn correcting_only_the_owners_email_after_a_rejection_resubmits_without_a_new_signature(
    #[values(Db::Sqlite, Db::Postgres)] db: Db,
) {
    let now = tuesday_morning();
    let Some(app) = spawn_porting(db, DonorGatewayKind::Manual, now).await else {
        return;
    };
    let operator = app.operator_token().await;
    let company = app.company(&operator).await;
    let started = port_in(&app, &company, "JB", "+4521234567", "jens@privat.example").await;
    sign(&app, &started.token).await;
    let submitted = get_port(&app, &company.admin, &started.path()).await;

    // While the donor has the request, it is neither corrected nor completed.
    problem(
        patch(
            &app,
            &started.path(),
            &company.admin,
            Some(&etag(&submitted)),
            &json!({"owner_email": "jens.berg@privat.example"}),
        )
        .await,
        StatusCode::CONFLICT,
        "port_not_correctable",
    )
    .await;
    problem(
        post(
            &app,
            &format!("/operator/number-ports/{}/complete", started.id()),
            &operator,
        )
        .await,
        StatusCode::CONFLICT,
        "port_not_accepted",
    )
    .await;

    let reason = "Nummeret er spærret hos afgivende selskab";
    let rejected = json_of(
        donor_responds(
            &app,
            &operator,
            started.id(),
            &json!({"decision": "rejected", "reason_code": "other", "reason": reason}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(rejected["status"], "rejected");
    assert_eq!(
        rejected["rejection"],
        json!({"code": "other", "text": reason})
    );
    assert_eq!(
        recipients(&app, "port_rejected").await,
        [company.admin_email.as_str()]
    );

    // A correction names the version it corrects.
    let change = json!({"owner_email": "jens.berg@privat.example"});
    problem(
        patch(&app, &started.path(), &company.admin, None, &change).await,
        StatusCode::PRECONDITION_REQUIRED,
        "precondition_required",
    )
    .await;
    problem(
        patch(
            &app,
            &started.path(),
            &company.admin,
            Some("\"99\""),
            &change,
        )
        .await,
        StatusCode::PRECONDITION_FAILED,
        "precondition_failed",
    )
    .await;

    // The email is not what the owner signed: the request goes back under the signature given.
    let resubmitted = json_of(
        patch(
            &app,
            &started.path(),
            &company.admin,
            Some(&etag(&rejected)),
            &change,
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(resubmitted["status"], "submitted");
    assert_eq!(resubmitted["owner_email"], "jens.berg@privat.example");
    assert_eq!(
        statuses(&resubmitted),
        [
            "awaiting_signature",
            "signed",
            "submitted",
            "rejected",
            "submitted"
        ]
    );
    assert_eq!(count(&app, "power_of_attorney").await, 1);

    // And the donor can answer it.
    let accepted = donor_accepts(&app, &operator, started.id(), port_date(now, None)).await;
    assert_eq!(accepted["status"], "accepted");
}

// ---------------------------------------------------------------------------------------
// The signing link

#[rstest]
#[tokio::test]
async fn an_unsigned_power_of_attorney_is_reminded_after_three_days_and_expires_after_fourteen(
    #[values(Db::Sqlite, Db::Postgres)] db: Db,
) {
    let now = tuesday_morning();
    let Some(app) = spawn_porting(db, DonorGatewayKind::Manual, now).await else {
        return;
    };
    let operator = app.operator_token().await;
    let company = app.company(&operator).await;
    let started = port_in(&app, &company, "JB", "+4521234567", "jens@privat.example").await;
    let expires_at = instant(&started.port["poa_expires_at"]);
    assert_eq!(expires_at, now + Duration::days(14));

    // Two days on: no reminder yet.
    move_clock_to(&app, now + Duration::days(2));
    assert_eq!(app.porting_round().await.reminded, 0);
    assert_eq!(count(&app, "power_of_attorney_reminder").await, 0);

    // Three days on: one reminder, with a fresh link; the first link is dead, and the
    // deadline stays where it was.
    move_clock_to(&app, now + Duration::days(3) + Duration::minutes(1));
    app.porting_round().await;
    let fresh = poa_token(&app, "jens@privat.example", 2).await;
    assert_ne!(fresh, started.token);
    assert_eq!(
        recipients(&app, "power_of_attorney_reminder").await,
        ["jens@privat.example"]
    );
    gone(open_link(&app, &started.token).await).await;
    json_of(open_link(&app, &fresh).await, StatusCode::OK).await;
    let waiting = get_port(&app, &company.admin, &started.path()).await;
    assert_eq!(waiting["status"], "awaiting_signature");
    assert_eq!(instant(&waiting["poa_expires_at"]), expires_at);
    // Reminded once only.
    move_clock_to(&app, now + Duration::days(10));
    app.porting_round().await;
    assert_eq!(count(&app, "power_of_attorney_reminder").await, 1);

    // Past the deadline: the port ends, and so does the subscription waiting for it.
    move_clock_to(&app, expires_at + Duration::minutes(1));
    app.porting_round().await;
    let expired = port_reaches(&app, &company.admin, &started.path(), "expired").await;
    assert_eq!(statuses(&expired), ["awaiting_signature", "expired"]);
    let subscription = json_of(
        app.get(&started.subscription_path(), Some(&company.admin))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(subscription["status"], "terminated");
    assert_eq!(
        recipients(&app, "port_expired").await,
        [company.admin_email.as_str()]
    );
    gone(open_link(&app, &fresh).await).await;

    // Nothing more happens.
    let total = outbox(&app).await.len();
    assert_idle(&app.porting_round().await);
    assert_eq!(outbox(&app).await.len(), total);
    assert_eq!(count(&app, "power_of_attorney_reminder").await, 1);
    assert_eq!(count(&app, "port_expired").await, 1);
}

#[rstest]
#[tokio::test]
async fn a_signing_link_works_once_and_a_link_never_issued_is_gone_as_well(
    #[values(Db::Sqlite, Db::Postgres)] db: Db,
) {
    let Some(app) = spawn_porting(db, DonorGatewayKind::Manual, tuesday_morning()).await else {
        return;
    };
    let operator = app.operator_token().await;
    let company = app.company(&operator).await;
    let started = port_in(&app, &company, "JB", "+4521234567", "jens@privat.example").await;
    let token = &started.token;

    // No consent, no signature; nor without a name. Neither uses the link up.
    let code = field_error(
        sign_with(
            &app,
            token,
            &json!({"signer_name": "Jens Berg", "consent": false}),
        )
        .await,
        "/consent",
    )
    .await;
    assert_eq!(code, "consent_required");
    field_error(
        sign_with(&app, token, &json!({"signer_name": "   ", "consent": true})).await,
        "/signer_name",
    )
    .await;
    json_of(open_link(&app, token).await, StatusCode::OK).await;
    assert_eq!(
        get_port(&app, &company.admin, &started.path()).await["status"],
        "awaiting_signature"
    );

    // Once signed, the link is spent.
    assert_eq!(sign(&app, token).await["status"], "submitted");
    gone(
        sign_with(
            &app,
            token,
            &json!({"signer_name": "Jens Berg", "consent": true}),
        )
        .await,
    )
    .await;
    gone(open_link(&app, token).await).await;

    // A token never issued answers the same, so tokens cannot be probed.
    let made_up: String = format!(
        "{}{}",
        uuid::Uuid::now_v7().simple(),
        uuid::Uuid::now_v7().simple()
    )[..43]
        .to_owned();
    gone(open_link(&app, &made_up).await).await;
    gone(
        sign_with(
            &app,
            &made_up,
            &json!({"signer_name": "Jens Berg", "consent": true}),
        )
        .await,
    )
    .await;
    gone(open_link(&app, "short").await).await;
}

#[rstest]
#[tokio::test]
async fn a_new_link_replaces_the_old_one_on_resend_and_when_the_owners_email_is_corrected(
    #[values(Db::Sqlite, Db::Postgres)] db: Db,
) {
    let now = tuesday_morning();
    let Some(app) = spawn_porting(db, DonorGatewayKind::Manual, now).await else {
        return;
    };
    let operator = app.operator_token().await;
    let company = app.company(&operator).await;
    let started = port_in(&app, &company, "JB", "+4521234567", "jens@privat.example").await;

    // Resent a day later: a new link, and fourteen days from now to sign.
    move_clock_to(&app, now + Duration::days(1));
    let resent = json_of(
        post(&app, &format!("{}/resend", started.path()), &company.admin).await,
        StatusCode::ACCEPTED,
    )
    .await;
    assert_eq!(resent["status"], "awaiting_signature");
    assert_eq!(
        instant(&resent["poa_expires_at"]),
        now + Duration::days(1) + Duration::days(14)
    );
    let resent_token = poa_token(&app, "jens@privat.example", 2).await;
    assert_ne!(resent_token, started.token);
    gone(open_link(&app, &started.token).await).await;
    json_of(open_link(&app, &resent_token).await, StatusCode::OK).await;

    // The owner's email corrected before signing: the link goes to the new address.
    let corrected = json_of(
        patch(
            &app,
            &started.path(),
            &company.admin,
            Some(&etag(&resent)),
            &json!({"owner_email": "jens.berg@privat.example"}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(corrected["status"], "awaiting_signature");
    assert_eq!(corrected["owner_email"], "jens.berg@privat.example");
    let newest = poa_token(&app, "jens.berg@privat.example", 1).await;
    gone(open_link(&app, &resent_token).await).await;
    assert_eq!(sign(&app, &newest).await["status"], "submitted");

    // Signed: nothing left to resend.
    problem(
        post(&app, &format!("{}/resend", started.path()), &company.admin).await,
        StatusCode::CONFLICT,
        "port_not_awaiting_signature",
    )
    .await;
}

#[rstest]
#[tokio::test]
async fn the_signing_token_is_kept_only_in_the_delivered_email(
    #[values(Db::Sqlite, Db::Postgres)] db: Db,
) {
    let Some(app) = spawn_porting(db, DonorGatewayKind::Manual, tuesday_morning()).await else {
        return;
    };
    let operator = app.operator_token().await;
    let company = app.company(&operator).await;
    let started = port_in(&app, &company, "JB", "+4521234567", "jens@privat.example").await;
    json_of(
        post(&app, &format!("{}/resend", started.path()), &company.admin).await,
        StatusCode::ACCEPTED,
    )
    .await;
    let resent = poa_token(&app, "jens@privat.example", 2).await;
    let tokens = [started.token.as_str(), resent.as_str()];

    // The emails carry the links…
    let emails = mailbox(&app, 3).await;
    for token in tokens {
        assert!(
            emails.iter().any(|e| e.contains(token)),
            "an email with {token}"
        );
    }

    // …but once delivered, the stored messages do not.
    let mut messages = outbox(&app).await;
    for _ in 0..100 {
        if messages.iter().all(|m| m.status == MessageStatus::Sent) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        messages = outbox(&app).await;
    }
    assert!(
        messages.iter().all(|m| m.status == MessageStatus::Sent),
        "every message delivered"
    );
    for message in &messages {
        for token in tokens {
            assert!(
                !message.body.contains(token) && !message.subject.contains(token),
                "the {} message still holds a signing token",
                message.kind
            );
        }
    }

    // Nor does anything the API shows.
    let shown = [
        get_port(&app, &company.admin, &started.path())
            .await
            .to_string(),
        json_of(
            app.get("/number-ports", Some(&company.admin)).await,
            StatusCode::OK,
        )
        .await
        .to_string(),
        json_of(
            app.get("/audit-events?limit=200", Some(&operator)).await,
            StatusCode::OK,
        )
        .await
        .to_string(),
    ];
    for text in &shown {
        for token in tokens {
            assert!(!text.contains(token), "a token in {text}");
        }
    }
}

// ---------------------------------------------------------------------------------------
// Cancelling

#[rstest]
#[tokio::test]
async fn an_admin_cancels_a_port_until_the_working_day_before_its_date_and_never_once_completed(
    #[values(Db::Sqlite, Db::Postgres)] db: Db,
) {
    let now = tuesday_morning();
    let Some(app) = spawn_porting(db, DonorGatewayKind::Manual, now).await else {
        return;
    };
    let operator = app.operator_token().await;
    let company = app.company(&operator).await;

    // A port two weeks away is cancelled, and so is its waiting subscription.
    let later = port_in(&app, &company, "JB", "+4521234567", "jens@privat.example").await;
    sign(&app, &later.token).await;
    donor_accepts(&app, &operator, later.id(), date(2026, 12, 15)).await;
    let cancel = format!("{}/cancel", later.path());
    let cancelled = json_of(post(&app, &cancel, &company.admin).await, StatusCode::OK).await;
    assert_eq!(cancelled["status"], "cancelled");
    assert_eq!(statuses(&cancelled).last().unwrap(), "cancelled");
    let subscription = json_of(
        app.get(&later.subscription_path(), Some(&company.admin))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(subscription["status"], "terminated");
    problem(
        post(&app, &cancel, &company.admin).await,
        StatusCode::CONFLICT,
        "port_ended",
    )
    .await;

    // A port tomorrow: today is the working day before it, the donor is already moving
    // the number.
    let soon = port_in(&app, &company, "KB", "+4521234568", "karen@privat.example").await;
    sign(&app, &soon.token).await;
    let day = port_date(now, None);
    assert_eq!(previous_working_day_before(day), date_in_denmark(now));
    donor_accepts(&app, &operator, soon.id(), day).await;
    let cancel = format!("{}/cancel", soon.path());
    problem(
        post(&app, &cancel, &company.admin).await,
        StatusCode::CONFLICT,
        "port_too_late_to_cancel",
    )
    .await;
    assert_eq!(
        get_port(&app, &company.admin, &soon.path()).await["status"],
        "accepted"
    );

    // Completed (here at once by the operator): too late as well.
    let completed = json_of(
        post(
            &app,
            &format!("/operator/number-ports/{}/complete", soon.id()),
            &operator,
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(completed["status"], "completed");
    problem(
        post(&app, &cancel, &company.admin).await,
        StatusCode::CONFLICT,
        "port_too_late_to_cancel",
    )
    .await;
    let subscription = json_of(
        app.get(&soon.subscription_path(), Some(&company.admin))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(subscription["status"], "active");
    assert_eq!(subscription["number"], "+4521234568");
}

#[rstest]
#[tokio::test]
async fn terminating_a_waiting_subscription_cancels_its_port_as_the_admin_would_and_a_stale_version_is_412_in_any_state(
    #[values(Db::Sqlite, Db::Postgres)] db: Db,
) {
    let now = tuesday_morning();
    let Some(app) = spawn_porting(db, DonorGatewayKind::Manual, now).await else {
        return;
    };
    let operator = app.operator_token().await;
    let company = app.company(&operator).await;
    let started = port_in(&app, &company, "JB", "+4521234567", "jens@privat.example").await;
    sign(&app, &started.token).await;
    let accepted = donor_accepts(&app, &operator, started.id(), date(2026, 12, 15)).await;

    // An accepted port cannot be corrected (409), but a stale If-Match is answered first.
    let correction = json!({"owner_email": "jens@andet.example"});
    problem(
        patch(
            &app,
            &started.path(),
            &company.admin,
            Some("\"1\""),
            &correction,
        )
        .await,
        StatusCode::PRECONDITION_FAILED,
        "precondition_failed",
    )
    .await;
    problem(
        patch(
            &app,
            &started.path(),
            &company.admin,
            Some(&etag(&accepted)),
            &correction,
        )
        .await,
        StatusCode::CONFLICT,
        "port_not_correctable",
    )
    .await;

    // Ending the subscription that waits for the number cancels the port, with the same
    // record as the admin's own cancellation. Today is the business clock's.
    let today = date_in_denmark(app.config.clock.now());
    let ended = json_of(
        app.post_json(
            &format!("{}/terminate", started.subscription_path()),
            Some(&company.admin),
            &json!({"effective_date": today}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(ended["status"], "terminated");
    let port = get_port(&app, &company.admin, &started.path()).await;
    assert_eq!(port["status"], "cancelled");
    let audit = json_of(
        app.get("/audit-events?limit=200", Some(&company.admin))
            .await,
        StatusCode::OK,
    )
    .await;
    let cancelled: Vec<&Value> = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "number_port.cancelled")
        .collect();
    assert_eq!(cancelled.len(), 1, "{audit}");
    assert_eq!(cancelled[0]["object"]["id"], started.id());
}

#[rstest]
#[tokio::test]
async fn a_company_learns_nothing_of_other_companies_numbers_or_ports_and_has_few_unsigned_ports(
    #[values(Db::Sqlite, Db::Postgres)] db: Db,
) {
    let now = tuesday_morning();
    let Some(app) = spawn_app_with(db, |c| {
        c.clock.set(now);
        c.donor_gateway = Some(DonorGatewayKind::Manual);
        c.max_unsigned_ports = 2;
    })
    .await
    else {
        return;
    };
    let operator = app.operator_token().await;
    let ours = app.company(&operator).await;
    let other = app.company_with_cvr(&operator, "10150817").await;
    // The other company has a number of its own and is porting in another.
    let added = app
        .post_json(
            &format!("/operator/companies/{}/numbers", other.id),
            Some(&operator),
            &json!({"numbers": ["+4520710009"]}),
        )
        .await;
    assert_eq!(added.status(), StatusCode::CREATED);
    port_in(&app, &other, "OP", "+4521234599", "ejer@andet.example").await;

    // Our drafts for those numbers are drafted and confirmed as any port-in is: nothing
    // says that another company holds or ports them.
    port_in(&app, &ours, "JB", "+4521234599", "jens@privat.example").await;
    let held = port_in(&app, &ours, "KB", "+4520710009", "karen@privat.example").await;
    // Our own port of a number is still named.
    let mut again = port_in_form("JBB", "+4521234599", "jens@privat.example");
    let body = problem(
        app.post_json("/orders", Some(&ours.admin), &again).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(body["errors"][0]["code"], "number_port_exists");

    // Two ports wait for a signature: a third is one too many.
    again = port_in_form("LB", "+4521234598", "lars@privat.example");
    let draft = json_of(
        app.post_json("/orders", Some(&ours.admin), &again).await,
        StatusCode::CREATED,
    )
    .await;
    let confirm = format!("/orders/{}/confirm", draft["id"].as_str().unwrap());
    problem(
        app.post_json(&confirm, Some(&ours.admin), &json!({})).await,
        StatusCode::CONFLICT,
        "too_many_unsigned_ports",
    )
    .await;

    // Signed, the request for the other company's number is refused by the operator's
    // check, as a donor refuses a number it does not have.
    sign(&app, &held.token).await;
    let refused = get_port(&app, &ours.admin, &held.path()).await;
    assert_eq!(refused["status"], "rejected");
    assert_eq!(refused["rejection"]["code"], "number_unknown");
    // One place is free again.
    json_of(
        app.post_json(&confirm, Some(&ours.admin), &json!({})).await,
        StatusCode::CREATED,
    )
    .await;
}

// ---------------------------------------------------------------------------------------
// Port dates

#[rstest]
#[tokio::test]
async fn a_donors_port_date_must_be_a_working_day_no_earlier_than_the_earliest_legal_date(
    #[values(Db::Sqlite, Db::Postgres)] db: Db,
) {
    let now = tuesday_morning();
    let Some(app) = spawn_porting(db, DonorGatewayKind::Manual, now).await else {
        return;
    };
    let operator = app.operator_token().await;
    let company = app.company(&operator).await;
    let started = port_in(&app, &company, "JB", "+4521234567", "jens@privat.example").await;
    sign(&app, &started.token).await;

    // A body of the wrong shape names the very field, whichever variant it is.
    for (body, pointer) in [
        (
            json!({"decision": "accepted", "port_date": 7}),
            "/port_date",
        ),
        (json!({"decision": "accepted"}), "/port_date"),
        (
            json!({"decision": "accepted", "port_date": "2027-05-18", "colour": 1}),
            "/colour",
        ),
        (
            json!({"decision": "rejected", "reason_code": "nope"}),
            "/reason_code",
        ),
        (
            json!({"decision": "rejected", "reason_code": "other", "reason": 7}),
            "/reason",
        ),
        (json!({"decision": "maybe"}), "/decision"),
        (json!({"decision": 7}), "/decision"),
        (json!({"port_date": "2027-05-18"}), "/decision"),
    ] {
        field_error(
            donor_responds(&app, &operator, started.id(), &body).await,
            pointer,
        )
        .await;
    }
    let accept = |day: NaiveDate| json!({"decision": "accepted", "port_date": day});
    for (day, what) in [
        (date(2026, 12, 5), "a Saturday"),
        (date(2026, 12, 25), "Christmas Day"),
        (date(2027, 3, 26), "Good Friday"),
        (date(2027, 3, 29), "Easter Monday"),
        (date(2027, 5, 6), "Ascension Day"),
        (date(2027, 5, 17), "Whit Monday"),
    ] {
        assert!(!is_working_day(day), "{what}");
        let code = field_error(
            donor_responds(&app, &operator, started.id(), &accept(day)).await,
            "/port_date",
        )
        .await;
        assert_eq!(code, "not_a_working_day", "{what} {day}");
    }
    // The day of submission is a working day, but before the earliest legal date.
    assert!(is_working_day(date(2026, 12, 1)));
    assert!(date(2026, 12, 1) < port_date(now, None));
    let code = field_error(
        donor_responds(&app, &operator, started.id(), &accept(date(2026, 12, 1))).await,
        "/port_date",
    )
    .await;
    assert_eq!(code, "too_early");
    assert_eq!(
        get_port(&app, &company.admin, &started.path()).await["status"],
        "submitted"
    );

    // The Tuesday after Whit Monday is fine: any later working day is.
    let accepted = donor_accepts(&app, &operator, started.id(), date(2027, 5, 18)).await;
    assert_eq!(accepted["port_date"], "2027-05-18");
    // Answered once.
    problem(
        donor_responds(&app, &operator, started.id(), &accept(date(2027, 5, 19))).await,
        StatusCode::CONFLICT,
        "port_not_submitted",
    )
    .await;

    // The owner asked for a later date (say a binding period ends on Christmas Eve): the
    // donor may not port before it, and it moves on to the next working day. (The order
    // form checks the requested date against the business clock's today, so the year is
    // the next Christmas Eve still ahead of it.)
    let earliest = domain::calendar::earliest_port_date(now);
    let mut eve = date(earliest.year(), 12, 24);
    if eve < earliest {
        eve = date(earliest.year() + 1, 12, 24);
    }
    let mut order = port_in_form("KB", "+4521234568", "karen@privat.example");
    order["number"]["requested_date"] = json!(eve);
    let waiting = start(&app, &company, &order).await;
    assert_eq!(waiting.port["requested_date"], json!(eve));
    sign(&app, &waiting.token).await;
    let expected = port_date(now, Some(eve));
    assert!(expected > eve && is_working_day(expected), "{expected}");
    let code = field_error(
        donor_responds(
            &app,
            &operator,
            waiting.id(),
            &accept(previous_working_day_before(eve)),
        )
        .await,
        "/port_date",
    )
    .await;
    assert_eq!(code, "too_early");
    let accepted = donor_accepts(&app, &operator, waiting.id(), expected).await;
    assert_eq!(accepted["port_date"], json!(expected));
}

#[rstest]
#[tokio::test]
async fn the_earliest_port_date_skips_christmas_and_easter(
    #[values(Db::Sqlite, Db::Postgres)] db: Db,
) {
    // Wednesday 23 December 2026: the 24th, 25th and 26th are holidays, the 27th a Sunday.
    let before_christmas = utc(2026, 12, 23, 9, 0);
    let Some(app) = spawn_porting(db, DonorGatewayKind::Simulated, before_christmas).await else {
        return;
    };
    let operator = app.operator_token().await;
    let company = app.company(&operator).await;
    let christmas = port_in(&app, &company, "JB", "+4521234567", "jens@privat.example").await;
    sign(&app, &christmas.token).await;
    let accepted = donor_answer(&app, &company.admin, &christmas.path()).await;
    assert_eq!(accepted["status"], "accepted", "{accepted}");
    assert_eq!(accepted["port_date"], "2026-12-28");
    assert_eq!(port_date(before_christmas, None), date(2026, 12, 28));

    // Maundy Thursday 2027: Good Friday, the weekend and Easter Monday follow.
    let maundy_thursday = utc(2027, 3, 25, 9, 0);
    assert_eq!(
        holiday_name(maundy_thursday.date_naive()),
        Some("Skærtorsdag")
    );
    move_clock_to(&app, maundy_thursday);
    let easter = port_in(&app, &company, "KB", "+4521234568", "karen@privat.example").await;
    sign(&app, &easter.token).await;
    let accepted = donor_answer(&app, &company.admin, &easter.path()).await;
    assert_eq!(accepted["status"], "accepted", "{accepted}");
    assert_eq!(accepted["port_date"], "2027-03-30");
    assert_eq!(port_date(maundy_thursday, None), date(2027, 3, 30));
}

// ---------------------------------------------------------------------------------------
// Several processes

/// Every process runs the porting worker; two of them (and their background rounds) on
/// one database complete each due port once: one "your number has moved" email each.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_processes_complete_each_due_port_exactly_once() {
    let now = tuesday_morning();
    let Some(app) = spawn_porting(Db::Postgres, DonorGatewayKind::Manual, now).await else {
        return;
    };
    // A second server on the same database, sharing the porting clock.
    let mut config = app.config.clone();
    config.bind_addr = "127.0.0.1:0".to_owned();
    let second = selvbetjening::Application::build(config).await.unwrap();
    let second_store = second.state().store.clone();
    let second_settings = second.state().settings.clone();
    tokio::spawn(second.run_until_stopped());

    let operator = app.operator_token().await;
    let company = app.company(&operator).await;
    let day = port_date(now, None);
    let mut ports = Vec::new();
    for (i, initials) in ["AA", "AB", "AC", "AD", "AE"].into_iter().enumerate() {
        let started = port_in(
            &app,
            &company,
            initials,
            &format!("+45212345{:02}", i + 1),
            &format!("ejer{}@privat.example", i + 1),
        )
        .await;
        sign(&app, &started.token).await;
        donor_accepts(&app, &operator, started.id(), day).await;
        ports.push(started);
    }

    move_clock_to(&app, port_moment(day));
    let rounds = [
        (app.store.clone(), app.settings.clone()),
        (second_store, second_settings),
    ]
    .map(|(store, settings)| {
        tokio::task::spawn_blocking(move || {
            selvbetjening::scheduler::porting_round(&store, &settings)
        })
    });
    let mut completed_here = 0;
    for round in rounds {
        completed_here += round.await.unwrap().unwrap().completed;
    }
    assert!(
        completed_here <= 5,
        "{completed_here} completions of 5 ports"
    );

    for started in &ports {
        port_reaches(&app, &company.admin, &started.path(), "completed").await;
    }
    assert_eq!(count(&app, "number_moved").await, 5);
    assert_eq!(count(&app, "port_completed").await, 5);
    assert_idle(&app.porting_round().await);
}

// ---------------------------------------------------------------------------------------
// Who may do what

#[rstest]
#[tokio::test]
async fn another_company_cannot_see_a_port_viewers_only_read_it_and_only_operators_answer_for_the_donor(
    #[values(Db::Sqlite, Db::Postgres)] db: Db,
) {
    let now = tuesday_morning();
    let Some(app) = spawn_porting(db, DonorGatewayKind::Manual, now).await else {
        return;
    };
    let operator = app.operator_token().await;
    let company = app.company(&operator).await;
    let other = app.company_with_cvr(&operator, "10150817").await;
    let started = port_in(&app, &company, "JB", "+4521234567", "jens@privat.example").await;
    let path = started.path();
    let tag = etag(&started.port);
    let change = json!({"owner_name": "Jens Peter Berg"});

    // To another company the port does not exist.
    for token in [&other.admin, &other.viewer] {
        problem(
            app.get(&path, Some(token)).await,
            StatusCode::NOT_FOUND,
            "not_found",
        )
        .await;
    }
    problem(
        patch(&app, &path, &other.admin, Some(&tag), &change).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    for action in ["resend", "cancel"] {
        problem(
            post(&app, &format!("{path}/{action}"), &other.admin).await,
            StatusCode::NOT_FOUND,
            "not_found",
        )
        .await;
    }
    let listed = json_of(
        app.get("/number-ports", Some(&other.admin)).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(listed["items"], json!([]));

    // A viewer reads, and does not write.
    let seen = get_port(&app, &company.viewer, &path).await;
    assert_eq!(seen["id"], started.id());
    let listed = json_of(
        app.get(
            "/number-ports?status=awaiting_signature",
            Some(&company.viewer),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let ids: Vec<&str> = listed["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|p| p["id"].as_str())
        .collect();
    assert_eq!(ids, [started.id()]);
    let none = json_of(
        app.get("/number-ports?status=completed", Some(&company.viewer))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(none["items"], json!([]));
    problem(
        patch(&app, &path, &company.viewer, Some(&tag), &change).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    for action in ["resend", "cancel"] {
        problem(
            post(&app, &format!("{path}/{action}"), &company.viewer).await,
            StatusCode::FORBIDDEN,
            "forbidden",
        )
        .await;
    }

    // Only operators record the donor's answers and complete a port.
    sign(&app, &started.token).await;
    for token in [&company.admin, &company.viewer] {
        problem(
            donor_responds(
                &app,
                token,
                started.id(),
                &json!({"decision": "accepted", "port_date": port_date(now, None)}),
            )
            .await,
            StatusCode::FORBIDDEN,
            "forbidden",
        )
        .await;
        problem(
            post(
                &app,
                &format!("/operator/number-ports/{}/complete", started.id()),
                token,
            )
            .await,
            StatusCode::FORBIDDEN,
            "forbidden",
        )
        .await;
    }

    // None of it changed anything.
    let port = get_port(&app, &company.admin, &path).await;
    assert_eq!(port["status"], "submitted");
    assert_eq!(port["owner_name"], "Jens Berg");
    assert_eq!(
        statuses(&port),
        ["awaiting_signature", "signed", "submitted"]
    );
}
