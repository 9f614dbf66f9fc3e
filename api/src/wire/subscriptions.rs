//! Subscriptions on the wire.

use chrono::{DateTime, NaiveDate, Utc};
use domain::subscription::SubscriptionStatus;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::catalog::{MobilePackageDto, PlanDto};
use super::pricing::SummaryDto;
use super::rendered::Rendered;

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
    #[schema(value_type = PlanDto)]
    pub plan: Rendered,
    #[schema(value_type = MobilePackageDto)]
    pub mobile_package: Rendered,
    pub data_sharing_cards: i32,
    pub employee: SubscriptionEmployeeDto,
    /// The Skype for Business sign-in address.
    pub uc_account: String,
    pub sim: SimDto,
    /// What the subscription costs, as priced now.
    #[schema(value_type = SummaryDto)]
    pub summary: Rendered,
    pub terminates_on: Option<NaiveDate>,
    #[serde(serialize_with = "super::time::rfc3339")]
    pub created_at: DateTime<Utc>,
    #[serde(serialize_with = "super::time::rfc3339")]
    pub updated_at: DateTime<Utc>,
}

super::state_schema!(
    /// A subscription's state.
    SubscriptionStatusSchema => SubscriptionStatus
);

/// The longest search (`q`) read: as long as the longest name it can match.
pub const SEARCH_MAX: usize = 100;

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct SubscriptionListQuery {
    /// Matches the employee's name, initials or number; at most 100 characters.
    #[param(max_length = 100, example = "Mette")]
    pub q: Option<String>,
    /// Only subscriptions in this state: `pending_port`, `active` or `terminated`.
    #[param(value_type = Option<SubscriptionStatusSchema>, inline, example = "active")]
    pub status: Option<String>,
    /// `next_cursor` of the previous page.
    #[param(value_type = Option<crate::wire::text::ListCursor>, inline)]
    pub cursor: Option<String>,
    /// Items per page, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200, example = 50)]
    pub limit: Option<i64>,
}

/// A merge patch (RFC 7396) of what may change on a subscription: send only what
/// changes; `null` removes the cost centre.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"mobile_package": "DATA_100", "data_sharing_cards": 2, "employee": {"title": "Afdelingsleder"}}))]
pub struct SubscriptionPatch {
    /// A package `code` from `GET /catalog/mobile-packages`.
    #[serde(default)]
    #[schema(value_type = String, min_length = 1, max_length = 50)]
    pub mobile_package: Option<String>,
    /// 0 to 5; the plan's free cards cost nothing.
    #[serde(default)]
    #[serde(deserialize_with = "super::json_integers::whole_i32_opt")]
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
    #[schema(value_type = crate::wire::text::Text100)]
    pub name: Option<String>,
    #[serde(default)]
    #[schema(value_type = crate::wire::text::Text100)]
    pub title: Option<String>,
    /// `null` removes it.
    #[schema(value_type = Option<crate::wire::text::Text50>)]
    pub cost_center: Option<String>,
}

/// When the subscription ends.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"effective_date": "2026-12-31"}))]
pub struct Termination {
    /// Today (in Denmark) ends it at once; a later date schedules it, and until then it
    /// can be moved.
    pub effective_date: NaiveDate,
}
