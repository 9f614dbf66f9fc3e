//! Withdrawing a draft: its number and initials are free at once.

use chrono::NaiveDateTime;
use domain::order::{Order, OrderEvent};
use persistence::DbConnection;
use uuid::Uuid;

use super::{OrderError, lock, view};
use crate::app::{Principal, Settings, audit};
use crate::wire::orders::OrderDto;

/// Cancels the draft `id`.
pub fn cancel(
    conn: &mut DbConnection,
    settings: &Settings,
    who: &Principal,
    company: Uuid,
    id: Uuid,
) -> Result<OrderDto, OrderError> {
    persistence::db::write(conn, |conn| {
        let order = lock(conn, (company, &who.scope), id)?;
        let now = settings.now_for(conn, company)?;
        let order = withdraw(conn, who, order, now)?;
        Ok(view(&settings.catalog, &order, now)?)
    })
}

/// Cancels the draft `order`, locked by the caller, at the company's business time `now`,
/// and frees what it held; part of the caller's transaction.
pub(crate) fn withdraw(
    conn: &mut DbConnection,
    who: &Principal,
    mut order: Order,
    now: NaiveDateTime,
) -> Result<Order, OrderError> {
    let (company, id) = (order.company, order.id);
    let status = order.status_at(now);
    order.status = status
        .apply(OrderEvent::Cancel)
        .map_err(|_| OrderError::NotDraft(status))?;
    if !persistence::orders::update(conn, &mut order, now)? {
        return Err(OrderError::Stale);
    }
    persistence::numbers::release(conn, id)?;
    persistence::orders::release_initials(conn, id)?;
    audit(
        conn,
        who,
        Some(company),
        "order.cancelled",
        ("order", id.to_string()),
        serde_json::json!({}),
    )?;
    Ok(order)
}
