//! Four-eyes approval of a bulk job, as one unit: a confirm the company's approval rule
//! catches (every job when the rule says so, or a job holding an order dearer than its
//! threshold) waits for a second admin, whose yes starts the confirming and whose no makes
//! the job drafted again. What it shares with an order's approval is in
//! [`crate::app::approvals`].

use chrono::NaiveDateTime;
use domain::approval::{ApprovalKind, Decision};
use domain::bulk::{BulkEvent, BulkStatus};
use domain::text::ApprovalReason;
use persistence::DbConnection;
use persistence::bulk_orders::BulkOrder;
use uuid::Uuid;

use super::{BulkError, hold_drafts, moved, priced, view};
use crate::app::approvals::{self, ApprovalError, Subject};
use crate::app::idempotency::{Answer, IdempotencyKey, Replayable, once};
use crate::app::{IfMatch, Principal, Settings, audit};
use crate::error::FieldError;
use crate::wire::bulk_orders::BulkOrderDto;

impl From<ApprovalError> for BulkError {
    fn from(err: ApprovalError) -> Self {
        match err {
            ApprovalError::SelfApproval => BulkError::SelfApproval,
            ApprovalError::ClientCannotApprove => BulkError::ClientCannotApprove,
            ApprovalError::Storage(e) => BulkError::Storage(e),
            ApprovalError::Internal(e) => BulkError::Internal(e),
        }
    }
}

/// When the company's rule catches the job being confirmed (`job`, moved to `confirming`
/// by the caller): the job waits for approval instead, its drafts held until the approval
/// expires, and the company's other admins are emailed. `None`: the confirm goes on.
pub(super) fn ask_if_caught(
    conn: &mut DbConnection,
    settings: &Settings,
    who: &Principal,
    job: &mut BulkOrder,
    now: NaiveDateTime,
) -> Result<Option<BulkOrderDto>, BulkError> {
    let rule = persistence::approvals::rule(conn, job.company)?.rule;
    let rows = persistence::bulk_order_rows::rows(conn, job.id, None, None)?.items;
    let dearest = priced(settings, &rows)
        .map(|s| s.monthly_incl_vat.value())
        .max()
        .unwrap_or(0);
    if !rule.catches_bulk(dearest) {
        return Ok(None);
    }
    job.status = BulkStatus::Drafted
        .apply(BulkEvent::RequestApproval)
        .map_err(anyhow::Error::from)?;
    hold_drafts(conn, job, rule.expiry(now), now, None)?;
    let what = format!(
        "{} abonnementer fra en masseoprettelse",
        priced(settings, &rows).count()
    );
    let filed = persistence::scopes::filed(conn, job.id)?;
    let subject = Subject {
        kind: ApprovalKind::BulkOrder,
        id: job.id,
        company: job.company,
        what: &what,
        cost_centers: filed.iter().map(|c| c.as_deref()).collect(),
    };
    let approval = approvals::ask(conn, settings, who, &subject, &rule, now)?;
    audit(
        conn,
        who,
        Some(job.company),
        "bulk_order.approval_requested",
        ("bulk_order", job.id.to_string()),
        serde_json::json!({"expires_at": approval.expires_at.and_utc()}),
    )?;
    Ok(Some(view(conn, job, now)?))
}

/// Approves the job `id` awaiting approval (if it still has a version `expected` names),
/// at most once per idempotency key: it becomes `confirming`, and a worker confirms each
/// draft. Only a person, and not the one who asked, approves.
#[allow(clippy::too_many_arguments)]
pub fn approve(
    conn: &mut DbConnection,
    settings: &Settings,
    who: &Principal,
    company: Uuid,
    id: Uuid,
    expected: Option<&IfMatch>,
    key: Option<&IdempotencyKey>,
    answer: impl FnOnce(&BulkOrderDto) -> anyhow::Result<Answer>,
) -> Result<Replayable, BulkError> {
    once(conn, settings, key, answer, |conn| {
        let now = settings.now_for(conn, company)?;
        let (mut job, asked) = waiting(
            conn,
            (company, &who.scope, id),
            expected,
            now,
            BulkEvent::Approve,
        )?;
        let approval = approvals::answer(conn, who, asked, Decision::Approved, None, now)?;
        // The drafts are kept while the worker confirms them.
        hold_drafts(conn, &mut job, now + settings.draft_ttl, now, expected)?;
        audit(
            conn,
            who,
            Some(company),
            "bulk_order.approved",
            ("bulk_order", id.to_string()),
            serde_json::json!({"requested_by": approval.requested_by}),
        )?;
        view(conn, &job, now)
    })
}

/// Sends the job `id` awaiting approval back as drafted, with `reason` and a fresh draft
/// lifetime for its drafts.
pub fn reject(
    conn: &mut DbConnection,
    settings: &Settings,
    who: &Principal,
    company: Uuid,
    id: Uuid,
    expected: Option<&IfMatch>,
    reason: &str,
) -> Result<BulkOrderDto, BulkError> {
    let reason = ApprovalReason::parse(reason)
        .map_err(|e| BulkError::Invalid(vec![FieldError::new("/reason", e.code, e.message)]))?;
    persistence::db::write(conn, |conn| {
        let now = settings.now_for(conn, company)?;
        let (mut job, asked) = waiting(
            conn,
            (company, &who.scope, id),
            expected,
            now,
            BulkEvent::RejectApproval,
        )?;
        let reason = reason.as_str().to_owned();
        approvals::answer(
            conn,
            who,
            asked,
            Decision::Rejected,
            Some(reason.clone()),
            now,
        )?;
        job.confirmed_by = None;
        hold_drafts(conn, &mut job, now + settings.draft_ttl, now, expected)?;
        audit(
            conn,
            who,
            Some(company),
            "bulk_order.approval_rejected",
            ("bulk_order", id.to_string()),
            serde_json::json!({"reason": reason}),
        )?;
        view(conn, &job, now)
    })
}

/// The job `id` moved by `event` from `awaiting_approval`, with the approval it awaits.
fn waiting(
    conn: &mut DbConnection,
    (company, scope, id): (Uuid, &domain::user::Scope, Uuid),
    expected: Option<&IfMatch>,
    now: NaiveDateTime,
    event: BulkEvent,
) -> Result<(BulkOrder, domain::approval::Approval), BulkError> {
    let job = moved(
        conn,
        (company, scope, id),
        expected,
        now,
        event,
        BulkError::NotAwaitingApproval,
    )?;
    let approval = persistence::approvals::get(conn, id)?
        .ok_or_else(|| anyhow::anyhow!("bulk order {id} awaits an approval nobody asked for"))?;
    Ok((job, approval))
}
