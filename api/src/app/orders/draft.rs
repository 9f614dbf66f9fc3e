//! A new draft from the complete form: the review page with its priced summary, the
//! reserved number and when the draft lapses.

use domain::employee::Initials;
use domain::number::DanishNumber;
use domain::order::{Order, OrderNumber, OrderStatus};
use persistence::DbConnection;
use uuid::Uuid;

use super::form::{Choice, Valid, check};
use super::{OrderError, view};
use crate::app::idempotency::{Answer, IdempotencyKey, Replayable, once};
use crate::app::{Principal, Settings, audit};
use crate::wire::orders::{OrderDto, OrderForm};

/// Creates a draft for `company` from `form`, at most once per idempotency key.
pub fn create(
    conn: &mut DbConnection,
    settings: &Settings,
    who: &Principal,
    company: Uuid,
    form: &OrderForm,
    key: Option<&IdempotencyKey>,
    answer: impl FnOnce(&OrderDto) -> anyhow::Result<Answer>,
) -> Result<Replayable, OrderError> {
    once(conn, settings, key, answer, |conn| {
        let pools = settings.pools_for(conn, company)?;
        let order = draft(conn, settings, who, &pools, form, None)?;
        Ok(view(&settings.catalog, &order, pools.now)?)
    })
}

/// Drafts `form` for the company of `pools` at its business time: checked, its initials
/// held and its number reserved (or its port-in noted) until the draft lapses, and the
/// audit event written; part of the caller's transaction. `bulk_order` names the job a
/// draft is one row of.
pub(crate) fn draft(
    conn: &mut DbConnection,
    settings: &Settings,
    who: &Principal,
    pools: &persistence::numbers::Pools,
    form: &OrderForm,
    bulk_order: Option<Uuid>,
) -> Result<Order, OrderError> {
    let catalog = &*settings.catalog;
    let (company, now) = (pools.company, pools.now);
    let valid = check(conn, catalog, (company, &who.scope), now.and_utc(), form)?;
    let id = persistence::new_id();
    let expires_at = now + settings.draft_ttl;
    hold_initials(
        conn,
        company,
        &valid.employee.initials,
        id,
        (expires_at, now),
    )?;
    let number = match valid.choice {
        Choice::New(wanted) => {
            OrderNumber::New(reserve(conn, pools, wanted.as_ref(), id, expires_at)?)
        }
        Choice::PortIn(number, port) => OrderNumber::PortIn(number, port),
    };
    let Valid {
        plan,
        package,
        cards,
        employee,
        ..
    } = valid;
    let order = Order {
        id,
        company,
        status: OrderStatus::Draft,
        version: 1,
        plan: plan.code,
        mobile_package: package.code,
        data_sharing_cards: cards,
        employee,
        number,
        expires_at,
        created_at: now,
        updated_at: now,
        subscription: None,
        bulk_order,
        approval: None,
    };
    persistence::orders::insert(conn, &order)?;
    audit(
        conn,
        who,
        Some(company),
        "order.drafted",
        ("order", id.to_string()),
        serde_json::json!({"number": order.number.number().as_str()}),
    )?;
    Ok(order)
}

/// Claims the employee's initials in the company for the draft `holder` until
/// `expires_at`, at the company's business time `now`: unique among live drafts and
/// subscriptions.
pub(super) fn hold_initials(
    conn: &mut DbConnection,
    company: Uuid,
    initials: &Initials,
    holder: Uuid,
    (expires_at, now): (chrono::NaiveDateTime, chrono::NaiveDateTime),
) -> Result<(), OrderError> {
    if persistence::orders::claim_initials(
        conn,
        company,
        initials.as_str(),
        holder,
        Some(expires_at),
        now,
    )? {
        Ok(())
    } else {
        Err(OrderError::Invalid(vec![crate::error::FieldError::new(
            "/employee/initials",
            "initials_taken",
            format!(
                "{} already belongs to a colleague or a draft in the company",
                initials.as_str()
            ),
        )]))
    }
}

/// Reserves `wanted` (or the first free number) for the draft `order` until `until`.
pub(super) fn reserve(
    conn: &mut DbConnection,
    pools: &persistence::numbers::Pools,
    wanted: Option<&DanishNumber>,
    order: Uuid,
    until: chrono::NaiveDateTime,
) -> Result<DanishNumber, OrderError> {
    match wanted {
        Some(number) => {
            if persistence::numbers::reserve(conn, pools, number, order, until)? {
                Ok(number.clone())
            } else {
                Err(OrderError::NumberUnavailable(number.clone()))
            }
        }
        None => persistence::numbers::reserve_first_free(conn, pools, order, until)?
            .ok_or(OrderError::NoNumbersAvailable),
    }
}
