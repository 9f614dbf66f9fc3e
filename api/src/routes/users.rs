//! A company's own users, run by its admins. The work is in [`crate::app::company_users`].

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, patch, post, web};
use domain::email::EmailAddress;
use domain::user::Role;
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::app::company_users::Change;
use crate::auth::UnscopedAdmin;
use crate::body::{Json, Query};
use crate::error::ApiResult;
use crate::fields::Fields;
use crate::http::preconditions::{etag, if_match, precondition_required};
use crate::http::{page_params, path_id};
use crate::state::AppState;
use crate::wire::users::{CompanyRole, CreatedUser, UserDto, scope_of};
use crate::wire::{Page, PageQuery};

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_users)
        .service(get_user)
        .service(invite_user)
        .service(edit_user)
        .service(reinvite_user);
}

/// A colleague to invite.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"email": "lars@nordlys.example", "role": "admin", "cost_centers": ["4100"]}))]
pub struct Invitation {
    #[schema(value_type = crate::wire::text::Email)]
    pub email: String,
    pub role: CompanyRole,
    /// Limits the colleague to the employees of these cost centres (1 to 50); absent or
    /// `null`: the whole company.
    #[serde(default)]
    #[schema(value_type = Option<Vec<crate::wire::text::Text50>>, min_items = 1, max_items = 50)]
    pub cost_centers: Option<Vec<String>>,
}

/// What to change of a colleague; a field left out stays as it is.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"role": "viewer"}))]
pub struct UserPatch {
    pub role: Option<CompanyRole>,
    /// `false`: the user cannot log in, and their tokens are refused.
    pub enabled: Option<bool>,
    /// The cost centres the colleague is limited to (1 to 50); `null`: the whole company.
    #[serde(default, deserialize_with = "crate::wire::users::present")]
    #[schema(value_type = Option<Vec<crate::wire::text::Text50>>, min_items = 1, max_items = 50)]
    pub cost_centers: Option<Option<Vec<String>>>,
}

/// The user with its version as ETag.
fn user(status: actix_web::http::StatusCode, user: persistence::users::User) -> HttpResponse {
    HttpResponse::build(status)
        .insert_header((header::ETAG, etag(user.version)))
        .json(UserDto::from(user))
}

/// The company's admins and viewers, oldest first.
#[utoipa::path(
    tag = "users",
    operation_id = "list_users",
    summary = "List the company's users",
    security(("oauth2" = []), ("bearer" = [])),
    params(PageQuery),
    responses((status = 200, description = "A page of users", body = Page<UserDto>))
)]
#[get("/users")]
async fn list_users(
    who: UnscopedAdmin,
    state: web::Data<AppState>,
    query: Query<PageQuery>,
) -> ApiResult<HttpResponse> {
    let (after, limit) = page_params(&query)?;
    let company = who.company();
    let page = state
        .run(move |conn| crate::app::company_users::list(conn, company, after, limit))
        .await?;
    Ok(HttpResponse::Ok().json(Page::<UserDto>::from(page)))
}

/// One of the company's users.
#[utoipa::path(
    tag = "users",
    operation_id = "get_user",
    summary = "Get a user of the company",
    security(("oauth2" = []), ("bearer" = [])),
    params(("id" = Uuid, Path, description = "The user's id")),
    responses((status = 200, description = "The user", body = UserDto, headers(("ETag" = String, description = "The user's version"))))
)]
#[get("/users/{id}")]
async fn get_user(
    who: UnscopedAdmin,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let id = path_id(&id, "the user")?;
    let company = who.company();
    let found = state
        .run(move |conn| crate::app::company_users::get(conn, company, id))
        .await?;
    Ok(user(actix_web::http::StatusCode::OK, found))
}

/// Invites a colleague as an admin or a viewer: the user exists at once and is emailed a
/// link to choose a password (valid 7 days).
#[utoipa::path(
    tag = "users",
    operation_id = "invite_user",
    summary = "Invite a colleague",
    security(("oauth2" = []), ("bearer" = [])),
    request_body = Invitation,
    responses(
        (status = 201, description = "The user; the invitation is on its way", body = CreatedUser,
            headers(("Location" = String, description = "The user's URL"), ("ETag" = String, description = "The user's version"))),
        (status = 409, description = "The email is in use (`email_taken`)", body = crate::error::Problem, content_type = "application/problem+json",
            example = json!({"type": "urn:selvbetjening:problem:email_taken", "title": "The request conflicts with the current state", "status": 409, "detail": "a user with this email exists", "code": "email_taken", "request_id": "01937a4e-8f2c-7cc3-9a51-3b1f0c9d2e47"})),
    )
)]
#[post("/users")]
async fn invite_user(
    who: UnscopedAdmin,
    state: web::Data<AppState>,
    body: Json<Invitation>,
) -> ApiResult<HttpResponse> {
    let mut fields = Fields::new();
    let email = fields.check("/email", EmailAddress::parse(&body.0.email));
    let scope = scope_of(&mut fields, body.0.cost_centers.as_deref());
    let (Some(email), Some(scope)) = (email, scope) else {
        return Err(fields.into_error());
    };
    let role = Role::from(body.0.role);
    let company = who.company();
    let settings = state.settings.clone();
    let invited = state
        .run(move |conn| {
            let invited = (&email, role, &scope);
            crate::app::company_users::invite(conn, &settings, &who.0, company, invited)
        })
        .await?;
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, format!("/users/{}", invited.id)))
        .insert_header((header::ETAG, etag(invited.version)))
        .json(CreatedUser {
            user: UserDto::from(invited),
            invitation_sent: true,
        }))
}

/// Changes a colleague's role, or disables or enables them. A disabled or re-roled user's
/// tokens are refused in every server process within `REVOCATION_REFRESH_MS`. The company
/// always keeps an enabled admin (409 `last_admin`), and nobody disables themself (409
/// `cannot_disable_self`). `If-Match` with the version read is required.
#[utoipa::path(
    tag = "users",
    operation_id = "edit_user",
    summary = "Change a colleague's role, or disable or enable them",
    security(("oauth2" = []), ("bearer" = [])),
    params(
        ("id" = Uuid, Path, description = "The user's id"),
        ("If-Match" = String, Header, max_length = 256, description = "The version read, e.g. `\"1\"`"),
    ),
    request_body(content = UserPatch, content_type = "application/merge-patch+json"),
    responses(
        (status = 200, description = "The user", body = UserDto, headers(("ETag" = String, description = "The new version"))),
        (status = 409, description = "The company's last enabled admin (`last_admin`), or yourself disabled (`cannot_disable_self`)", body = crate::error::Problem, content_type = "application/problem+json",
            example = json!({"type": "urn:selvbetjening:problem:last_admin", "title": "The request conflicts with the current state", "status": 409, "detail": "the company would have no enabled admin left; make another user an admin first", "code": "last_admin", "request_id": "01937a4e-8f2c-7cc3-9a51-3b1f0c9d2e47"})),
    )
)]
#[patch("/users/{id}")]
async fn edit_user(
    req: HttpRequest,
    who: UnscopedAdmin,
    state: web::Data<AppState>,
    id: web::Path<String>,
    body: Json<UserPatch>,
) -> ApiResult<HttpResponse> {
    let id = path_id(&id, "the user")?;
    let expected = if_match(&req)?.ok_or_else(precondition_required)?;
    let mut fields = Fields::new();
    let scope = match &body.0.cost_centers {
        None => None,
        Some(centers) => match scope_of(&mut fields, centers.as_deref()) {
            Some(scope) => Some(scope),
            None => return Err(fields.into_error()),
        },
    };
    let change = Change {
        role: body.0.role.map(Role::from),
        enabled: body.0.enabled,
        scope,
    };
    let company = who.company();
    let (changed, revoked) = state
        .run(move |conn| {
            crate::app::company_users::change(conn, &who.0, company, id, &expected, change)
        })
        .await?;
    if revoked {
        state
            .revocations
            .note(changed.id, persistence::machine_now());
    }
    Ok(user(actix_web::http::StatusCode::OK, changed))
}

/// Emails a colleague who has not chosen a password yet a new invitation (valid 7 days);
/// the earlier one stops working.
#[utoipa::path(
    tag = "users",
    operation_id = "reinvite_user",
    summary = "Send a colleague a new invitation",
    security(("oauth2" = []), ("bearer" = [])),
    params(("id" = Uuid, Path, description = "The user's id")),
    responses(
        (status = 202, description = "The invitation is on its way", body = CreatedUser),
        (status = 409, description = "The user has chosen a password (`user_has_password`)", body = crate::error::Problem, content_type = "application/problem+json",
            example = json!({"type": "urn:selvbetjening:problem:user_has_password", "title": "The request conflicts with the current state", "status": 409, "detail": "the user has chosen a password; they can reset it themselves", "code": "user_has_password", "request_id": "01937a4e-8f2c-7cc3-9a51-3b1f0c9d2e47"})),
    )
)]
#[post("/users/{id}/invitation")]
async fn reinvite_user(
    who: UnscopedAdmin,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let id = path_id(&id, "the user")?;
    let company = who.company();
    let settings = state.settings.clone();
    let invited = state
        .run(move |conn| crate::app::company_users::reinvite(conn, &settings, &who.0, company, id))
        .await?;
    Ok(HttpResponse::Accepted().json(CreatedUser {
        user: UserDto::from(invited),
        invitation_sent: true,
    }))
}
