//! Orders on the wire: the form, the review page, the merge patch and the confirmation.

use chrono::{DateTime, NaiveDate, Utc};
use domain::order::OrderStatus;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::catalog::{MobilePackageDto, PlanDto};
use super::number_ports::NumberPortDto;
use super::pricing::SummaryDto;
use super::rendered::Rendered;
use super::subscriptions::SubscriptionDto;

#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "plan": "ERHVERV_M", "mobile_package": "DATA_50", "data_sharing_cards": 1,
    "employee": {"name": "Mette Hansen", "initials": "MH", "title": "Projektleder", "email": "mette@nordlys.example", "cost_center": "4100"},
    "number": {"type": "new", "number": "+4520710001"}
}))]
pub struct OrderForm {
    /// A plan `code` from `GET /catalog/plans`.
    #[schema(min_length = 1, max_length = 50)]
    pub plan: String,
    /// A package `code` from `GET /catalog/mobile-packages`.
    #[schema(min_length = 1, max_length = 50)]
    pub mobile_package: String,
    /// 0 to 5; the plan's free cards cost nothing.
    #[serde(default)]
    #[serde(deserialize_with = "super::json_integers::whole_i32")]
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
    #[schema(value_type = crate::wire::text::Text100)]
    pub name: String,
    /// 2 to 6 letters (A–Z, Æ, Ø, Å), unique in the company; kept upper-case.
    #[schema(value_type = crate::wire::text::Initials)]
    pub initials: String,
    /// 1 to 100 characters.
    #[schema(value_type = crate::wire::text::Text100)]
    pub title: String,
    #[schema(value_type = crate::wire::text::Email)]
    pub email: String,
    #[schema(value_type = Option<crate::wire::text::Text50>)]
    pub cost_center: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(
    tag = "type",
    rename_all = "snake_case",
    deny_unknown_fields,
    try_from = "serde_json::Value"
)]
pub enum NumberChoice {
    /// A number from the company's pool or the operator's; `number` omitted picks the first free.
    New {
        /// 8 digits, `+45…` or `0045…`.
        #[schema(value_type = Option<crate::wire::text::DanishNumber>)]
        number: Option<String>,
    },
    /// The employee keeps a Danish mobile number from another operator.
    PortIn {
        #[schema(value_type = crate::wire::text::MobileNumber)]
        number: String,
        /// Receives the power of attorney to sign.
        #[schema(value_type = crate::wire::text::Email)]
        owner_email: String,
        /// As the donor operator has it.
        #[schema(value_type = crate::wire::text::Text100)]
        owner_name: String,
        /// The wished port date; the earliest legal date when omitted.
        requested_date: Option<NaiveDate>,
    },
}

/// Read variant by variant, so that a wrong field inside one is named by its own pointer
/// (`/number/owner_email`), not by the enum's (`/number`).
impl TryFrom<serde_json::Value> for NumberChoice {
    type Error = serde_json::Error;

    fn try_from(value: serde_json::Value) -> Result<Self, Self::Error> {
        crate::body::tagged(value, "type", &["new", "port_in"], |variant, fields| {
            Ok(if variant == "new" {
                let New { number } = crate::body::located(fields)?;
                NumberChoice::New { number }
            } else {
                let PortIn {
                    number,
                    owner_email,
                    owner_name,
                    requested_date,
                } = crate::body::located(fields)?;
                NumberChoice::PortIn {
                    number,
                    owner_email,
                    owner_name,
                    requested_date,
                }
            })
        })
    }
}

/// The fields of [`NumberChoice::New`], read alone.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct New {
    number: Option<String>,
}

/// The fields of [`NumberChoice::PortIn`], read alone.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PortIn {
    number: String,
    owner_email: String,
    owner_name: String,
    requested_date: Option<NaiveDate>,
}

/// A port-in's details, as stored.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PortDetails {
    pub owner_email: String,
    pub owner_name: String,
    pub requested_date: Option<NaiveDate>,
}

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
    #[serde(serialize_with = "super::time::rfc3339_opt")]
    pub reserved_until: Option<DateTime<Utc>>,
    /// For a port-in: who owns the number and when it should move.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub port: Option<PortDetails>,
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
    #[schema(value_type = PlanDto)]
    pub plan: Rendered,
    #[schema(value_type = MobilePackageDto)]
    pub mobile_package: Rendered,
    pub data_sharing_cards: i32,
    pub employee: EmployeeDto,
    pub number: OrderNumberDto,
    #[schema(value_type = SummaryDto)]
    pub summary: Rendered,
    pub notices: Vec<NoticeDto>,
    /// When an unconfirmed draft lapses and lets its number go.
    #[serde(serialize_with = "super::time::rfc3339")]
    pub expires_at: DateTime<Utc>,
    /// The subscription a confirmed order created.
    pub subscription_id: Option<Uuid>,
    /// The bulk job that drafted the order; such a draft is confirmed or cancelled with
    /// its job (`POST /bulk-orders/{id}/confirm`, `DELETE /bulk-orders/{id}`).
    pub bulk_order_id: Option<Uuid>,
    /// The latest approval asked for the order (the company's approval rule caught its
    /// confirm); `null` when none was.
    pub approval: Option<ApprovalDto>,
    #[serde(serialize_with = "super::time::rfc3339")]
    pub created_at: DateTime<Utc>,
    #[serde(serialize_with = "super::time::rfc3339")]
    pub updated_at: DateTime<Utc>,
}

/// An approval asked for an order: who asked, until when, and the answer once there is one.
#[derive(Debug, Serialize, ToSchema)]
pub struct ApprovalDto {
    /// The user (or API client) whose confirm waits; they cannot approve it.
    pub requested_by: Uuid,
    #[serde(serialize_with = "super::time::rfc3339")]
    pub requested_at: DateTime<Utc>,
    /// Unanswered by then, the order is `approval_expired` and its number free.
    #[serde(serialize_with = "super::time::rfc3339")]
    pub expires_at: DateTime<Utc>,
    /// `approved` or `rejected`; `null` while it waits.
    #[schema(value_type = Option<DecisionSchema>)]
    pub decision: Option<String>,
    pub decided_by: Option<Uuid>,
    #[serde(serialize_with = "super::time::rfc3339_opt")]
    pub decided_at: Option<DateTime<Utc>>,
    /// Why it was rejected.
    pub reason: Option<String>,
}

impl From<&domain::approval::Approval> for ApprovalDto {
    fn from(a: &domain::approval::Approval) -> Self {
        let answer = a.answer.as_ref();
        ApprovalDto {
            requested_by: a.requested_by,
            requested_at: a.requested_at.and_utc(),
            expires_at: a.expires_at.and_utc(),
            decision: answer.map(|x| x.decision.as_str().to_owned()),
            decided_by: answer.map(|x| x.by),
            decided_at: answer.map(|x| x.at.and_utc()),
            reason: answer.and_then(|x| x.reason.clone()),
        }
    }
}

super::state_schema!(
    /// A second admin's answer to an approval.
    DecisionSchema => domain::approval::Decision
);

/// Why an order is sent back to its maker as a draft.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"reason": "Vælg den mindre pakke; DATA_100 er over budget"}))]
pub struct ApprovalRejection {
    #[schema(value_type = crate::wire::text::Text500)]
    pub reason: String,
}

super::state_schema!(
    /// An order's state.
    OrderStatusSchema => OrderStatus
);

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct OrderListQuery {
    /// Only orders in this state.
    #[param(value_type = Option<OrderStatusSchema>, inline, example = "draft")]
    pub status: Option<String>,
    /// `next_cursor` of the previous page.
    #[param(value_type = Option<crate::wire::text::ListCursor>, inline)]
    pub cursor: Option<String>,
    /// Items per page, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200, example = 50)]
    pub limit: Option<i64>,
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
    #[schema(value_type = String, min_length = 1, max_length = 50)]
    pub plan: Option<String>,
    /// A package `code` from `GET /catalog/mobile-packages`.
    #[serde(default)]
    #[schema(value_type = String, min_length = 1, max_length = 50)]
    pub mobile_package: Option<String>,
    /// 0 to 5.
    #[serde(default)]
    #[serde(deserialize_with = "super::json_integers::whole_i32_opt")]
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
    #[schema(value_type = crate::wire::text::Text100)]
    pub name: Option<String>,
    #[serde(default)]
    #[schema(value_type = crate::wire::text::Initials)]
    pub initials: Option<String>,
    #[serde(default)]
    #[schema(value_type = crate::wire::text::Text100)]
    pub title: Option<String>,
    #[serde(default)]
    #[schema(value_type = crate::wire::text::Email)]
    pub email: Option<String>,
    /// `null` removes it.
    #[schema(value_type = Option<crate::wire::text::Text50>)]
    pub cost_center: Option<String>,
}

/// The number's fields to change. A patch naming the fields of a port-in says
/// `type: port_in`; `type` is left out to keep the draft's kind of number, and a `type`
/// other than the draft's replaces its number. (The server reads the merged form; this
/// schema exists for the document.)
#[derive(Debug, Deserialize, ToSchema)]
#[serde(untagged)]
#[allow(dead_code)]
pub enum NumberPatch {
    New(NewNumberPatch),
    PortIn(PortInPatch),
}

/// A new number from the company's or the operator's pool, or the number of the draft
/// whatever its kind when `type` is left out.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
pub struct NewNumberPatch {
    #[serde(default, rename = "type")]
    #[schema(value_type = NewNumberType)]
    pub kind: Option<String>,
    /// For a new number, `null` picks the first free one; a port-in's number is a mobile
    /// number.
    #[schema(value_type = Option<crate::wire::text::DanishNumber>)]
    pub number: Option<String>,
}

/// The employee's existing number, ported in.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
pub struct PortInPatch {
    #[serde(rename = "type")]
    #[schema(value_type = PortInNumberType)]
    pub kind: String,
    #[serde(default)]
    #[schema(value_type = crate::wire::text::MobileNumber)]
    pub number: Option<String>,
    #[serde(default)]
    #[schema(value_type = crate::wire::text::Email)]
    pub owner_email: Option<String>,
    #[serde(default)]
    #[schema(value_type = crate::wire::text::Text100)]
    pub owner_name: Option<String>,
    /// `null`: the earliest legal date.
    pub requested_date: Option<NaiveDate>,
}

/// A new number.
#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
#[allow(dead_code)]
pub enum NewNumberType {
    New,
}

/// The employee keeps their number.
#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
#[allow(dead_code)]
pub enum PortInNumberType {
    PortIn,
}

/// The answer to a confirmation: the order, the subscription it created, and the
/// number port for a port-in (`null` for a new number).
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "order": {
        "id": "01937a4e-8f2c-7cc3-9a51-3b1f0c9d2e47", "status": "confirmed", "version": 2,
        "plan": {"code": "ERHVERV_M", "name": "Erhverv M", "monthly_price_ore": 14900, "included_data_gb": 30, "free_data_sharing_cards": 0, "data_sharing_card_price_ore": 2900, "setup_fee_ore": 9900},
        "mobile_package": {"code": "DATA_50", "name": "Mobilpakke 50 GB", "data_gb": 50, "monthly_price_ore": 9900},
        "data_sharing_cards": 1,
        "employee": {"name": "Mette Hansen", "initials": "MH", "title": "Projektleder", "email": "mette@nordlys.example", "cost_center": "4100"},
        "number": {"type": "new", "number": "+4520710001", "reserved_until": null},
        "summary": {"lines": [
            {"description": "Abonnement: Erhverv M", "monthly_ore": 14900, "one_time_ore": 9900},
            {"description": "Mobilpakke: Mobilpakke 50 GB", "monthly_ore": 9900, "one_time_ore": 0},
            {"description": "Datadelingskort: 1 × 29,00 kr.", "monthly_ore": 2900, "one_time_ore": 0}],
            "monthly_ex_vat_ore": 27700, "monthly_vat_ore": 6925, "monthly_incl_vat_ore": 34625,
            "one_time_ex_vat_ore": 9900, "one_time_vat_ore": 2475, "one_time_incl_vat_ore": 12375},
        "notices": [],
        "expires_at": "2026-11-25T10:00:00Z",
        "subscription_id": "01937a4f-0000-7cc3-9a51-3b1f0c9d2e47",
        "created_at": "2026-11-25T09:30:00Z", "updated_at": "2026-11-25T09:35:00Z"
    },
    "subscription": {
        "id": "01937a4f-0000-7cc3-9a51-3b1f0c9d2e47", "order_id": "01937a4e-8f2c-7cc3-9a51-3b1f0c9d2e47",
        "status": "active", "version": 1, "number": "+4520710001",
        "plan": {"code": "ERHVERV_M", "name": "Erhverv M", "monthly_price_ore": 14900, "included_data_gb": 30, "free_data_sharing_cards": 0, "data_sharing_card_price_ore": 2900, "setup_fee_ore": 9900},
        "mobile_package": {"code": "DATA_50", "name": "Mobilpakke 50 GB", "data_gb": 50, "monthly_price_ore": 9900},
        "data_sharing_cards": 1,
        "employee": {"name": "Mette Hansen", "initials": "MH", "title": "Projektleder", "email": "mette@nordlys.example", "cost_center": "4100"},
        "uc_account": "mh@nordlys.example",
        "sim": {"iccid": "8945100000000000018"},
        "summary": {"lines": [
            {"description": "Abonnement: Erhverv M", "monthly_ore": 14900, "one_time_ore": 9900},
            {"description": "Mobilpakke: Mobilpakke 50 GB", "monthly_ore": 9900, "one_time_ore": 0},
            {"description": "Datadelingskort: 1 × 29,00 kr.", "monthly_ore": 2900, "one_time_ore": 0}],
            "monthly_ex_vat_ore": 27700, "monthly_vat_ore": 6925, "monthly_incl_vat_ore": 34625,
            "one_time_ex_vat_ore": 9900, "one_time_vat_ore": 2475, "one_time_incl_vat_ore": 12375},
        "terminates_on": null,
        "created_at": "2026-11-25T09:35:00Z", "updated_at": "2026-11-25T09:35:00Z"
    },
    "number_port": null
}))]
pub struct Confirmation {
    pub order: OrderDto,
    pub subscription: SubscriptionDto,
    pub number_port: Option<NumberPortDto>,
}
