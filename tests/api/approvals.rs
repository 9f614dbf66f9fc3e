//! Four-eyes approval: a company's admins set an approval rule (`PATCH /company`); a confirm
//! it catches answers 202 with the order `awaiting_approval`, and another admin approves it
//! (the subscription exists then) or sends it back as a draft. The maker never approves,
//! nor does an API client; an unanswered approval lapses on the company's clock.

use chrono::Duration;
use reqwest::{Response, StatusCode};
use rstest::rstest;
use serde_json::{Value, json};

use crate::helpers::{
    Company, Db, TestApp, available, form, json_of, outbox, patch, problem, spawn_app, with_numbers,
};
use crate::sandbox::{advance, instant};

const POOL: [&str; 4] = ["+4520710001", "+4520710002", "+4520710003", "+4520710004"];

/// A dear order: the largest plan and package.
fn dear(initials: &str) -> Value {
    let mut order = form(initials, None);
    order["plan"] = json!("ERHVERV_XL");
    order["mobile_package"] = json!("DATA_EU");
    order
}

/// Another admin of `company`, created by the operator with a password; their token.
pub(crate) async fn colleague(app: &TestApp, company: &Company, name: &str) -> String {
    let operator = app.operator_token().await;
    let domain = company.admin_email.split('@').nth(1).unwrap().to_owned();
    let email = format!("{name}@{domain}");
    let created = app
        .post_json(
            &format!("/operator/companies/{}/users", company.id),
            Some(&operator),
            &json!({"email": email, "role": "admin", "password": "colleague-password-123"}),
        )
        .await;
    assert_eq!(created.status(), StatusCode::CREATED);
    app.token(&email, "colleague-password-123").await
}

/// The caller's own user id: the `sub` of their token.
fn subject(token: &str) -> String {
    use base64::Engine;
    let claims = token.split('.').nth(1).unwrap();
    let claims = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(claims)
        .unwrap();
    let claims: Value = serde_json::from_slice(&claims).unwrap();
    claims["sub"].as_str().unwrap().to_owned()
}

/// Sets the company's approval rule to `rule`, reading its version first.
pub(crate) async fn set_rule(app: &TestApp, company: &Company, rule: Value) -> Value {
    let current = app.get("/company", Some(&company.admin)).await;
    let etag = current.headers()["etag"].to_str().unwrap().to_owned();
    json_of(
        patch(
            app,
            "/company",
            &company.admin,
            Some(&etag),
            &json!({"approval": rule}),
        )
        .await,
        StatusCode::OK,
    )
    .await
}

async fn draft(app: &TestApp, token: &str, order: &Value) -> Value {
    json_of(
        app.post_json("/orders", Some(token), order).await,
        StatusCode::CREATED,
    )
    .await
}

async fn act(app: &TestApp, token: &str, id: &str, what: &str, body: &Value) -> Response {
    app.post_json(&format!("/orders/{id}/{what}"), Some(token), body)
        .await
}

/// Drafts `order` as `token` and confirms it, which the rule makes wait: the order
/// awaiting approval, and its id.
async fn waiting(app: &TestApp, token: &str, order: &Value) -> (Value, String) {
    let first = draft(app, token, order).await;
    let id = first["id"].as_str().unwrap().to_owned();
    let asked = json_of(
        act(app, token, &id, "confirm", &json!({})).await,
        StatusCode::ACCEPTED,
    )
    .await;
    (asked, id)
}

/// How many welcome emails are queued or sent: one per subscription.
async fn welcomes(app: &TestApp) -> usize {
    outbox(app)
        .await
        .into_iter()
        .filter(|m| m.kind == "welcome")
        .count()
}

async fn approve_with(app: &TestApp, token: &str, id: &str, version: &Value) -> Response {
    app.client
        .post(app.url(&format!("/orders/{id}/approve")))
        .bearer_auth(token)
        .header("if-match", format!("\"{version}\""))
        .json(&json!({}))
        .send()
        .await
        .unwrap()
}

async fn order(app: &TestApp, token: &str, id: &str) -> Value {
    json_of(
        app.get(&format!("/orders/{id}"), Some(token)).await,
        StatusCode::OK,
    )
    .await
}

#[rstest]
#[tokio::test]
async fn a_dear_order_waits_for_another_admin_who_approves_it(
    #[values(Db::Sqlite, Db::Postgres)] db: Db,
) {
    let Some(app) = spawn_app(db).await else {
        return;
    };
    let company = with_numbers(&app, &POOL, &[]).await;
    let lars = colleague(&app, &company, "lars").await;

    let viewer = app.get("/company", Some(&company.viewer)).await;
    problem(viewer, StatusCode::FORBIDDEN, "forbidden").await;
    let profile = app.get("/company", Some(&company.admin)).await;
    assert_eq!(profile.headers()["etag"], "\"1\"");
    let profile = json_of(profile, StatusCode::OK).await;
    assert_eq!(
        profile["approval"],
        json!({"above_monthly_incl_vat_ore": null, "bulk": false, "expires_after_hours": 72})
    );
    let no_match = patch(
        &app,
        "/company",
        &company.admin,
        None,
        &json!({"approval": {"bulk": true}}),
    )
    .await;
    problem(
        no_match,
        StatusCode::PRECONDITION_REQUIRED,
        "precondition_required",
    )
    .await;
    let viewer = patch(
        &app,
        "/company",
        &company.viewer,
        Some("\"1\""),
        &json!({"approval": {"bulk": true}}),
    )
    .await;
    problem(viewer, StatusCode::FORBIDDEN, "forbidden").await;
    let too_long = patch(
        &app,
        "/company",
        &company.admin,
        Some("\"1\""),
        &json!({"approval": {"expires_after_hours": 169}}),
    )
    .await;
    let refused = problem(
        too_long,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(
        refused["errors"][0]["pointer"],
        "/approval/expires_after_hours"
    );

    // 50,000 øre a month: a cheaper order confirms at once, a dearer one waits.
    let cheap = draft(&app, &company.admin, &form("AB", None)).await;
    let threshold = 50_000;
    assert!(cheap["summary"]["monthly_incl_vat_ore"].as_i64().unwrap() < threshold);
    let profile = set_rule(
        &app,
        &company,
        json!({"above_monthly_incl_vat_ore": threshold}),
    )
    .await;
    assert_eq!(profile["version"], 2);
    assert_eq!(profile["approval"]["expires_after_hours"], 72);
    let stale = patch(
        &app,
        "/company",
        &company.admin,
        Some("\"1\""),
        &json!({"approval": {"bulk": true}}),
    )
    .await;
    problem(
        stale,
        StatusCode::PRECONDITION_FAILED,
        "precondition_failed",
    )
    .await;

    let cheap_id = cheap["id"].as_str().unwrap();
    let done = act(&app, &company.admin, cheap_id, "confirm", &json!({})).await;
    assert_eq!(
        done.status(),
        StatusCode::CREATED,
        "{}",
        done.text().await.unwrap()
    );

    let dear = draft(&app, &company.admin, &dear("CD")).await;
    let id = dear["id"].as_str().unwrap().to_owned();
    assert!(dear["summary"]["monthly_incl_vat_ore"].as_i64().unwrap() > threshold);
    let asked = act(&app, &company.admin, &id, "confirm", &json!({})).await;
    assert_eq!(
        asked.headers()["location"],
        format!("/orders/{id}").as_str()
    );
    let asked = json_of(asked, StatusCode::ACCEPTED).await;
    assert_eq!(asked["status"], "awaiting_approval");
    assert_eq!(asked["subscription_id"], Value::Null);
    assert_eq!(asked["approval"]["requested_by"], subject(&company.admin));
    assert_eq!(asked["approval"]["decision"], Value::Null);
    let expires = instant(&asked["expires_at"]);
    assert_eq!(
        expires - instant(&asked["approval"]["requested_at"]),
        Duration::hours(72)
    );
    assert_eq!(asked["number"]["reserved_until"], asked["expires_at"]);
    let number = asked["number"]["number"].as_str().unwrap().to_owned();
    assert!(!available(&app, &company.admin).await.contains(&number));

    let waiting = json_of(
        app.get("/orders?status=awaiting_approval", Some(&company.viewer))
            .await,
        StatusCode::OK,
    )
    .await;
    let ids: Vec<&str> = waiting["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [id.as_str()]);

    // Nobody edits it meanwhile, its maker does not approve it, nor does a viewer or an
    // API client.
    let edit = patch(
        &app,
        &format!("/orders/{id}"),
        &company.admin,
        Some(&format!("\"{}\"", asked["version"])),
        &json!({"data_sharing_cards": 2}),
    )
    .await;
    problem(edit, StatusCode::CONFLICT, "order_not_draft").await;
    let own = approve_with(&app, &company.admin, &id, &asked["version"]).await;
    problem(own, StatusCode::FORBIDDEN, "self_approval").await;
    let viewer = act(&app, &company.viewer, &id, "approve", &json!({})).await;
    problem(viewer, StatusCode::FORBIDDEN, "forbidden").await;
    let client = client_token(&app, &company).await;
    let by_client = act(&app, &client, &id, "approve", &json!({})).await;
    problem(
        by_client,
        StatusCode::FORBIDDEN,
        "api_client_cannot_approve",
    )
    .await;

    // Lars, the other admin, was asked by email; the maker was not.
    let asks: Vec<_> = outbox(&app)
        .await
        .into_iter()
        .filter(|m| m.kind == "approval_requested")
        .collect();
    assert_eq!(asks.len(), 1, "{asks:?}");
    assert!(asks[0].recipient.starts_with("lars@"), "{asks:?}");

    let stale = approve_with(&app, &lars, &id, &json!(1)).await;
    problem(
        stale,
        StatusCode::PRECONDITION_FAILED,
        "precondition_failed",
    )
    .await;
    let approved = approve_with(&app, &lars, &id, &asked["version"]).await;
    let approved = json_of(approved, StatusCode::CREATED).await;
    assert_eq!(approved["order"]["status"], "confirmed");
    assert_eq!(approved["order"]["approval"]["decision"], "approved");
    assert_eq!(approved["order"]["approval"]["decided_by"], subject(&lars));
    assert_eq!(approved["subscription"]["number"], number.as_str());
    assert_eq!(approved["subscription"]["status"], "active");
    let again = act(&app, &lars, &id, "approve", &json!({})).await;
    problem(again, StatusCode::CONFLICT, "order_not_awaiting_approval").await;

    let welcomes = welcomes(&app).await;
    assert_eq!(welcomes, 2, "the cheap order's and the approved one's");
    let events = json_of(
        app.get("/events?limit=200", Some(&company.admin)).await,
        StatusCode::OK,
    )
    .await;
    let of_order: Vec<&str> = events["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["data"]["id"] == id.as_str() || e["data"]["order_id"] == id.as_str())
        .map(|e| e["type"].as_str().unwrap())
        .collect();
    assert_eq!(
        of_order,
        [
            "order.approval_requested",
            "order.approved",
            "order.confirmed",
            "subscription.activated"
        ]
    );
    let audit = json_of(
        app.get("/audit-events?limit=200", Some(&company.admin))
            .await,
        StatusCode::OK,
    )
    .await;
    let actors: Vec<(String, String)> = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["object"]["id"] == id.as_str())
        .map(|e| {
            (
                e["action"].as_str().unwrap().to_owned(),
                e["actor"]["id"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert!(
        actors.contains(&(
            "order.approval_requested".to_owned(),
            subject(&company.admin)
        )),
        "{actors:?}"
    );
    assert!(
        actors.contains(&("order.approved".to_owned(), subject(&lars))),
        "{actors:?}"
    );
}

/// A token of an API client with the admin role.
async fn client_token(app: &TestApp, company: &Company) -> String {
    let operator = app.operator_token().await;
    let created = json_of(
        app.post_json(
            &format!("/operator/companies/{}/clients", company.id),
            Some(&operator),
            &json!({"name": "HR-system", "role": "admin"}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let response = app
        .client
        .post(app.url("/auth/token"))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", created["client_id"].as_str().unwrap()),
            ("client_secret", created["client_secret"].as_str().unwrap()),
        ])
        .send()
        .await
        .unwrap();
    json_of(response, StatusCode::OK).await["access_token"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[rstest]
#[tokio::test]
async fn a_rejected_order_is_a_draft_again_and_a_waiting_one_can_be_cancelled(
    #[values(Db::Sqlite, Db::Postgres)] db: Db,
) {
    let Some(app) = spawn_app(db).await else {
        return;
    };
    let company = with_numbers(&app, &POOL, &[]).await;
    let lars = colleague(&app, &company, "lars").await;
    set_rule(&app, &company, json!({"above_monthly_incl_vat_ore": 0})).await;

    let (asked, id) = waiting(&app, &company.admin, &dear("EF")).await;
    let blank = act(
        &app,
        &lars,
        &id,
        "reject-approval",
        &json!({"reason": "  "}),
    )
    .await;
    let blank = problem(blank, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert_eq!(blank["errors"][0]["pointer"], "/reason");
    let rejected = act(
        &app,
        &lars,
        &id,
        "reject-approval",
        &json!({"reason": "Vælg en mindre pakke"}),
    )
    .await;
    let rejected = json_of(rejected, StatusCode::OK).await;
    assert_eq!(rejected["status"], "draft");
    assert_eq!(rejected["approval"]["decision"], "rejected");
    assert_eq!(rejected["approval"]["reason"], "Vælg en mindre pakke");
    assert_eq!(rejected["number"]["number"], asked["number"]["number"]);
    assert_eq!(rejected["number"]["reserved_until"], rejected["expires_at"]);
    assert!(instant(&rejected["expires_at"]) < instant(&asked["expires_at"]));

    // Corrected and asked again: a fresh approval, unanswered.
    let edited = json_of(
        patch(
            &app,
            &format!("/orders/{id}"),
            &company.admin,
            Some(&format!("\"{}\"", rejected["version"])),
            &json!({"mobile_package": "DATA_10"}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let again = json_of(
        act(&app, &company.admin, &id, "confirm", &json!({})).await,
        StatusCode::ACCEPTED,
    )
    .await;
    assert_eq!(again["approval"]["decision"], Value::Null);
    assert!(again["version"].as_i64() > edited["version"].as_i64());

    // A waiting order cancelled lets its number go.
    let number = again["number"]["number"].as_str().unwrap().to_owned();
    let cancelled = app
        .client
        .delete(app.url(&format!("/orders/{id}")))
        .bearer_auth(&company.admin)
        .send()
        .await
        .unwrap();
    assert_eq!(
        json_of(cancelled, StatusCode::OK).await["status"],
        "cancelled"
    );
    assert!(available(&app, &company.admin).await.contains(&number));
    let late = act(&app, &lars, &id, "approve", &json!({})).await;
    problem(late, StatusCode::CONFLICT, "order_not_awaiting_approval").await;
}

#[rstest]
#[tokio::test]
async fn two_admins_approving_at_once_make_one_subscription(
    #[values(Db::Sqlite, Db::Postgres)] db: Db,
) {
    let Some(app) = spawn_app(db).await else {
        return;
    };
    let company = with_numbers(&app, &POOL, &[]).await;
    let lars = colleague(&app, &company, "lars").await;
    let mia = colleague(&app, &company, "mia").await;
    set_rule(&app, &company, json!({"above_monthly_incl_vat_ore": 0})).await;
    let (_, id) = waiting(&app, &company.admin, &dear("GH")).await;
    // Lars asks this process, Mia another one on the same database.
    let second = crate::helpers::second_process(&app).await;
    let by_mia = app
        .client
        .post(format!("{second}/orders/{id}/approve"))
        .bearer_auth(&mia)
        .json(&json!({}))
        .send();
    let empty = json!({});
    let (a, b) = tokio::join!(act(&app, &lars, &id, "approve", &empty), by_mia);
    let b = b.unwrap();
    let mut statuses = [a.status(), b.status()];
    statuses.sort();
    assert_eq!(statuses, [StatusCode::CREATED, StatusCode::CONFLICT]);
    let subscriptions = json_of(
        app.get("/subscriptions", Some(&company.admin)).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(subscriptions["items"].as_array().unwrap().len(), 1);
    let welcomes = welcomes(&app).await;
    assert_eq!(welcomes, 1);
    let asked = outbox(&app)
        .await
        .into_iter()
        .filter(|m| m.kind == "approval_requested")
        .count();
    assert_eq!(asked, 2, "Lars and Mia were both asked");
}

#[rstest]
#[tokio::test]
async fn an_unanswered_approval_lapses_on_the_company_clock_and_frees_the_number(
    #[values(Db::Sqlite, Db::Postgres)] db: Db,
) {
    let Some(app) = spawn_app(db).await else {
        return;
    };
    let operator = app.operator_token().await;
    let sandbox = app.sandbox(&operator, "10150817").await;
    let pooled = app
        .post_json(
            &format!("/operator/companies/{}/numbers", sandbox.id),
            Some(&operator),
            &json!({"numbers": POOL}),
        )
        .await;
    assert_eq!(pooled.status(), StatusCode::CREATED);
    let lars = colleague(&app, &sandbox, "lars").await;
    set_rule(
        &app,
        &sandbox,
        json!({"above_monthly_incl_vat_ore": 0, "expires_after_hours": 1}),
    )
    .await;
    let mut order_form = dear("IJ");
    order_form["employee"]["email"] = json!("ij@firma10150817.example");
    let (asked, id) = waiting(&app, &sandbox.admin, &order_form).await;
    let number = asked["number"]["number"].as_str().unwrap().to_owned();
    let expires = instant(&asked["expires_at"]);
    assert_eq!(
        expires,
        instant(&asked["approval"]["requested_at"]) + Duration::hours(1)
    );

    advance(&app, &sandbox, expires + Duration::minutes(1)).await;
    let lapsed = order(&app, &sandbox.admin, &id).await;
    assert_eq!(lapsed["status"], "approval_expired");
    assert_eq!(lapsed["number"]["reserved_until"], Value::Null);
    assert!(available(&app, &sandbox.admin).await.contains(&number));
    let listed = json_of(
        app.get("/orders?status=approval_expired", Some(&sandbox.admin))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(listed["items"].as_array().unwrap().len(), 1);
    let late = act(&app, &lars, &id, "approve", &json!({})).await;
    problem(late, StatusCode::CONFLICT, "approval_expired").await;
}

#[rstest]
#[tokio::test]
async fn an_approval_racing_a_cancel_gets_one_answer_per_outcome(
    #[values(Db::Sqlite, Db::Postgres)] db: Db,
) {
    let Some(app) = spawn_app(db).await else {
        return;
    };
    let company = with_numbers(&app, &POOL, &[]).await;
    let lars = colleague(&app, &company, "lars").await;
    set_rule(&app, &company, json!({"above_monthly_incl_vat_ore": 0})).await;
    for (round, initials) in ["KL", "MN", "OP"].into_iter().enumerate() {
        let (_, id) = waiting(&app, &company.admin, &dear(initials)).await;
        let cancel = app
            .client
            .delete(app.url(&format!("/orders/{id}")))
            .bearer_auth(&company.admin)
            .send();
        let empty = json!({});
        let (approved, cancelled) = tokio::join!(act(&app, &lars, &id, "approve", &empty), cancel);
        let cancelled = cancelled.unwrap();
        let outcome = (approved.status(), cancelled.status());
        let state = order(&app, &company.admin, &id).await;
        match outcome {
            (StatusCode::CREATED, StatusCode::CONFLICT) => {
                assert_eq!(state["status"], "confirmed", "round {round}");
                problem(cancelled, StatusCode::CONFLICT, "order_not_draft").await;
            }
            (StatusCode::CONFLICT, StatusCode::OK) => {
                assert_eq!(state["status"], "cancelled", "round {round}");
                assert_eq!(state["subscription_id"], Value::Null);
                problem(
                    approved,
                    StatusCode::CONFLICT,
                    "order_not_awaiting_approval",
                )
                .await;
            }
            other => panic!("round {round}: approve and cancel answered {other:?}"),
        }
    }
    // Whatever won, each confirmed order has one subscription and one welcome email.
    let subscriptions = json_of(
        app.get("/subscriptions", Some(&company.admin)).await,
        StatusCode::OK,
    )
    .await;
    let welcomes = welcomes(&app).await;
    assert_eq!(subscriptions["items"].as_array().unwrap().len(), welcomes);
}
