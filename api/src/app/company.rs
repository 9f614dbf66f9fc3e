//! The company as its own users see it, and its approval rule, which its admins set.

use domain::approval::ApprovalRule;
use persistence::DbConnection;
use persistence::approvals::StoredRule;
use uuid::Uuid;

use super::{IfMatch, Principal, audit};
use crate::error::FieldError;
use crate::wire::company::{ApprovalRuleDto, CompanyPatch, CompanyProfileDto};

/// Why the company's settings did not change.
#[derive(Debug, thiserror::Error)]
pub enum CompanyError {
    /// `If-Match` names a version the rule no longer has.
    #[error("the approval rule changed since it was read")]
    Stale,
    #[error("invalid approval rule")]
    Invalid(Vec<FieldError>),
    #[error(transparent)]
    Storage(#[from] persistence::Error),
}

/// `company` with its approval rule: one read.
pub fn get(conn: &mut DbConnection, company: Uuid) -> Result<CompanyProfileDto, CompanyError> {
    let (row, rule) = persistence::companies::with_approval_rule(conn, company)?;
    Ok(view(row, rule))
}

/// Applies `patch` (a merge patch of `{approval}`) to `company`'s approval rule if it still
/// has a version `expected` names.
pub fn change(
    conn: &mut DbConnection,
    who: &Principal,
    company: Uuid,
    expected: &IfMatch,
    patch: &serde_json::Value,
) -> Result<CompanyProfileDto, CompanyError> {
    persistence::db::write(conn, |conn| {
        let stored = persistence::approvals::rule(conn, company)?;
        if !expected.matches(stored.version) {
            return Err(CompanyError::Stale);
        }
        let current = CompanyPatch {
            approval: ApprovalRuleDto::from(stored.rule),
        };
        let patched: CompanyPatch = crate::body::merge_patch(&current, patch)
            .map_err(|e| CompanyError::Invalid(vec![e]))?;
        let rule: ApprovalRule = patched.approval.rule().map_err(CompanyError::Invalid)?;
        let now = persistence::machine_now();
        if !persistence::approvals::set_rule(conn, company, &rule, stored.version, now)? {
            return Err(CompanyError::Stale);
        }
        audit(
            conn,
            who,
            Some(company),
            "company.approval_rule_changed",
            ("company", company.to_string()),
            serde_json::json!({
                "above_monthly_incl_vat_ore": rule.above_monthly_incl_vat_ore,
                "bulk": rule.bulk,
                "expires_after_hours": rule.expires_after_hours,
            }),
        )?;
        let (row, rule) = persistence::companies::with_approval_rule(conn, company)?;
        Ok(view(row, rule))
    })
}

fn view(company: persistence::companies::Company, rule: StoredRule) -> CompanyProfileDto {
    CompanyProfileDto {
        id: company.id,
        name: company.name.as_str().to_owned(),
        cvr: company.cvr.as_str().to_owned(),
        email_domain: company.email_domain.as_str().to_owned(),
        sandbox: company.sandbox,
        version: rule.version,
        approval: ApprovalRuleDto::from(rule.rule),
        updated_at: rule.updated_at.map(|at| at.and_utc()),
    }
}
