//! The operator gives companies access: their admins and viewers, and API clients for
//! their integrations.

use actix_web::http::header;
use actix_web::{HttpResponse, delete, get, patch, post, web};
use chrono::{DateTime, Utc};
use domain::email::EmailAddress;
use domain::user::{Password, Role};
use garde::Validate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use crate::app::operator::FirstPassword;
use crate::auth::OperatorStaff;
use crate::body::{Json, Query};
use crate::error::ApiResult;
use crate::fields::Fields;
use crate::http::{page_params, path_id};
use crate::secrets::{hash_password, random_secret};
use crate::state::AppState;
use crate::wire::users::{CompanyRole, CreatedUser, UserDto};
use crate::wire::{Page, PageQuery, utc};

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(create_company_user)
        .service(list_company_users)
        .service(change_user)
        .service(send_invitation)
        .service(create_company_client)
        .service(list_company_clients)
        .service(revoke_client);
}

// No `Debug`: it holds a password.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"email": "mette@nordlys.example", "role": "admin"}))]
pub struct CreateUser {
    #[schema(value_type = crate::wire::text::Email)]
    pub email: String,
    pub role: CompanyRole,
    /// 12 to 128 characters. Leave it out to email the user an invitation to choose one
    /// (a single-use link, valid 7 days).
    #[serde(default)]
    #[schema(value_type = crate::wire::text::Password)]
    pub password: Option<String>,
}

/// Enables or disables a user.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"enabled": false}))]
pub struct UserChange {
    pub enabled: bool,
}

/// An API client, without its secret.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"client_id": "01937a4e-a1b2-7c3d-8e4f-5a6b7c8d9e0f", "name": "HR-system", "role": "admin", "company_id": "01937a4e-8f2c-7cc3-9a51-3b1f0c9d2e47", "created_at": "2026-11-25T09:32:00Z"}))]
pub struct ClientDto {
    pub client_id: Uuid,
    pub name: String,
    pub role: String,
    pub company_id: Uuid,
    pub created_at: DateTime<Utc>,
}

impl From<persistence::clients::ApiClient> for ClientDto {
    fn from(c: persistence::clients::ApiClient) -> Self {
        ClientDto {
            client_id: c.id,
            name: c.name,
            role: c.role.as_str().to_owned(),
            company_id: c.company_id,
            created_at: utc(c.created_at),
        }
    }
}

/// Create a company's admin or viewer.
#[utoipa::path(
    tag = "operator",
    operation_id = "create_company_user",
    summary = "Create a company user (admin or viewer)",
    security(("oauth2" = []), ("bearer" = [])),
    params(("id" = Uuid, Path, description = "The company's id")),
    request_body = CreateUser,
    responses(
        (status = 201, description = "The user, and whether an invitation went out", body = CreatedUser),
        (status = 409, description = "The email is in use (`email_taken`)", body = crate::error::Problem,
            content_type = "application/problem+json",
            example = json!({"type": "urn:selvbetjening:problem:email_taken", "title": "The request conflicts with the current state", "status": 409, "detail": "a user with this email exists", "code": "email_taken", "request_id": "01937a4e-8f2c-7cc3-9a51-3b1f0c9d2e47"}))
    )
)]
#[post("/companies/{id}/users")]
async fn create_company_user(
    who: OperatorStaff,
    state: web::Data<AppState>,
    id: web::Path<String>,
    body: Json<CreateUser>,
) -> ApiResult<HttpResponse> {
    let company_id = path_id(&id, "the company")?;
    let (email, password, role) = new_user_of(body.0)?;
    let hash = match password {
        Some(password) => Some(hash_password(password.expose_secret().to_owned()).await?),
        None => None,
    };
    let invitation_sent = hash.is_none();
    let settings = state.settings.clone();
    let user = state
        .run(move |conn| {
            let first = match &hash {
                Some(hash) => FirstPassword::Hash(hash),
                None => FirstPassword::Invitation(&settings),
            };
            crate::app::operator::create_user(
                conn,
                Some(&who.0),
                &email,
                first,
                role,
                (Some(company_id), &domain::user::Scope::Company),
            )
        })
        .await?;
    Ok(HttpResponse::Created().json(CreatedUser {
        user: UserDto::from(user),
        invitation_sent,
    }))
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "HR-system", "role": "admin"}))]
pub struct CreateClient {
    /// What the integration is, for people reading the audit log.
    #[garde(length(chars, min = 1, max = 100))]
    #[schema(min_length = 1, max_length = 100)]
    pub name: String,
    /// Default `admin`.
    #[garde(skip)]
    pub role: Option<CompanyRole>,
}

// No `Debug`: it holds the client secret.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({"client_id": "01937a4e-a1b2-7c3d-8e4f-5a6b7c8d9e0f", "client_secret": "3f9c1e…64 hex characters…", "name": "HR-system", "role": "admin", "company_id": "01937a4e-8f2c-7cc3-9a51-3b1f0c9d2e47", "created_at": "2026-11-25T09:32:00Z"}))]
pub struct ClientCredentials {
    pub client_id: Uuid,
    /// Shown this once; only its hash is kept.
    pub client_secret: String,
    pub name: String,
    pub role: String,
    pub company_id: Uuid,
    pub created_at: DateTime<Utc>,
}

/// Create API credentials for a company's partner integration.
#[utoipa::path(
    tag = "operator",
    operation_id = "create_company_client",
    summary = "Create API client credentials for a company",
    security(("oauth2" = []), ("bearer" = [])),
    params(("id" = Uuid, Path, description = "The company's id")),
    request_body = CreateClient,
    responses((status = 201, description = "The credentials; the secret is shown only now", body = ClientCredentials))
)]
#[post("/companies/{id}/clients")]
async fn create_company_client(
    who: OperatorStaff,
    state: web::Data<AppState>,
    id: web::Path<String>,
    body: Json<CreateClient>,
) -> ApiResult<HttpResponse> {
    let company_id = path_id(&id, "the company")?;
    let body = body.0;
    let mut fields = Fields::new();
    fields.garde(body.validate());
    if !fields.is_empty() {
        return Err(fields.into_error());
    }
    let name = body.name.trim().to_owned();
    let role = Role::from(body.role.unwrap_or(CompanyRole::Admin));
    let secret = random_secret()?;
    let hash = hash_password(secret.clone()).await?;
    let client = state
        .run(move |conn| {
            crate::app::operator::create_client(conn, &who.0, company_id, &name, role, &hash)
        })
        .await?;
    Ok(HttpResponse::Created()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(ClientCredentials {
            client_id: client.id,
            client_secret: secret,
            name: client.name,
            role: client.role.as_str().to_owned(),
            company_id: client.company_id,
            created_at: utc(client.created_at),
        }))
}

/// The new user's address, password (none: invite them) and role, every wrong field named.
fn new_user_of(body: CreateUser) -> ApiResult<(EmailAddress, Option<Password>, Role)> {
    let mut fields = Fields::new();
    let email = fields.check("/email", EmailAddress::parse(&body.email));
    let password = match body.password.as_deref() {
        None => Some(None),
        Some(given) => fields.check("/password", Password::parse(given)).map(Some),
    };
    match (email, password) {
        (Some(email), Some(password)) => Ok((email, password, Role::from(body.role))),
        _ => Err(fields.into_error()),
    }
}

/// A company's admins and viewers, oldest first.
#[utoipa::path(
    tag = "operator",
    operation_id = "list_company_users",
    summary = "List a company's users",
    security(("oauth2" = []), ("bearer" = [])),
    params(("id" = Uuid, Path, description = "The company's id"), PageQuery),
    responses((status = 200, description = "A page of users", body = Page<UserDto>))
)]
#[get("/companies/{id}/users")]
async fn list_company_users(
    _who: OperatorStaff,
    state: web::Data<AppState>,
    id: web::Path<String>,
    query: Query<PageQuery>,
) -> ApiResult<HttpResponse> {
    let company = path_id(&id, "the company")?;
    let (after, limit) = page_params(&query)?;
    let page = state
        .run(move |conn| crate::app::operator::users(conn, company, after, limit))
        .await?;
    Ok(HttpResponse::Ok().json(Page::<UserDto>::from(page)))
}

/// Disables a user, or enables them again. A disabled user cannot log in, and every token
/// issued to them so far is refused in every server process within
/// `REVOCATION_REFRESH_MS` (10 s by default). An operator cannot disable themselves.
#[utoipa::path(
    tag = "operator",
    operation_id = "change_user",
    summary = "Disable or enable a user",
    security(("oauth2" = []), ("bearer" = [])),
    params(("id" = Uuid, Path, description = "The user's id")),
    request_body(content = UserChange, content_type = "application/merge-patch+json"),
    responses(
        (status = 200, description = "The user", body = UserDto),
        (status = 409, description = "Operators cannot disable themselves (`cannot_disable_yourself`)", body = crate::error::Problem, content_type = "application/problem+json",
            example = json!({"type": "urn:selvbetjening:problem:cannot_disable_yourself", "title": "The request conflicts with the current state", "status": 409, "detail": "you cannot disable your own login; ask another operator", "code": "cannot_disable_yourself", "request_id": "01937a4e-8f2c-7cc3-9a51-3b1f0c9d2e47"})),
    )
)]
#[patch("/users/{id}")]
async fn change_user(
    who: OperatorStaff,
    state: web::Data<AppState>,
    id: web::Path<String>,
    body: Json<UserChange>,
) -> ApiResult<HttpResponse> {
    let id = path_id(&id, "the user")?;
    let enabled = body.0.enabled;
    let user = state
        .run(move |conn| crate::app::operator::set_user_enabled(conn, &who.0, id, enabled))
        .await?;
    if !enabled {
        state.revocations.note(user.id, persistence::machine_now());
    }
    Ok(HttpResponse::Ok().json(UserDto::from(user)))
}

/// A company's API clients that are not revoked, oldest first, without secrets.
#[utoipa::path(
    tag = "operator",
    operation_id = "list_company_clients",
    summary = "List a company's API clients",
    security(("oauth2" = []), ("bearer" = [])),
    params(("id" = Uuid, Path, description = "The company's id"), PageQuery),
    responses((status = 200, description = "A page of API clients", body = Page<ClientDto>))
)]
#[get("/companies/{id}/clients")]
async fn list_company_clients(
    _who: OperatorStaff,
    state: web::Data<AppState>,
    id: web::Path<String>,
    query: Query<PageQuery>,
) -> ApiResult<HttpResponse> {
    let company = path_id(&id, "the company")?;
    let (after, limit) = page_params(&query)?;
    let page = state
        .run(move |conn| crate::app::operator::clients(conn, company, after, limit))
        .await?;
    Ok(HttpResponse::Ok().json(Page::<ClientDto>::from(page)))
}

/// Revokes an API client: it can no longer get tokens, and every token it has is refused
/// in every server process within `REVOCATION_REFRESH_MS` (10 s by default).
#[utoipa::path(
    tag = "operator",
    operation_id = "revoke_client",
    summary = "Revoke an API client",
    security(("oauth2" = []), ("bearer" = [])),
    params(("id" = Uuid, Path, description = "The client's id")),
    responses((status = 204, description = "Revoked"))
)]
#[delete("/clients/{id}")]
async fn revoke_client(
    who: OperatorStaff,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let id = path_id(&id, "the API client")?;
    state
        .run(move |conn| crate::app::operator::revoke_client(conn, &who.0, id))
        .await?;
    state.revocations.note(id, persistence::machine_now());
    Ok(HttpResponse::NoContent().finish())
}

/// Emails a user who has not chosen a password yet a new invitation (valid 7 days); the
/// earlier one stops working.
#[utoipa::path(
    tag = "operator",
    operation_id = "send_invitation",
    summary = "Send a user a new invitation",
    security(("oauth2" = []), ("bearer" = [])),
    params(("id" = Uuid, Path, description = "The user's id")),
    responses(
        (status = 202, description = "The invitation is on its way", body = CreatedUser),
        (status = 409, description = "The user has chosen a password (`user_has_password`)", body = crate::error::Problem, content_type = "application/problem+json",
            example = json!({"type": "urn:selvbetjening:problem:user_has_password", "title": "The request conflicts with the current state", "status": 409, "detail": "the user has chosen a password; they can reset it themselves", "code": "user_has_password", "request_id": "01937a4e-8f2c-7cc3-9a51-3b1f0c9d2e47"})),
    )
)]
#[post("/users/{id}/invitation")]
async fn send_invitation(
    who: OperatorStaff,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let id = path_id(&id, "the user")?;
    let settings = state.settings.clone();
    let user = state
        .run(move |conn| crate::app::login_help::reinvite(conn, &settings, &who.0, id))
        .await?;
    Ok(HttpResponse::Accepted().json(CreatedUser {
        user: UserDto::from(user),
        invitation_sent: true,
    }))
}
