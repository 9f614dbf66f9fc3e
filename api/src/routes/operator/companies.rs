//! The operator registers companies and reads them.

use actix_web::http::header;
use actix_web::{HttpResponse, get, patch, post, web};
use chrono::{DateTime, Utc};
use domain::company::{Cvr, EmailDomain};
use domain::text::CompanyName;
use persistence::companies::{Company, NewCompany};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use crate::auth::OperatorStaff;
use crate::body::{Json, Query};
use crate::error::ApiResult;
use crate::fields::Fields;
use crate::http::{page_params, path_id};
use crate::state::AppState;
use crate::wire::{Page, PageQuery, utc};

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(create_company)
        .service(list_companies)
        .service(get_company)
        .service(change_company);
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"cvr": "10150817", "name": "Nordlys Rådgivning ApS", "email_domain": "nordlys.example"}))]
pub struct CreateCompany {
    /// CVR number: 8 digits with a valid modulus-11 check.
    #[schema(value_type = crate::wire::text::CvrNumber)]
    pub cvr: String,
    #[schema(value_type = crate::wire::text::Text100)]
    pub name: String,
    /// The domain of the employees' email and sign-in addresses.
    #[schema(value_type = crate::wire::text::DomainName)]
    pub email_domain: String,
    /// A sandbox for trying the service: its business time is a test clock its admins
    /// advance (`/test-clock`), and its ports go to the simulated donor. Fixed at creation;
    /// default `false`.
    #[serde(default)]
    pub sandbox: bool,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": "01937a4e-8f2c-7cc3-9a51-3b1f0c9d2e47", "cvr": "10150817", "name": "Nordlys Rådgivning ApS", "email_domain": "nordlys.example", "enabled": true, "sandbox": false, "created_at": "2026-11-25T09:30:00Z"}))]
pub struct CompanyDto {
    pub id: Uuid,
    pub cvr: String,
    pub name: String,
    pub email_domain: String,
    /// `false`: its people and API clients cannot log in, and their tokens are refused.
    pub enabled: bool,
    /// A sandbox company: its business time is its test clock.
    pub sandbox: bool,
    pub created_at: DateTime<Utc>,
}

/// Enables or disables a company.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"enabled": false}))]
pub struct CompanyChange {
    pub enabled: bool,
}

impl From<Company> for CompanyDto {
    fn from(c: Company) -> Self {
        CompanyDto {
            id: c.id,
            cvr: c.cvr.as_str().to_owned(),
            name: c.name.as_str().to_owned(),
            email_domain: c.email_domain.as_str().to_owned(),
            enabled: c.enabled,
            sandbox: c.sandbox,
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
#[post("/companies")]
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
        sandbox: body.sandbox,
    };
    let company = state
        .run(move |conn| crate::app::operator::create_company(conn, &who.0, &new))
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
#[get("/companies")]
async fn list_companies(
    _who: OperatorStaff,
    state: web::Data<AppState>,
    query: Query<PageQuery>,
) -> ApiResult<HttpResponse> {
    let (after, limit) = page_params(&query)?;
    let page = state
        .run(move |conn| crate::app::operator::list_companies(conn, after, limit))
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
#[get("/companies/{id}")]
async fn get_company(
    _who: OperatorStaff,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let id = path_id(&id, "the company")?;
    let company = state
        .run(move |conn| crate::app::operator::get_company(conn, id))
        .await?;
    Ok(HttpResponse::Ok().json(CompanyDto::from(company)))
}

/// Disables a company, or enables it again. While disabled, its people and API clients
/// cannot log in; disabling also ends every token issued to them so far, in every server
/// process within `REVOCATION_REFRESH_MS` (10 s by default).
#[utoipa::path(
    tag = "operator",
    operation_id = "change_company",
    summary = "Disable or enable a company",
    security(("oauth2" = []), ("bearer" = [])),
    params(("id" = Uuid, Path, description = "The company's id")),
    request_body(content = CompanyChange, content_type = "application/merge-patch+json"),
    responses((status = 200, description = "The company", body = CompanyDto))
)]
#[patch("/companies/{id}")]
async fn change_company(
    who: OperatorStaff,
    state: web::Data<AppState>,
    id: web::Path<String>,
    body: Json<CompanyChange>,
) -> ApiResult<HttpResponse> {
    let id = path_id(&id, "the company")?;
    let enabled = body.0.enabled;
    let company = state
        .run(move |conn| crate::app::operator::set_company_enabled(conn, &who.0, id, enabled))
        .await?;
    if !enabled {
        state
            .revocations
            .note(company.id, persistence::machine_now());
    }
    Ok(HttpResponse::Ok().json(CompanyDto::from(company)))
}
