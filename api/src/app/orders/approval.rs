//! Four-eyes approval of an order: a confirm the company's approval rule catches waits for
//! a second admin, who approves it (the confirm happens then) or sends it back as a draft.

use chrono::NaiveDateTime;
use domain::approval::{Answer, Approval, ApprovalKind, ApprovalRule, Decision};
use domain::event::EventType;
use domain::order::{Order, OrderEvent, OrderNumber, OrderStatus};
use domain::text::ApprovalReason;
use persistence::DbConnection;
use uuid::Uuid;

use super::confirm::{complete, fresh};
use super::{OrderError, lock, view};
use crate::app::idempotency::{Answer as Reply, IdempotencyKey, Replayable, once};
use crate::app::{IfMatch, Principal, Settings, audit, events};
use crate::error::FieldError;
use crate::wire::orders::{Confirmation, OrderDto};

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
    let asker = subject(who)?;
    let expires_at = rule.expiry(now);
    hold_until(conn, &mut order, expires_at, now)?;
    let approval = Approval {
        subject: order.id,
        company: order.company,
        kind: ApprovalKind::Order,
        requested_by: asker,
        requested_at: now,
        expires_at,
        answer: None,
    };
    persistence::approvals::save(conn, &approval)?;
    order.approval = Some(approval);
    audit(
        conn,
        who,
        Some(order.company),
        "order.approval_requested",
        ("order", order.id.to_string()),
        serde_json::json!({"expires_at": expires_at.and_utc()}),
    )?;
    let shown = view(&settings.catalog, &order, now)?;
    events::emit(
        conn,
        order.company,
        now,
        EventType::OrderApprovalRequested,
        &shown,
    )?;
    let company = persistence::companies::get(conn, order.company)?;
    let email = crate::emails::approval_requested(
        &format!(
            "et abonnement til {} ({})",
            order.employee.name.as_str(),
            order.employee.initials.as_str()
        ),
        company.name.as_str(),
        &format!("{}/orders/{}", settings.public_url, order.id),
        expires_at.and_utc(),
    );
    for admin in persistence::users::approvers(conn, order.company, asker)? {
        persistence::outbox::enqueue(
            conn,
            persistence::outbox::NewMessage {
                company_id: Some(order.company),
                kind: "approval_requested",
                recipient: admin.as_str(),
                subject: &email.subject,
                body: &email.body,
                created_at: now,
            },
        )?;
    }
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
        let approver = subject(who)?;
        if persistence::users::in_company(conn, company, approver)?.is_none() {
            return Err(OrderError::ClientCannotApprove);
        }
        let now = settings.now_for(conn, company)?;
        let mut order = lock(conn, company, id)?;
        fresh(&order, expected)?;
        let status = order.status_at(now);
        if status != OrderStatus::AwaitingApproval {
            return Err(OrderError::NotAwaitingApproval(status));
        }
        let mut approval = order
            .approval
            .clone()
            .ok_or_else(|| anyhow::anyhow!("order {id} awaits an approval nobody asked for"))?;
        if approval.requested_by == approver {
            return Err(OrderError::SelfApproval);
        }
        approval.answer = Some(Answer {
            decision: Decision::Approved,
            by: approver,
            at: now,
            reason: None,
        });
        persistence::approvals::save(conn, &approval)?;
        audit(
            conn,
            who,
            Some(company),
            "order.approved",
            ("order", id.to_string()),
            serde_json::json!({"requested_by": approval.requested_by, "approved_by": approver}),
        )?;
        order.approval = Some(approval);
        complete(conn, settings, who, order, OrderEvent::Approve, now)
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
    let by = subject(who)?;
    persistence::db::write(conn, |conn| {
        let now = settings.now_for(conn, company)?;
        let mut order = lock(conn, company, id)?;
        fresh(&order, expected)?;
        let status = order.status_at(now);
        order.status = status
            .apply(OrderEvent::RejectApproval)
            .map_err(|_| OrderError::NotAwaitingApproval(status))?;
        let mut approval = order
            .approval
            .clone()
            .ok_or_else(|| anyhow::anyhow!("order {id} awaits an approval nobody asked for"))?;
        hold_until(conn, &mut order, now + settings.draft_ttl, now)?;
        approval.answer = Some(Answer {
            decision: Decision::Rejected,
            by,
            at: now,
            reason: Some(reason.as_str().to_owned()),
        });
        persistence::approvals::save(conn, &approval)?;
        order.approval = Some(approval);
        audit(
            conn,
            who,
            Some(company),
            "order.approval_rejected",
            ("order", id.to_string()),
            serde_json::json!({"reason": reason.as_str()}),
        )?;
        let shown = view(&settings.catalog, &order, now)?;
        events::emit(conn, company, now, EventType::OrderApprovalRejected, &shown)?;
        Ok(shown)
    })
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

/// The user or API client `who` is.
fn subject(who: &Principal) -> Result<Uuid, OrderError> {
    Uuid::parse_str(&who.subject)
        .map_err(|_| anyhow::anyhow!("a company caller without an id: {}", who.subject).into())
}
