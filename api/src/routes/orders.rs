//! Orders: the "create new subscription" form as a priced draft to review, edit and
//! confirm ("Gå til ordrebekræftelse", "Godkend og opret").

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, web};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use domain::catalog::{MobilePackage, Plan, validate_data_sharing_cards};
use domain::email::EmailAddress;
use domain::employee::Initials;
use domain::number::DanishNumber;
use domain::order::{OrderEvent, OrderStatus};
use domain::pricing::{Summary, price};
use domain::sim::Iccid;
use domain::subscription::{SubscriptionStatus, UcAccount};
use domain::text::{CostCenter, PersonName, Title};
use persistence::orders::OrderRecord;
use persistence::outbox::NewMessage;
use persistence::subscriptions::SubscriptionRecord;
use persistence::{DbConnection, Page as StoredPage};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use super::catalog::{Catalog, MobilePackageDto, PlanDto};
use super::number_ports::NumberPortDto;
use super::preconditions::{
    IfMatch, etag, if_match, merge_patch_object, precondition_required, stale,
};
use super::subscriptions::{SubscriptionDetails, SubscriptionDto};
use super::{Page, audit, list_params, path_id, utc};
use crate::auth::{CompanyAdmin, CompanyReader, Principal};
use crate::body::{Json, Query};
use crate::error::{ApiError, ApiResult};
use crate::fields::Fields;
use crate::state::AppState;

/// The SIM issuer id in the ICCIDs this operator issues.
const SIM_ISSUER: i32 = 10;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(create_order)
        .service(list_orders)
        .service(get_order)
        .service(edit_order)
        .service(cancel_order)
        .service(confirm_order);
}

// ---- the form ------------------------------------------------------------------------

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "plan": "ERHVERV_M", "mobile_package": "DATA_50", "data_sharing_cards": 1,
    "employee": {"name": "Mette Hansen", "initials": "MH", "title": "Projektleder", "email": "mette@nordlys.example", "cost_center": "4100"},
    "number": {"type": "new", "number": "+4520710001"}
}))]
pub struct OrderForm {
    /// A plan `code` from `GET /catalog/plans`.
    pub plan: String,
    /// A package `code` from `GET /catalog/mobile-packages`.
    pub mobile_package: String,
    /// 0 to 5; the plan's free cards cost nothing.
    #[serde(default)]
    #[schema(minimum = 0, maximum = 5)]
    pub data_sharing_cards: i32,
    pub employee: EmployeeForm,
    /// The number: a new one (a given free number, or the first free one when omitted)
    /// or the employee's existing number, ported in.
    pub number: Option<NumberChoice>,
}

#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EmployeeForm {
    /// 1 to 100 characters.
    #[schema(value_type = crate::openapi::text::Text100)]
    pub name: String,
    /// 2 to 6 letters (A–Z, Æ, Ø, Å), unique in the company; kept upper-case.
    #[schema(value_type = crate::openapi::text::Initials)]
    pub initials: String,
    /// 1 to 100 characters.
    #[schema(value_type = crate::openapi::text::Text100)]
    pub title: String,
    #[schema(value_type = crate::openapi::text::Email)]
    pub email: String,
    #[schema(value_type = Option<crate::openapi::text::Text50>)]
    pub cost_center: Option<String>,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum NumberChoice {
    /// A number from the company's pool or the operator's; `number` omitted picks the first free.
    New {
        /// 8 digits, `+45…` or `0045…`.
        #[schema(value_type = Option<crate::openapi::text::DanishNumber>)]
        number: Option<String>,
    },
    /// The employee keeps a Danish mobile number from another operator.
    PortIn {
        #[schema(value_type = crate::openapi::text::MobileNumber)]
        number: String,
        /// Receives the power of attorney to sign.
        #[schema(value_type = crate::openapi::text::Email)]
        owner_email: String,
        /// As the donor operator has it.
        #[schema(value_type = crate::openapi::text::Text100)]
        owner_name: String,
        /// The wished port date; the earliest legal date when omitted.
        requested_date: Option<NaiveDate>,
    },
}

/// What a stored draft says about its employee, apart from the initials.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct StoredEmployee {
    name: String,
    title: String,
    email: String,
    cost_center: Option<String>,
}

/// A port-in's details, as stored.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PortDetails {
    pub owner_email: String,
    pub owner_name: String,
    pub requested_date: Option<NaiveDate>,
}

enum Choice {
    New(Option<DanishNumber>),
    PortIn(DanishNumber, PortDetails),
}

struct Valid {
    plan: Plan,
    package: MobilePackage,
    cards: i32,
    employee: StoredEmployee,
    initials: Initials,
    choice: Choice,
}

/// Checks the whole form at once, so every wrong field is named in one answer.
fn validate(conn: &mut DbConnection, form: &OrderForm) -> ApiResult<Valid> {
    let mut f = Fields::new();
    let plan = persistence::catalog::plan(conn, &form.plan)?;
    if plan.is_none() {
        f.push(
            "/plan",
            "unknown_plan",
            format!("there is no plan {:?}; see GET /catalog/plans", form.plan),
        );
    }
    let package = check_package(&mut f, conn, &form.mobile_package)?;
    let cards = f.check(
        "/data_sharing_cards",
        validate_data_sharing_cards(form.data_sharing_cards),
    );
    let e = &form.employee;
    let name = f.check("/employee/name", PersonName::parse(&e.name));
    let initials = f.check("/employee/initials", Initials::parse(&e.initials));
    let title = f.check("/employee/title", Title::parse(&e.title));
    let email = f.check("/employee/email", EmailAddress::parse(&e.email));
    let cost_center = check_cost_center(&mut f, e.cost_center.as_deref());
    let choice = match &form.number {
        None | Some(NumberChoice::New { number: None }) => Some(Choice::New(None)),
        Some(NumberChoice::New { number: Some(n) }) => f
            .check("/number/number", DanishNumber::parse(n))
            .map(|n| Choice::New(Some(n))),
        Some(NumberChoice::PortIn {
            number,
            owner_email,
            owner_name,
            requested_date,
        }) => {
            let number = f.check("/number/number", DanishNumber::parse_mobile(number));
            if let Some(n) = &number {
                if !persistence::numbers::existing(conn, std::slice::from_ref(n))?.is_empty() {
                    f.push(
                        "/number/number",
                        "number_already_ours",
                        format!(
                            "{} is already one of our numbers; choose a new number instead",
                            n.as_str()
                        ),
                    );
                } else if persistence::number_ports::is_live(conn, n.as_str())? {
                    f.push(
                        "/number/number",
                        "number_port_exists",
                        format!("{} is already being ported", n.as_str()),
                    );
                }
            }
            let owner_email = f.check("/number/owner_email", EmailAddress::parse(owner_email));
            let owner_name = f.check("/number/owner_name", PersonName::parse(owner_name));
            let earliest = domain::calendar::earliest_port_date(Utc::now());
            if let Some(date) = requested_date
                && *date < earliest
            {
                f.push(
                    "/number/requested_date",
                    "too_early",
                    format!("the earliest possible port date is {earliest}"),
                );
            }
            match (number, owner_email, owner_name) {
                (Some(number), Some(owner_email), Some(owner_name)) => Some(Choice::PortIn(
                    number,
                    PortDetails {
                        owner_email: owner_email.as_str().to_owned(),
                        owner_name: owner_name.into_inner(),
                        requested_date: *requested_date,
                    },
                )),
                _ => None,
            }
        }
    };
    match (
        plan,
        package,
        cards,
        name,
        initials,
        title,
        email,
        cost_center,
        choice,
    ) {
        (
            Some(plan),
            Some(package),
            Some(cards),
            Some(name),
            Some(initials),
            Some(title),
            Some(email),
            Some(cost_center),
            Some(choice),
        ) if f.is_empty() => Ok(Valid {
            plan,
            package,
            cards,
            employee: StoredEmployee {
                name: name.into_inner(),
                title: title.into_inner(),
                email: email.as_str().to_owned(),
                cost_center: cost_center.map(CostCenter::into_inner),
            },
            initials,
            choice,
        }),
        _ => Err(f.into_error()),
    }
}

/// The mobile package `code` names, or an error at `/mobile_package`.
pub fn check_package(
    f: &mut Fields,
    conn: &mut DbConnection,
    code: &str,
) -> ApiResult<Option<MobilePackage>> {
    let package = persistence::catalog::mobile_package(conn, code)?;
    if package.is_none() {
        f.push(
            "/mobile_package",
            "unknown_mobile_package",
            format!("there is no mobile package {code:?}; see GET /catalog/mobile-packages"),
        );
    }
    Ok(package)
}

/// An optional cost centre: blank means none; `None` when it is invalid.
pub fn check_cost_center(f: &mut Fields, given: Option<&str>) -> Option<Option<CostCenter>> {
    match given.map(str::trim).filter(|c| !c.is_empty()) {
        None => Some(None),
        Some(c) => f
            .check("/employee/cost_center", CostCenter::parse(c))
            .map(Some),
    }
}

// ---- the review page -----------------------------------------------------------------

#[derive(Debug, Serialize, ToSchema)]
pub struct EmployeeDto {
    pub name: String,
    pub initials: String,
    pub title: String,
    pub email: String,
    pub cost_center: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OrderNumberDto {
    /// `new` or `port_in`.
    #[serde(rename = "type")]
    pub kind: String,
    /// E.164.
    pub number: String,
    /// Until when a draft holds a new number.
    pub reserved_until: Option<DateTime<Utc>>,
    /// For a port-in: who owns the number and when it should move.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub port: Option<PortDetails>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PriceLineDto {
    pub description: String,
    pub monthly_ore: i64,
    pub one_time_ore: i64,
}

/// Money in integer øre; VAT is 25 %.
#[derive(Debug, Serialize, ToSchema)]
pub struct SummaryDto {
    pub lines: Vec<PriceLineDto>,
    pub monthly_ex_vat_ore: i64,
    pub monthly_vat_ore: i64,
    pub monthly_incl_vat_ore: i64,
    pub one_time_ex_vat_ore: i64,
    pub one_time_vat_ore: i64,
    pub one_time_incl_vat_ore: i64,
}

impl From<Summary> for SummaryDto {
    fn from(s: Summary) -> Self {
        SummaryDto {
            lines: s
                .lines
                .into_iter()
                .map(|l| PriceLineDto {
                    description: l.description,
                    monthly_ore: l.monthly.value(),
                    one_time_ore: l.one_time.value(),
                })
                .collect(),
            monthly_ex_vat_ore: s.monthly_ex_vat.value(),
            monthly_vat_ore: s.monthly_vat.value(),
            monthly_incl_vat_ore: s.monthly_incl_vat.value(),
            one_time_ex_vat_ore: s.one_time_ex_vat.value(),
            one_time_vat_ore: s.one_time_vat.value(),
            one_time_incl_vat_ore: s.one_time_incl_vat.value(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct NoticeDto {
    pub code: String,
    pub message: String,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "01937a4e-8f2c-7cc3-9a51-3b1f0c9d2e47", "status": "draft", "version": 1,
    "plan": {"code": "ERHVERV_M", "name": "Erhverv M", "monthly_price_ore": 14900, "included_data_gb": 30, "free_data_sharing_cards": 0, "data_sharing_card_price_ore": 2900, "setup_fee_ore": 9900},
    "mobile_package": {"code": "DATA_50", "name": "Mobilpakke 50 GB", "data_gb": 50, "monthly_price_ore": 9900},
    "data_sharing_cards": 1,
    "employee": {"name": "Mette Hansen", "initials": "MH", "title": "Projektleder", "email": "mette@nordlys.example", "cost_center": "4100"},
    "number": {"type": "new", "number": "+4520710001", "reserved_until": "2026-11-25T10:00:00Z"},
    "summary": {"lines": [
        {"description": "Abonnement: Erhverv M", "monthly_ore": 14900, "one_time_ore": 9900},
        {"description": "Mobilpakke: Mobilpakke 50 GB", "monthly_ore": 9900, "one_time_ore": 0},
        {"description": "Datadelingskort: 1 × 29,00 kr.", "monthly_ore": 2900, "one_time_ore": 0}],
        "monthly_ex_vat_ore": 27700, "monthly_vat_ore": 6925, "monthly_incl_vat_ore": 34625,
        "one_time_ex_vat_ore": 9900, "one_time_vat_ore": 2475, "one_time_incl_vat_ore": 12375},
    "notices": [],
    "expires_at": "2026-11-25T10:00:00Z",
    "subscription_id": null,
    "created_at": "2026-11-25T09:30:00Z", "updated_at": "2026-11-25T09:30:00Z"
}))]
pub struct OrderDto {
    pub id: Uuid,
    pub status: String,
    /// Send it back as `If-Match: "<version>"` to change exactly what you reviewed.
    pub version: i32,
    pub plan: PlanDto,
    pub mobile_package: MobilePackageDto,
    pub data_sharing_cards: i32,
    pub employee: EmployeeDto,
    pub number: OrderNumberDto,
    pub summary: SummaryDto,
    pub notices: Vec<NoticeDto>,
    /// When an unconfirmed draft lapses and lets its number go.
    pub expires_at: DateTime<Utc>,
    /// The subscription a confirmed order created.
    pub subscription_id: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Catalog {
    fn order(&self, record: OrderRecord) -> ApiResult<OrderDto> {
        let (plan, package) = self.resolve(
            &record.plan_code,
            &record.mobile_package_code,
            &format!("order {}", record.id),
        )?;
        let status = record.status_at(persistence::now())?;
        let employee: StoredEmployee = serde_json::from_str(&record.employee)
            .map_err(|e| ApiError::internal(anyhow::anyhow!("order employee: {e}")))?;
        let port: Option<PortDetails> = record
            .port
            .as_deref()
            .map(serde_json::from_str)
            .transpose()
            .map_err(|e| ApiError::internal(anyhow::anyhow!("order port: {e}")))?;
        let mut notices = Vec::new();
        if port.is_some() {
            notices.push(NoticeDto {
                code: "binding_period_may_apply".to_owned(),
                message: "Nummeret kan have binding hos det nuværende selskab; en eventuel binding betales der.".to_owned(),
            });
        }
        let expires_at = utc(record.expires_at);
        Ok(OrderDto {
            id: Uuid::parse_str(&record.id).map_err(ApiError::internal)?,
            status: status.as_str().to_owned(),
            version: record.version,
            summary: price(&plan, &package, record.data_sharing_cards).into(),
            plan: plan.into(),
            mobile_package: package.into(),
            data_sharing_cards: record.data_sharing_cards,
            employee: EmployeeDto {
                name: employee.name,
                initials: record.initials,
                title: employee.title,
                email: employee.email,
                cost_center: employee.cost_center,
            },
            number: OrderNumberDto {
                kind: if port.is_some() { "port_in" } else { "new" }.to_owned(),
                number: record.number,
                reserved_until: (port.is_none() && status == OrderStatus::Draft)
                    .then_some(expires_at),
                port,
            },
            notices,
            expires_at,
            subscription_id: record
                .subscription_id
                .as_deref()
                .map(Uuid::parse_str)
                .transpose()
                .map_err(ApiError::internal)?,
            created_at: utc(record.created_at),
            updated_at: utc(record.updated_at),
        })
    }
}

fn draft_ttl(state: &AppState) -> Duration {
    Duration::minutes(i64::from(state.config.draft_ttl_minutes))
}

fn not_draft(status: OrderStatus) -> ApiError {
    match status {
        OrderStatus::Expired => ApiError::conflict(
            "order_expired",
            "the draft expired and let its number go; create a new order",
        ),
        other => ApiError::conflict(
            "order_not_draft",
            format!("the order is {}; only a draft can change", other.as_str()),
        ),
    }
}

fn number_unavailable(number: &str) -> ApiError {
    ApiError::conflict(
        "number_unavailable",
        format!("{number} is not free; pick another from GET /numbers/available"),
    )
    .with_errors(vec![crate::error::FieldError::new(
        "/number/number",
        "number_unavailable",
        format!("{number} is not free"),
    )])
}

fn find(conn: &mut DbConnection, company: Uuid, id: Uuid) -> ApiResult<OrderRecord> {
    persistence::orders::get(conn, company, id)?.ok_or_else(|| ApiError::not_found("the order"))
}

// ---- handlers ------------------------------------------------------------------------

/// Creates a draft from the complete form and answers with the review page: the priced
/// summary, the reserved number and when the draft expires.
#[utoipa::path(
    tag = "orders",
    operation_id = "create_order",
    summary = "Create a draft order (review page)",
    security(("oauth2" = []), ("bearer" = [])),
    params(("Idempotency-Key" = Option<crate::openapi::text::IdempotencyKey>, Header, description = "Retry safely: the same key and body replay the first answer (kept 48 h, per company)")),
    request_body = OrderForm,
    responses(
        (status = 201, description = "The draft: the review page", body = OrderDto,
            headers(("Location" = String, description = "The draft's URL"), ("ETag" = String, description = "The draft's version"))),
        (status = 409, description = "The number is not free (`number_unavailable`)", body = crate::error::Problem, content_type = "application/problem+json",
            example = json!({"type": "urn:selvbetjening:problem:number_unavailable", "title": "Conflict", "status": 409, "detail": "+4520710001 is not free; pick another from GET /numbers/available", "code": "number_unavailable", "request_id": "01937a4e-8f2c-7cc3-9a51-3b1f0c9d2e47", "errors": [{"pointer": "/number/number", "code": "number_unavailable", "message": "+4520710001 is not free"}]})),
    )
)]
#[post("/orders")]
async fn create_order(
    req: HttpRequest,
    who: CompanyAdmin,
    state: web::Data<AppState>,
    raw: Json<serde_json::Value>,
) -> ApiResult<HttpResponse> {
    let key = crate::idempotency::key(&req)?;
    let fingerprint = format!("POST /orders {}", raw.0);
    let company = who.company();
    let work = async {
        let form: OrderForm = crate::body::parse_json(raw.0.to_string().as_bytes())?;
        let order = draft(&state, who, form).await?;
        Ok(
            crate::idempotency::Answer::new(StatusCode::CREATED, &order)?
                .location(format!("/orders/{}", order.id))
                .etag(etag(order.version)),
        )
    };
    crate::idempotency::run(&state, company, key, fingerprint, work).await
}

async fn draft(state: &AppState, who: CompanyAdmin, form: OrderForm) -> ApiResult<OrderDto> {
    let company = who.company();
    let ttl = draft_ttl(state);
    state
        .write(move |conn| {
            let valid = validate(conn, &form)?;
            let id = persistence::new_id();
            let now = persistence::now();
            let expires_at = now + ttl;
            if !persistence::orders::claim_initials(
                conn,
                company,
                valid.initials.as_str(),
                id,
                Some(expires_at),
            )? {
                return Err(initials_taken(&valid.initials));
            }
            let (number, port) = match &valid.choice {
                Choice::New(Some(number)) => {
                    if !persistence::numbers::reserve(conn, company, number, id, expires_at)? {
                        return Err(number_unavailable(number.as_str()));
                    }
                    (number.clone(), None)
                }
                Choice::New(None) => {
                    match persistence::numbers::reserve_first_free(conn, company, id, expires_at)? {
                        Some(number) => (number, None),
                        None => {
                            return Err(ApiError::conflict(
                                "no_numbers_available",
                                "neither the company's pool nor the operator's has a free number",
                            ));
                        }
                    }
                }
                Choice::PortIn(number, details) => (number.clone(), Some(details.clone())),
            };
            let record = OrderRecord {
                id: id.to_string(),
                company_id: company.to_string(),
                status: OrderStatus::Draft.as_str().to_owned(),
                version: 1,
                plan_code: valid.plan.code.clone(),
                mobile_package_code: valid.package.code.clone(),
                data_sharing_cards: valid.cards,
                employee: serde_json::to_string(&valid.employee).map_err(ApiError::internal)?,
                initials: valid.initials.as_str().to_owned(),
                number: number.as_str().to_owned(),
                port: port
                    .map(|p| serde_json::to_string(&p))
                    .transpose()
                    .map_err(ApiError::internal)?,
                expires_at,
                created_at: now,
                updated_at: now,
                subscription_id: None,
            };
            persistence::orders::insert(conn, &record)?;
            audit(
                conn,
                &who.0,
                Some(company),
                "order.drafted",
                ("order", &record.id),
                serde_json::json!({"number": record.number}),
            )?;
            Catalog::load(conn)?.order(record)
        })
        .await
}

fn initials_taken(initials: &Initials) -> ApiError {
    ApiError::field(
        "/employee/initials",
        "initials_taken",
        format!(
            "{} already belongs to a colleague or a draft in the company",
            initials.as_str()
        ),
    )
}

/// One order, as its review page.
#[utoipa::path(
    tag = "orders",
    operation_id = "get_order",
    summary = "Get an order",
    security(("oauth2" = []), ("bearer" = [])),
    params(("id" = Uuid, Path, description = "The order's id")),
    responses((status = 200, description = "The order", body = OrderDto, headers(("ETag" = String, description = "The order's version"))))
)]
#[get("/orders/{id}")]
async fn get_order(
    who: CompanyReader,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let id = path_id(&id, "the order")?;
    let company = who.company();
    let order = state
        .read(move |conn| Catalog::load(conn)?.order(find(conn, company, id)?))
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::ETAG, etag(order.version)))
        .json(order))
}

super::state_schema!(
    /// An order's state.
    OrderStatusSchema => OrderStatus
);

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct OrderListQuery {
    /// Only orders in this state: `draft`, `confirmed`, `cancelled` or `expired`.
    #[param(value_type = Option<OrderStatusSchema>, inline, example = "draft")]
    pub status: Option<String>,
    /// `next_cursor` of the previous page.
    #[param(value_type = Option<crate::openapi::text::ListCursor>, inline)]
    pub cursor: Option<String>,
    /// Items per page, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200, example = 50)]
    pub limit: Option<i64>,
}

/// The company's orders, oldest first.
#[utoipa::path(
    tag = "orders",
    operation_id = "list_orders",
    summary = "List orders",
    security(("oauth2" = []), ("bearer" = [])),
    params(OrderListQuery),
    responses((status = 200, description = "A page of orders", body = Page<OrderDto>))
)]
#[get("/orders")]
async fn list_orders(
    who: CompanyReader,
    state: web::Data<AppState>,
    query: Query<OrderListQuery>,
) -> ApiResult<HttpResponse> {
    let (after, limit, status) = list_params::<OrderStatus>(
        query.cursor.as_deref(),
        query.limit,
        query.status.as_deref(),
        "draft, confirmed, cancelled, expired",
    )?;
    let company = who.company();
    let page = state
        .read(move |conn| {
            let catalog = Catalog::load(conn)?;
            let page: StoredPage<OrderRecord> =
                persistence::orders::list(conn, company, status, after, limit)?;
            page.try_map(|o| catalog.order(o))
        })
        .await?;
    Ok(HttpResponse::Ok().json(Page::<OrderDto>::from(page)))
}

/// The form a stored draft was made from, so a merge patch can be applied to it.
fn form_of(record: &OrderRecord) -> ApiResult<serde_json::Value> {
    let employee: StoredEmployee =
        serde_json::from_str(&record.employee).map_err(ApiError::internal)?;
    let port: Option<PortDetails> = record
        .port
        .as_deref()
        .map(serde_json::from_str)
        .transpose()
        .map_err(ApiError::internal)?;
    let number = match port {
        None => serde_json::json!({"type": "new", "number": record.number}),
        Some(p) => serde_json::json!({
            "type": "port_in", "number": record.number, "owner_email": p.owner_email,
            "owner_name": p.owner_name, "requested_date": p.requested_date,
        }),
    };
    Ok(serde_json::json!({
        "plan": record.plan_code,
        "mobile_package": record.mobile_package_code,
        "data_sharing_cards": record.data_sharing_cards,
        "employee": {
            "name": employee.name, "initials": record.initials, "title": employee.title,
            "email": employee.email, "cost_center": employee.cost_center,
        },
        "number": number,
    }))
}

/// A merge patch (RFC 7396) of the order form: send only what changes; `null` removes
/// an optional value (the cost centre, the requested port date, or the whole `number`, which
/// then picks the first free one). A `number` of another `type` replaces the old one
/// instead of merging into it.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"mobile_package": "DATA_100", "employee": {"title": "Afdelingsleder"}}))]
pub struct OrderPatch {
    /// A plan `code` from `GET /catalog/plans`.
    #[serde(default)]
    #[schema(value_type = String)]
    pub plan: Option<String>,
    /// A package `code` from `GET /catalog/mobile-packages`.
    #[serde(default)]
    #[schema(value_type = String)]
    pub mobile_package: Option<String>,
    /// 0 to 5.
    #[serde(default)]
    #[schema(value_type = i32, minimum = 0, maximum = 5)]
    pub data_sharing_cards: Option<i32>,
    #[serde(default)]
    #[schema(value_type = EmployeePatch)]
    pub employee: Option<EmployeePatch>,
    pub number: Option<NumberPatch>,
}

/// The employee's fields to change.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EmployeePatch {
    #[serde(default)]
    #[schema(value_type = crate::openapi::text::Text100)]
    pub name: Option<String>,
    #[serde(default)]
    #[schema(value_type = crate::openapi::text::Initials)]
    pub initials: Option<String>,
    #[serde(default)]
    #[schema(value_type = crate::openapi::text::Text100)]
    pub title: Option<String>,
    #[serde(default)]
    #[schema(value_type = crate::openapi::text::Email)]
    pub email: Option<String>,
    /// `null` removes it.
    #[schema(value_type = Option<crate::openapi::text::Text50>)]
    pub cost_center: Option<String>,
}

/// The number's fields to change; `type` only when switching between a new number and a
/// port-in.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NumberPatch {
    #[serde(default, rename = "type")]
    #[schema(value_type = NumberType)]
    pub kind: Option<String>,
    /// For a new number, `null` picks the first free one.
    #[schema(value_type = Option<crate::openapi::text::DanishNumber>)]
    pub number: Option<String>,
    #[serde(default)]
    #[schema(value_type = crate::openapi::text::Email)]
    pub owner_email: Option<String>,
    #[serde(default)]
    #[schema(value_type = crate::openapi::text::Text100)]
    pub owner_name: Option<String>,
    /// `null`: the earliest legal date.
    pub requested_date: Option<NaiveDate>,
}

/// How the employee gets a number.
#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
#[allow(dead_code)]
pub enum NumberType {
    New,
    PortIn,
}

/// Corrects a draft ("Jeg ønsker at rette i min bestilling"): re-validated, re-priced,
/// the reservation moved if the number changes, and the expiry pushed forward.
/// `If-Match` with the reviewed version is required.
#[utoipa::path(
    tag = "orders",
    operation_id = "edit_order",
    summary = "Edit a draft (merge patch)",
    security(("oauth2" = []), ("bearer" = [])),
    params(
        ("id" = Uuid, Path, description = "The order's id"),
        ("If-Match" = String, Header, description = "The reviewed version's ETag, e.g. `\"1\"`"),
    ),
    request_body(content = OrderPatch, content_type = "application/merge-patch+json"),
    responses(
        (status = 200, description = "The edited draft", body = OrderDto, headers(("ETag" = String, description = "The new version"))),
        (status = 409, description = "Not a draft, or the new number is not free", body = crate::error::Problem, content_type = "application/problem+json",
            example = json!({"type": "urn:selvbetjening:problem:order_expired", "title": "Conflict", "status": 409, "detail": "the draft expired and let its number go; create a new order", "code": "order_expired", "request_id": "01937a4e-8f2c-7cc3-9a51-3b1f0c9d2e47"})),
    )
)]
#[patch("/orders/{id}")]
async fn edit_order(
    req: HttpRequest,
    who: CompanyAdmin,
    state: web::Data<AppState>,
    id: web::Path<String>,
    patch: Json<serde_json::Value>,
) -> ApiResult<HttpResponse> {
    let id = path_id(&id, "the order")?;
    let expected = if_match(&req)?.ok_or_else(precondition_required)?;
    merge_patch_object(&patch.0)?;
    let company = who.company();
    let ttl = draft_ttl(&state);
    let order = state
        .write(move |conn| {
            let mut record = find(conn, company, id)?;
            let now = persistence::now();
            let status = record.status_at(now)?;
            status
                .apply(OrderEvent::Edit)
                .map_err(|_| not_draft(status))?;
            if !expected.matches(record.version) {
                return Err(stale());
            }
            let expected = record.version;
            let mut merged = form_of(&record)?;
            let new_type = patch.0.pointer("/number/type");
            if new_type.is_some_and(|t| Some(t) != merged.pointer("/number/type")) {
                merged["number"] = serde_json::json!({});
            }
            json_patch::merge(&mut merged, &patch.0);
            let form: OrderForm = crate::body::parse_json(merged.to_string().as_bytes())?;
            let valid = validate(conn, &form)?;
            let expires_at = now + ttl;

            persistence::orders::release_initials(conn, id)?;
            if !persistence::orders::claim_initials(
                conn,
                company,
                valid.initials.as_str(),
                id,
                Some(expires_at),
            )? {
                return Err(initials_taken(&valid.initials));
            }
            let held_new_number = record.port.is_none();
            let (number, port) = match &valid.choice {
                Choice::New(Some(number))
                    if held_new_number && number.as_str() == record.number =>
                {
                    persistence::numbers::extend(conn, id, expires_at)?;
                    (number.as_str().to_owned(), None)
                }
                Choice::New(None) if held_new_number => {
                    persistence::numbers::extend(conn, id, expires_at)?;
                    (record.number.clone(), None)
                }
                Choice::New(Some(number)) => {
                    persistence::numbers::release(conn, id)?;
                    if !persistence::numbers::reserve(conn, company, number, id, expires_at)? {
                        return Err(number_unavailable(number.as_str()));
                    }
                    (number.as_str().to_owned(), None)
                }
                Choice::New(None) => {
                    match persistence::numbers::reserve_first_free(conn, company, id, expires_at)? {
                        Some(number) => (number.as_str().to_owned(), None),
                        None => {
                            return Err(ApiError::conflict(
                                "no_numbers_available",
                                "neither the company's pool nor the operator's has a free number",
                            ));
                        }
                    }
                }
                Choice::PortIn(number, details) => {
                    persistence::numbers::release(conn, id)?;
                    (
                        number.as_str().to_owned(),
                        Some(serde_json::to_string(details).map_err(ApiError::internal)?),
                    )
                }
            };
            record.plan_code = valid.plan.code.clone();
            record.mobile_package_code = valid.package.code.clone();
            record.data_sharing_cards = valid.cards;
            record.employee = serde_json::to_string(&valid.employee).map_err(ApiError::internal)?;
            record.initials = valid.initials.as_str().to_owned();
            record.number = number;
            record.port = port;
            record.expires_at = expires_at;
            record.updated_at = now;
            record.version += 1;
            if !persistence::orders::update(conn, &record, expected)? {
                return Err(stale());
            }
            audit(
                conn,
                &who.0,
                Some(company),
                "order.edited",
                ("order", &record.id),
                patch.0.clone(),
            )?;
            Catalog::load(conn)?.order(record)
        })
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::ETAG, etag(order.version)))
        .json(order))
}

/// Cancels a draft and frees its number and initials.
#[utoipa::path(
    tag = "orders",
    operation_id = "cancel_order",
    summary = "Cancel a draft",
    security(("oauth2" = []), ("bearer" = [])),
    params(("id" = Uuid, Path, description = "The order's id")),
    responses(
        (status = 200, description = "The cancelled order", body = OrderDto),
        (status = 409, description = "Not a draft (`order_not_draft`, `order_expired`)", body = crate::error::Problem, content_type = "application/problem+json",
            example = json!({"type": "urn:selvbetjening:problem:order_not_draft", "title": "Conflict", "status": 409, "detail": "the order is confirmed; only a draft can change", "code": "order_not_draft", "request_id": "01937a4e-8f2c-7cc3-9a51-3b1f0c9d2e47"})),
    )
)]
#[delete("/orders/{id}")]
async fn cancel_order(
    who: CompanyAdmin,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let id = path_id(&id, "the order")?;
    let company = who.company();
    let order = state
        .write(move |conn| {
            let mut record = find(conn, company, id)?;
            let status = record.status_at(persistence::now())?;
            let next = status
                .apply(OrderEvent::Cancel)
                .map_err(|_| not_draft(status))?;
            let expected = record.version;
            record.status = next.as_str().to_owned();
            record.version += 1;
            record.updated_at = persistence::now();
            if !persistence::orders::update(conn, &record, expected)? {
                return Err(ApiError::conflict(
                    "order_changed",
                    "the order changed meanwhile; read it again",
                ));
            }
            persistence::numbers::release(conn, id)?;
            persistence::orders::release_initials(conn, id)?;
            audit(
                conn,
                &who.0,
                Some(company),
                "order.cancelled",
                ("order", &record.id),
                serde_json::json!({}),
            )?;
            Catalog::load(conn)?.order(record)
        })
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::ETAG, etag(order.version)))
        .json(order))
}

/// The answer to a confirmation: the order, the subscription it created, and the
/// number port for a port-in (`null` for a new number).
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "order": {"id": "01937a4e-8f2c-7cc3-9a51-3b1f0c9d2e47", "status": "confirmed", "version": 2, "subscription_id": "01937a4f-0000-7cc3-9a51-3b1f0c9d2e47"},
    "subscription": {"id": "01937a4f-0000-7cc3-9a51-3b1f0c9d2e47", "status": "active", "number": "+4520710001", "uc_account": "mh@nordlys.example", "sim": {"iccid": "8945100000000000018"}},
    "number_port": null
}))]
pub struct Confirmation {
    pub order: OrderDto,
    pub subscription: SubscriptionDto,
    pub number_port: Option<NumberPortDto>,
}

/// Approves a draft ("Godkend og opret"). In one transaction: the order is confirmed,
/// the subscription created with its SIM and sign-in address, the number assigned, the
/// welcome email queued and the audit event written. Send `If-Match` to confirm exactly
/// the version you reviewed.
#[utoipa::path(
    tag = "orders",
    operation_id = "confirm_order",
    summary = "Confirm a draft: create the subscription",
    security(("oauth2" = []), ("bearer" = [])),
    params(
        ("id" = Uuid, Path, description = "The order's id"),
        ("If-Match" = Option<String>, Header, description = "The reviewed version's ETag, e.g. `\"1\"`"),
        ("Idempotency-Key" = Option<crate::openapi::text::IdempotencyKey>, Header, description = "Retry safely: the same key replays the first answer (kept 48 h, per company)"),
    ),
    responses(
        (status = 422, description = "The Idempotency-Key was used for another request, or is malformed", body = crate::error::Problem, content_type = "application/problem+json",
            example = json!({"type": "urn:selvbetjening:problem:idempotency_key_reused", "title": "Idempotency key reused", "status": 422, "detail": "this Idempotency-Key was used for a different request; use a new key", "code": "idempotency_key_reused", "request_id": "01937a4e-8f2c-7cc3-9a51-3b1f0c9d2e47"})),
        (status = 201, description = "Confirmed: the subscription exists", body = Confirmation,
            headers(("Location" = String, description = "The subscription's URL"))),
        (status = 409, description = "Not a draft, expired, or the number was lost", body = crate::error::Problem, content_type = "application/problem+json",
            example = json!({"type": "urn:selvbetjening:problem:order_not_draft", "title": "Conflict", "status": 409, "detail": "the order is confirmed; only a draft can change", "code": "order_not_draft", "request_id": "01937a4e-8f2c-7cc3-9a51-3b1f0c9d2e47"})),
    )
)]
#[post("/orders/{id}/confirm")]
async fn confirm_order(
    req: HttpRequest,
    who: CompanyAdmin,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let id = path_id(&id, "the order")?;
    let expected = if_match(&req)?;
    let key = crate::idempotency::key(&req)?;
    let fingerprint = format!("POST /orders/{id}/confirm {expected:?}");
    let company = who.company();
    let public_url = state.config.public_url.clone().unwrap_or_default();
    let work = async {
        let confirmation = state
            .write(move |conn| confirm(conn, &who.0, company, id, expected, &public_url))
            .await?;
        Ok(
            crate::idempotency::Answer::new(StatusCode::CREATED, &confirmation)?
                .location(format!("/subscriptions/{}", confirmation.subscription.id)),
        )
    };
    crate::idempotency::run(&state, company, key, fingerprint, work).await
}

fn confirm(
    conn: &mut DbConnection,
    who: &Principal,
    company: Uuid,
    id: Uuid,
    expected: Option<IfMatch>,
    public_url: &str,
) -> ApiResult<Confirmation> {
    let now = persistence::now();
    let mut record = find(conn, company, id)?;
    if expected.is_some_and(|m| !m.matches(record.version)) {
        return Err(stale());
    }
    let status = record.status_at(now)?;
    let next = status
        .apply(OrderEvent::Confirm)
        .map_err(|_| not_draft(status))?;
    let port: Option<PortDetails> = record
        .port
        .as_deref()
        .map(serde_json::from_str)
        .transpose()
        .map_err(ApiError::internal)?;
    let subscription_id = persistence::new_id();
    let expected_version = record.version;
    record.status = next.as_str().to_owned();
    record.version += 1;
    record.updated_at = now;
    record.subscription_id = Some(subscription_id.to_string());
    // The order row first: a concurrent confirmation waits here and then finds the
    // version moved on, so it answers `order_not_draft`.
    if !persistence::orders::update(conn, &record, expected_version)? {
        return Err(ApiError::conflict(
            "order_not_draft",
            "the order was confirmed or changed meanwhile",
        ));
    }
    let number = match &port {
        None => persistence::numbers::assign(conn, company, id)?
            .ok_or_else(|| number_unavailable(&record.number))?,
        Some(_) => DanishNumber::parse(&record.number)
            .map_err(|e| ApiError::internal(anyhow::anyhow!(e.message)))?,
    };

    let employee: StoredEmployee =
        serde_json::from_str(&record.employee).map_err(ApiError::internal)?;
    let company_row = persistence::companies::get(conn, company)?;
    let initials = Initials::parse(&record.initials)
        .map_err(|e| ApiError::internal(anyhow::anyhow!(e.message)))?;
    let uc_account = UcAccount::for_employee(&initials, &company_row.email_domain);
    let serial = persistence::subscriptions::next_sim_serial(conn, SIM_ISSUER)?;
    let iccid = Iccid::issue(SIM_ISSUER as u8, u64::try_from(serial).unwrap_or(0))
        .map_err(|e| ApiError::internal(anyhow::anyhow!(e.message)))?;
    let subscription_status = if port.is_some() {
        SubscriptionStatus::PendingPort
    } else {
        SubscriptionStatus::Active
    };
    let details = SubscriptionDetails {
        title: employee.title.clone(),
        email: employee.email.clone(),
        cost_center: employee.cost_center.clone(),
        uc_account: uc_account.as_str().to_owned(),
    };
    let subscription = SubscriptionRecord {
        id: subscription_id.to_string(),
        company_id: company.to_string(),
        order_id: record.id.clone(),
        status: subscription_status.as_str().to_owned(),
        version: 1,
        plan_code: record.plan_code.clone(),
        mobile_package_code: record.mobile_package_code.clone(),
        data_sharing_cards: record.data_sharing_cards,
        employee_name: employee.name.clone(),
        initials: record.initials.clone(),
        number: number.as_str().to_owned(),
        details: serde_json::to_string(&details).map_err(ApiError::internal)?,
        iccid: iccid.as_str().to_owned(),
        terminates_on: None,
        created_at: now,
        updated_at: now,
    };
    persistence::subscriptions::insert(conn, &subscription)?;
    persistence::orders::transfer_initials(conn, id, subscription_id)?;
    let (subject, body) = welcome_email(
        &employee.name,
        &number,
        uc_account.as_str(),
        company_row.name.as_str(),
    );
    persistence::outbox::enqueue(
        conn,
        NewMessage {
            company_id: Some(company),
            kind: "welcome",
            recipient: &employee.email,
            subject: &subject,
            body: &body,
        },
    )?;
    audit(
        conn,
        who,
        Some(company),
        "order.confirmed",
        ("order", &record.id),
        serde_json::json!({"subscription_id": subscription.id, "number": subscription.number}),
    )?;
    let number_port = match &port {
        None => None,
        Some(details) => {
            let started = super::number_ports::start(
                conn,
                super::number_ports::NewPort {
                    company,
                    company_name: company_row.name.as_str(),
                    subscription: subscription_id,
                    employee_name: &employee.name,
                    number: &number,
                    details,
                    public_url,
                },
            )?;
            Some(super::number_ports::to_dto(conn, started)?)
        }
    };
    let catalog = Catalog::load(conn)?;
    let subscription = super::subscriptions::to_dto(&catalog, subscription)?;
    Ok(Confirmation {
        order: catalog.order(record)?,
        subscription,
        number_port,
    })
}

/// The employee's welcome email, in Danish.
fn welcome_email(
    name: &str,
    number: &DanishNumber,
    uc_account: &str,
    company: &str,
) -> (String, String) {
    let subject = "Velkommen – dit nye mobilabonnement er klar".to_owned();
    let body = format!(
        "Hej {name}\n\n\
         {company} har oprettet et mobilabonnement til dig.\n\n\
         Dit nummer: {number}\n\n\
         Du logger på Skype for Business med denne adresse: {uc_account}\n\
         Brug den adgangskode, din it-afdeling giver dig. Har du spørgsmål, så kontakt din administrator.\n\n\
         Dit SIM-kort sendes til dig, og nummeret virker, så snart kortet er sat i.\n\n\
         Venlig hilsen\nSelvbetjening\n",
        number = number.as_str()
    );
    (subject, body)
}
