//! `POST /auth/token`: OAuth2-style password and client-credentials grants, form-encoded
//! (so Swagger UI's Authorize button works) or JSON. Failed logins are counted in the
//! database per username or client and per client IP: 5 in 15 minutes, then 429.

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, post, web};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::app::login::Credentials;
use crate::body::{
    is_json, media_type, parse_json, read_limited, unsupported_media_type, without_nul,
};
use crate::error::{ApiError, ApiResult};
use crate::fields::Fields;
use crate::state::AppState;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(token);
}

const FORM: &str = "application/x-www-form-urlencoded";

/// A token request. `grant_type=password` takes `username` (the email) and `password`;
/// `grant_type=client_credentials` takes `client_id` and `client_secret` (in the body or as
/// HTTP Basic credentials).
// No `Debug`: it holds a password or a client secret.
#[derive(Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"grant_type": "password", "username": "admin@nordlys.example", "password": "demo-admin-password"}))]
pub struct TokenRequest {
    // Described by `GrantType`: utoipa would wrap an inline enum with a description of its
    // own in an `allOf` with `type: object`, which no string matches.
    #[schema(value_type = GrantType, inline)]
    pub grant_type: String,
    /// The user's email address.
    #[schema(max_length = 254)]
    pub username: Option<String>,
    #[schema(max_length = 128)]
    pub password: Option<String>,
    #[schema(max_length = 64)]
    pub client_id: Option<String>,
    #[schema(max_length = 128)]
    pub client_secret: Option<String>,
    /// Accepted and ignored: a token carries its role.
    #[schema(max_length = 256)]
    pub scope: Option<String>,
}

/// `password` or `client_credentials` (RFC 6749 §4.3 and §4.4); any other is 400
/// `unsupported_grant_type`.
#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
#[allow(dead_code)]
pub enum GrantType {
    Password,
    ClientCredentials,
}

impl TokenRequest {
    /// 422 naming every field longer than the document's `maxLength` for it.
    fn check_lengths(&self) -> ApiResult<()> {
        let limits = [
            ("/username", &self.username, 254),
            (
                "/password",
                &self.password,
                domain::user::Password::MAX_CHARS,
            ),
            ("/client_id", &self.client_id, 64),
            ("/client_secret", &self.client_secret, 128),
            ("/scope", &self.scope, 256),
        ];
        let mut fields = Fields::new();
        for (pointer, value, max) in limits {
            if let Some(value) = value {
                fields.at_most(pointer, value, max);
            }
        }
        if fields.is_empty() {
            Ok(())
        } else {
            Err(fields.into_error())
        }
    }
}

// No `Debug`: it holds an access token.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({"access_token": "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIwMTkzN2E0ZSJ9.c2lnbmF0dXJl", "token_type": "Bearer", "expires_in": 3600}))]
pub struct TokenResponse {
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: &'static str,
    /// Seconds until the token expires.
    pub expires_in: u64,
}

/// Get an access token.
#[utoipa::path(
    tag = "auth",
    operation_id = "create_token",
    summary = "Get an access token (password or client credentials grant)",
    security(()),
    request_body(content(
        (TokenRequest = "application/x-www-form-urlencoded"),
        (TokenRequest = "application/json")
    )),
    responses(
        (status = 200, description = "A bearer token", body = TokenResponse),
        (status = 400, description = "Wrong username or password (`invalid_grant`), or an unknown grant type (`unsupported_grant_type`)",
            body = crate::error::Problem, content_type = "application/problem+json",
            example = json!({"type": "urn:selvbetjening:problem:invalid_grant", "title": "The credentials were not accepted", "status": 400, "detail": "wrong username or password", "code": "invalid_grant", "request_id": "01937a4e-8f2c-7cc3-9a51-3b1f0c9d2e47"})),
        (status = 401, description = "Wrong client id or secret (`invalid_client`)",
            body = crate::error::Problem, content_type = "application/problem+json",
            example = json!({"type": "urn:selvbetjening:problem:invalid_client", "title": "The client credentials were not accepted", "status": 401, "detail": "wrong client id or secret", "code": "invalid_client", "request_id": "01937a4e-8f2c-7cc3-9a51-3b1f0c9d2e47"})),
        (status = 429, description = "Too many failed attempts; retry after `Retry-After` seconds",
            body = crate::error::Problem, content_type = "application/problem+json",
            headers(("Retry-After" = u64, description = "Seconds until another attempt is accepted")),
            example = json!({"type": "urn:selvbetjening:problem:too_many_requests", "title": "Too many requests", "status": 429, "detail": "too many failed logins; try again in 840 seconds", "code": "too_many_requests", "request_id": "01937a4e-8f2c-7cc3-9a51-3b1f0c9d2e47"}))
    )
)]
#[post("/auth/token")]
async fn token(
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    let mut body = read_request(&req, payload.into_inner()).await?;
    body.check_lengths()?;
    if let Some((id, secret)) = basic_credentials(&req) {
        body.client_id.get_or_insert(id);
        body.client_secret.get_or_insert(secret);
    }
    let credentials = credentials(&body)?;
    // The token counts as issued now, before the owner is checked: access taken away while
    // the password is being verified then ends this token too.
    let issued = uuid::Uuid::now_v7();
    let ip = crate::http::client::client_key(&req);
    let metrics = state.metrics.clone();
    // Waits here, holding neither a connection nor a thread, while the cores are hashing.
    let permit = crate::secrets::password_work().await?;
    let who = state
        .run(move |conn| crate::app::login::log_in(conn, &credentials, &ip, &metrics))
        .await?;
    drop(permit);
    let access_token = state
        .keys
        .issue_as_of(issued, who.id, who.role, who.company, &who.scope)?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(TokenResponse {
            access_token,
            token_type: "Bearer",
            expires_in: state.keys.ttl_seconds(),
        }))
}

async fn read_request(req: &HttpRequest, payload: Payload) -> ApiResult<TokenRequest> {
    let media = media_type(req);
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok()?.parse().ok());
    match media.as_deref() {
        Some(FORM) => {
            let bytes = read_limited(payload, declared).await?;
            without_nul(&bytes, "")?;
            serde_urlencoded::from_bytes(&bytes).map_err(|e| {
                let message = e.to_string();
                let field = message.split('`').nth(1).unwrap_or("");
                let (pointer, code) = if message.starts_with("unknown field") {
                    (format!("/{field}"), "unknown_field")
                } else if message.starts_with("missing field") {
                    (format!("/{field}"), "required")
                } else {
                    (String::new(), "invalid_value")
                };
                ApiError::field(&pointer, code, message)
            })
        }
        Some(m) if is_json(m) => parse_json(&read_limited(payload, declared).await?),
        other => Err(unsupported_media_type(other, FORM)),
    }
}

/// `Authorization: Basic base64(client_id:client_secret)` (RFC 6749 §2.3.1).
fn basic_credentials(req: &HttpRequest) -> Option<(String, String)> {
    let value = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let encoded = value.strip_prefix("Basic ")?;
    let decoded = base64_decode(encoded.trim())?;
    let text = String::from_utf8(decoded).ok()?;
    let (id, secret) = text.split_once(':')?;
    Some((id.to_owned(), secret.to_owned()))
}

fn base64_decode(input: &str) -> Option<Vec<u8>> {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.decode(input).ok()
}

/// The grant's credentials, each required field named when missing.
fn credentials(body: &TokenRequest) -> ApiResult<Credentials> {
    let mut fields = Fields::new();
    let credentials = match body.grant_type.as_str() {
        "password" => {
            let email = required(&mut fields, "/username", body.username.as_deref());
            let password = required(&mut fields, "/password", body.password.as_deref());
            email
                .zip(password)
                .map(|(email, password)| Credentials::Password {
                    email: email.trim().to_lowercase(),
                    password,
                })
        }
        "client_credentials" => {
            let id = required(&mut fields, "/client_id", body.client_id.as_deref());
            let secret = required(&mut fields, "/client_secret", body.client_secret.as_deref());
            id.zip(secret).map(|(id, secret)| Credentials::Client {
                id: id.trim().to_owned(),
                secret,
            })
        }
        other => {
            return Err(ApiError::bad_request(
                "unsupported_grant_type",
                format!(
                    "grant_type {other:?} is not supported; use password or client_credentials"
                ),
            ));
        }
    };
    credentials.ok_or_else(|| fields.into_error())
}

fn required(fields: &mut Fields, pointer: &str, value: Option<&str>) -> Option<String> {
    match value {
        Some(v) if !v.trim().is_empty() => Some(v.to_owned()),
        _ => {
            fields.push(
                pointer,
                "required",
                "this field is required for the grant type",
            );
            None
        }
    }
}
