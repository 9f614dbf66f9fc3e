//! The emailed links answer a browser with pages at the same URLs: the owner signs the
//! power of attorney and gets a receipt, a user chooses a password; the same rules and
//! evidence as the JSON routes, safe headers on every page, cross-site form posts refused,
//! and everything from companies and people escaped.

use reqwest::{Response, StatusCode};
use rstest::rstest;
use serde_json::{Value, json};

use selvbetjening::config::DonorGatewayKind;

use crate::helpers::{
    Company, Db, TestApp, confirmed, form, json_of, mailed_token, spawn_app, spawn_app_with,
};

const BROWSER_ACCEPT: &str = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";
const OWNER: &str = "jens@privat.example";

/// A company registered under `name`, with an admin; returns it with the admin's token.
async fn company_named(app: &TestApp, operator: &str, name: &str) -> Company {
    let created = json_of(
        app.post_json(
            "/operator/companies",
            Some(operator),
            &json!({"cvr": "31258715", "name": name, "email_domain": "firma31258715.example"}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let id = created["id"].as_str().unwrap().to_owned();
    let admin_email = "admin@firma31258715.example".to_owned();
    let response = app
        .post_json(
            &format!("/operator/companies/{id}/users"),
            Some(operator),
            &json!({"email": admin_email, "role": "admin", "password": "company-password-123"}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let admin = app.token(&admin_email, "company-password-123").await;
    Company {
        id,
        admin: admin.clone(),
        viewer: admin,
        admin_email,
    }
}

/// A confirmed port-in of +4521234567 owned by Jens Berg; returns the token of the link
/// he was emailed.
async fn port_in(app: &TestApp, company: &Company) -> String {
    let mut order = form("JB", None);
    order["number"] = json!({
        "type": "port_in", "number": "+4521234567",
        "owner_email": OWNER, "owner_name": "Jens Berg"
    });
    confirmed(app, &company.admin, &order).await;
    mailed_token(app, OWNER, "/poa/", 1).await
}

async fn page(app: &TestApp, path: &str) -> Response {
    app.client
        .get(app.url(path))
        .header("accept", BROWSER_ACCEPT)
        .send()
        .await
        .unwrap()
}

/// A form post as the page's own form sends it (same origin), or from `origin`.
async fn post_form(app: &TestApp, path: &str, origin: &str, fields: &[(&str, &str)]) -> Response {
    app.client
        .post(app.url(path))
        .header("accept", BROWSER_ACCEPT)
        .header("origin", origin)
        .form(fields)
        .send()
        .await
        .unwrap()
}

/// Checks a page's status and the headers every page carries; returns its HTML.
async fn html_of(response: Response, status: StatusCode) -> String {
    let headers = response.headers().clone();
    let actual = response.status();
    let body = response.text().await.unwrap();
    assert_eq!(actual, status, "{body}");
    let header = |name: &str| {
        headers
            .get(name)
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default()
    };
    assert!(
        header("content-type").starts_with("text/html"),
        "{headers:?}"
    );
    assert_eq!(
        header("content-security-policy"),
        "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; \
         frame-ancestors 'none'; base-uri 'none'"
    );
    assert_eq!(header("referrer-policy"), "no-referrer");
    assert_eq!(header("cache-control"), "no-store");
    assert_eq!(header("x-content-type-options"), "nosniff");
    assert!(body.contains("<html lang=\"da\">"), "{body}");
    assert!(!body.contains("<script"), "no script on a page: {body}");
    body
}

/// The app with a donor that answers only when told, so a signed port stays submitted.
async fn app(db: Db) -> Option<TestApp> {
    spawn_app_with(db, |c| c.donor_gateway = Some(DonorGatewayKind::Manual)).await
}

async fn port_status(app: &TestApp, company: &Company) -> Value {
    let ports = json_of(
        app.get("/number-ports", Some(&company.admin)).await,
        StatusCode::OK,
    )
    .await;
    ports["items"][0].clone()
}

#[rstest]
#[tokio::test]
async fn the_owner_signs_on_the_page_gets_a_receipt_and_the_link_then_shows_what_to_do(
    #[values(Db::Sqlite, Db::Postgres)] db: Db,
) {
    let Some(app) = app(db).await else {
        return;
    };
    let operator = app.operator_token().await;
    let company = company_named(&app, &operator, "Nordlys ApS").await;
    let token = port_in(&app, &company).await;
    let poa = json_of(
        app.get(&format!("/poa/{token}"), None).await,
        StatusCode::OK,
    )
    .await;

    let body = html_of(page(&app, &format!("/poa/{token}")).await, StatusCode::OK).await;
    assert!(body.contains("Fuldmagt til nummerflytning"), "{body}");
    assert!(body.contains("+4521234567"));
    assert!(body.contains("Nordlys ApS"));
    assert!(body.contains("Jens Berg"));
    assert!(body.contains("Tidligste flyttedato"));
    let earliest = poa["earliest_port_date"].as_str().unwrap();
    let (y, rest) = earliest.split_once('-').unwrap();
    let (m, d) = rest.split_once('-').unwrap();
    assert!(
        body.contains(&format!("{d}.{m}.{y}")),
        "earliest port date {earliest}"
    );
    assert!(body.contains("Linket virker til"));
    assert!(body.contains("<label for=\"signer_name\">"));
    assert!(body.contains("<label for=\"consent\">"));
    assert!(body.contains(&format!("action=\"/poa/{token}/sign\"")));

    let receipt = html_of(
        post_form(
            &app,
            &format!("/poa/{token}/sign"),
            &app.address,
            &[("signer_name", "Jens Berg"), ("consent", "ja")],
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert!(receipt.contains("Fuldmagten er underskrevet"), "{receipt}");
    let port = port_status(&app, &company).await;
    assert_eq!(port["status"], "submitted", "{port}");
    let sha = poa["document_sha256"].as_str().unwrap();
    assert!(receipt.contains(sha), "the receipt shows the SHA-256 {sha}");
    let signed = json_of(
        app.get(
            &format!("/number-ports/{}", port["id"].as_str().unwrap()),
            Some(&company.admin),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert!(
        signed.to_string().contains(sha),
        "the port shows the same SHA-256: {signed}"
    );

    let gone = html_of(page(&app, &format!("/poa/{token}")).await, StatusCode::GONE).await;
    assert!(gone.contains("Linket virker ikke længere"), "{gone}");
    let again = html_of(
        post_form(
            &app,
            &format!("/poa/{token}/sign"),
            &app.address,
            &[("signer_name", "Jens Berg"), ("consent", "ja")],
        )
        .await,
        StatusCode::GONE,
    )
    .await;
    assert!(again.contains("Bed virksomheden"), "{again}");
}

#[rstest]
#[tokio::test]
async fn a_cross_site_form_post_is_refused_and_nothing_is_signed(
    #[values(Db::Sqlite, Db::Postgres)] db: Db,
) {
    let Some(app) = app(db).await else {
        return;
    };
    let operator = app.operator_token().await;
    let company = company_named(&app, &operator, "Nordlys ApS").await;
    let token = port_in(&app, &company).await;
    let fields = [("signer_name", "Jens Berg"), ("consent", "ja")];

    let refused = html_of(
        post_form(
            &app,
            &format!("/poa/{token}/sign"),
            "https://elsewhere.example",
            &fields,
        )
        .await,
        StatusCode::FORBIDDEN,
    )
    .await;
    assert!(refused.contains("Der er ikke sket noget"), "{refused}");
    // Without Origin and fetch metadata, no more trusted.
    let bare = app
        .client
        .post(app.url(&format!("/poa/{token}/sign")))
        .form(&fields)
        .send()
        .await
        .unwrap();
    assert_eq!(bare.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        port_status(&app, &company).await["status"],
        "awaiting_signature"
    );

    // The browser's own post: Origin null under no-referrer, fetch metadata same-origin.
    let ours = app
        .client
        .post(app.url(&format!("/poa/{token}/sign")))
        .header("accept", BROWSER_ACCEPT)
        .header("origin", "null")
        .header("sec-fetch-site", "same-origin")
        .form(&fields)
        .send()
        .await
        .unwrap();
    html_of(ours, StatusCode::OK).await;
    assert_eq!(port_status(&app, &company).await["status"], "submitted");
}

#[rstest]
#[tokio::test]
async fn a_missing_consent_shows_the_form_again_with_the_error_at_the_box(
    #[values(Db::Sqlite, Db::Postgres)] db: Db,
) {
    let Some(app) = app(db).await else {
        return;
    };
    let operator = app.operator_token().await;
    let company = company_named(&app, &operator, "Nordlys ApS").await;
    let token = port_in(&app, &company).await;

    let body = html_of(
        post_form(
            &app,
            &format!("/poa/{token}/sign"),
            &app.address,
            &[("signer_name", "Jens Berg")],
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert!(body.contains("id=\"consent-fejl\""), "{body}");
    assert!(body.contains("aria-describedby=\"consent-fejl\""), "{body}");
    assert!(body.contains("role=\"alert\""));
    assert!(
        body.contains("value=\"Jens Berg\""),
        "what was typed stays: {body}"
    );
    assert_eq!(
        port_status(&app, &company).await["status"],
        "awaiting_signature"
    );
    // JSON clients are answered as before.
    let json = app
        .post_json(
            &format!("/poa/{token}/sign"),
            None,
            &json!({"signer_name": "Jens Berg", "consent": false}),
        )
        .await;
    assert_eq!(json.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        json.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/problem+json")
    );
}

#[rstest]
#[tokio::test]
async fn a_company_named_like_a_script_is_shown_as_text(
    #[values(Db::Sqlite, Db::Postgres)] db: Db,
) {
    let Some(app) = app(db).await else {
        return;
    };
    let operator = app.operator_token().await;
    let company = company_named(&app, &operator, "<script>alert(1)</script>").await;
    let token = port_in(&app, &company).await;

    let body = html_of(page(&app, &format!("/poa/{token}")).await, StatusCode::OK).await;
    assert!(
        body.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "{body}"
    );
}

#[rstest]
#[tokio::test]
async fn a_password_is_chosen_on_the_page_and_logs_in(#[values(Db::Sqlite, Db::Postgres)] db: Db) {
    let Some(app) = app(db).await else {
        return;
    };
    let operator = app.operator_token().await;
    let company = company_named(&app, &operator, "Nordlys ApS").await;
    let invited = "ny@firma31258715.example";
    let response = app
        .post_json(
            &format!("/operator/companies/{}/users", company.id),
            Some(&operator),
            &json!({"email": invited, "role": "viewer"}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let token = mailed_token(&app, invited, "/auth/password-reset/", 1).await;
    let path = format!("/auth/password-reset/{token}");

    let body = html_of(page(&app, &path).await, StatusCode::OK).await;
    assert!(body.contains("n***@firma31258715.example"), "{body}");
    assert!(body.contains("<label for=\"password\">"));
    assert!(body.contains("<label for=\"password_again\">"));

    let mismatch = html_of(
        post_form(
            &app,
            &path,
            &app.address,
            &[
                ("password", "et-nyt-langt-kodeord"),
                ("password_again", "et-andet-langt-kodeord"),
            ],
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert!(
        mismatch.contains("id=\"password_again-fejl\""),
        "{mismatch}"
    );
    assert!(mismatch.contains("De to adgangskoder er ikke ens"));
    assert!(
        !mismatch.contains("et-nyt-langt-kodeord"),
        "passwords are never shown"
    );

    let done = html_of(
        post_form(
            &app,
            &path,
            &app.address,
            &[
                ("password", "et-nyt-langt-kodeord"),
                ("password_again", "et-nyt-langt-kodeord"),
            ],
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert!(done.contains("Din adgangskode er gemt"), "{done}");
    app.token(invited, "et-nyt-langt-kodeord").await;
    html_of(page(&app, &path).await, StatusCode::GONE).await;
}

#[rstest]
#[tokio::test]
async fn the_stylesheet_is_served_and_cacheable(#[values(Db::Sqlite)] db: Db) {
    let Some(app) = spawn_app(db).await else {
        return;
    };
    let response = app.get("/assets/pages.css", None).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/css")
    );
    assert!(
        response.headers()["cache-control"]
            .to_str()
            .unwrap()
            .contains("max-age")
    );
}

#[rstest]
#[tokio::test]
async fn the_owner_may_ask_for_a_later_date_which_becomes_part_of_what_is_signed(
    #[values(Db::Sqlite, Db::Postgres)] db: Db,
) {
    let Some(app) = app(db).await else {
        return;
    };
    let operator = app.operator_token().await;
    let company = company_named(&app, &operator, "Nordlys ApS").await;
    let token = port_in(&app, &company).await;
    let shown = json_of(
        app.get(&format!("/poa/{token}"), None).await,
        StatusCode::OK,
    )
    .await;
    let earliest: chrono::NaiveDate = shown["earliest_port_date"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let path = format!("/poa/{token}/sign");

    // Earlier than the law's earliest date, not a date at all, or more than a year on: the
    // form again, the error at the date, nothing signed.
    let too_early = (earliest - chrono::Duration::days(1)).to_string();
    let too_late = (earliest + chrono::Duration::days(400)).to_string();
    for (typed, code) in [
        (too_early.as_str(), "date_too_early"),
        ("næste fredag", "invalid_date"),
        (too_late.as_str(), "date_too_late"),
    ] {
        let fields = [
            ("signer_name", "Jens Berg"),
            ("consent", "ja"),
            ("requested_date", typed),
        ];
        let body = html_of(
            post_form(&app, &path, &app.address, &fields).await,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
        assert!(
            body.contains("id=\"requested_date-fejl\""),
            "{code}: {body}"
        );
        let json = app
            .post_json(
                &path,
                None,
                &json!({"signer_name": "Jens Berg", "consent": true, "requested_date": typed}),
            )
            .await;
        assert_eq!(json.status(), StatusCode::UNPROCESSABLE_ENTITY, "{code}");
    }
    assert_eq!(
        port_status(&app, &company).await["status"],
        "awaiting_signature"
    );

    // A month on: signed with that date in the text; the deadline is the end of it.
    let later = earliest + chrono::Duration::days(30);
    let fields = [
        ("signer_name", "Jens Berg"),
        ("consent", "ja"),
        ("requested_date", &later.to_string()),
    ];
    let body = html_of(
        post_form(&app, &path, &app.address, &fields).await,
        StatusCode::OK,
    )
    .await;
    assert!(
        body.contains(&later.format("%d.%m.%Y").to_string()),
        "the date is in what was signed: {body}"
    );
    let port = port_status(&app, &company).await;
    assert_eq!(port["status"], "submitted");
    assert_eq!(port["requested_date"], json!(later));
    let deadline: chrono::DateTime<chrono::Utc> =
        port["deadline"].as_str().unwrap().parse().unwrap();
    let expected = domain::calendar::working_day_on_or_after(later);
    assert_eq!(deadline, domain::calendar::end_of_day(expected));
}
