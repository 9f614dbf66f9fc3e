//! A company's own users, run by its admins (`/users`): an admin invites a colleague, who
//! chooses a password from the emailed link; changes a colleague's role, disables and
//! enables them. The company always keeps an enabled admin, and nobody disables themself.

use reqwest::{Response, StatusCode};
use rstest::rstest;
use serde_json::{Value, json};

use crate::helpers::{Company, Db, TestApp, json_of, mailed_token, problem, spawn_app};

async fn patch_user(
    app: &TestApp,
    token: &str,
    id: &str,
    version: Option<&Value>,
    body: Value,
) -> Response {
    let mut request = app
        .client
        .patch(app.url(&format!("/users/{id}")))
        .bearer_auth(token)
        .header("content-type", "application/merge-patch+json")
        .body(body.to_string());
    if let Some(version) = version {
        request = request.header("if-match", format!("\"{version}\""));
    }
    request.send().await.unwrap()
}

async fn users(app: &TestApp, token: &str) -> Vec<Value> {
    let page = json_of(app.get("/users", Some(token)).await, StatusCode::OK).await;
    page["items"].as_array().unwrap().clone()
}

async fn user_by_email(app: &TestApp, token: &str, email: &str) -> Value {
    users(app, token)
        .await
        .into_iter()
        .find(|u| u["email"] == email)
        .unwrap_or_else(|| panic!("no user {email}"))
}

/// The invited `email` chooses `password` from the emailed link.
async fn accept_invitation(app: &TestApp, email: &str, password: &str) {
    let token = mailed_token(app, email, "/auth/password-reset/", 1).await;
    let set = app
        .post_json(
            &format!("/auth/password-reset/{token}"),
            None,
            &json!({"password": password}),
        )
        .await;
    assert!(set.status().is_success(), "{}", set.text().await.unwrap());
}

async fn invite(app: &TestApp, company: &Company, email: &str, role: &str) -> Value {
    let response = app
        .post_json(
            "/users",
            Some(&company.admin),
            &json!({"email": email, "role": role}),
        )
        .await;
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    let created = json_of(response, StatusCode::CREATED).await;
    assert_eq!(
        location,
        format!("/users/{}", created["user"]["id"].as_str().unwrap())
    );
    assert_eq!(created["invitation_sent"], true);
    created["user"].clone()
}

#[rstest]
#[tokio::test]
async fn an_admin_invites_a_colleague_who_sets_a_password_and_logs_in(
    #[values(Db::Sqlite, Db::Postgres)] db: Db,
) {
    let Some(app) = spawn_app(db).await else {
        return;
    };
    let operator = app.operator_token().await;
    let company = app.company(&operator).await;
    let lars = invite(&app, &company, "lars@firma31258715.example", "admin").await;
    assert_eq!(lars["role"], "admin");
    assert_eq!(lars["enabled"], true);
    let listed = users(&app, &company.admin).await;
    assert_eq!(listed.len(), 3, "the admin, the viewer and Lars");

    accept_invitation(&app, "lars@firma31258715.example", "lars-password-1234").await;
    let lars_token = app
        .token("lars@firma31258715.example", "lars-password-1234")
        .await;
    assert_eq!(users(&app, &lars_token).await.len(), 3, "Lars is an admin");

    let again = app
        .post_json(
            "/users",
            Some(&company.admin),
            &json!({"email": "lars@firma31258715.example", "role": "viewer"}),
        )
        .await;
    problem(again, StatusCode::CONFLICT, "email_taken").await;
    let id = lars["id"].as_str().unwrap();
    let resend = app
        .post_json(
            &format!("/users/{id}/invitation"),
            Some(&company.admin),
            &json!({}),
        )
        .await;
    problem(resend, StatusCode::CONFLICT, "user_has_password").await;
}

#[rstest]
#[tokio::test]
async fn a_demoted_or_disabled_colleague_loses_their_tokens_and_versions_are_checked(
    #[values(Db::Sqlite, Db::Postgres)] db: Db,
) {
    let Some(app) = spawn_app(db).await else {
        return;
    };
    let operator = app.operator_token().await;
    let company = app.company(&operator).await;
    let viewer = user_by_email(&app, &company.admin, "viewer@firma31258715.example").await;
    let id = viewer["id"].as_str().unwrap();
    let read = app.get(&format!("/users/{id}"), Some(&company.admin)).await;
    assert_eq!(read.headers()["etag"], format!("\"{}\"", viewer["version"]));

    let without = patch_user(&app, &company.admin, id, None, json!({"role": "admin"})).await;
    problem(
        without,
        StatusCode::PRECONDITION_REQUIRED,
        "precondition_required",
    )
    .await;
    let stale = patch_user(
        &app,
        &company.admin,
        id,
        Some(&json!(99)),
        json!({"role": "admin"}),
    )
    .await;
    problem(
        stale,
        StatusCode::PRECONDITION_FAILED,
        "precondition_failed",
    )
    .await;

    // Promoted: the old viewer token (role viewer) is refused; a new login is an admin's.
    let promoted = json_of(
        patch_user(
            &app,
            &company.admin,
            id,
            Some(&viewer["version"]),
            json!({"role": "admin"}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(promoted["role"], "admin");
    assert_eq!(promoted["version"], viewer["version"].as_i64().unwrap() + 1);
    let refused = app.get("/orders", Some(&company.viewer)).await;
    assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
    let new_admin = app
        .token("viewer@firma31258715.example", "company-password-123")
        .await;
    assert_eq!(users(&app, &new_admin).await.len(), 2);

    // Disabled by the first admin: their tokens stop, and they cannot log in.
    let disabled = json_of(
        patch_user(
            &app,
            &company.admin,
            id,
            Some(&promoted["version"]),
            json!({"enabled": false}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(disabled["enabled"], false);
    assert_eq!(
        app.get("/orders", Some(&new_admin)).await.status(),
        StatusCode::UNAUTHORIZED
    );
    let login = app
        .login("viewer@firma31258715.example", "company-password-123")
        .await;
    assert!(login.status().is_client_error());
    let enabled = json_of(
        patch_user(
            &app,
            &company.admin,
            id,
            Some(&disabled["version"]),
            json!({"enabled": true}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(enabled["enabled"], true);
}

#[rstest]
#[tokio::test]
async fn the_last_enabled_admin_can_be_neither_demoted_nor_disabled(
    #[values(Db::Sqlite, Db::Postgres)] db: Db,
) {
    let Some(app) = spawn_app(db).await else {
        return;
    };
    let operator = app.operator_token().await;
    let company = app.company(&operator).await;
    let me = user_by_email(&app, &company.admin, &company.admin_email).await;
    let id = me["id"].as_str().unwrap();
    let demote = patch_user(
        &app,
        &company.admin,
        id,
        Some(&me["version"]),
        json!({"role": "viewer"}),
    )
    .await;
    problem(demote, StatusCode::CONFLICT, "last_admin").await;
    let disable = patch_user(
        &app,
        &company.admin,
        id,
        Some(&me["version"]),
        json!({"enabled": false}),
    )
    .await;
    problem(disable, StatusCode::CONFLICT, "cannot_disable_self").await;

    // An invited admin who has not chosen a password yet keeps no company administered.
    let lars = invite(&app, &company, "lars@firma31258715.example", "admin").await;
    let too_soon = patch_user(
        &app,
        &company.admin,
        id,
        Some(&me["version"]),
        json!({"role": "viewer"}),
    )
    .await;
    problem(too_soon, StatusCode::CONFLICT, "last_admin").await;
    accept_invitation(&app, "lars@firma31258715.example", "lars-password-1234").await;
    // With a second admin who can log in, the first may step down.
    let stepped_down = json_of(
        patch_user(
            &app,
            &company.admin,
            id,
            Some(&me["version"]),
            json!({"role": "viewer"}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(stepped_down["role"], "viewer");
    let lars_id = lars["id"].as_str().unwrap();
    let ops = app
        .client
        .patch(app.url(&format!("/operator/users/{lars_id}")))
        .bearer_auth(&operator)
        .header("content-type", "application/merge-patch+json")
        .body(json!({"enabled": false}).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(
        ops.status(),
        StatusCode::OK,
        "the operator's routes work beside these"
    );
}

#[rstest]
#[tokio::test]
async fn viewers_may_not_and_another_companys_users_are_not_found(
    #[values(Db::Sqlite, Db::Postgres)] db: Db,
) {
    let Some(app) = spawn_app(db).await else {
        return;
    };
    let operator = app.operator_token().await;
    let company = app.company(&operator).await;
    let other = app.company_with_cvr(&operator, "10150817").await;
    problem(
        app.get("/users", Some(&company.viewer)).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    let invite = app
        .post_json(
            "/users",
            Some(&company.viewer),
            &json!({"email": "x@firma31258715.example", "role": "admin"}),
        )
        .await;
    problem(invite, StatusCode::FORBIDDEN, "forbidden").await;
    let theirs = user_by_email(&app, &other.admin, &other.admin_email).await;
    let id = theirs["id"].as_str().unwrap();
    problem(
        app.get(&format!("/users/{id}"), Some(&company.admin)).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    let change = patch_user(
        &app,
        &company.admin,
        id,
        Some(&theirs["version"]),
        json!({"enabled": false}),
    )
    .await;
    problem(change, StatusCode::NOT_FOUND, "not_found").await;
    assert!(
        users(&app, &company.admin)
            .await
            .iter()
            .all(|u| u["email"] != other.admin_email)
    );
}

#[rstest]
#[tokio::test]
async fn two_admins_demoting_each_other_at_once_leave_one_admin(
    #[values(Db::Sqlite, Db::Postgres)] db: Db,
) {
    let Some(app) = spawn_app(db).await else {
        return;
    };
    let operator = app.operator_token().await;
    let company = app.company(&operator).await;
    let created = app
        .post_json(
            &format!("/operator/companies/{}/users", company.id),
            Some(&operator),
            &json!({"email": "lars@firma31258715.example", "role": "admin", "password": "lars-password-1234"}),
        )
        .await;
    assert_eq!(created.status(), StatusCode::CREATED);
    let lars = app
        .token("lars@firma31258715.example", "lars-password-1234")
        .await;
    let first = user_by_email(&app, &company.admin, &company.admin_email).await;
    let second = user_by_email(&app, &company.admin, "lars@firma31258715.example").await;
    let role = json!({"role": "viewer"});
    let demote_lars = patch_user(
        &app,
        &company.admin,
        second["id"].as_str().unwrap(),
        Some(&second["version"]),
        role.clone(),
    );
    let demote_first = patch_user(
        &app,
        &lars,
        first["id"].as_str().unwrap(),
        Some(&first["version"]),
        role,
    );
    let (a, b) = tokio::join!(demote_lars, demote_first);
    // One wins. The other is refused: as the last admin (409), or, when it came second,
    // because the winner's change took its role and so its token (401).
    let mut statuses = [a.status(), b.status()];
    statuses.sort();
    assert_eq!(statuses[0], StatusCode::OK, "{statuses:?}");
    assert!(
        [StatusCode::UNAUTHORIZED, StatusCode::CONFLICT].contains(&statuses[1]),
        "{statuses:?}"
    );
    let loser = if a.status() == StatusCode::OK { b } else { a };
    if loser.status() == StatusCode::CONFLICT {
        problem(loser, StatusCode::CONFLICT, "last_admin").await;
    }
    let admins = users(&app, &operator_view(&app, &operator, &company).await).await;
    let enabled_admins = admins
        .iter()
        .filter(|u| u["role"] == "admin" && u["enabled"] == true)
        .count();
    assert_eq!(enabled_admins, 1);
}

/// A token of the company's admin that is still one, whoever won: a fresh login of each
/// until one reads the users.
async fn operator_view(app: &TestApp, _operator: &str, company: &Company) -> String {
    for (email, password) in [
        (company.admin_email.as_str(), "company-password-123"),
        ("lars@firma31258715.example", "lars-password-1234"),
    ] {
        let token = app.token(email, password).await;
        if app.get("/users", Some(&token)).await.status() == StatusCode::OK {
            return token;
        }
    }
    panic!("no admin left");
}
