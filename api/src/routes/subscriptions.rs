//! Subscriptions: what confirmed orders created.

use actix_web::http::header;
use actix_web::{HttpResponse, get, web};
use chrono::{DateTime, NaiveDate, Utc};
use domain::pricing::price;
use domain::subscription::SubscriptionStatus;
use persistence::subscriptions::SubscriptionRecord;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use super::catalog::{Catalog, MobilePackageDto, PlanDto};
use super::orders::{SummaryDto, etag};
use super::{Page, list_params, path_id, utc};
use crate::auth::CompanyReader;
use crate::body::Query;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_subscriptions).service(get_subscription);
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

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct SubscriptionListQuery {
    /// Matches the employee's name, initials or number.
    #[param(example = "Mette")]
    pub q: Option<String>,
    /// Only subscriptions in this state: `pending_port`, `active` or `terminated`.
    #[param(example = "active")]
    pub status: Option<String>,
    /// `next_cursor` of the previous page.
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
