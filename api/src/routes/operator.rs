//! The operator's back office: companies, their users and API clients, number pools.

use actix_web::http::header;
use actix_web::{HttpResponse, get, post, web};
use chrono::{DateTime, Utc};
use domain::company::{Cvr, EmailDomain};
use domain::email::EmailAddress;
use domain::number::{DanishNumber, NumberState};
use domain::text::CompanyName;
use domain::user::{Password, Role};
use garde::Validate;
use persistence::companies::{Company, NewCompany};
use persistence::numbers::PoolNumber;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use super::{Page, PageQuery, audit, path_id, utc};
use crate::auth::{OperatorStaff, Principal, random_secret};
use crate::body::Json;
use crate::error::{ApiError, ApiResult, FieldError};
use crate::fields::Fields;
use crate::state::AppState;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(create_company)
        .service(list_companies)
        .service(get_company)
        .service(create_company_user)
        .service(create_company_client)
        .service(add_company_numbers)
        .service(add_operator_numbers)
        .service(list_outbox);
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"cvr": "10150817", "name": "Nordlys Rådgivning ApS", "email_domain": "nordlys.example"}))]
pub struct CreateCompany {
    /// CVR number: 8 digits with a valid modulus-11 check.
    #[schema(value_type = crate::openapi::text::CvrNumber)]
    pub cvr: String,
    #[schema(value_type = crate::openapi::text::Text100)]
    pub name: String,
    /// The domain of the employees' email and sign-in addresses.
    #[schema(value_type = crate::openapi::text::DomainName)]
    pub email_domain: String,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": "01937a4e-8f2c-7cc3-9a51-3b1f0c9d2e47", "cvr": "10150817", "name": "Nordlys Rådgivning ApS", "email_domain": "nordlys.example", "created_at": "2026-11-25T09:30:00Z"}))]
pub struct CompanyDto {
    pub id: Uuid,
    pub cvr: String,
    pub name: String,
    pub email_domain: String,
    pub created_at: DateTime<Utc>,
}

impl From<Company> for CompanyDto {
    fn from(c: Company) -> Self {
        CompanyDto {
            id: c.id,
            cvr: c.cvr.as_str().to_owned(),
            name: c.name.as_str().to_owned(),
            email_domain: c.email_domain.as_str().to_owned(),
            created_at: utc(c.created_at),
        }
    }
}

/// Register a company.
#[utoipa::path(
    tag = "operator",
    operation_id = "create_company",
    summary = "Register a company",
    security(("oauth2" = []), ("bearer" = [])),
    request_body = CreateCompany,
    responses(
        (status = 201, description = "The company", body = CompanyDto,
            headers(("Location" = String, description = "The company's URL"))),
        (status = 409, description = "A company with this CVR exists (`cvr_taken`)", body = crate::error::Problem,
            content_type = "application/problem+json",
            example = json!({"type": "urn:selvbetjening:problem:cvr_taken", "title": "The request conflicts with the current state", "status": 409, "detail": "a company with CVR 10150817 is already registered", "code": "cvr_taken", "request_id": "01937a4e-8f2c-7cc3-9a51-3b1f0c9d2e47"}))
    )
)]
#[post("/operator/companies")]
async fn create_company(
    who: OperatorStaff,
    state: web::Data<AppState>,
    body: Json<CreateCompany>,
) -> ApiResult<HttpResponse> {
    let body = body.0;
    let mut fields = Fields::new();
    let cvr = fields.check("/cvr", Cvr::parse(&body.cvr));
    let name = fields.check("/name", CompanyName::parse(&body.name));
    let email_domain = fields.check("/email_domain", EmailDomain::parse(&body.email_domain));
    let (Some(cvr), Some(name), Some(email_domain)) = (cvr, name, email_domain) else {
        return Err(fields.into_error());
    };
    let new = NewCompany {
        cvr,
        name,
        email_domain,
    };
    let company = state
        .write(move |conn| {
            let company = persistence::companies::insert(conn, &new).map_err(|e| match e {
                persistence::Error::Conflict { .. } => ApiError::conflict(
                    "cvr_taken",
                    format!("a company with CVR {} is already registered", new.cvr),
                ),
                other => other.into(),
            })?;
            audit(
                conn,
                &who.0,
                Some(company.id),
                "company.created",
                ("company", company.id.to_string()),
                serde_json::json!({"cvr": company.cvr.as_str()}),
            )?;
            Ok(company)
        })
        .await?;
    Ok(HttpResponse::Created()
        .insert_header((
            header::LOCATION,
            format!("/operator/companies/{}", company.id),
        ))
        .json(CompanyDto::from(company)))
}

/// All companies, oldest first.
#[utoipa::path(
    tag = "operator",
    operation_id = "list_companies",
    summary = "List companies",
    security(("oauth2" = []), ("bearer" = [])),
    params(PageQuery),
    responses((status = 200, description = "A page of companies", body = Page<CompanyDto>))
)]
#[get("/operator/companies")]
async fn list_companies(
    _who: OperatorStaff,
    state: web::Data<AppState>,
    query: crate::body::Query<PageQuery>,
) -> ApiResult<HttpResponse> {
    let (after, limit) = query.parse()?;
    let page = state
        .read(move |conn| Ok(persistence::companies::list(conn, after, limit)?))
        .await?;
    Ok(HttpResponse::Ok().json(Page::<CompanyDto>::from(page)))
}

/// One company.
#[utoipa::path(
    tag = "operator",
    operation_id = "get_company",
    summary = "Get a company",
    security(("oauth2" = []), ("bearer" = [])),
    params(("id" = Uuid, Path, description = "The company's id")),
    responses((status = 200, description = "The company", body = CompanyDto))
)]
#[get("/operator/companies/{id}")]
async fn get_company(
    _who: OperatorStaff,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let id = path_id(&id, "the company")?;
    let company = state.read(move |conn| find_company(conn, id)).await?;
    Ok(HttpResponse::Ok().json(CompanyDto::from(company)))
}

fn find_company(conn: &mut persistence::DbConnection, id: Uuid) -> ApiResult<Company> {
    persistence::companies::get(conn, id).map_err(|e| match e {
        persistence::Error::NotFound => ApiError::not_found("the company"),
        other => other.into(),
    })
}

#[derive(Debug, Clone, Copy, Deserialize, Serialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum CompanyRole {
    Admin,
    Viewer,
}

impl From<CompanyRole> for Role {
    fn from(r: CompanyRole) -> Self {
        match r {
            CompanyRole::Admin => Role::Admin,
            CompanyRole::Viewer => Role::Viewer,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"email": "mette@nordlys.example", "role": "admin", "password": "en-lang-adgangskode"}))]
pub struct CreateUser {
    #[schema(value_type = crate::openapi::text::Email)]
    pub email: String,
    pub role: CompanyRole,
    /// 12 to 128 characters.
    #[schema(value_type = crate::openapi::text::Password)]
    pub password: String,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": "01937a4e-9b10-7d2e-8f3a-1c2d3e4f5a6b", "email": "mette@nordlys.example", "role": "admin", "company_id": "01937a4e-8f2c-7cc3-9a51-3b1f0c9d2e47", "created_at": "2026-11-25T09:31:00Z"}))]
pub struct UserDto {
    pub id: Uuid,
    pub email: String,
    pub role: String,
    pub company_id: Option<Uuid>,
    pub created_at: DateTime<Utc>,
}

impl From<persistence::users::User> for UserDto {
    fn from(u: persistence::users::User) -> Self {
        UserDto {
            id: u.id,
            email: u.email.as_str().to_owned(),
            role: u.role.as_str().to_owned(),
            company_id: u.company_id,
            created_at: utc(u.created_at),
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
        (status = 201, description = "The user", body = UserDto),
        (status = 409, description = "The email is in use (`email_taken`)", body = crate::error::Problem,
            content_type = "application/problem+json",
            example = json!({"type": "urn:selvbetjening:problem:email_taken", "title": "The request conflicts with the current state", "status": 409, "detail": "a user with this email exists", "code": "email_taken", "request_id": "01937a4e-8f2c-7cc3-9a51-3b1f0c9d2e47"}))
    )
)]
#[post("/operator/companies/{id}/users")]
async fn create_company_user(
    who: OperatorStaff,
    state: web::Data<AppState>,
    id: web::Path<String>,
    body: Json<CreateUser>,
) -> ApiResult<HttpResponse> {
    let company_id = path_id(&id, "the company")?;
    let body = body.0;
    let mut fields = Fields::new();
    let email = fields.check("/email", EmailAddress::parse(&body.email));
    let password = fields.check("/password", Password::parse(&body.password));
    let (Some(email), Some(password)) = (email, password) else {
        return Err(fields.into_error());
    };
    let role = Role::from(body.role);
    let hash = super::token::hash(password.expose_secret().to_owned()).await?;
    let user = state
        .write(move |conn| {
            find_company(conn, company_id)?;
            let user = create_user(conn, &email, &hash, role, Some(company_id))?;
            audit(
                conn,
                &who.0,
                Some(company_id),
                "user.created",
                ("user", user.id.to_string()),
                serde_json::json!({"email": user.email.as_str(), "role": role.as_str()}),
            )?;
            Ok(user)
        })
        .await?;
    Ok(HttpResponse::Created().json(UserDto::from(user)))
}

/// Creates a login; an email in use is `email_taken`. Shared by the API, the CLI and the demo.
pub fn create_user(
    conn: &mut persistence::DbConnection,
    email: &EmailAddress,
    hash: &str,
    role: Role,
    company: Option<Uuid>,
) -> ApiResult<persistence::users::User> {
    persistence::users::insert(conn, email, hash, role, company).map_err(|e| match e {
        persistence::Error::Conflict { .. } => {
            ApiError::conflict("email_taken", "a user with this email exists")
        }
        other => other.into(),
    })
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

#[derive(Debug, Serialize, ToSchema)]
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
#[post("/operator/companies/{id}/clients")]
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
    let hash = super::token::hash(secret.clone()).await?;
    let client = state
        .write(move |conn| {
            find_company(conn, company_id)?;
            let client = persistence::clients::insert(conn, company_id, &name, role, &hash)?;
            audit(
                conn,
                &who.0,
                Some(company_id),
                "client.created",
                ("api_client", client.id.to_string()),
                serde_json::json!({"name": client.name, "role": role.as_str()}),
            )?;
            Ok(client)
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

pub const MAX_NUMBERS_PER_REQUEST: usize = 1000;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"numbers": ["+4520123456", "+4520123457", "+4520123458"]}))]
pub struct AddNumbers {
    /// 1 to 1000 Danish mobile numbers, each once. E.164 is the documented spelling; 8
    /// digits, `0045…` and spaces are accepted too, and two spellings of one number are
    /// a repeat.
    #[schema(min_items = 1, max_items = 1000, value_type = BTreeSet<crate::openapi::text::MobileNumberE164>)]
    pub numbers: Vec<String>,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": "01937a4e-c3d4-7e5f-9a0b-1c2d3e4f5a6b", "number": "+4520123456", "source": "company", "state": "available", "reserved_until": null}))]
pub struct PoolNumberDto {
    pub id: Uuid,
    /// E.164.
    pub number: String,
    /// `company` (the company's own pool) or `operator` (the operator's general pool).
    pub source: &'static str,
    /// `available`, `reserved` or `assigned`.
    pub state: String,
    pub reserved_until: Option<DateTime<Utc>>,
}

impl From<PoolNumber> for PoolNumberDto {
    fn from(n: PoolNumber) -> Self {
        PoolNumberDto {
            id: n.id,
            number: n.number.as_str().to_owned(),
            source: if n.company_id.is_some() {
                "company"
            } else {
                "operator"
            },
            state: n.state.as_str().to_owned(),
            reserved_until: n.reserved_until.map(utc),
        }
    }
}

/// Parses every number, reporting each bad one and each repeat at its index.
fn parse_numbers(body: &AddNumbers) -> ApiResult<Vec<DanishNumber>> {
    let mut fields = Fields::new();
    if body.numbers.is_empty() || body.numbers.len() > MAX_NUMBERS_PER_REQUEST {
        fields.push(
            "/numbers",
            "invalid_length",
            format!("send 1 to {MAX_NUMBERS_PER_REQUEST} numbers"),
        );
        return Err(fields.into_error());
    }
    let mut parsed = Vec::with_capacity(body.numbers.len());
    let mut seen = std::collections::HashSet::new();
    for (i, raw) in body.numbers.iter().enumerate() {
        if let Some(number) =
            fields.check(&format!("/numbers/{i}"), DanishNumber::parse_mobile(raw))
        {
            if seen.insert(number.as_str().to_owned()) {
                parsed.push(number);
            } else {
                fields.push(
                    format!("/numbers/{i}"),
                    "duplicate",
                    format!("{number} is listed twice"),
                );
            }
        }
    }
    if fields.is_empty() {
        Ok(parsed)
    } else {
        Err(fields.into_error())
    }
}

async fn add_numbers(
    who: Principal,
    state: &AppState,
    company: Option<Uuid>,
    body: AddNumbers,
) -> ApiResult<HttpResponse> {
    let numbers = parse_numbers(&body)?;
    let added = state
        .write(move |conn| {
            if let Some(company) = company {
                find_company(conn, company)?;
            }
            let taken = persistence::numbers::existing(conn, &numbers)?;
            if !taken.is_empty() {
                let errors = numbers
                    .iter()
                    .enumerate()
                    .filter(|(_, n)| taken.iter().any(|t| t == n.as_str()))
                    .map(|(i, n)| {
                        FieldError::new(
                            format!("/numbers/{i}"),
                            "number_taken",
                            format!("{n} is already in a pool"),
                        )
                    })
                    .collect();
                return Err(ApiError::conflict(
                    "number_taken",
                    "some numbers are already in a pool",
                )
                .with_errors(errors));
            }
            let added = persistence::numbers::add_to_pool(conn, company, &numbers).map_err(
                |e| match e {
                    persistence::Error::Conflict { .. } => ApiError::conflict(
                        "number_taken",
                        "a number was added by someone else at the same time",
                    ),
                    other => other.into(),
                },
            )?;
            let pool = if company.is_some() {
                "company"
            } else {
                "operator"
            };
            audit(
                conn,
                &who,
                company,
                "numbers.added",
                (
                    "number_pool",
                    company.map_or_else(|| "operator".to_owned(), |c| c.to_string()),
                ),
                serde_json::json!({"pool": pool, "count": added.len()}),
            )?;
            Ok(added)
        })
        .await?;
    debug_assert!(added.iter().all(|n| n.state == NumberState::Available));
    Ok(HttpResponse::Created().json(Page::all(
        added
            .into_iter()
            .map(PoolNumberDto::from)
            .collect::<Vec<_>>(),
    )))
}

/// Add free numbers to a company's own pool.
#[utoipa::path(
    tag = "operator",
    operation_id = "add_company_numbers",
    summary = "Add free numbers to a company's pool",
    security(("oauth2" = []), ("bearer" = [])),
    params(("id" = Uuid, Path, description = "The company's id")),
    request_body = AddNumbers,
    responses(
        (status = 201, description = "The numbers added, all `available`", body = Page<PoolNumberDto>),
        (status = 409, description = "Some numbers are already in a pool (`number_taken`); `errors` points at each", body = crate::error::Problem,
            content_type = "application/problem+json",
            example = json!({"type": "urn:selvbetjening:problem:number_taken", "title": "The request conflicts with the current state", "status": 409, "detail": "some numbers are already in a pool", "code": "number_taken", "request_id": "01937a4e-8f2c-7cc3-9a51-3b1f0c9d2e47", "errors": [{"pointer": "/numbers/1", "code": "number_taken", "message": "+4520123457 is already in a pool"}]}))
    )
)]
#[post("/operator/companies/{id}/numbers")]
async fn add_company_numbers(
    who: OperatorStaff,
    state: web::Data<AppState>,
    id: web::Path<String>,
    body: Json<AddNumbers>,
) -> ApiResult<HttpResponse> {
    let company = path_id(&id, "the company")?;
    add_numbers(who.0, &state, Some(company), body.0).await
}

/// Add free numbers to the operator's general pool.
#[utoipa::path(
    tag = "operator",
    operation_id = "add_operator_numbers",
    summary = "Add free numbers to the operator's pool",
    security(("oauth2" = []), ("bearer" = [])),
    request_body = AddNumbers,
    responses(
        (status = 201, description = "The numbers added, all `available`", body = Page<PoolNumberDto>),
        (status = 409, description = "Some numbers are already in a pool (`number_taken`); `errors` points at each", body = crate::error::Problem,
            content_type = "application/problem+json",
            example = json!({"type": "urn:selvbetjening:problem:number_taken", "title": "The request conflicts with the current state", "status": 409, "detail": "some numbers are already in a pool", "code": "number_taken", "request_id": "01937a4e-8f2c-7cc3-9a51-3b1f0c9d2e47", "errors": [{"pointer": "/numbers/0", "code": "number_taken", "message": "+4593000000 is already in a pool"}]}))
    )
)]
#[post("/operator/numbers")]
async fn add_operator_numbers(
    who: OperatorStaff,
    state: web::Data<AppState>,
    body: Json<AddNumbers>,
) -> ApiResult<HttpResponse> {
    add_numbers(who.0, &state, None, body.0).await
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "01937a50-0000-7cc3-9a51-3b1f0c9d2e47", "company_id": "01937a4e-8f2c-7cc3-9a51-3b1f0c9d2e47",
    "kind": "welcome", "recipient": "mette@nordlys.example", "subject": "Velkommen – dit nye mobilabonnement er klar",
    "status": "sent", "attempts": 1, "next_attempt_at": "2026-11-25T09:35:00Z", "last_error": null,
    "created_at": "2026-11-25T09:35:00Z", "sent_at": "2026-11-25T09:35:01Z"
}))]
pub struct OutboxMessageDto {
    pub id: String,
    pub company_id: Option<String>,
    /// `welcome`, `poa_request`, …
    pub kind: String,
    pub recipient: String,
    pub subject: String,
    /// `pending`, `sent` or `failed` (given up after 10 attempts).
    pub status: String,
    pub attempts: i32,
    pub next_attempt_at: DateTime<Utc>,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
}

impl From<persistence::outbox::Message> for OutboxMessageDto {
    fn from(m: persistence::outbox::Message) -> Self {
        OutboxMessageDto {
            id: m.id,
            company_id: m.company_id,
            kind: m.kind,
            recipient: m.recipient,
            subject: m.subject,
            status: m.status,
            attempts: m.attempts,
            next_attempt_at: utc(m.next_attempt_at),
            last_error: m.last_error,
            created_at: utc(m.created_at),
            sent_at: m.sent_at.map(utc),
        }
    }
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct OutboxQuery {
    /// Only messages in this state: `pending`, `sent` or `failed`.
    #[param(value_type = Option<OutboxStatus>, inline, example = "pending")]
    pub status: Option<String>,
    /// `next_cursor` of the previous page.
    #[param(value_type = Option<crate::openapi::text::ListCursor>, inline)]
    pub cursor: Option<String>,
    /// Items per page, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200, example = 50)]
    pub limit: Option<i64>,
}

/// The emails the service has queued and sent, oldest first.
#[utoipa::path(
    tag = "operator",
    operation_id = "list_outbox",
    summary = "List outgoing email",
    security(("oauth2" = []), ("bearer" = [])),
    params(OutboxQuery),
    responses((status = 200, description = "A page of messages", body = Page<OutboxMessageDto>))
)]
#[get("/operator/outbox")]
async fn list_outbox(
    _who: OperatorStaff,
    state: web::Data<AppState>,
    query: crate::body::Query<OutboxQuery>,
) -> ApiResult<HttpResponse> {
    let (after, limit, status) = super::list_params::<OutboxState>(
        query.cursor.as_deref(),
        query.limit,
        query.status.as_deref(),
        "pending, sent, failed",
    )?;
    let status = status.map(|s| s.0);
    let page = state
        .read(move |conn| {
            Ok(persistence::outbox::list(
                conn,
                status.as_deref(),
                after,
                limit,
            )?)
        })
        .await?;
    Ok(HttpResponse::Ok().json(Page::<OutboxMessageDto>::from(page)))
}

/// A delivery state of an outbox message.
#[derive(ToSchema)]
#[schema(rename_all = "lowercase")]
#[allow(dead_code)]
pub enum OutboxStatus {
    Pending,
    Sent,
    Failed,
}

/// A delivery state of the outbox, as a list filter.
struct OutboxState(String);

impl std::str::FromStr for OutboxState {
    type Err = ();
    fn from_str(s: &str) -> Result<Self, ()> {
        matches!(s, "pending" | "sent" | "failed")
            .then(|| OutboxState(s.to_owned()))
            .ok_or(())
    }
}
