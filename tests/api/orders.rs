use reqwest::StatusCode;
use rstest::rstest;
use serde_json::{Value, json};

use crate::document::leaves;
use crate::helpers::{
    Db, available, confirmed, form, json_of, outbox, patch, pointers, problem, spawn_app,
    spawn_app_with, with_numbers,
};

#[rstest]
#[tokio::test]
async fn an_admin_drafts_reviews_and_confirms_a_new_employee_with_a_company_number(
    #[values(Db::Sqlite, Db::Postgres)] db: Db,
) {
    let Some(app) = spawn_app(db).await else {
        return;
    };
    let company = with_numbers(&app, &["20710001", "20710002"], &[]).await;

    // The review page: priced, with the number held until the draft expires.
    let response = app
        .post_json(
            "/orders",
            Some(&company.admin),
            &form("mh", Some("20 71 00 01")),
        )
        .await;
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    let etag = response.headers()["etag"].to_str().unwrap().to_owned();
    let draft = json_of(response, StatusCode::CREATED).await;
    assert_eq!(draft["status"], "draft");
    assert_eq!(
        location,
        format!("/orders/{}", draft["id"].as_str().unwrap())
    );
    assert_eq!(etag, "\"1\"");
    assert_eq!(draft["employee"]["initials"], "MH");
    assert_eq!(draft["number"]["number"], "+4520710001");
    assert_eq!(draft["number"]["reserved_until"], draft["expires_at"]);
    let summary = &draft["summary"];
    // Erhverv M 149 kr + 50 GB 99 kr + one card (none free on M) 29 kr; setup 99 kr.
    assert_eq!(summary["monthly_ex_vat_ore"], 14900 + 9900 + 2900);
    assert_eq!(summary["monthly_vat_ore"], (14900 + 9900 + 2900) / 4);
    assert_eq!(
        summary["monthly_incl_vat_ore"],
        (14900 + 9900 + 2900) * 5 / 4
    );
    assert_eq!(summary["one_time_ex_vat_ore"], 9900);
    assert_eq!(summary["one_time_incl_vat_ore"], 12375);
    assert_eq!(draft["notices"], json!([]));
    assert!(
        !available(&app, &company.admin)
            .await
            .contains(&"+4520710001".to_owned())
    );

    let fetched = json_of(
        app.get(&location, Some(&company.viewer)).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(fetched, draft);

    // Godkend og opret.
    let response = app
        .client
        .post(app.url(&format!("{location}/confirm")))
        .bearer_auth(&company.admin)
        .header("if-match", &etag)
        .send()
        .await
        .unwrap();
    let confirmed = json_of(response, StatusCode::CREATED).await;
    assert_eq!(confirmed["order"]["status"], "confirmed");
    assert_eq!(confirmed["number_port"], Value::Null);
    let subscription = &confirmed["subscription"];
    assert_eq!(subscription["status"], "active");
    assert_eq!(subscription["number"], "+4520710001");
    assert_eq!(subscription["uc_account"], "mh@firma31258715.example");
    let iccid = subscription["sim"]["iccid"].as_str().unwrap();
    assert!(
        iccid.starts_with("8945") && domain::sim::Iccid::parse(iccid).is_ok(),
        "{iccid}"
    );
    assert_eq!(confirmed["order"]["subscription_id"], subscription["id"]);

    let listed = json_of(
        app.get("/subscriptions?q=mette", Some(&company.viewer))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(listed["items"][0]["id"], subscription["id"]);
    let listed = json_of(
        app.get("/subscriptions?q=nobody", Some(&company.viewer))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(listed["items"], json!([]));
    assert!(
        !available(&app, &company.admin)
            .await
            .contains(&"+4520710001".to_owned())
    );

    let messages = outbox(&app).await;
    assert_eq!(messages.len(), 1);
    assert_eq!(messages[0].kind, "welcome");
    assert_eq!(messages[0].recipient, "mette@firma31258715.example");
    assert!(
        messages[0].body.contains("+4520710001")
            && messages[0].body.contains("mh@firma31258715.example")
    );

    // The worker delivers the welcome email to the mailbox folder.
    let mailbox = app.config.mailbox_dir.clone();
    let mut found = None;
    for _ in 0..100 {
        let files: Vec<_> = std::fs::read_dir(&mailbox)
            .map(|d| d.flatten().map(|e| e.path()).collect())
            .unwrap_or_default();
        if let Some(file) = files
            .iter()
            .find(|p| p.extension().is_some_and(|e| e == "eml"))
        {
            // Quoted-printable: undo the soft line breaks.
            found = Some(
                std::fs::read_to_string(file)
                    .unwrap()
                    .replace("=\r\n", "")
                    .replace("=\n", ""),
            );
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let eml = found.expect("a welcome email in the mailbox folder");
    assert!(eml.contains("To: mette@firma31258715.example"), "{eml}");
    assert!(
        eml.contains("+4520710001") && eml.contains("mh@firma31258715.example"),
        "{eml}"
    );
    let operator = app.operator_token().await;
    let sent = json_of(
        app.get("/operator/outbox?status=sent", Some(&operator))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(sent["items"][0]["kind"], "welcome");
    problem(
        app.get("/operator/outbox", Some(&company.admin)).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;

    // A confirmed order is final.
    problem(
        app.post_json(
            &format!("{location}/confirm"),
            Some(&company.admin),
            &json!({}),
        )
        .await,
        StatusCode::CONFLICT,
        "order_not_draft",
    )
    .await;
    problem(
        app.client
            .delete(app.url(&location))
            .bearer_auth(&company.admin)
            .send()
            .await
            .unwrap(),
        StatusCode::CONFLICT,
        "order_not_draft",
    )
    .await;
}

#[rstest]
#[tokio::test]
async fn without_a_number_the_first_free_is_picked_the_companys_before_the_operators(
    #[values(Db::Sqlite, Db::Postgres)] db: Db,
) {
    let Some(app) = spawn_app(db).await else {
        return;
    };
    let company = with_numbers(&app, &["20710001"], &["93100001"]).await;
    let first = json_of(
        app.post_json("/orders", Some(&company.admin), &form("AA", None))
            .await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(first["number"]["number"], "+4520710001");
    let second = json_of(
        app.post_json("/orders", Some(&company.admin), &form("BB", None))
            .await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(second["number"]["number"], "+4593100001");
    problem(
        app.post_json("/orders", Some(&company.admin), &form("CC", None))
            .await,
        StatusCode::CONFLICT,
        "no_numbers_available",
    )
    .await;

    // Cancelling gives the number and the initials back.
    let path = format!("/orders/{}", first["id"].as_str().unwrap());
    let cancelled = json_of(
        app.client
            .delete(app.url(&path))
            .bearer_auth(&company.admin)
            .send()
            .await
            .unwrap(),
        StatusCode::OK,
    )
    .await;
    assert_eq!(cancelled["status"], "cancelled");
    assert_eq!(available(&app, &company.admin).await, vec!["+4520710001"]);
    let again = json_of(
        app.post_json("/orders", Some(&company.admin), &form("AA", None))
            .await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(again["number"]["number"], "+4520710001");

    let drafts = json_of(
        app.get("/orders?status=draft", Some(&company.viewer)).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(drafts["items"].as_array().unwrap().len(), 2);
    let cancelled = json_of(
        app.get("/orders?status=cancelled", Some(&company.viewer))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(cancelled["items"].as_array().unwrap().len(), 1);
}

#[rstest]
#[tokio::test]
async fn every_wrong_field_is_named_at_once(#[values(Db::Sqlite, Db::Postgres)] db: Db) {
    let Some(app) = spawn_app(db).await else {
        return;
    };
    let company = with_numbers(&app, &["20710001"], &[]).await;
    let bad = json!({
        "plan": "GULD", "mobile_package": "DATA_1000", "data_sharing_cards": 6,
        "employee": {"name": " ", "initials": "M1", "title": "", "email": "mette@", "cost_center": "x".repeat(200)},
        "number": {"type": "new", "number": "123"}
    });
    let p = problem(
        app.post_json("/orders", Some(&company.admin), &bad).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(
        pointers(&p),
        vec![
            "/data_sharing_cards",
            "/employee/cost_center",
            "/employee/email",
            "/employee/initials",
            "/employee/name",
            "/employee/title",
            "/mobile_package",
            "/number/number",
            "/plan"
        ]
    );

    let port_in = json!({
        "plan": "ERHVERV_S", "mobile_package": "DATA_10",
        "employee": {"name": "Mette Hansen", "initials": "MH", "title": "Projektleder", "email": "mette@firma31258715.example"},
        "number": {"type": "port_in", "number": "33123456", "owner_email": "nope", "owner_name": "", "requested_date": "2020-01-01"}
    });
    let p = problem(
        app.post_json("/orders", Some(&company.admin), &port_in)
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(
        pointers(&p),
        vec![
            "/number/number",
            "/number/owner_email",
            "/number/owner_name",
            "/number/requested_date"
        ]
    );

    let unknown = json!({"plan": "ERHVERV_S", "mobile_package": "DATA_10", "colour": "red",
        "employee": {"name": "A", "initials": "AB", "title": "T", "email": "a@b.example"}});
    let p = problem(
        app.post_json("/orders", Some(&company.admin), &unknown)
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(pointers(&p), vec!["/colour"]);

    // Initials are unique among the company's drafts and subscriptions.
    json_of(
        app.post_json("/orders", Some(&company.admin), &form("MH", None))
            .await,
        StatusCode::CREATED,
    )
    .await;
    let p = problem(
        app.post_json("/orders", Some(&company.admin), &form("mh", None))
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(p["errors"][0]["code"], "initials_taken");
    // Nothing was half-written: still one order.
    let all = json_of(
        app.get("/orders", Some(&company.admin)).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(all["items"].as_array().unwrap().len(), 1);
}

#[rstest]
#[tokio::test]
async fn a_port_in_draft_carries_the_binding_notice(#[values(Db::Sqlite, Db::Postgres)] db: Db) {
    let Some(app) = spawn_app(db).await else {
        return;
    };
    let company = with_numbers(&app, &[], &[]).await;
    let body = json!({
        "plan": "ERHVERV_L", "mobile_package": "DATA_10", "data_sharing_cards": 2,
        "employee": {"name": "Jens Berg", "initials": "JB", "title": "Sælger", "email": "jens@firma31258715.example"},
        "number": {"type": "port_in", "number": "0045 21 23 45 67", "owner_email": "jens@privat.example", "owner_name": "Jens Berg"}
    });
    let draft = json_of(
        app.post_json("/orders", Some(&company.admin), &body).await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(draft["number"]["type"], "port_in");
    assert_eq!(draft["number"]["number"], "+4521234567");
    assert_eq!(draft["notices"][0]["code"], "binding_period_may_apply");
    // Erhverv L includes one card free; the second is charged.
    assert_eq!(draft["summary"]["monthly_ex_vat_ore"], 19900 + 4900 + 2900);
}

#[rstest]
#[tokio::test]
async fn roles_tenants_and_etags_are_enforced(#[values(Db::Sqlite, Db::Postgres)] db: Db) {
    let Some(app) = spawn_app(db).await else {
        return;
    };
    let company = with_numbers(&app, &["20710001"], &[]).await;
    let operator = app.operator_token().await;
    let other = app.company_with_cvr(&operator, "10150817").await;

    problem(
        app.post_json("/orders", Some(&company.viewer), &form("MH", None))
            .await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    problem(
        app.post_json("/orders", Some(&operator), &form("MH", None))
            .await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    let draft = json_of(
        app.post_json("/orders", Some(&company.admin), &form("MH", None))
            .await,
        StatusCode::CREATED,
    )
    .await;
    let path = format!("/orders/{}", draft["id"].as_str().unwrap());

    problem(
        app.get(&path, Some(&other.admin)).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    problem(
        app.post_json(&format!("{path}/confirm"), Some(&other.admin), &json!({}))
            .await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    problem(
        app.client
            .delete(app.url(&path))
            .bearer_auth(&other.admin)
            .send()
            .await
            .unwrap(),
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    problem(
        app.post_json(
            &format!("{path}/confirm"),
            Some(&company.viewer),
            &json!({}),
        )
        .await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;

    let stale = app
        .client
        .post(app.url(&format!("{path}/confirm")))
        .bearer_auth(&company.admin)
        .header("if-match", "\"7\"")
        .send()
        .await
        .unwrap();
    problem(
        stale,
        StatusCode::PRECONDITION_FAILED,
        "precondition_failed",
    )
    .await;
    let listed = json_of(
        app.get("/orders", Some(&other.viewer)).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(listed["items"], json!([]));
    let subs = json_of(
        app.get("/subscriptions", Some(&other.viewer)).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(subs["items"], json!([]));
}

#[rstest]
#[tokio::test]
async fn an_expired_draft_lets_its_number_go(#[values(Db::Sqlite, Db::Postgres)] db: Db) {
    // Drafts lapse the moment they are made: expiry is a fact of the data, not a timer.
    let Some(app) = spawn_app_with(db, |c| c.draft_ttl_minutes = 0).await else {
        return;
    };
    let company = with_numbers(&app, &["20710001"], &[]).await;
    let draft = json_of(
        app.post_json(
            "/orders",
            Some(&company.admin),
            &form("MH", Some("20710001")),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let path = format!("/orders/{}", draft["id"].as_str().unwrap());
    assert_eq!(
        json_of(app.get(&path, Some(&company.admin)).await, StatusCode::OK).await["status"],
        "expired"
    );
    assert_eq!(available(&app, &company.admin).await, vec!["+4520710001"]);

    // Another draft takes the number and the initials; the lapsed one cannot be confirmed.
    json_of(
        app.post_json(
            "/orders",
            Some(&company.admin),
            &form("MH", Some("20710001")),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    problem(
        app.post_json(&format!("{path}/confirm"), Some(&company.admin), &json!({}))
            .await,
        StatusCode::CONFLICT,
        "order_expired",
    )
    .await;
    assert!(outbox(&app).await.is_empty());
}

#[rstest]
#[tokio::test]
async fn of_fifty_drafts_racing_for_one_number_exactly_one_wins(
    #[values(Db::Sqlite, Db::Postgres)] db: Db,
) {
    let Some(app) = spawn_app(db).await else {
        return;
    };
    let company = with_numbers(&app, &["20710001"], &[]).await;
    let initials = ["AB", "AC", "AD", "AE", "AF", "AG", "AH", "AI", "AJ", "AK"];
    let requests = (0..50).map(|i| {
        let body = form(
            &format!("{}{}", initials[i % 10], ["A", "B", "C", "D", "E"][i / 10]),
            Some("+4520710001"),
        );
        let request = app
            .client
            .post(app.url("/orders"))
            .bearer_auth(&company.admin)
            .json(&body);
        async move { request.send().await.unwrap() }
    });
    let responses = futures_util::future::join_all(requests).await;
    let mut created = 0;
    for response in responses {
        match response.status() {
            StatusCode::CREATED => created += 1,
            _ => {
                problem(response, StatusCode::CONFLICT, "number_unavailable").await;
            }
        }
    }
    assert_eq!(created, 1);
}

#[rstest]
#[tokio::test]
async fn twenty_parallel_confirms_make_one_subscription_and_one_email(
    #[values(Db::Sqlite, Db::Postgres)] db: Db,
) {
    let Some(app) = spawn_app(db).await else {
        return;
    };
    let company = with_numbers(&app, &["20710001"], &[]).await;
    let draft = json_of(
        app.post_json("/orders", Some(&company.admin), &form("MH", None))
            .await,
        StatusCode::CREATED,
    )
    .await;
    let path = format!("/orders/{}/confirm", draft["id"].as_str().unwrap());
    let requests = (0..20).map(|_| {
        let request = app.client.post(app.url(&path)).bearer_auth(&company.admin);
        async move { request.send().await.unwrap() }
    });
    let responses = futures_util::future::join_all(requests).await;
    let mut created = 0;
    for response in responses {
        match response.status() {
            StatusCode::CREATED => created += 1,
            _ => {
                problem(response, StatusCode::CONFLICT, "order_not_draft").await;
            }
        }
    }
    assert_eq!(created, 1);
    let subs = json_of(
        app.get("/subscriptions", Some(&company.admin)).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(subs["items"].as_array().unwrap().len(), 1);
    assert_eq!(outbox(&app).await.len(), 1);
}

#[rstest]
#[tokio::test]
async fn a_draft_is_edited_after_review_with_if_match(#[values(Db::Sqlite, Db::Postgres)] db: Db) {
    let Some(app) = spawn_app(db).await else {
        return;
    };
    let company = with_numbers(&app, &["20710001", "20710002"], &[]).await;
    let draft = json_of(
        app.post_json(
            "/orders",
            Some(&company.admin),
            &form("MH", Some("20710001")),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let path = format!("/orders/{}", draft["id"].as_str().unwrap());
    let change = json!({"mobile_package": "DATA_100", "data_sharing_cards": 0, "employee": {"title": "Afdelingsleder", "cost_center": null}, "number": {"number": "20710002"}});

    problem(
        patch(&app, &path, &company.admin, None, &change).await,
        StatusCode::PRECONDITION_REQUIRED,
        "precondition_required",
    )
    .await;
    problem(
        patch(&app, &path, &company.admin, Some("\"9\""), &change).await,
        StatusCode::PRECONDITION_FAILED,
        "precondition_failed",
    )
    .await;
    let p = problem(
        patch(
            &app,
            &path,
            &company.admin,
            Some("\"1\""),
            &json!({"colour": "red", "employee": {"initials": "1"}}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(pointers(&p), vec!["/colour"]);
    let p = problem(
        patch(
            &app,
            &path,
            &company.admin,
            Some("\"1\""),
            &json!({"plan": null, "employee": {"initials": "1"}}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(pointers(&p), vec!["/plan"]);

    let response = patch(&app, &path, &company.admin, Some("\"1\""), &change).await;
    assert_eq!(response.headers()["etag"], "\"2\"");
    let edited = json_of(response, StatusCode::OK).await;
    assert_eq!(edited["version"], 2);
    assert_eq!(edited["mobile_package"]["code"], "DATA_100");
    assert_eq!(edited["employee"]["title"], "Afdelingsleder");
    assert_eq!(edited["employee"]["cost_center"], Value::Null);
    assert_eq!(edited["employee"]["name"], "Mette Hansen");
    assert_eq!(edited["number"]["number"], "+4520710002");
    assert_eq!(edited["summary"]["monthly_ex_vat_ore"], 14900 + 14900);
    // The reservation moved: the first number is free again, the second is held.
    assert_eq!(available(&app, &company.admin).await, vec!["+4520710001"]);

    // The old version can no longer be confirmed; the reviewed one can.
    let stale = app
        .client
        .post(app.url(&format!("{path}/confirm")))
        .bearer_auth(&company.admin)
        .header("if-match", "\"1\"")
        .send()
        .await
        .unwrap();
    problem(
        stale,
        StatusCode::PRECONDITION_FAILED,
        "precondition_failed",
    )
    .await;
    let ok = app
        .client
        .post(app.url(&format!("{path}/confirm")))
        .bearer_auth(&company.admin)
        .header("if-match", "\"2\"")
        .send()
        .await
        .unwrap();
    let confirmed = json_of(ok, StatusCode::CREATED).await;
    assert_eq!(confirmed["subscription"]["number"], "+4520710002");
    assert_eq!(
        confirmed["subscription"]["mobile_package"]["code"],
        "DATA_100"
    );

    problem(
        patch(&app, &path, &company.admin, Some("\"3\""), &change).await,
        StatusCode::CONFLICT,
        "order_not_draft",
    )
    .await;
    problem(
        patch(&app, &path, &company.viewer, Some("\"3\""), &change).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
}

#[rstest]
#[tokio::test]
async fn if_match_takes_a_star_or_a_list_and_a_number_of_another_type_replaces_the_old(
    #[values(Db::Sqlite, Db::Postgres)] db: Db,
) {
    let Some(app) = spawn_app(db).await else {
        return;
    };
    let company = with_numbers(&app, &["20710001"], &[]).await;
    let draft = json_of(
        app.post_json(
            "/orders",
            Some(&company.admin),
            &form("MH", Some("20710001")),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let path = format!("/orders/{}", draft["id"].as_str().unwrap());
    let edit = |if_match: &'static str, body: Value| {
        let (app, path, token) = (&app, path.clone(), company.admin.clone());
        async move { patch(app, &path, &token, Some(if_match), &body).await }
    };
    let star = json_of(
        edit("*", json!({"data_sharing_cards": 2})).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(star["version"], 2);
    let listed = json_of(
        edit("\"1\", \"2\"", json!({"data_sharing_cards": 3})).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(listed["version"], 3);
    problem(
        edit("\"9\", \"x\"", json!({"data_sharing_cards": 4})).await,
        StatusCode::PRECONDITION_FAILED,
        "precondition_failed",
    )
    .await;

    // From a new number to a port-in: the port-in's fields alone, the number let go.
    let ported = json_of(
        edit(
            "\"3\"",
            json!({"number": {"type": "port_in", "number": "21234567", "owner_email": "mette@privat.example", "owner_name": "Mette Hansen"}}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(ported["number"]["type"], "port_in");
    assert_eq!(ported["number"]["number"], "+4521234567");
    assert_eq!(available(&app, &company.admin).await, ["+4520710001"]);
    // And back: no port fields linger, the first free number is taken.
    let back = json_of(
        edit("\"4\"", json!({"number": {"type": "new"}})).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(back["number"]["type"], "new");
    assert_eq!(back["number"]["number"], "+4520710001");
    assert!(available(&app, &company.admin).await.is_empty());
}

#[rstest]
#[tokio::test]
async fn a_cancel_racing_a_confirm_answers_as_if_it_had_arrived_second(
    #[values(Db::Sqlite, Db::Postgres)] db: Db,
) {
    let Some(app) = spawn_app(db).await else {
        return;
    };
    let numbers: Vec<String> = (1..=8).map(|i| format!("207100{i:02}")).collect();
    let numbers: Vec<&str> = numbers.iter().map(String::as_str).collect();
    let company = with_numbers(&app, &numbers, &[]).await;
    let initials = ["AA", "BB", "CC", "DD", "EE", "FF", "GG", "HH"];
    let mut races = Vec::new();
    for (number, initials) in numbers.iter().zip(initials) {
        let draft = json_of(
            app.post_json(
                "/orders",
                Some(&company.admin),
                &form(initials, Some(number)),
            )
            .await,
            StatusCode::CREATED,
        )
        .await;
        let path = format!("/orders/{}", draft["id"].as_str().unwrap());
        let confirm = app
            .client
            .post(app.url(&format!("{path}/confirm")))
            .bearer_auth(&company.admin)
            .send();
        let cancel = app
            .client
            .delete(app.url(&path))
            .bearer_auth(&company.admin)
            .send();
        races.push(async move { tokio::join!(confirm, cancel) });
    }
    for (confirm, cancel) in futures_util::future::join_all(races).await {
        let (confirm, cancel) = (confirm.unwrap(), cancel.unwrap());
        // Exactly one wins; the other finds the order no longer a draft.
        match (confirm.status(), cancel.status()) {
            (StatusCode::CREATED, _) => {
                let p = problem(cancel, StatusCode::CONFLICT, "order_not_draft").await;
                assert!(p["detail"].as_str().unwrap().contains("confirmed"));
            }
            (_, StatusCode::OK) => {
                let p = problem(confirm, StatusCode::CONFLICT, "order_not_draft").await;
                assert!(p["detail"].as_str().unwrap().contains("cancelled"));
            }
            other => panic!("neither won: {other:?}"),
        }
    }
}

#[rstest]
#[tokio::test]
async fn a_null_number_in_a_patch_picks_the_first_free_new_number_even_for_a_port_in_draft(
    #[values(Db::Sqlite, Db::Postgres)] db: Db,
) {
    let Some(app) = spawn_app(db).await else {
        return;
    };
    let company = with_numbers(&app, &["20710001"], &[]).await;
    let mut port_in = form("MH", None);
    port_in["number"] = json!({
        "type": "port_in", "number": "+4521234567", "owner_email": "jens@privat.example",
        "owner_name": "Jens Berg",
    });
    let draft = json_of(
        app.post_json("/orders", Some(&company.admin), &port_in)
            .await,
        StatusCode::CREATED,
    )
    .await;
    let path = format!("/orders/{}", draft["id"].as_str().unwrap());
    let edited = patch(
        &app,
        &path,
        &company.admin,
        Some("\"1\""),
        &json!({"number": {"number": null}}),
    )
    .await;
    let edited = json_of(edited, StatusCode::OK).await;
    assert_eq!(edited["number"]["type"], "new");
    assert_eq!(edited["number"]["number"], "+4520710001");
    assert!(edited["notices"].as_array().unwrap().is_empty());
}

/// Every value of another JSON type than `leaf` (null left out: some fields may be null).
fn of_other_types(leaf: &serde_json::Value) -> Vec<serde_json::Value> {
    [
        json!(true),
        json!(7),
        json!(1.5),
        json!("7"),
        json!([]),
        json!({}),
    ]
    .into_iter()
    .filter(|wrong| match (leaf, wrong) {
        (serde_json::Value::Number(_), serde_json::Value::Number(_)) => false,
        (a, b) => std::mem::discriminant(a) != std::mem::discriminant(b),
    })
    .collect()
}

#[rstest]
#[tokio::test]
async fn every_field_of_a_wrong_type_is_named_by_its_own_pointer_and_nothing_is_written(
    #[values(Db::Sqlite, Db::Postgres)] db: Db,
) {
    let Some(app) = spawn_app(db).await else {
        return;
    };
    let company = with_numbers(&app, &["20710001"], &[]).await;
    let port_in = json!({
        "plan": "ERHVERV_S", "mobile_package": "DATA_10", "data_sharing_cards": 0,
        "employee": {"name": "Mette Hansen", "initials": "MH", "title": "Projektleder", "email": "mette@firma31258715.example", "cost_center": "4100"},
        "number": {"type": "port_in", "number": "33123456", "owner_email": "ejer@firma.example", "owner_name": "Ejer", "requested_date": "2030-01-02"}
    });
    let mut cases = 0;
    for valid in [form("MH", Some("20710001")), port_in] {
        let mut fields = Vec::new();
        leaves(&valid, "", &mut fields);
        // An unknown field inside the number choice is named where it is too.
        fields.push(("/number/colour".to_owned(), json!(null)));
        for (pointer, leaf) in fields {
            for wrong in of_other_types(&leaf) {
                let mut body = valid.clone();
                match body.pointer_mut(&pointer) {
                    Some(field) => *field = wrong.clone(),
                    None => body["number"]["colour"] = wrong.clone(),
                }
                let p = problem(
                    app.post_json("/orders", Some(&company.admin), &body).await,
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "validation_failed",
                )
                .await;
                assert_eq!(pointers(&p), vec![pointer.clone()], "{pointer} = {wrong}");
                cases += 1;
            }
        }
    }
    assert!(cases > 80, "{cases} cases");
    let all = json_of(
        app.get("/orders", Some(&company.admin)).await,
        StatusCode::OK,
    )
    .await;
    assert!(all["items"].as_array().unwrap().is_empty(), "{all}");
}

#[rstest]
#[tokio::test]
async fn a_confirmation_whose_lapsed_initials_were_taken_fails_and_live_subscriptions_never_share_initials(
    #[values(Db::Sqlite, Db::Postgres)] db: Db,
) {
    use diesel::connection::SimpleConnection;
    use persistence::orders::{claim_initials, transfer_initials};
    let Some(app) = spawn_app(db).await else {
        return;
    };
    let company = with_numbers(&app, &["20710001", "20710002"], &[]).await;
    let company_id: uuid::Uuid = company.id.parse().unwrap();
    // A confirmation read its draft as live just before it lapsed; meanwhile another draft
    // took the lapsed claim. The confirmation's hand-over finds nothing to hand over.
    let (late, other, subscription) = (
        uuid::Uuid::now_v7(),
        uuid::Uuid::now_v7(),
        uuid::Uuid::now_v7(),
    );
    let now = persistence::machine_now();
    app.store
        .write(|conn| {
            assert!(claim_initials(
                conn,
                company_id,
                "XY",
                late,
                Some(now - chrono::Duration::seconds(1)),
                now,
            )?);
            assert!(claim_initials(
                conn,
                company_id,
                "XY",
                other,
                Some(now + chrono::Duration::minutes(30)),
                now,
            )?);
            assert!(!transfer_initials(conn, late, subscription)?);
            assert!(transfer_initials(conn, other, subscription)?);
            Ok::<_, persistence::Error>(())
        })
        .unwrap();

    // And should two live subscriptions ever get the same initials, the schema refuses it.
    confirmed(&app, &company.admin, &form("MH", Some("+4520710001"))).await;
    confirmed(&app, &company.admin, &form("JH", Some("+4520710002"))).await;
    let twin = app
        .store
        .conn()
        .unwrap()
        .batch_execute("UPDATE subscriptions SET initials = 'MH' WHERE initials = 'JH'");
    assert!(twin.is_err(), "two live subscriptions with the initials MH");
    // A terminated one does not count.
    app.store
        .conn()
        .unwrap()
        .batch_execute(
            "UPDATE subscriptions SET status = 'terminated' WHERE initials = 'JH'; \
             UPDATE subscriptions SET initials = 'MH' WHERE initials = 'JH'",
        )
        .unwrap();
}

#[rstest]
#[tokio::test]
async fn a_stale_if_match_is_412_whatever_state_the_order_or_subscription_is_in(
    #[values(Db::Sqlite, Db::Postgres)] db: Db,
) {
    let Some(app) = spawn_app(db).await else {
        return;
    };
    let company = with_numbers(&app, &["20710001"], &[]).await;
    let confirmation = confirmed(&app, &company.admin, &form("MH", None)).await;
    let order = format!("/orders/{}", confirmation["order"]["id"].as_str().unwrap());
    let change = json!({"mobile_package": "DATA_100"});
    // The order is confirmed (409 for a current version), and the precondition comes first.
    problem(
        patch(&app, &order, &company.admin, Some("\"1\""), &change).await,
        StatusCode::PRECONDITION_FAILED,
        "precondition_failed",
    )
    .await;
    let current = format!("\"{}\"", confirmation["order"]["version"]);
    problem(
        patch(&app, &order, &company.admin, Some(&current), &change).await,
        StatusCode::CONFLICT,
        "order_not_draft",
    )
    .await;

    let subscription = format!(
        "/subscriptions/{}",
        confirmation["subscription"]["id"].as_str().unwrap()
    );
    let today = domain::calendar::date_in_denmark(chrono::Utc::now());
    let ended = json_of(
        app.post_json(
            &format!("{subscription}/terminate"),
            Some(&company.admin),
            &json!({"effective_date": today}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    problem(
        patch(&app, &subscription, &company.admin, Some("\"1\""), &change).await,
        StatusCode::PRECONDITION_FAILED,
        "precondition_failed",
    )
    .await;
    let current = format!("\"{}\"", ended["version"]);
    problem(
        patch(&app, &subscription, &company.admin, Some(&current), &change).await,
        StatusCode::CONFLICT,
        "subscription_terminated",
    )
    .await;
}

#[rstest]
#[tokio::test]
async fn a_draft_without_a_number_takes_an_available_one_first_then_a_lapsed_reservation(
    #[values(Db::Sqlite, Db::Postgres)] db: Db,
) {
    // Drafts lapse the moment they are made, so each reservation lapses at once.
    let Some(app) = spawn_app_with(db, |c| c.draft_ttl_minutes = 0).await else {
        return;
    };
    let company = with_numbers(&app, &["20710001", "20710002"], &[]).await;
    let picked = |initials: &'static str| {
        let app = &app;
        let admin = company.admin.clone();
        async move {
            let draft = json_of(
                app.post_json("/orders", Some(&admin), &form(initials, None))
                    .await,
                StatusCode::CREATED,
            )
            .await;
            draft["number"]["number"].as_str().unwrap().to_owned()
        }
    };
    assert_eq!(picked("AA").await, "+4520710001");
    // The first is reserved by a lapsed draft, the second is available: available first.
    assert_eq!(picked("BB").await, "+4520710002");
    // None is available now: the first lapsed reservation gives way.
    assert_eq!(picked("CC").await, "+4520710001");
}
