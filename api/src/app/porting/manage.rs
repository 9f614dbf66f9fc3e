//! What a company's admin does with its ports: follows them, sends the link again,
//! corrects the owner or number (DESIGN's correction rule), and cancels.

use chrono::Duration;
use domain::email::EmailAddress;
use domain::number::DanishNumber;
use domain::porting::{NumberPort, PortEvent, PortStatus};
use domain::text::PersonName;
use domain::user::Scope;
use persistence::DbConnection;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{
    POA_VALID_DAYS, PortError, advance, cancel_port, end_waiting_subscription, issue_link,
    send_link, view, write,
};
use crate::app::catalog::Catalog;
use crate::app::{IfMatch, Principal, Settings, audit};
use crate::fields::Fields;
use crate::wire::Page;
use crate::wire::number_ports::NumberPortDto;

/// `company`'s ports that `scope` sees, oldest first, optionally in one state.
pub fn list(
    conn: &mut DbConnection,
    (company, scope): (Uuid, &Scope),
    status: Option<PortStatus>,
    after: Option<Uuid>,
    limit: i64,
) -> Result<Page<NumberPortDto>, PortError> {
    persistence::db::read(conn, |conn| {
        let page = persistence::number_ports::list(conn, company, scope, status, after, limit)?;
        let page = page.try_map(|p| view(conn, &p))?;
        Ok(Page {
            items: page.items,
            next_cursor: page.next_cursor,
        })
    })
}

/// One of `company`'s ports that `scope` sees.
pub fn get(
    conn: &mut DbConnection,
    (company, scope): (Uuid, &Scope),
    id: Uuid,
) -> Result<NumberPortDto, PortError> {
    persistence::db::read(conn, |conn| {
        let port =
            persistence::number_ports::get(conn, Some(company), id)?.ok_or(PortError::NotFound)?;
        if !persistence::scopes::sees(conn, scope, id)? {
            return Err(PortError::NotFound);
        }
        Ok(view(conn, &port)?)
    })
}

/// One of `company`'s ports that `scope` sees, locked for a change.
fn lock(
    conn: &mut DbConnection,
    (company, scope): (Uuid, &Scope),
    id: Uuid,
) -> Result<NumberPort, PortError> {
    let port =
        persistence::number_ports::lock(conn, Some(company), id)?.ok_or(PortError::NotFound)?;
    if !persistence::scopes::sees(conn, scope, id)? {
        return Err(PortError::NotFound);
    }
    Ok(port)
}

/// Sends the owner a new link (the old one dies), with a new signing deadline.
pub fn resend(
    conn: &mut DbConnection,
    settings: &Settings,
    who: &Principal,
    company: Uuid,
    id: Uuid,
) -> Result<NumberPortDto, PortError> {
    persistence::db::write(conn, |conn| {
        let now = settings.now_for(conn, company)?;
        let mut port = lock(conn, (company, &who.scope), id)?;
        if port.status != PortStatus::AwaitingSignature {
            return Err(PortError::NotAwaitingSignature(port.status));
        }
        if now >= port.poa_expires_at {
            // Past its signing deadline: the worker is about to expire it.
            return Err(PortError::Ended(PortStatus::Expired));
        }
        let link = issue_link(conn, settings, &mut port, now, false)?;
        port.poa_expires_at = now + Duration::days(POA_VALID_DAYS);
        write(conn, &mut port, PortStatus::AwaitingSignature, now)?;
        send_link(conn, &port, &link, false, now)?;
        audit(
            conn,
            who,
            Some(company),
            "number_port.link_resent",
            ("number_port", id.to_string()),
            serde_json::json!({"owner_email": port.owner_email.as_str()}),
        )?;
        Ok(view(conn, &port)?)
    })
}

/// What may be corrected, whole: what a merge patch is applied to.
#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct Correction {
    owner_email: String,
    owner_name: String,
    number: String,
}

impl From<&NumberPort> for Correction {
    fn from(port: &NumberPort) -> Self {
        Correction {
            owner_email: port.owner_email.as_str().to_owned(),
            owner_name: port.owner_name.as_str().to_owned(),
            number: port.number.as_str().to_owned(),
        }
    }
}

/// Corrects the owner's email, the owner's name or the number (`patch`, RFC 7396) while
/// the port awaits its signature or after the donor refused it, if the port still has a
/// version `expected` names. A change to what the owner signs (the number or the name)
/// needs a fresh signature and a new link; after a rejection anything else goes to the
/// donor again under the signature already given. Waiting for a signature, any change
/// sends the (new) owner address a new link.
pub fn correct(
    conn: &mut DbConnection,
    settings: &Settings,
    who: &Principal,
    company: Uuid,
    id: Uuid,
    expected: &IfMatch,
    patch: &serde_json::Value,
) -> Result<NumberPortDto, PortError> {
    persistence::db::write(conn, |conn| {
        let now = settings.now_for(conn, company)?;
        let mut port = lock(conn, (company, &who.scope), id)?;
        // The precondition first (RFC 9110 §13.2.2): a stale version is 412 in any state.
        if !expected.matches(port.version) {
            return Err(PortError::Stale);
        }
        let was = port.status;
        if !matches!(was, PortStatus::AwaitingSignature | PortStatus::Rejected) {
            return Err(PortError::NotCorrectable(was));
        }
        if was == PortStatus::AwaitingSignature && now >= port.poa_expires_at {
            return Err(PortError::Ended(PortStatus::Expired));
        }
        let form = crate::body::merge_patch(&Correction::from(&port), patch)
            .map_err(|e| PortError::Invalid(vec![e]))?;
        let (email, name, number) = check(conn, &port, &form)?;
        let signed_changed = name != port.owner_name || number != port.number;
        let changed = signed_changed || email != port.owner_email;
        if number != port.number {
            move_subscription_number(conn, &settings.catalog, &port, &number, now)?;
        }
        port.owner_email = email;
        port.owner_name = name;
        port.number = number;
        let needs_link = match was {
            PortStatus::AwaitingSignature => {
                // A new document to sign gets the whole signing time again.
                if signed_changed {
                    port.poa_expires_at = now + Duration::days(POA_VALID_DAYS);
                }
                changed
            }
            _ if signed_changed => {
                port.rejection = None;
                advance(conn, &mut port, PortEvent::Correct, now)?;
                port.poa_expires_at = now + Duration::days(POA_VALID_DAYS);
                true
            }
            _ => {
                port.rejection = None;
                port.submitted_at = Some(now);
                super::start_deadline(conn, &port, now)?;
                advance(conn, &mut port, PortEvent::Resubmit, now)?;
                false
            }
        };
        if needs_link {
            let link = issue_link(conn, settings, &mut port, now, false)?;
            let status = port.status;
            write(conn, &mut port, status, now)?;
            send_link(conn, &port, &link, false, now)?;
        } else if was == port.status {
            write(conn, &mut port, was, now)?;
        } else if port.status == PortStatus::Submitted {
            super::donor::check_submitted(conn, &mut port, now)?;
        }
        audit(
            conn,
            who,
            Some(company),
            "number_port.corrected",
            ("number_port", id.to_string()),
            patch.clone(),
        )?;
        Ok(view(conn, &port)?)
    })
}

/// The corrected values, every wrong one named.
fn check(
    conn: &mut DbConnection,
    port: &NumberPort,
    form: &Correction,
) -> Result<(EmailAddress, PersonName, DanishNumber), PortError> {
    let mut f = Fields::new();
    let email = f.check("/owner_email", EmailAddress::parse(&form.owner_email));
    let name = f.check("/owner_name", PersonName::parse(&form.owner_name));
    let number = f.check("/number", DanishNumber::parse_mobile(&form.number));
    if let Some(n) = number.as_ref().filter(|n| **n != port.number) {
        crate::app::orders::form::check_port_in_number(&mut f, conn, port.company, "/number", n)?;
    }
    match (email, name, number) {
        (Some(email), Some(name), Some(number)) if f.is_empty() => Ok((email, name, number)),
        _ => Err(PortError::Invalid(f.into_errors())),
    }
}

/// The waiting subscription follows a corrected number.
fn move_subscription_number(
    conn: &mut DbConnection,
    catalog: &Catalog,
    port: &NumberPort,
    number: &DanishNumber,
    now: chrono::NaiveDateTime,
) -> Result<(), PortError> {
    if let Some(mut subscription) =
        persistence::subscriptions::lock(conn, port.company, port.subscription)?
    {
        subscription.number = number.clone();
        if !persistence::subscriptions::update(conn, &mut subscription, now)? {
            return Err(PortError::Stale);
        }
        crate::app::subscriptions::view::emit(
            conn,
            catalog,
            &subscription,
            domain::event::EventType::SubscriptionChanged,
        )?;
    }
    Ok(())
}

/// Cancels the port `id`; the subscription that waited for its number is terminated.
/// Refused from the working day before the port date on (the donor is moving the
/// number), and once completed.
pub fn cancel(
    conn: &mut DbConnection,
    settings: &Settings,
    who: &Principal,
    company: Uuid,
    id: Uuid,
) -> Result<NumberPortDto, PortError> {
    persistence::db::write(conn, |conn| {
        let now = settings.now_for(conn, company)?;
        let today = domain::calendar::date_in_denmark(now.and_utc());
        let mut port = lock(conn, (company, &who.scope), id)?;
        cancel_port(conn, who, &mut port, today, now)?;
        end_waiting_subscription(conn, &settings.catalog, &port, today, now)?;
        Ok(view(conn, &port)?)
    })
}
