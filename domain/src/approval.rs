//! Four-eyes approval: a company's rule for which confirms wait for a second admin, and
//! the approval an order or a bulk job waits for.

use chrono::{Duration, NaiveDateTime};
use uuid::Uuid;

/// How long an approval waits when the rule does not say.
pub const DEFAULT_EXPIRES_AFTER_HOURS: i32 = 72;
/// The longest an approval may wait: a week.
pub const MAX_EXPIRES_AFTER_HOURS: i32 = 168;

/// Which confirms of a company wait for a second admin. The default catches nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ApprovalRule {
    /// An order dearer than this per month (incl. VAT, øre) waits; `None`: no price does.
    pub above_monthly_incl_vat_ore: Option<i64>,
    /// Every bulk job waits.
    pub bulk: bool,
    /// How long an approval waits before it lapses (1 to 168).
    pub expires_after_hours: i32,
}

impl Default for ApprovalRule {
    fn default() -> Self {
        ApprovalRule {
            above_monthly_incl_vat_ore: None,
            bulk: false,
            expires_after_hours: DEFAULT_EXPIRES_AFTER_HOURS,
        }
    }
}

impl ApprovalRule {
    /// Whether an order costing `monthly_incl_vat_ore` a month waits for approval.
    pub fn catches_order(&self, monthly_incl_vat_ore: i64) -> bool {
        self.above_monthly_incl_vat_ore
            .is_some_and(|threshold| monthly_incl_vat_ore > threshold)
    }

    /// Whether a bulk job whose dearest order costs `dearest_monthly_incl_vat_ore` a month
    /// waits: every job when the rule says so, and any job holding an order that would
    /// wait on its own (a bulk upload is no way around the rule).
    pub fn catches_bulk(&self, dearest_monthly_incl_vat_ore: i64) -> bool {
        self.bulk || self.catches_order(dearest_monthly_incl_vat_ore)
    }

    /// Until when an approval asked for at `now` waits.
    pub fn expiry(&self, now: NaiveDateTime) -> NaiveDateTime {
        now + Duration::hours(i64::from(self.expires_after_hours))
    }
}

string_enum! {
    /// What waits for approval.
    pub enum ApprovalKind (code = "approval_kind_invalid", what = "approval kind") {
        Order = "order",
        BulkOrder = "bulk_order",
    }
}

string_enum! {
    /// The second admin's answer.
    pub enum Decision (code = "approval_decision_invalid", what = "approval decision") {
        Approved = "approved",
        Rejected = "rejected",
    }
}

/// The latest approval asked for an order or a bulk job. Earlier rounds (asked, rejected,
/// asked again) are in the audit log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Approval {
    /// The order or bulk job.
    pub subject: Uuid,
    pub company: Uuid,
    pub kind: ApprovalKind,
    /// The user (or API client) whose confirm the rule caught: never its approver.
    pub requested_by: Uuid,
    pub requested_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
    pub answer: Option<Answer>,
}

/// A second admin's answer to an approval.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    pub decision: Decision,
    pub by: Uuid,
    pub at: NaiveDateTime,
    /// Why it was rejected.
    pub reason: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_an_order_dearer_than_the_threshold_waits() {
        let rule = ApprovalRule {
            above_monthly_incl_vat_ore: Some(50_000),
            ..ApprovalRule::default()
        };
        assert!(!rule.catches_order(49_999));
        assert!(!rule.catches_order(50_000));
        assert!(rule.catches_order(50_001));
        assert!(!ApprovalRule::default().catches_order(i64::MAX));
    }

    #[test]
    fn a_bulk_job_waits_when_the_rule_says_so_or_when_one_of_its_orders_would() {
        let priced = ApprovalRule {
            above_monthly_incl_vat_ore: Some(50_000),
            ..ApprovalRule::default()
        };
        assert!(!priced.catches_bulk(40_000));
        assert!(priced.catches_bulk(60_000));
        let every = ApprovalRule {
            bulk: true,
            ..ApprovalRule::default()
        };
        assert!(every.catches_bulk(0));
    }

    #[test]
    fn an_approval_waits_the_rules_hours() {
        let now = chrono::NaiveDate::from_ymd_opt(2026, 12, 7)
            .and_then(|d| d.and_hms_opt(10, 0, 0))
            .unwrap_or_default();
        assert_eq!(
            ApprovalRule::default().expiry(now),
            now + Duration::hours(72)
        );
    }
}
