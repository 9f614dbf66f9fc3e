//! Approving a draft ("Godkend og opret"). In one transaction, with the idempotency
//! record: the order is confirmed, the subscription created with its SIM and sign-in
//! address, the number assigned (or its port started), the welcome email queued and the
//! audit event written.

use chrono::NaiveDateTime;
use domain::event::EventType;
use domain::number::DanishNumber;
use domain::order::{Order, OrderEvent, OrderNumber, OrderStatus};
use domain::sim::Iccid;
use domain::subscription::{Subscription, SubscriptionStatus, UcAccount};
use persistence::DbConnection;
use persistence::companies::Company;
use persistence::outbox::NewMessage;
use uuid::Uuid;

use super::{OrderError, lock, view};
use crate::app::idempotency::{Answer, IdempotencyKey, Replayable, once};
use crate::app::porting::{self, NewPort};
use crate::app::{IfMatch, Principal, Settings, audit, events, subscriptions};
use crate::wire::orders::{Confirmation, OrderDto};

/// The SIM issuer id in the ICCIDs this operator issues.
const SIM_ISSUER: u8 = 10;

/// What a confirm did: the subscription exists, or the company's approval rule caught the
/// order and it waits for a second admin.
#[derive(Debug)]
pub enum Confirmed {
    Done(Box<Confirmation>),
    AwaitingApproval(Box<OrderDto>),
}

/// Confirms the draft `id` (if it still has a version `expected` names), at most once
/// per idempotency key; an order the company's approval rule catches waits for approval
/// instead.
#[allow(clippy::too_many_arguments)]
pub fn confirm(
    conn: &mut DbConnection,
    settings: &Settings,
    who: &Principal,
    company: Uuid,
    id: Uuid,
    expected: Option<&IfMatch>,
    key: Option<&IdempotencyKey>,
    answer: impl FnOnce(&Confirmed) -> anyhow::Result<Answer>,
) -> Result<Replayable, OrderError> {
    once(conn, settings, key, answer, |conn| {
        let now = settings.now_for(conn, company)?;
        let order = lock(conn, (company, &who.scope), id)?;
        fresh(&order, expected)?;
        let (company_row, rule) = persistence::companies::with_approval_rule(conn, company)?;
        if order.status_at(now).is_draft()
            && rule.rule.catches_order(monthly_incl_vat(settings, &order)?)
        {
            let waiting = super::approval::ask(conn, settings, who, order, &rule.rule, now)?;
            return Ok(Confirmed::AwaitingApproval(Box::new(waiting)));
        }
        let done = complete(
            conn,
            settings,
            who,
            (order, Some(company_row)),
            OrderEvent::Confirm,
            now,
        )?;
        Ok(Confirmed::Done(Box::new(done)))
    })
}

/// What `order` costs a month, incl. VAT, in øre.
fn monthly_incl_vat(settings: &Settings, order: &Order) -> anyhow::Result<i64> {
    let summary = settings
        .catalog
        .price(&order.plan, &order.mobile_package, order.data_sharing_cards)
        .ok_or_else(|| anyhow::anyhow!("order {} refers to a missing plan or package", order.id))?;
    Ok(summary.monthly_incl_vat.value())
}

/// Refuses a change to `order` unless it still has a version `expected` names.
pub(super) fn fresh(order: &Order, expected: Option<&IfMatch>) -> Result<(), OrderError> {
    if expected.is_some_and(|m| !m.matches(order.version)) {
        return Err(OrderError::Stale);
    }
    Ok(())
}

/// Confirms the draft `order`, locked by the caller, at the company's business time `now`
/// (if it still has a version `expected` names); part of the caller's transaction.
pub(crate) fn confirm_draft(
    conn: &mut DbConnection,
    settings: &Settings,
    who: &Principal,
    order: Order,
    expected: Option<&IfMatch>,
    now: NaiveDateTime,
) -> Result<Confirmation, OrderError> {
    fresh(&order, expected)?;
    complete(conn, settings, who, (order, None), OrderEvent::Confirm, now)
}

/// Confirms `order` by `event` (a draft's confirm, or an approval's yes): the order is
/// confirmed, the subscription created, the number assigned or its port started, the
/// emails queued, the events emitted. Part of the caller's transaction.
pub(super) fn complete(
    conn: &mut DbConnection,
    settings: &Settings,
    who: &Principal,
    (mut order, company_row): (Order, Option<Company>),
    event: OrderEvent,
    now: NaiveDateTime,
) -> Result<Confirmation, OrderError> {
    let (company, id) = (order.company, order.id);
    let status = order.status_at(now);
    order.status = status.apply(event).map_err(|_| match event {
        OrderEvent::Approve => OrderError::NotAwaitingApproval(status),
        _ => OrderError::NotDraft(status),
    })?;
    let subscription_id = persistence::new_id();
    order.subscription = Some(subscription_id);
    if !persistence::orders::update(conn, &mut order, now)? {
        return Err(OrderError::Stale);
    }
    let number = match &order.number {
        OrderNumber::New(held) => persistence::numbers::assign(conn, company, id)?
            .ok_or_else(|| OrderError::NumberUnavailable(held.clone()))?,
        OrderNumber::PortIn(number, _) => number.clone(),
    };
    let company_row = match company_row {
        Some(row) => row,
        None => persistence::companies::get(conn, company)?,
    };
    let subscription =
        open_subscription(conn, subscription_id, &order, &number, &company_row, now)?;
    audit(
        conn,
        who,
        Some(company),
        "order.confirmed",
        ("order", id.to_string()),
        serde_json::json!({"subscription_id": subscription.id, "number": number.as_str()}),
    )?;
    let number_port = match order.number.port() {
        None => None,
        Some(request) => {
            let port = porting::start(
                conn,
                settings,
                NewPort {
                    company,
                    subscription: subscription.id,
                    number: &number,
                    request,
                    now,
                },
            )?;
            Some(porting::view(conn, &port)?)
        }
    };
    let catalog = &*settings.catalog;
    let active = subscription.status == SubscriptionStatus::Active;
    let confirmation = Confirmation {
        order: view(catalog, &order, now)?,
        subscription: subscriptions::view(catalog, subscription)?,
        number_port,
    };
    let order_data = events::event_data(&confirmation.order)?;
    let mut emitted = Vec::new();
    if event == OrderEvent::Approve {
        emitted.push((EventType::OrderApproved, order_data.clone()));
    }
    emitted.push((EventType::OrderConfirmed, order_data));
    if active {
        emitted.push((
            EventType::SubscriptionActivated,
            events::event_data(&confirmation.subscription)?,
        ));
    }
    events::emit_all(conn, company, now, emitted)?;
    Ok(confirmation)
}

/// The subscription a confirmed `order` creates, with its SIM and sign-in address, the
/// order's initials passed on to it and the employee's welcome email queued.
fn open_subscription(
    conn: &mut DbConnection,
    id: Uuid,
    order: &Order,
    number: &DanishNumber,
    company: &Company,
    now: NaiveDateTime,
) -> Result<Subscription, OrderError> {
    let employee = &order.employee;
    let uc_account = UcAccount::for_employee(&employee.initials, &company.email_domain);
    let serial = persistence::subscriptions::next_sim_serial(conn, i32::from(SIM_ISSUER))?;
    let iccid = Iccid::issue(SIM_ISSUER, u64::try_from(serial).unwrap_or(0))
        .map_err(|e| anyhow::anyhow!(e.message))?;
    let subscription = Subscription {
        id,
        company: order.company,
        order: order.id,
        status: if order.number.port().is_some() {
            SubscriptionStatus::PendingPort
        } else {
            SubscriptionStatus::Active
        },
        version: 1,
        plan: order.plan.clone(),
        mobile_package: order.mobile_package.clone(),
        data_sharing_cards: order.data_sharing_cards,
        employee: employee.clone(),
        uc_account,
        number: number.clone(),
        iccid,
        terminates_on: None,
        created_at: now,
        updated_at: now,
    };
    persistence::subscriptions::insert(conn, &subscription)?;
    if !persistence::orders::transfer_initials(conn, order.id, subscription.id)? {
        // The draft lapsed between its check and here, and another draft took its initials.
        return Err(OrderError::NotDraft(OrderStatus::Expired));
    }
    let welcome = crate::emails::welcome(
        employee.name.as_str(),
        number,
        subscription.uc_account.as_str(),
        company.name.as_str(),
    );
    persistence::outbox::enqueue(
        conn,
        NewMessage {
            company_id: Some(order.company),
            kind: "welcome",
            recipient: employee.email.as_str(),
            subject: &welcome.subject,
            body: &welcome.body,
            created_at: now,
        },
    )?;
    Ok(subscription)
}
