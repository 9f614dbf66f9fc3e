//! Scoped admins: a user limited to some cost centres sees and acts only on the orders,
//! subscriptions, ports, bulk jobs, events and audit entries of employees in them (others
//! are not found), orders only for them, and does not run the company's users, webhook
//! endpoints or approval rule.

use reqwest::StatusCode;
use rstest::rstest;
use serde_json::{Value, json};

use crate::helpers::{
    Company, Db, TestApp, confirmed, form, json_of, outbox, patch, problem, search_subscriptions,
    spawn_app, with_numbers,
};

const POOL: [&str; 6] = [
    "+4520710001",
    "+4520710002",
    "+4520710003",
    "+4520710004",
    "+4520710005",
    "+4520710006",
];

/// An order form for an employee in `cost_center`.
fn in_center(initials: &str, cost_center: &str) -> Value {
    let mut order = form(initials, None);
    order["employee"]["cost_center"] = json!(cost_center);
    order
}

/// A colleague created by the operator, limited by the company's admin to `centers`
/// (`None`: the whole company); their id and token.
async fn colleague(
    app: &TestApp,
    company: &Company,
    name: &str,
    role: &str,
    centers: Option<&[&str]>,
) -> (String, String) {
    let operator = app.operator_token().await;
    let domain = company.admin_email.split('@').nth(1).unwrap().to_owned();
    let email = format!("{name}@{domain}");
    let created = json_of(
        app.post_json(
            &format!("/operator/companies/{}/users", company.id),
            Some(&operator),
            &json!({"email": email, "role": role, "password": "colleague-password-123"}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let id = created["user"]["id"].as_str().unwrap().to_owned();
    if let Some(centers) = centers {
        let scoped = json_of(
            patch(
                app,
                &format!("/users/{id}"),
                &company.admin,
                Some("\"1\""),
                &json!({"cost_centers": centers}),
            )
            .await,
            StatusCode::OK,
        )
        .await;
        assert_eq!(scoped["cost_centers"], json!(centers));
    }
    (id, app.token(&email, "colleague-password-123").await)
}

fn ids(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| item["id"].as_str().unwrap().to_owned())
        .collect()
}

async fn page(app: &TestApp, token: &str, path: &str) -> Value {
    json_of(app.get(path, Some(token)).await, StatusCode::OK).await
}

#[rstest]
#[tokio::test]
async fn a_scoped_admin_sees_and_orders_only_for_their_cost_centres(
    #[values(Db::Sqlite, Db::Postgres)] db: Db,
) {
    let Some(app) = spawn_app(db).await else {
        return;
    };
    let company = with_numbers(&app, &POOL, &[]).await;
    let (_, lars) = colleague(&app, &company, "lars", "admin", Some(&["4100"])).await;

    let ours = confirmed(&app, &company.admin, &in_center("AB", "4100")).await;
    let theirs = confirmed(&app, &company.admin, &in_center("CD", "4200")).await;
    let none = {
        let mut order = form("EF", None);
        order["employee"]
            .as_object_mut()
            .unwrap()
            .remove("cost_center");
        confirmed(&app, &company.admin, &order).await
    };
    let mut port_in = in_center("PQ", "4200");
    port_in["number"] = json!({"type": "port_in", "number": "+4526000001",
        "owner_email": "pq@privat.example", "owner_name": "Jens Berg"});
    let ported = confirmed(&app, &company.admin, &port_in).await;
    let port_id = ported["number_port"]["id"].as_str().unwrap().to_owned();
    let sub = |c: &Value| c["subscription"]["id"].as_str().unwrap().to_owned();
    let order = |c: &Value| c["order"]["id"].as_str().unwrap().to_owned();

    // Lists, search and single reads.
    let subscriptions = page(&app, &lars, "/subscriptions").await;
    assert_eq!(ids(&subscriptions), [sub(&ours)]);
    let everyone = page(&app, &company.admin, "/subscriptions").await;
    assert_eq!(ids(&everyone).len(), 4);
    let ports = ids(&page(&app, &company.admin, "/number-ports").await);
    assert_eq!(ports, std::slice::from_ref(&port_id));
    assert!(ids(&page(&app, &lars, "/number-ports").await).is_empty());
    let found = search_subscriptions(&app, &lars, "CD").await;
    assert_eq!(ids(&found), Vec::<String>::new());
    let orders = page(&app, &lars, "/orders").await;
    assert_eq!(ids(&orders), [order(&ours)]);
    for path in [
        format!("/subscriptions/{}", sub(&theirs)),
        format!("/subscriptions/{}", sub(&none)),
        format!("/orders/{}", order(&theirs)),
        format!("/number-ports/{port_id}"),
    ] {
        problem(
            app.get(&path, Some(&lars)).await,
            StatusCode::NOT_FOUND,
            "not_found",
        )
        .await;
    }
    let own = app
        .get(&format!("/subscriptions/{}", sub(&ours)), Some(&lars))
        .await;
    assert_eq!(own.status(), StatusCode::OK);

    // Changes: another cost centre's subscription is not found; moving one's own out of
    // the scope is refused at its field.
    let terminate = app
        .post_json(
            &format!("/subscriptions/{}/terminate", sub(&theirs)),
            Some(&lars),
            &json!({"effective_date": "2099-01-01"}),
        )
        .await;
    problem(terminate, StatusCode::NOT_FOUND, "not_found").await;
    let away = patch(
        &app,
        &format!("/subscriptions/{}", sub(&ours)),
        &lars,
        Some("\"1\""),
        &json!({"employee": {"cost_center": "4200"}}),
    )
    .await;
    let away = problem(away, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert_eq!(away["errors"][0]["pointer"], "/employee/cost_center");
    assert_eq!(away["errors"][0]["code"], "cost_center_out_of_scope");

    // Drafting for another cost centre, or for none.
    for order in [in_center("GH", "4200"), {
        let mut o = form("GH", None);
        o["employee"]["cost_center"] = Value::Null;
        o
    }] {
        let refused = app.post_json("/orders", Some(&lars), &order).await;
        let refused = problem(
            refused,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
        assert_eq!(refused["errors"][0]["pointer"], "/employee/cost_center");
        assert_eq!(refused["errors"][0]["code"], "cost_center_out_of_scope");
    }
    let drafted = app
        .post_json("/orders", Some(&lars), &in_center("GH", "4100"))
        .await;
    assert_eq!(drafted.status(), StatusCode::CREATED);

    // Events and the audit log: only what the scope sees.
    let events = page(&app, &lars, "/events?limit=200").await;
    let seen: Vec<&str> = events["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["data"]["id"].as_str().unwrap())
        .collect();
    assert!(!seen.is_empty());
    assert!(
        seen.iter()
            .all(|id| *id == order(&ours) || *id == sub(&ours)),
        "{seen:?}"
    );
    let all_events = page(&app, &company.admin, "/events?limit=200").await;
    assert!(all_events["items"].as_array().unwrap().len() > seen.len());
    let audit = page(&app, &lars, "/audit-events?limit=200").await;
    let objects: Vec<&str> = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["object"]["id"].as_str().unwrap())
        .collect();
    assert!(objects.contains(&order(&ours).as_str()), "{objects:?}");
    assert!(!objects.contains(&order(&theirs).as_str()), "{objects:?}");
    assert!(
        !audit["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["object"]["type"] == "user"),
        "the company's users are the whole company's"
    );

    // The whole company's admin moves the ported employee to 4100: the subscription and
    // its port move into Lars's scope together.
    let ported_sub = sub(&ported);
    let read = app
        .get(
            &format!("/subscriptions/{ported_sub}"),
            Some(&company.admin),
        )
        .await;
    let etag = read.headers()["etag"].to_str().unwrap().to_owned();
    let moved = patch(
        &app,
        &format!("/subscriptions/{ported_sub}"),
        &company.admin,
        Some(&etag),
        &json!({"employee": {"cost_center": "4100"}}),
    )
    .await;
    assert_eq!(moved.status(), StatusCode::OK);
    let visible = ids(&page(&app, &lars, "/number-ports").await);
    assert_eq!(visible, std::slice::from_ref(&port_id));
    let own = app
        .get(&format!("/subscriptions/{ported_sub}"), Some(&lars))
        .await;
    assert_eq!(own.status(), StatusCode::OK);
}

#[rstest]
#[tokio::test]
async fn users_webhooks_and_the_rule_are_for_admins_of_the_whole_company(
    #[values(Db::Sqlite, Db::Postgres)] db: Db,
) {
    let Some(app) = spawn_app(db).await else {
        return;
    };
    let company = with_numbers(&app, &POOL, &[]).await;
    let (_, lars) = colleague(&app, &company, "lars", "admin", Some(&["4100"])).await;
    for path in ["/users", "/webhook-endpoints"] {
        problem(
            app.get(path, Some(&lars)).await,
            StatusCode::FORBIDDEN,
            "forbidden",
        )
        .await;
    }
    let rule = patch(
        &app,
        "/company",
        &lars,
        Some("\"1\""),
        &json!({"approval": {"bulk": true}}),
    )
    .await;
    problem(rule, StatusCode::FORBIDDEN, "forbidden").await;
    problem(
        app.get("/company", Some(&lars)).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
}

#[rstest]
#[tokio::test]
async fn a_changed_scope_ends_the_tokens_and_the_last_whole_admin_stays(
    #[values(Db::Sqlite, Db::Postgres)] db: Db,
) {
    let Some(app) = spawn_app(db).await else {
        return;
    };
    let company = with_numbers(&app, &POOL, &[]).await;
    let (mia_id, mia) = colleague(&app, &company, "mia", "admin", None).await;
    assert_eq!(
        app.get("/subscriptions", Some(&mia)).await.status(),
        StatusCode::OK
    );
    let scoped = json_of(
        patch(
            &app,
            &format!("/users/{mia_id}"),
            &company.admin,
            Some("\"1\""),
            &json!({"cost_centers": ["4100", "4300"]}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(scoped["cost_centers"], json!(["4100", "4300"]));
    // Her earlier token carried the whole company: it is refused (the revocation list is
    // read again within REVOCATION_REFRESH_MS).
    let mut refused = false;
    for _ in 0..100 {
        if app.get("/subscriptions", Some(&mia)).await.status() == StatusCode::UNAUTHORIZED {
            refused = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(refused, "a token of the old scope still works");

    // A bad list names its entries; an empty one is refused.
    let bad = patch(
        &app,
        &format!("/users/{mia_id}"),
        &company.admin,
        Some("\"2\""),
        &json!({"cost_centers": ["4100", " "]}),
    )
    .await;
    let bad = problem(bad, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert_eq!(bad["errors"][0]["pointer"], "/cost_centers/1");
    let empty = patch(
        &app,
        &format!("/users/{mia_id}"),
        &company.admin,
        Some("\"2\""),
        &json!({"cost_centers": []}),
    )
    .await;
    problem(empty, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;

    // The company's only admin of the whole company may not limit themself.
    let users = page(&app, &company.admin, "/users").await;
    let me = users["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["email"] == company.admin_email.as_str())
        .unwrap()
        .clone();
    let last = patch(
        &app,
        &format!("/users/{}", me["id"].as_str().unwrap()),
        &company.admin,
        Some(&format!("\"{}\"", me["version"])),
        &json!({"cost_centers": ["4100"]}),
    )
    .await;
    problem(last, StatusCode::CONFLICT, "last_admin").await;
    // Back to the whole company, Mia is one more such admin: now it may.
    json_of(
        patch(
            &app,
            &format!("/users/{mia_id}"),
            &company.admin,
            Some("\"2\""),
            &json!({"cost_centers": null}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let now_may = patch(
        &app,
        &format!("/users/{}", me["id"].as_str().unwrap()),
        &company.admin,
        Some(&format!("\"{}\"", me["version"])),
        &json!({"cost_centers": ["4100"]}),
    )
    .await;
    assert_eq!(now_may.status(), StatusCode::OK);
}

#[rstest]
#[tokio::test]
async fn only_admins_whose_scope_covers_an_order_are_asked_and_may_approve(
    #[values(Db::Sqlite, Db::Postgres)] db: Db,
) {
    let Some(app) = spawn_app(db).await else {
        return;
    };
    let company = with_numbers(&app, &POOL, &[]).await;
    let (_, north) = colleague(&app, &company, "north", "admin", Some(&["4100"])).await;
    let (_, south) = colleague(&app, &company, "south", "admin", Some(&["4200"])).await;
    crate::approvals::set_rule(&app, &company, json!({"above_monthly_incl_vat_ore": 0})).await;
    let draft = json_of(
        app.post_json("/orders", Some(&company.admin), &in_center("IJ", "4100"))
            .await,
        StatusCode::CREATED,
    )
    .await;
    let id = draft["id"].as_str().unwrap();
    let asked = app
        .post_json(
            &format!("/orders/{id}/confirm"),
            Some(&company.admin),
            &json!({}),
        )
        .await;
    assert_eq!(asked.status(), StatusCode::ACCEPTED);
    let asked_whom: Vec<String> = outbox(&app)
        .await
        .into_iter()
        .filter(|m| m.kind == "approval_requested")
        .map(|m| m.recipient)
        .collect();
    assert_eq!(asked_whom.len(), 1, "{asked_whom:?}");
    assert!(asked_whom[0].starts_with("north@"), "{asked_whom:?}");
    let by_south = app
        .post_json(&format!("/orders/{id}/approve"), Some(&south), &json!({}))
        .await;
    problem(by_south, StatusCode::NOT_FOUND, "not_found").await;
    let by_north = app
        .post_json(&format!("/orders/{id}/approve"), Some(&north), &json!({}))
        .await;
    assert_eq!(by_north.status(), StatusCode::CREATED);
}

#[rstest]
#[tokio::test]
async fn a_scoped_admins_bulk_rows_stay_in_scope_and_a_mixed_job_is_not_theirs(
    #[values(Db::Sqlite, Db::Postgres)] db: Db,
) {
    let Some(app) = spawn_app(db).await else {
        return;
    };
    let company = with_numbers(&app, &POOL, &[]).await;
    let (_, lars) = colleague(&app, &company, "lars", "admin", Some(&["4100"])).await;
    let rows = json!({"rows": [in_center("KL", "4100"), in_center("MN", "4200")]});
    let dry = json_of(
        app.post_json("/bulk-orders?dry_run=true", Some(&lars), &rows)
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(dry["valid"], 1, "{dry}");
    assert_eq!(dry["problems"][0]["row"], 2);
    assert_eq!(dry["problems"][0]["code"], "cost_center_out_of_scope");

    // The whole company's admin uploads the same rows: a job Lars does not see.
    let started = app
        .client
        .post(app.url("/bulk-orders"))
        .bearer_auth(&company.admin)
        .header("idempotency-key", "mixed-job")
        .json(&rows)
        .send()
        .await
        .unwrap();
    let job = json_of(started, StatusCode::ACCEPTED).await;
    let id = job["id"].as_str().unwrap();
    problem(
        app.get(&format!("/bulk-orders/{id}"), Some(&lars)).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    assert_eq!(ids(&page(&app, &lars, "/bulk-orders").await).len(), 0);
    assert_eq!(ids(&page(&app, &company.admin, "/bulk-orders").await), [id]);
}
