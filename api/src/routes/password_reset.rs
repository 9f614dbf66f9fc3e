//! Login help, public: ask for a new password by email, open the emailed link, choose the
//! password. The same link kind answers an invitation. Any token that does not open a
//! live link is 410. A browser (`Accept: text/html`) gets the hosted pages
//! ([`crate::pages::password`]) at the same URLs, along the same use cases.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use chrono::{DateTime, Utc};
use domain::user::Password;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::body::{Json, JsonOrForm};
use crate::error::ApiResult;
use crate::fields::{Fields, at_most};
use crate::pages::{self, Errors, LinkKind};
use crate::secrets::hash_password;
use crate::state::AppState;
use crate::wire::text::LINK_TOKEN_MAX;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(request_password_reset)
        .service(open_password_link)
        .service(choose_password);
}

/// Who forgot their password.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"email": "viewer@nordlys.example"}))]
pub struct ResetRequest {
    /// The address the user logs in with.
    #[schema(value_type = crate::wire::text::Email)]
    pub email: String,
}

/// The same answer whether or not the address has a login.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({"message": "If the address has access to Selvbetjening, a link to choose a new password is on its way; it works once, for an hour."}))]
pub struct ResetAccepted {
    pub message: &'static str,
}

/// What a link is for, before the password is chosen.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({"email": "v***@nordlys.example", "purpose": "reset", "expires_at": "2026-12-02T10:30:00Z"}))]
pub struct PasswordLinkDto {
    /// The user's address, half hidden.
    pub email: String,
    /// `reset` (a forgotten password) or `invitation` (a new user's first password).
    pub purpose: &'static str,
    pub expires_at: DateTime<Utc>,
}

/// The password chosen.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"password": "en-ny-lang-adgangskode"}))]
pub struct NewPassword {
    /// 12 to 128 characters.
    #[schema(value_type = crate::wire::text::Password)]
    pub password: String,
}

/// The password chosen on the hosted page (`application/x-www-form-urlencoded`): typed
/// twice, so a typing error is caught before it locks the user out.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"password": "en-ny-lang-adgangskode", "password_again": "en-ny-lang-adgangskode"}))]
pub struct PasswordForm {
    /// 12 to 128 characters.
    #[schema(value_type = crate::wire::text::Password)]
    pub password: String,
    /// The same password again.
    #[schema(value_type = crate::wire::text::Password)]
    pub password_again: String,
}

/// Asks for a new password. The answer is the same whether or not the address has a login
/// (nobody can learn who has one); a known user gets an email with a single-use link,
/// valid for an hour. Limited per address and per client address.
#[utoipa::path(
    tag = "auth",
    operation_id = "request_password_reset",
    summary = "Forgot the password: email a link to choose a new one",
    security(()),
    request_body = ResetRequest,
    responses(
        (status = 202, description = "Accepted, whether or not the address is known", body = ResetAccepted),
        (status = 429, description = "Too many requests for this address or from this client; retry after `Retry-After` seconds",
            body = crate::error::Problem, content_type = "application/problem+json",
            headers(("Retry-After" = u64, description = "Seconds until another request is accepted")),
            example = json!({"type": "urn:selvbetjening:problem:too_many_requests", "title": "Too many requests", "status": 429, "detail": "too many requests for a new password; try again in 1800 seconds", "code": "too_many_requests", "request_id": "01937a4e-8f2c-7cc3-9a51-3b1f0c9d2e47"})),
    )
)]
#[post("/auth/password-reset")]
async fn request_password_reset(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: Json<ResetRequest>,
) -> ApiResult<HttpResponse> {
    let mut fields = Fields::new();
    let email = fields.check("/email", domain::email::EmailAddress::parse(&body.0.email));
    let Some(email) = email else {
        return Err(fields.into_error());
    };
    let client = crate::http::client::client_key(&req);
    let settings = state.settings.clone();
    state
        .run(move |conn| {
            crate::app::login_help::request_reset(conn, &settings, email.as_str(), &client)
        })
        .await?;
    Ok(HttpResponse::Accepted().json(ResetAccepted {
        message: "If the address has access to Selvbetjening, a link to choose a new password \
                  is on its way; it works once, for an hour.",
    }))
}

/// What the emailed link is for, for a frontend to render: the address (half hidden),
/// a reset or an invitation, and until when it works.
#[utoipa::path(
    tag = "auth",
    operation_id = "open_password_link",
    summary = "Read a password link (public, by emailed link)",
    security(()),
    params(("token" = String, Path, max_length = 64, description = "The token of the emailed link")),
    responses(
        (status = 200, description = "The link works: JSON, or for a browser (`Accept: text/html` preferred) the Danish page with the password form",
            content((PasswordLinkDto = "application/json"), (String = "text/html", example = json!("<!DOCTYPE html><html lang=\"da\">…</html>")))),
        (status = 410, description = "The link is used, replaced, expired or was never issued (`link_gone`)", body = crate::error::Problem, content_type = "application/problem+json",
            example = json!({"type": "urn:selvbetjening:problem:link_gone", "title": "Gone", "status": 410, "detail": "this link no longer works; ask for a new one", "code": "link_gone", "request_id": "01937a4e-8f2c-7cc3-9a51-3b1f0c9d2e47"})),
    )
)]
#[get("/auth/password-reset/{token}")]
async fn open_password_link(
    req: HttpRequest,
    state: web::Data<AppState>,
    token: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let token = token.into_inner();
    let link = open(&state, &token).await;
    if pages::wants_html(&req) {
        return Ok(match link {
            Ok(link) => pages::password::form(&token, &page_link(&link), &Errors::none()),
            Err(err) => pages::error_page(&req, LinkKind::Password, &err),
        });
    }
    let link = link?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(PasswordLinkDto {
            email: link.email,
            purpose: if link.invitation {
                "invitation"
            } else {
                "reset"
            },
            expires_at: link.expires_at.and_utc(),
        }))
}

async fn open(state: &AppState, token: &str) -> ApiResult<crate::app::login_help::LinkView> {
    at_most("/path/token", token, LINK_TOKEN_MAX)?;
    let settings = state.settings.clone();
    let token = token.to_owned();
    state
        .run(move |conn| crate::app::login_help::open(conn, &settings, &token))
        .await
}

fn page_link(link: &crate::app::login_help::LinkView) -> pages::password::Link<'_> {
    pages::password::Link {
        email: &link.email,
        invitation: link.invitation,
        expires_at: link.expires_at.and_utc(),
    }
}

/// Chooses the password: the link and every other open one of the user stop working, and
/// the user's earlier access tokens are refused in every server process within
/// `REVOCATION_REFRESH_MS`.
#[utoipa::path(
    tag = "auth",
    operation_id = "choose_password",
    summary = "Choose a new password (public, by emailed link)",
    security(()),
    params(("token" = String, Path, max_length = 64, description = "The token of the emailed link")),
    request_body(content(
        (NewPassword = "application/json"),
        (PasswordForm = "application/x-www-form-urlencoded")
    ), description = "JSON, or the hosted page's form with the password twice (accepted only from the service's own page: `Origin` or `Sec-Fetch-Site: same-origin`)"),
    responses(
        (status = 200, description = "For a browser (`Accept: text/html` preferred): the password is set, and the confirmation page says so",
            content((String = "text/html", example = json!("<!DOCTYPE html><html lang=\"da\">…</html>")))),
        (status = 204, description = "The password is set; log in with it"),
        (status = 403, description = "A form post from another site (`forbidden`): nothing is changed", body = crate::error::Problem, content_type = "application/problem+json",
            example = json!({"type": "urn:selvbetjening:problem:forbidden", "title": "Your role may not do this", "status": 403, "detail": "a form is accepted only from this service's own page (Origin or Sec-Fetch-Site)", "code": "forbidden", "request_id": "01937a4e-8f2c-7cc3-9a51-3b1f0c9d2e47"})),
        (status = 410, description = "The link is used, replaced, expired or was never issued (`link_gone`)", body = crate::error::Problem, content_type = "application/problem+json",
            example = json!({"type": "urn:selvbetjening:problem:link_gone", "title": "Gone", "status": 410, "detail": "this link no longer works; ask for a new one", "code": "link_gone", "request_id": "01937a4e-8f2c-7cc3-9a51-3b1f0c9d2e47"})),
    )
)]
#[post("/auth/password-reset/{token}")]
async fn choose_password(
    req: HttpRequest,
    state: web::Data<AppState>,
    token: web::Path<String>,
    body: JsonOrForm<NewPassword, PasswordForm>,
) -> ApiResult<HttpResponse> {
    let token = token.into_inner();
    let chosen = match body {
        JsonOrForm::Json(body) => choose(&state, &token, &body.password, None).await,
        JsonOrForm::Form(form) => match pages::same_origin(&req, &state.settings.public_url) {
            Ok(()) => choose(&state, &token, &form.password, Some(&form.password_again)).await,
            Err(err) => Err(err),
        },
    };
    if !pages::wants_html(&req) {
        chosen?;
        return Ok(HttpResponse::NoContent().finish());
    }
    Ok(match chosen {
        Ok(()) => pages::password::confirmation(),
        // The form again, each error under its field; passwords are not shown again.
        Err(err) if !err.errors().is_empty() => match open(&state, &token).await {
            Ok(link) => pages::password::form(&token, &page_link(&link), &Errors::of(&err)),
            Err(gone) => pages::error_page(&req, LinkKind::Password, &gone),
        },
        Err(err) => pages::error_page(&req, LinkKind::Password, &err),
    })
}

/// Checks the password (and, from the form, that it was typed the same twice) and sets it.
async fn choose(
    state: &AppState,
    token: &str,
    password: &str,
    again: Option<&str>,
) -> ApiResult<()> {
    at_most("/path/token", token, LINK_TOKEN_MAX)?;
    let mut fields = Fields::new();
    let password = fields.check("/password", Password::parse(password));
    if again.is_some_and(|again| {
        password
            .as_ref()
            .is_some_and(|p| p.expose_secret() != again)
    }) {
        fields.push(
            "/password_again",
            "passwords_differ",
            "the two passwords are not the same",
        );
    }
    let Some(password) = password.filter(|_| fields.is_empty()) else {
        return Err(fields.into_error());
    };
    let hash = hash_password(password.expose_secret().to_owned()).await?;
    let settings = state.settings.clone();
    let token = token.to_owned();
    let user = state
        .run(move |conn| crate::app::login_help::choose_password(conn, &settings, &token, &hash))
        .await?;
    state.revocations.note(user, persistence::machine_now());
    Ok(())
}
