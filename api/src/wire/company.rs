//! The company as its own users see it (`GET /company`), with its approval rule.

use chrono::{DateTime, Utc};
use domain::approval::{ApprovalRule, DEFAULT_EXPIRES_AFTER_HOURS, MAX_EXPIRES_AFTER_HOURS};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::json_integers::{whole_i32, whole_i32_opt};

/// Which confirms wait for a second admin (four-eyes approval), and for how long.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"above_monthly_incl_vat_ore": 50000, "bulk": true, "expires_after_hours": 72}))]
pub struct ApprovalRuleDto {
    /// An order dearer than this a month (incl. VAT, øre) waits for a second admin;
    /// `null`: no price makes an order wait.
    #[serde(default, deserialize_with = "whole_i32_opt")]
    #[schema(minimum = 0, maximum = 2147483647, example = 50000)]
    pub above_monthly_incl_vat_ore: Option<i32>,
    /// Every bulk job waits for a second admin (a job holding an order dearer than the
    /// threshold waits anyway).
    #[serde(default)]
    pub bulk: bool,
    /// How many hours an approval waits (72 when not set); unanswered, the order lapses and
    /// its number is freed.
    #[serde(
        default = "default_expires_after_hours",
        deserialize_with = "whole_i32"
    )]
    #[schema(minimum = 1, maximum = 168, example = 72, required = false)]
    pub expires_after_hours: i32,
}

fn default_expires_after_hours() -> i32 {
    DEFAULT_EXPIRES_AFTER_HOURS
}

impl From<ApprovalRule> for ApprovalRuleDto {
    fn from(rule: ApprovalRule) -> Self {
        ApprovalRuleDto {
            above_monthly_incl_vat_ore: rule
                .above_monthly_incl_vat_ore
                .map(|ore| i32::try_from(ore).unwrap_or(i32::MAX)),
            bulk: rule.bulk,
            expires_after_hours: rule.expires_after_hours,
        }
    }
}

impl ApprovalRuleDto {
    /// The rule, or the field errors that keep it from being one.
    pub fn rule(&self) -> Result<ApprovalRule, Vec<crate::error::FieldError>> {
        let mut errors = Vec::new();
        if self.above_monthly_incl_vat_ore.is_some_and(|ore| ore < 0) {
            errors.push(crate::error::FieldError::new(
                "/approval/above_monthly_incl_vat_ore",
                "out_of_range",
                "a price is 0 øre or more",
            ));
        }
        if !(1..=MAX_EXPIRES_AFTER_HOURS).contains(&self.expires_after_hours) {
            errors.push(crate::error::FieldError::new(
                "/approval/expires_after_hours",
                "out_of_range",
                format!("an approval waits 1 to {MAX_EXPIRES_AFTER_HOURS} hours"),
            ));
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(ApprovalRule {
            above_monthly_incl_vat_ore: self.above_monthly_incl_vat_ore.map(i64::from),
            bulk: self.bulk,
            expires_after_hours: self.expires_after_hours,
        })
    }
}

/// What a company's admins may change of it: its approval rule. A merge patch (RFC 7396):
/// send only what changes; `null` removes the threshold (or puts a field back to its
/// default).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"approval": {"above_monthly_incl_vat_ore": 50000}}))]
pub struct CompanyPatch {
    pub approval: ApprovalRuleDto,
}

/// The company its users work for.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "01937a4e-8f2c-7cc3-9a51-3b1f0c9d2e47", "name": "Nordlys ApS", "cvr": "31258715",
    "email_domain": "nordlys.example", "sandbox": false, "version": 2,
    "approval": {"above_monthly_incl_vat_ore": 50000, "bulk": true, "expires_after_hours": 72},
    "updated_at": "2026-12-07T09:30:00Z"
}))]
pub struct CompanyProfileDto {
    pub id: Uuid,
    pub name: String,
    pub cvr: String,
    pub email_domain: String,
    /// A sandbox company: its business time is its test clock.
    pub sandbox: bool,
    /// Send it back as `If-Match: "<version>"` to change the approval rule.
    pub version: i32,
    pub approval: ApprovalRuleDto,
    /// When the approval rule was last changed; `null` while it is the default.
    #[serde(serialize_with = "super::time::rfc3339_opt")]
    pub updated_at: Option<DateTime<Utc>>,
}
