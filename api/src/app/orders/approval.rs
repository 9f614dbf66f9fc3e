//! Four-eyes approval of an order: a confirm the company's approval rule catches waits for
//! a second admin, who approves it (the confirm happens then) or sends it back as a draft.
//! What orders and bulk jobs share is in [`crate::app::approvals`].

use chrono::NaiveDateTime;
use domain::approval::{ApprovalKind, ApprovalRule, Decision};
use domain::event::EventType;
use domain::order::{Order, OrderEvent, OrderNumber, OrderStatus};
use domain::text::ApprovalReason;
use persistence::DbConnection;
use uuid::Uuid;

use super::confirm::{complete, fresh};
use super::{OrderError, lock, view};
use crate::app::approvals::{self, ApprovalError, Subject};
use crate::app::idempotency::{Answer as Reply, IdempotencyKey, Replayable, once};
use crate::app::{IfMatch, Principal, Settings, audit, events};
use crate::error::FieldError;
use crate::wire::orders::{Confirmation, OrderDto};

impl From<ApprovalError> for OrderError {
    fn from(err: ApprovalError) -> Self {
        match err {
            ApprovalError::SelfApproval => OrderError::SelfApproval,
            ApprovalError::ClientCannotApprove => OrderError::ClientCannotApprove,
            ApprovalError::Storage(e) => OrderError::Storage(e),
            ApprovalError::Internal(e) => OrderError::Internal(e),
        }
    }
}

/// Puts the draft `order`, locked by the caller, to wait for a second admin under `rule`:
/// its number and initials are held until the approval expires, the company's other
/// admins are emailed. Part of the caller's transaction.
pub(super) fn ask(
    conn: &mut DbConnection,
    settings: &Settings,
    who: &Principal,
    mut order: Order,
    rule: &ApprovalRule,
    now: NaiveDateTime,
) -> Result<OrderDto, OrderError> {
    let status = order.status_at(now);
    order.status = status
        .apply(OrderEvent::RequestApproval)
        .map_err(|_| OrderError::NotDraft(status))?;
    hold_until(conn, &mut order, rule.expiry(now), now)?;
    let what = format!(
        "et abonnement til {} ({})",
        order.employee.name.as_str(),
        order.employee.initials.as_str()
    );
    let subject = Subject {
        kind: ApprovalKind::Order,
        id: order.id,
        company: order.company,
        what: &what,
        cost_centers: vec![order.employee.cost_center.as_ref().map(|c| c.as_str())],
    };
    let approval = approvals::ask(conn, settings, who, &subject, rule, now)?;
    audit(
        conn,
        who,
        Some(order.company),
        "order.approval_requested",
        ("order", order.id.to_string()),
        serde_json::json!({"expires_at": approval.expires_at.and_utc()}),
    )?;
    order.approval = Some(approval);
    let shown = view(&settings.catalog, &order, now)?;
    events::emit(
        conn,
        order.company,
        now,
        EventType::OrderApprovalRequested,
        &shown,
    )?;
    Ok(shown)
}

/// Approves the order `id` awaiting approval (if it still has a version `expected`
/// names): the confirm happens now. At most once per idempotency key. Only a person, and
/// not the one who asked, approves.
#[allow(clippy::too_many_arguments)]
pub fn approve(
    conn: &mut DbConnection,
    settings: &Settings,
    who: &Principal,
    company: Uuid,
    id: Uuid,
    expected: Option<&IfMatch>,
    key: Option<&IdempotencyKey>,
    answer: impl FnOnce(&Confirmation) -> anyhow::Result<Reply>,
) -> Result<Replayable, OrderError> {
    once(conn, settings, key, answer, |conn| {
        let now = settings.now_for(conn, company)?;
        let (mut order, asked) = waiting(conn, (company, &who.scope), id, expected, now)?;
        let approval = approvals::answer(conn, who, asked, Decision::Approved, None, now)?;
        audit(
            conn,
            who,
            Some(company),
            "order.approved",
            ("order", id.to_string()),
            serde_json::json!({"requested_by": approval.requested_by}),
        )?;
        order.approval = Some(approval);
        complete(conn, settings, who, (order, None), OrderEvent::Approve, now)
    })
}

/// Sends the order `id` awaiting approval back to its maker as a draft, with `reason` and
/// a fresh draft lifetime (its number still held).
pub fn reject(
    conn: &mut DbConnection,
    settings: &Settings,
    who: &Principal,
    company: Uuid,
    id: Uuid,
    expected: Option<&IfMatch>,
    reason: &str,
) -> Result<OrderDto, OrderError> {
    let reason = ApprovalReason::parse(reason)
        .map_err(|e| OrderError::Invalid(vec![FieldError::new("/reason", e.code, e.message)]))?;
    persistence::db::write(conn, |conn| {
        let now = settings.now_for(conn, company)?;
        let (mut order, asked) = waiting(conn, (company, &who.scope), id, expected, now)?;
        order.status = order
            .status
            .apply(OrderEvent::RejectApproval)
            .map_err(|_| OrderError::NotAwaitingApproval(order.status))?;
        hold_until(conn, &mut order, now + settings.draft_ttl, now)?;
        let reason = reason.as_str().to_owned();
        let approval = approvals::answer(
            conn,
            who,
            asked,
            Decision::Rejected,
            Some(reason.clone()),
            now,
        )?;
        order.approval = Some(approval);
        audit(
            conn,
            who,
            Some(company),
            "order.approval_rejected",
            ("order", id.to_string()),
            serde_json::json!({"reason": reason}),
        )?;
        let shown = view(&settings.catalog, &order, now)?;
        events::emit(conn, company, now, EventType::OrderApprovalRejected, &shown)?;
        Ok(shown)
    })
}

/// The order `id`, locked, with the approval it awaits: a stale `If-Match` first (RFC 9110
/// §13.2.2), then the state.
fn waiting(
    conn: &mut DbConnection,
    (company, scope): (Uuid, &domain::user::Scope),
    id: Uuid,
    expected: Option<&IfMatch>,
    now: NaiveDateTime,
) -> Result<(Order, domain::approval::Approval), OrderError> {
    let order = lock(conn, (company, scope), id)?;
    fresh(&order, expected)?;
    let status = order.status_at(now);
    if status != OrderStatus::AwaitingApproval {
        return Err(OrderError::NotAwaitingApproval(status));
    }
    let approval = order
        .approval
        .clone()
        .ok_or_else(|| anyhow::anyhow!("order {id} awaits an approval nobody asked for"))?;
    Ok((order, approval))
}

/// Writes `order` (its new status set by the caller) to hold its number and initials until
/// `until`.
fn hold_until(
    conn: &mut DbConnection,
    order: &mut Order,
    until: NaiveDateTime,
    now: NaiveDateTime,
) -> Result<(), OrderError> {
    order.expires_at = until;
    if !persistence::orders::update(conn, order, now)? {
        return Err(OrderError::Stale);
    }
    if let OrderNumber::New(number) = &order.number
        && !persistence::numbers::extend(conn, order.id, until)?
    {
        // The order was live, so its reservation was too: another writer came first.
        return Err(OrderError::NumberUnavailable(number.clone()));
    }
    let initials = order.employee.initials.as_str();
    if !persistence::orders::claim_initials(
        conn,
        order.company,
        initials,
        order.id,
        Some(until),
        now,
    )? {
        return Err(OrderError::NotDraft(OrderStatus::Expired));
    }
    Ok(())
}
