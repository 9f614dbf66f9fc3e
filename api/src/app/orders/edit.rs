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
use crate::wire::orders::{OrderDto, OrderForm};

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
        let mut order = lock(conn, company, id)?;
        let now = persistence::now();
        let status = order.status_at(now);
        status
            .apply(OrderEvent::Edit)
            .map_err(|_| OrderError::NotDraft(status))?;
        if !expected.matches(order.version) {
            return Err(OrderError::Stale);
        }
        let mut merged = form_of(&order);
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
        let new_type = patch.pointer("/number/type");
        if new_type.is_some_and(|t| Some(t) != merged.pointer("/number/type")) {
            merged["number"] = serde_json::json!({});
        }
        json_patch::merge(&mut merged, &patch);
        let form: OrderForm =
            crate::body::from_value(&merged).map_err(|e| OrderError::Invalid(vec![e]))?;
        let catalog = &*settings.catalog;
        let valid = check(conn, catalog, &form)?;
        let expires_at = now + settings.draft_ttl;

        persistence::orders::release_initials(conn, id)?;
        hold_initials(conn, company, &valid.employee.initials, id, expires_at)?;
        order.number = match (valid.choice, &order.number) {
            (Choice::New(wanted), OrderNumber::New(held))
                if wanted.as_ref().is_none_or(|w| w == held) =>
            {
                persistence::numbers::extend(conn, id, expires_at)?;
                OrderNumber::New(held.clone())
            }
            (Choice::New(wanted), _) => {
                persistence::numbers::release(conn, id)?;
                OrderNumber::New(reserve(conn, company, wanted.as_ref(), id, expires_at)?)
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
        audit(
            conn,
            who,
            Some(company),
            "order.edited",
            ("order", id.to_string()),
            patch,
        )?;
        Ok(view(catalog, &order)?)
    })
}

/// The form a stored draft was made from, so a merge patch can be applied to it.
fn form_of(order: &Order) -> serde_json::Value {
    let e = &order.employee;
    let number = match &order.number {
        OrderNumber::New(n) => serde_json::json!({"type": "new", "number": n.as_str()}),
        OrderNumber::PortIn(n, p) => serde_json::json!({
            "type": "port_in", "number": n.as_str(), "owner_email": p.owner_email.as_str(),
            "owner_name": p.owner_name.as_str(), "requested_date": p.requested_date,
        }),
    };
    serde_json::json!({
        "plan": order.plan,
        "mobile_package": order.mobile_package,
        "data_sharing_cards": order.data_sharing_cards,
        "employee": {
            "name": e.name.as_str(), "initials": e.initials.as_str(), "title": e.title.as_str(),
            "email": e.email.as_str(), "cost_center": e.cost_center.as_ref().map(|c| c.as_str()),
        },
        "number": number,
    })
}
