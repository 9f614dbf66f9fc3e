//! Four-eyes approval: each company's approval rule, and the latest approval asked for an
//! order or a bulk job.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use domain::approval::{Answer, Approval, ApprovalRule};
use uuid::Uuid;

use crate::db::on_backend;
use crate::error::{parse, uuid};
use crate::schema::{approval_rules, approvals};
use crate::{DbConnection, Error, Result};

/// The version of a rule nobody has set yet (the default, which catches nothing).
pub const FIRST_RULE_VERSION: i32 = 1;

/// A company's rule as stored, with the version its `If-Match` names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StoredRule {
    pub rule: ApprovalRule,
    pub version: i32,
    /// When it was last set; `None` for the default.
    pub updated_at: Option<NaiveDateTime>,
}

#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = approval_rules)]
pub(crate) struct RuleRecord {
    above_monthly_incl_vat_ore: Option<i64>,
    bulk: bool,
    expires_after_hours: i32,
    version: i32,
    updated_at: NaiveDateTime,
}

/// `company`'s approval rule: the default (version 1) until an admin sets one.
pub fn rule(conn: &mut DbConnection, company: Uuid) -> Result<StoredRule> {
    let record = approval_rules::table
        .filter(approval_rules::company_id.eq(company.to_string()))
        .select(RuleRecord::as_select())
        .first(conn)
        .optional()?;
    Ok(stored(record))
}

/// A company's rule as read: the default (version 1) when it has none.
pub(crate) fn stored(record: Option<RuleRecord>) -> StoredRule {
    match record {
        None => StoredRule {
            rule: ApprovalRule::default(),
            version: FIRST_RULE_VERSION,
            updated_at: None,
        },
        Some(r) => StoredRule {
            rule: ApprovalRule {
                above_monthly_incl_vat_ore: r.above_monthly_incl_vat_ore,
                bulk: r.bulk,
                expires_after_hours: r.expires_after_hours,
            },
            version: r.version,
            updated_at: Some(r.updated_at),
        },
    }
}

/// Sets `company`'s rule if it still has version `expected`, as the next version; false
/// when another admin came first. One statement either way.
pub fn set_rule(
    conn: &mut DbConnection,
    company: Uuid,
    rule: &ApprovalRule,
    expected: i32,
    now: NaiveDateTime,
) -> Result<bool> {
    let values = (
        approval_rules::above_monthly_incl_vat_ore.eq(rule.above_monthly_incl_vat_ore),
        approval_rules::bulk.eq(rule.bulk),
        approval_rules::expires_after_hours.eq(rule.expires_after_hours),
        approval_rules::version.eq(expected + 1),
        approval_rules::updated_at.eq(now),
    );
    let changed = if expected == FIRST_RULE_VERSION {
        // The first one: a concurrent first one makes this insert do nothing.
        let insert = diesel::insert_into(approval_rules::table)
            .values((approval_rules::company_id.eq(company.to_string()), values))
            .on_conflict_do_nothing();
        on_backend!(conn, c => insert.execute(c))?
    } else {
        diesel::update(
            approval_rules::table
                .filter(approval_rules::company_id.eq(company.to_string()))
                .filter(approval_rules::version.eq(expected)),
        )
        .set(values)
        .execute(conn)?
    };
    Ok(changed == 1)
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = approvals, treat_none_as_null = true)]
pub(crate) struct ApprovalRecord {
    subject_id: String,
    company_id: String,
    kind: String,
    requested_by: String,
    requested_at: NaiveDateTime,
    expires_at: NaiveDateTime,
    decision: Option<String>,
    decided_by: Option<String>,
    decided_at: Option<NaiveDateTime>,
    reason: Option<String>,
}

impl TryFrom<ApprovalRecord> for Approval {
    type Error = Error;

    fn try_from(r: ApprovalRecord) -> Result<Approval> {
        let answer = match (r.decision, r.decided_by, r.decided_at) {
            (Some(decision), Some(by), Some(at)) => Some(Answer {
                decision: parse("approvals.decision", &decision, str::parse)?,
                by: uuid("approvals.decided_by", &by)?,
                at,
                reason: r.reason,
            }),
            (None, _, _) => None,
            (Some(decision), _, _) => return Err(Error::corrupt("approvals.decided_by", decision)),
        };
        Ok(Approval {
            subject: uuid("approvals.subject_id", &r.subject_id)?,
            company: uuid("approvals.company_id", &r.company_id)?,
            kind: parse("approvals.kind", &r.kind, str::parse)?,
            requested_by: uuid("approvals.requested_by", &r.requested_by)?,
            requested_at: r.requested_at,
            expires_at: r.expires_at,
            answer,
        })
    }
}

impl From<&Approval> for ApprovalRecord {
    fn from(a: &Approval) -> ApprovalRecord {
        let answer = a.answer.as_ref();
        ApprovalRecord {
            subject_id: a.subject.to_string(),
            company_id: a.company.to_string(),
            kind: a.kind.as_str().to_owned(),
            requested_by: a.requested_by.to_string(),
            requested_at: a.requested_at,
            expires_at: a.expires_at,
            decision: answer.map(|x| x.decision.as_str().to_owned()),
            decided_by: answer.map(|x| x.by.to_string()),
            decided_at: answer.map(|x| x.at),
            reason: answer.and_then(|x| x.reason.clone()),
        }
    }
}

/// Writes `approval` as its subject's latest, over an earlier round's.
pub fn save(conn: &mut DbConnection, approval: &Approval) -> Result<()> {
    let record = ApprovalRecord::from(approval);
    let upsert = diesel::insert_into(approvals::table)
        .values(&record)
        .on_conflict(approvals::subject_id)
        .do_update()
        .set(&record);
    on_backend!(conn, c => upsert.execute(c))?;
    Ok(())
}

/// The latest approval asked for `subject` (an order or a bulk job).
pub fn get(conn: &mut DbConnection, subject: Uuid) -> Result<Option<Approval>> {
    approvals::table
        .filter(approvals::subject_id.eq(subject.to_string()))
        .select(ApprovalRecord::as_select())
        .first(conn)
        .optional()?
        .map(Approval::try_from)
        .transpose()
}
