//! Correcting a draft ("Jeg ønsker at rette i min bestilling"): a merge patch of the
//! form, re-validated and re-priced; the reservation moves if the number changes, and the
//! draft's expiry is pushed forward.

use domain::order::{Order, OrderEvent, OrderNumber};
use persistence::DbConnection;
use uuid::Uuid;

use super::draft::{hold_initials, reserve};
use super::form::{Choice, check};
use super::{OrderError, lock, view};
use crate::app::{IfMatch, Principal, Settings, audit};
use crate::wire::orders::{EmployeeForm, NumberChoice, OrderDto, OrderForm};

/// Applies `patch` (RFC 7396, a JSON object) to the draft `id` if it still has a version
/// `expected` names.
pub fn edit(
    conn: &mut DbConnection,
    settings: &Settings,
    who: &Principal,
    company: Uuid,
    id: Uuid,
    expected: &IfMatch,
    patch: &serde_json::Value,
) -> Result<OrderDto, OrderError> {
    persistence::db::write(conn, |conn| {
        let mut order = lock(conn, (company, &who.scope), id)?;
        let pools = settings.pools_for(conn, company)?;
        let now = pools.now;
        let status = order.status_at(now);
        // The precondition first (RFC 9110 §13.2.2): a stale version is 412 in any state.
        if !expected.matches(order.version) {
            return Err(OrderError::Stale);
        }
        status
            .apply(OrderEvent::Edit)
            .map_err(|_| OrderError::NotDraft(status))?;
        let mut current = form_of(&order);
        let mut patch = patch.clone();
        // `number: null` picks the first free new number, whatever the draft had.
        if patch
            .pointer("/number/number")
            .is_some_and(serde_json::Value::is_null)
            && patch.pointer("/number/type").is_none()
            && let Some(number) = patch.pointer_mut("/number").and_then(|n| n.as_object_mut())
        {
            number.insert("type".to_owned(), serde_json::json!("new"));
        }
        // Another kind of number starts from nothing: no field of the old one carries over.
        let kind = match order.number {
            OrderNumber::New(_) => "new",
            OrderNumber::PortIn(..) => "port_in",
        };
        if patch
            .pointer("/number/type")
            .is_some_and(|t| t.as_str() != Some(kind))
        {
            current.number = None;
        }
        let form =
            crate::body::merge_patch(&current, &patch).map_err(|e| OrderError::Invalid(vec![e]))?;
        let catalog = &*settings.catalog;
        let valid = check(conn, catalog, (company, &who.scope), now.and_utc(), &form)?;
        let expires_at = now + settings.draft_ttl;

        persistence::orders::release_initials(conn, id)?;
        hold_initials(
            conn,
            company,
            &valid.employee.initials,
            id,
            (expires_at, now),
        )?;
        order.number = match (valid.choice, &order.number) {
            (Choice::New(wanted), OrderNumber::New(held))
                if wanted.as_ref().is_none_or(|w| w == held) =>
            {
                persistence::numbers::extend(conn, id, expires_at)?;
                OrderNumber::New(held.clone())
            }
            (Choice::New(wanted), _) => {
                persistence::numbers::release(conn, id)?;
                OrderNumber::New(reserve(conn, &pools, wanted.as_ref(), id, expires_at)?)
            }
            (Choice::PortIn(number, port), _) => {
                persistence::numbers::release(conn, id)?;
                OrderNumber::PortIn(number, port)
            }
        };
        order.plan = valid.plan.code;
        order.mobile_package = valid.package.code;
        order.data_sharing_cards = valid.cards;
        order.employee = valid.employee;
        order.expires_at = expires_at;
        if !persistence::orders::update(conn, &mut order, now)? {
            return Err(OrderError::Stale);
        }
        persistence::orders::file(conn, &order)?;
        audit(
            conn,
            who,
            Some(company),
            "order.edited",
            ("order", id.to_string()),
            patch,
        )?;
        Ok(view(catalog, &order, now)?)
    })
}

/// The form a stored draft was made from, so a merge patch can be applied to it.
fn form_of(order: &Order) -> OrderForm {
    let e = &order.employee;
    let number = match &order.number {
        OrderNumber::New(n) => NumberChoice::New {
            number: Some(n.as_str().to_owned()),
        },
        OrderNumber::PortIn(n, p) => NumberChoice::PortIn {
            number: n.as_str().to_owned(),
            owner_email: p.owner_email.as_str().to_owned(),
            owner_name: p.owner_name.as_str().to_owned(),
            requested_date: p.requested_date,
        },
    };
    OrderForm {
        plan: order.plan.clone(),
        mobile_package: order.mobile_package.clone(),
        data_sharing_cards: order.data_sharing_cards,
        employee: EmployeeForm {
            name: e.name.as_str().to_owned(),
            initials: e.initials.as_str().to_owned(),
            title: e.title.as_str().to_owned(),
            email: e.email.as_str().to_owned(),
            cost_center: e.cost_center.as_ref().map(|c| c.as_str().to_owned()),
        },
        number: Some(number),
    }
}
