//! Subscriptions: what confirmed orders created.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, patch, post, web};
use chrono::{DateTime, NaiveDate, Utc};
use domain::catalog::validate_data_sharing_cards;
use domain::number::DanishNumber;
use domain::porting::{PortEvent, PortStatus, may_cancel};
use domain::pricing::price;
use domain::subscription::{SubscriptionEvent, SubscriptionStatus};
use domain::text::{PersonName, Title};
use persistence::DbConnection;
use persistence::subscriptions::SubscriptionRecord;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use super::catalog::{Catalog, MobilePackageDto, PlanDto};
use super::orders::{SummaryDto, check_cost_center, check_package};
use super::preconditions::{etag, if_match, merge_patch_object, precondition_required, stale};
use super::{Page, audit, list_params, path_id, utc};
use crate::auth::{CompanyAdmin, CompanyReader};
use crate::body::{Json, Query};
use crate::error::{ApiError, ApiResult, FieldError};
use crate::fields::Fields;
use crate::state::AppState;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_subscriptions)
        .service(get_subscription)
        .service(edit_subscription)
        .service(terminate_subscription);
}

/// What a stored subscription says about its employee beyond name and initials.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SubscriptionDetails {
    pub title: String,
    pub email: String,
    pub cost_center: Option<String>,
    pub uc_account: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SubscriptionEmployeeDto {
    pub name: String,
    pub initials: String,
    pub title: String,
    pub email: String,
    pub cost_center: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SimDto {
    /// 19 digits, the last a Luhn check digit.
    pub iccid: String,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "01937a4f-0000-7cc3-9a51-3b1f0c9d2e47", "order_id": "01937a4e-8f2c-7cc3-9a51-3b1f0c9d2e47",
    "status": "active", "version": 1, "number": "+4520710001",
    "plan": {"code": "ERHVERV_M", "name": "Erhverv M", "monthly_price_ore": 14900, "included_data_gb": 30, "free_data_sharing_cards": 0, "data_sharing_card_price_ore": 2900, "setup_fee_ore": 9900},
    "mobile_package": {"code": "DATA_50", "name": "Mobilpakke 50 GB", "data_gb": 50, "monthly_price_ore": 9900},
    "data_sharing_cards": 1,
    "employee": {"name": "Mette Hansen", "initials": "MH", "title": "Projektleder", "email": "mette@nordlys.example", "cost_center": "4100"},
    "uc_account": "mh@nordlys.example",
    "sim": {"iccid": "8945100000000000018"},
    "summary": {"lines": [{"description": "Abonnement: Erhverv M", "monthly_ore": 14900, "one_time_ore": 9900}],
        "monthly_ex_vat_ore": 14900, "monthly_vat_ore": 3725, "monthly_incl_vat_ore": 18625,
        "one_time_ex_vat_ore": 9900, "one_time_vat_ore": 2475, "one_time_incl_vat_ore": 12375},
    "terminates_on": null,
    "created_at": "2026-11-25T09:35:00Z", "updated_at": "2026-11-25T09:35:00Z"
}))]
pub struct SubscriptionDto {
    pub id: Uuid,
    pub order_id: Uuid,
    /// `pending_port`, `active` or `terminated`.
    pub status: String,
    pub version: i32,
    /// E.164.
    pub number: String,
    pub plan: PlanDto,
    pub mobile_package: MobilePackageDto,
    pub data_sharing_cards: i32,
    pub employee: SubscriptionEmployeeDto,
    /// The Skype for Business sign-in address.
    pub uc_account: String,
    pub sim: SimDto,
    /// What the subscription costs, as priced now.
    pub summary: SummaryDto,
    pub terminates_on: Option<NaiveDate>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

pub fn to_dto(catalog: &Catalog, s: SubscriptionRecord) -> ApiResult<SubscriptionDto> {
    let (plan, package) = catalog.resolve(
        &s.plan_code,
        &s.mobile_package_code,
        &format!("subscription {}", s.id),
    )?;
    let details: SubscriptionDetails =
        serde_json::from_str(&s.details).map_err(ApiError::internal)?;
    Ok(SubscriptionDto {
        id: Uuid::parse_str(&s.id).map_err(ApiError::internal)?,
        order_id: Uuid::parse_str(&s.order_id).map_err(ApiError::internal)?,
        status: s.status,
        version: s.version,
        number: s.number,
        summary: price(&plan, &package, s.data_sharing_cards).into(),
        plan: plan.into(),
        mobile_package: package.into(),
        data_sharing_cards: s.data_sharing_cards,
        employee: SubscriptionEmployeeDto {
            name: s.employee_name,
            initials: s.initials,
            title: details.title,
            email: details.email,
            cost_center: details.cost_center,
        },
        uc_account: details.uc_account,
        sim: SimDto { iccid: s.iccid },
        terminates_on: s.terminates_on,
        created_at: utc(s.created_at),
        updated_at: utc(s.updated_at),
    })
}

super::state_schema!(
    /// A subscription's state.
    SubscriptionStatusSchema => SubscriptionStatus
);

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct SubscriptionListQuery {
    /// Matches the employee's name, initials or number.
    #[param(example = "Mette")]
    pub q: Option<String>,
    /// Only subscriptions in this state: `pending_port`, `active` or `terminated`.
    #[param(value_type = Option<SubscriptionStatusSchema>, inline, example = "active")]
    pub status: Option<String>,
    /// `next_cursor` of the previous page.
    #[param(value_type = Option<crate::openapi::text::ListCursor>, inline)]
    pub cursor: Option<String>,
    /// Items per page, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200, example = 50)]
    pub limit: Option<i64>,
}

/// The company's subscriptions, oldest first.
#[utoipa::path(
    tag = "subscriptions",
    operation_id = "list_subscriptions",
    summary = "List subscriptions",
    security(("oauth2" = []), ("bearer" = [])),
    params(SubscriptionListQuery),
    responses((status = 200, description = "A page of subscriptions", body = Page<SubscriptionDto>))
)]
#[get("/subscriptions")]
async fn list_subscriptions(
    who: CompanyReader,
    state: web::Data<AppState>,
    query: Query<SubscriptionListQuery>,
) -> ApiResult<HttpResponse> {
    let (after, limit, status) = list_params::<SubscriptionStatus>(
        query.cursor.as_deref(),
        query.limit,
        query.status.as_deref(),
        "pending_port, active, terminated",
    )?;
    let q = query
        .q
        .as_deref()
        .map(str::trim)
        .filter(|q| !q.is_empty())
        .map(str::to_owned);
    let company = who.company();
    let page = state
        .read(move |conn| {
            let catalog = Catalog::load(conn)?;
            persistence::subscriptions::list(conn, company, q.as_deref(), status, after, limit)?
                .try_map(|s| to_dto(&catalog, s))
        })
        .await?;
    Ok(HttpResponse::Ok().json(Page::<SubscriptionDto>::from(page)))
}

/// One subscription.
#[utoipa::path(
    tag = "subscriptions",
    operation_id = "get_subscription",
    summary = "Get a subscription",
    security(("oauth2" = []), ("bearer" = [])),
    params(("id" = Uuid, Path, description = "The subscription's id")),
    responses((status = 200, description = "The subscription", body = SubscriptionDto, headers(("ETag" = String, description = "The subscription's version"))))
)]
#[get("/subscriptions/{id}")]
async fn get_subscription(
    who: CompanyReader,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let id = path_id(&id, "the subscription")?;
    let company = who.company();
    let subscription = state
        .read(move |conn| {
            let catalog = Catalog::load(conn)?;
            let record = persistence::subscriptions::get(conn, company, id)?
                .ok_or_else(|| ApiError::not_found("the subscription"))?;
            to_dto(&catalog, record)
        })
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::ETAG, etag(subscription.version)))
        .json(subscription))
}

fn find(conn: &mut DbConnection, company: Uuid, id: Uuid) -> ApiResult<SubscriptionRecord> {
    persistence::subscriptions::get(conn, company, id)?
        .ok_or_else(|| ApiError::not_found("the subscription"))
}

fn status_of(record: &SubscriptionRecord) -> ApiResult<SubscriptionStatus> {
    record.status.parse().map_err(|_| {
        ApiError::internal(anyhow::anyhow!(
            "subscription {}: status {:?}",
            record.id,
            record.status
        ))
    })
}

fn terminated() -> ApiError {
    ApiError::conflict(
        "subscription_terminated",
        "the subscription is terminated; it can no longer change",
    )
}

fn details_of(record: &SubscriptionRecord) -> ApiResult<SubscriptionDetails> {
    serde_json::from_str(&record.details).map_err(ApiError::internal)
}

fn respond(subscription: SubscriptionDto) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::ETAG, etag(subscription.version)))
        .json(subscription)
}

// ---- changing a subscription -----------------------------------------------------------

/// The changeable part of a subscription, whole: what a merge patch is applied to.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SubscriptionForm {
    mobile_package: String,
    data_sharing_cards: i32,
    employee: SubscriptionEmployeeForm,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SubscriptionEmployeeForm {
    name: String,
    title: String,
    cost_center: Option<String>,
}

/// A merge patch (RFC 7396) of what may change on a subscription: send only what
/// changes; `null` removes the cost centre.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"mobile_package": "DATA_100", "data_sharing_cards": 2, "employee": {"title": "Afdelingsleder"}}))]
pub struct SubscriptionPatch {
    /// A package `code` from `GET /catalog/mobile-packages`.
    #[serde(default)]
    #[schema(value_type = String)]
    pub mobile_package: Option<String>,
    /// 0 to 5; the plan's free cards cost nothing.
    #[serde(default)]
    #[schema(value_type = i32, minimum = 0, maximum = 5)]
    pub data_sharing_cards: Option<i32>,
    #[serde(default)]
    #[schema(value_type = SubscriptionEmployeePatch)]
    pub employee: Option<SubscriptionEmployeePatch>,
}

/// The employee's details that may change; initials, email and sign-in address stay.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SubscriptionEmployeePatch {
    #[serde(default)]
    #[schema(value_type = crate::openapi::text::Text100)]
    pub name: Option<String>,
    #[serde(default)]
    #[schema(value_type = crate::openapi::text::Text100)]
    pub title: Option<String>,
    /// `null` removes it.
    #[schema(value_type = Option<crate::openapi::text::Text50>)]
    pub cost_center: Option<String>,
}

/// Changes a subscription's mobile package, data-sharing cards or the employee's name,
/// title and cost centre; the price follows. `If-Match` with the version you read is
/// required.
#[utoipa::path(
    tag = "subscriptions",
    operation_id = "edit_subscription",
    summary = "Change a subscription (merge patch)",
    security(("oauth2" = []), ("bearer" = [])),
    params(
        ("id" = Uuid, Path, description = "The subscription's id"),
        ("If-Match" = String, Header, description = "The ETag of the version you read, e.g. `\"1\"`"),
    ),
    request_body(content = SubscriptionPatch, content_type = "application/merge-patch+json"),
    responses(
        (status = 200, description = "The changed subscription, re-priced", body = SubscriptionDto, headers(("ETag" = String, description = "The new version"))),
        (status = 409, description = "The subscription is terminated", body = crate::error::Problem, content_type = "application/problem+json",
            example = json!({"type": "urn:selvbetjening:problem:subscription_terminated", "title": "Conflict", "status": 409, "detail": "the subscription is terminated; it can no longer change", "code": "subscription_terminated", "request_id": "01937a4e-8f2c-7cc3-9a51-3b1f0c9d2e47"})),
    )
)]
#[patch("/subscriptions/{id}")]
async fn edit_subscription(
    req: HttpRequest,
    who: CompanyAdmin,
    state: web::Data<AppState>,
    id: web::Path<String>,
    patch: Json<serde_json::Value>,
) -> ApiResult<HttpResponse> {
    let id = path_id(&id, "the subscription")?;
    let expected = if_match(&req)?.ok_or_else(precondition_required)?;
    merge_patch_object(&patch.0)?;
    let company = who.company();
    let subscription = state
        .write(move |conn| {
            let mut record = find(conn, company, id)?;
            let status = status_of(&record)?;
            status
                .apply(SubscriptionEvent::Change)
                .map_err(|_| terminated())?;
            if !expected.matches(record.version) {
                return Err(stale());
            }
            let expected = record.version;
            let mut details = details_of(&record)?;
            let mut merged = serde_json::json!({
                "mobile_package": record.mobile_package_code,
                "data_sharing_cards": record.data_sharing_cards,
                "employee": {
                    "name": record.employee_name, "title": details.title,
                    "cost_center": details.cost_center,
                },
            });
            json_patch::merge(&mut merged, &patch.0);
            let form: SubscriptionForm = crate::body::parse_json(merged.to_string().as_bytes())?;

            let mut f = Fields::new();
            let package = check_package(&mut f, conn, &form.mobile_package)?;
            let cards = f.check(
                "/data_sharing_cards",
                validate_data_sharing_cards(form.data_sharing_cards),
            );
            let name = f.check("/employee/name", PersonName::parse(&form.employee.name));
            let title = f.check("/employee/title", Title::parse(&form.employee.title));
            let cost_center = check_cost_center(&mut f, form.employee.cost_center.as_deref());
            let (Some(package), Some(cards), Some(name), Some(title), Some(cost_center)) =
                (package, cards, name, title, cost_center)
            else {
                return Err(f.into_error());
            };
            if !f.is_empty() {
                return Err(f.into_error());
            }
            details.title = title.into_inner();
            details.cost_center = cost_center.map(domain::text::CostCenter::into_inner);
            record.mobile_package_code = package.code.clone();
            record.data_sharing_cards = cards;
            record.employee_name = name.into_inner();
            record.details = serde_json::to_string(&details).map_err(ApiError::internal)?;
            record.version += 1;
            record.updated_at = persistence::now();
            if !persistence::subscriptions::update(conn, &record, expected)? {
                return Err(stale());
            }
            audit(
                conn,
                &who.0,
                Some(company),
                "subscription.changed",
                ("subscription", &record.id),
                patch.0.clone(),
            )?;
            to_dto(&Catalog::load(conn)?, record)
        })
        .await?;
    Ok(respond(subscription))
}

// ---- ending a subscription -------------------------------------------------------------

/// When the subscription ends.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"effective_date": "2026-12-31"}))]
pub struct Termination {
    /// Today (in Denmark) ends it at once; a later date schedules it, and until then it
    /// can be moved.
    pub effective_date: NaiveDate,
}

/// Terminates a subscription on a date: today ends it at once, a later date schedules it
/// (`terminates_on`). On termination the number returns to the company's pool and the
/// initials are free again. A subscription still waiting for its ported number ends
/// only at once, by cancelling its port. Send `If-Match` to terminate exactly the
/// version you read.
#[utoipa::path(
    tag = "subscriptions",
    operation_id = "terminate_subscription",
    summary = "Terminate a subscription",
    security(("oauth2" = []), ("bearer" = [])),
    params(
        ("id" = Uuid, Path, description = "The subscription's id"),
        ("If-Match" = Option<String>, Header, description = "The ETag of the version you read, e.g. `\"1\"`"),
    ),
    request_body = Termination,
    responses(
        (status = 200, description = "Terminated, or scheduled to be (`terminates_on`)", body = SubscriptionDto, headers(("ETag" = String, description = "The new version"))),
        (status = 409, description = "Already terminated, or its number port can no longer be cancelled", body = crate::error::Problem, content_type = "application/problem+json",
            example = json!({"type": "urn:selvbetjening:problem:subscription_terminated", "title": "Conflict", "status": 409, "detail": "the subscription is terminated; it can no longer change", "code": "subscription_terminated", "request_id": "01937a4e-8f2c-7cc3-9a51-3b1f0c9d2e47"})),
    )
)]
#[post("/subscriptions/{id}/terminate")]
async fn terminate_subscription(
    req: HttpRequest,
    who: CompanyAdmin,
    state: web::Data<AppState>,
    id: web::Path<String>,
    body: Json<Termination>,
) -> ApiResult<HttpResponse> {
    let id = path_id(&id, "the subscription")?;
    let expected = if_match(&req)?;
    let on = body.0.effective_date;
    let today = domain::calendar::date_in_denmark(Utc::now());
    if on < today {
        return Err(ApiError::field(
            "/effective_date",
            "date_in_past",
            format!("a subscription ends today ({today}) at the earliest"),
        ));
    }
    let company = who.company();
    let subscription = state
        .write(move |conn| {
            let mut record = find(conn, company, id)?;
            if expected
                .as_ref()
                .is_some_and(|m| !m.matches(record.version))
            {
                return Err(stale());
            }
            let status = status_of(&record)?;
            status
                .apply(SubscriptionEvent::Terminate)
                .map_err(|_| terminated())?;
            let action = if on == today {
                end(conn, &mut record, today)?;
                "subscription.terminated"
            } else if status == SubscriptionStatus::PendingPort {
                return Err(ApiError::conflict(
                    "subscription_pending_port",
                    "a subscription waiting for its ported number ends at once, by cancelling \
                     the port: terminate it with today's date",
                )
                .with_errors(vec![FieldError::new(
                    "/effective_date",
                    "subscription_pending_port",
                    format!("only today ({today}) is possible while the number is being ported"),
                )]));
            } else {
                let before = record.version;
                record.terminates_on = Some(on);
                record.version += 1;
                record.updated_at = persistence::now();
                if !persistence::subscriptions::update(conn, &record, before)? {
                    return Err(stale());
                }
                "subscription.termination_scheduled"
            };
            audit(
                conn,
                &who.0,
                Some(company),
                action,
                ("subscription", &record.id),
                serde_json::json!({"effective_date": on, "number": record.number}),
            )?;
            to_dto(&Catalog::load(conn)?, record)
        })
        .await?;
    Ok(respond(subscription))
}

/// Ends `record` now, inside the caller's transaction: terminated on `today`, its initials
/// free, its number back in the company's pool, and — while it waits for a ported
/// number — its port cancelled (409 once the donor is already moving the number).
pub fn end(
    conn: &mut DbConnection,
    record: &mut SubscriptionRecord,
    today: NaiveDate,
) -> ApiResult<()> {
    let status = status_of(record)?;
    let next = status
        .apply(SubscriptionEvent::Terminate)
        .map_err(|_| terminated())?;
    let company = Uuid::parse_str(&record.company_id).map_err(ApiError::internal)?;
    let id = Uuid::parse_str(&record.id).map_err(ApiError::internal)?;
    let now = persistence::now();
    if status == SubscriptionStatus::PendingPort {
        if let Some(mut port) = persistence::number_ports::of_subscription(conn, company, id)? {
            let port_status: PortStatus = port.status.parse().map_err(|_| {
                ApiError::internal(anyhow::anyhow!(
                    "port {}: status {:?}",
                    port.id,
                    port.status
                ))
            })?;
            if !port_status.is_final() {
                if !may_cancel(today, port.port_date) {
                    return Err(ApiError::conflict(
                        "port_too_late_to_cancel",
                        "the donor is already moving the number (from the working day before the \
                         port date on); terminate the subscription after the port completes",
                    ));
                }
                let cancelled = port_status
                    .apply(PortEvent::Cancel)
                    .map_err(|e| ApiError::internal(anyhow::anyhow!(e.to_string())))?;
                let before = port.version;
                port.status = cancelled.as_str().to_owned();
                port.poa_token_hash = None;
                port.version += 1;
                port.updated_at = now;
                if !persistence::number_ports::update(conn, &port, before)? {
                    return Err(stale());
                }
            }
        }
    } else {
        let number = DanishNumber::parse(&record.number)
            .map_err(|e| ApiError::internal(anyhow::anyhow!(e.message)))?;
        persistence::numbers::give_back(conn, company, &number)?;
    }
    persistence::orders::release_initials(conn, id)?;
    let before = record.version;
    record.status = next.as_str().to_owned();
    record.terminates_on = Some(today);
    record.version += 1;
    record.updated_at = now;
    if !persistence::subscriptions::update(conn, record, before)? {
        return Err(stale());
    }
    Ok(())
}
