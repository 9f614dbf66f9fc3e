//! The company as its own users see it, and its approval rule. The work is in
//! [`crate::app::company`].

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, patch, web};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::auth::UnscopedAdmin;
use crate::body::Json;
use crate::error::ApiResult;
use crate::http::preconditions::{etag, if_match, merge_patch_object, precondition_required};
use crate::state::AppState;
use crate::wire::company::{CompanyPatch, CompanyProfileDto};

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(get_company).service(edit_company);
}

/// The company with its version as ETag.
fn profile(company: &CompanyProfileDto) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::ETAG, etag(company.version)))
        .json(company)
}

/// The company the caller works for, with its approval rule (which confirms wait for a
/// second admin). Like the rule's changes, for admins of the whole company.
#[utoipa::path(
    tag = "company",
    operation_id = "get_own_company",
    summary = "Get your company and its approval rule",
    security(("oauth2" = []), ("bearer" = [])),
    responses((status = 200, description = "The company", body = CompanyProfileDto,
        headers(("ETag" = String, description = "The approval rule's version"))))
)]
#[get("/company")]
async fn get_company(who: UnscopedAdmin, state: web::Data<AppState>) -> ApiResult<HttpResponse> {
    let company = who.company();
    let found = state
        .run(move |conn| crate::app::company::get(conn, company))
        .await?;
    Ok(profile(&found))
}

/// Changes the company's approval rule (a merge patch): from the next confirm on, an order
/// dearer than `above_monthly_incl_vat_ore` a month (incl. VAT), and every bulk job when
/// `bulk` is true, waits for a second admin for `expires_after_hours`. Orders already
/// waiting keep the expiry they were given.
#[utoipa::path(
    tag = "company",
    operation_id = "edit_own_company",
    summary = "Change the approval rule",
    security(("oauth2" = []), ("bearer" = [])),
    params(("If-Match" = String, Header, max_length = 256, description = "The version read, e.g. `\"1\"`")),
    request_body(content = CompanyPatch, content_type = "application/merge-patch+json"),
    responses((status = 200, description = "The company with its new rule", body = CompanyProfileDto,
        headers(("ETag" = String, description = "The approval rule's new version"))))
)]
#[patch("/company")]
async fn edit_company(
    req: HttpRequest,
    who: UnscopedAdmin,
    state: web::Data<AppState>,
    patch: Json<serde_json::Value>,
) -> ApiResult<HttpResponse> {
    let expected = if_match(&req)?.ok_or_else(precondition_required)?;
    merge_patch_object(&patch.0)?;
    let company = who.company();
    let changed = state
        .run(move |conn| crate::app::company::change(conn, &who.0, company, &expected, &patch.0))
        .await?;
    Ok(profile(&changed))
}
