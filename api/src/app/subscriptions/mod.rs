//! Subscriptions: what confirmed orders created — read, changed, terminated.

use chrono::{NaiveDate, NaiveDateTime};
use domain::catalog::validate_data_sharing_cards;
use domain::event::EventType;
use domain::subscription::{Subscription, SubscriptionEvent, SubscriptionStatus};
use domain::text::{PersonName, Title};
use domain::user::Scope;
use persistence::DbConnection;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::catalog::Catalog;
use super::orders::form::{check_cost_center, check_package};
use super::porting::PortError;
use super::{IfMatch, Principal, Settings, audit, events};
use crate::error::FieldError;
use crate::fields::Fields;
use crate::wire::Page;
use crate::wire::subscriptions::SubscriptionDto;

pub mod view;

pub use view::{emit, emit_priced, view};

/// Why a subscription use case did not do what was asked.
#[derive(Debug, thiserror::Error)]
pub enum SubscriptionError {
    #[error("no such subscription")]
    NotFound,
    /// `If-Match` names a version the subscription no longer has.
    #[error("the subscription changed since it was read")]
    Stale,
    #[error("the subscription is terminated")]
    Terminated,
    /// A termination date before `today`.
    #[error("the date is in the past")]
    DateInPast { today: NaiveDate },
    /// A subscription waiting for its ported number ends only at once (`today`).
    #[error("the number is still being ported")]
    PendingPort { today: NaiveDate },
    /// From the working day before the port date the donor is moving the number.
    #[error("the port can no longer be cancelled")]
    PortTooLateToCancel,
    #[error("invalid change")]
    Invalid(Vec<FieldError>),
    /// The lifecycle does not allow the step in the state the subscription (or its port)
    /// is in.
    #[error(transparent)]
    Transition(#[from] domain::error::TransitionError),
    #[error(transparent)]
    Storage(#[from] persistence::Error),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

events::emit_errors_into!(SubscriptionError);

/// One of `company`'s subscriptions that `scope` sees: one statement (two for a scoped
/// user), so no transaction around it.
pub fn get(
    conn: &mut DbConnection,
    catalog: &Catalog,
    (company, scope): (Uuid, &Scope),
    id: Uuid,
) -> Result<SubscriptionDto, SubscriptionError> {
    let s =
        persistence::subscriptions::get(conn, company, id)?.ok_or(SubscriptionError::NotFound)?;
    if !persistence::scopes::sees(conn, scope, id)? {
        return Err(SubscriptionError::NotFound);
    }
    Ok(view(catalog, s)?)
}

/// `company`'s subscriptions, oldest first; `q` matches name, initials or number. One
/// statement, so no transaction around it.
pub fn list(
    conn: &mut DbConnection,
    catalog: &Catalog,
    (company, scope): (Uuid, &Scope),
    q: Option<&str>,
    status: Option<SubscriptionStatus>,
    after: Option<Uuid>,
    limit: i64,
) -> Result<Page<SubscriptionDto>, SubscriptionError> {
    let page = persistence::subscriptions::list(conn, company, scope, q, status, after, limit)?
        .try_map(|s| view(catalog, s))?;
    Ok(Page {
        items: page.items,
        next_cursor: page.next_cursor,
    })
}

/// The subscription to change, locked until the transaction ends: a concurrent change
/// waits and then decides on what this one left.
/// One `scope` does not see is not found.
fn lock(
    conn: &mut DbConnection,
    (company, scope): (Uuid, &Scope),
    id: Uuid,
) -> Result<Subscription, SubscriptionError> {
    let s =
        persistence::subscriptions::lock(conn, company, id)?.ok_or(SubscriptionError::NotFound)?;
    if !persistence::scopes::sees(conn, scope, id)? {
        return Err(SubscriptionError::NotFound);
    }
    Ok(s)
}

/// Like [`lock`], for an ending: the port of a subscription that came with one is locked
/// first, in the order the porting use cases lock (port, then subscription), so an ending
/// and a port's expiry or cancellation take turns instead of deadlocking.
fn lock_for_ending(
    conn: &mut DbConnection,
    (company, scope): (Uuid, &Scope),
    id: Uuid,
) -> Result<Subscription, SubscriptionError> {
    if let Some(port) = persistence::number_ports::of_subscription(conn, company, id)? {
        persistence::number_ports::lock(conn, Some(company), port.id)?;
    }
    lock(conn, (company, scope), id)
}

/// The changeable part of a subscription, whole: what a merge patch is applied to.
#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct Changeable {
    mobile_package: String,
    #[serde(deserialize_with = "crate::wire::json_integers::whole_i32")]
    data_sharing_cards: i32,
    employee: ChangeableEmployee,
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct ChangeableEmployee {
    name: String,
    title: String,
    cost_center: Option<String>,
}

impl From<&Subscription> for Changeable {
    fn from(s: &Subscription) -> Self {
        Changeable {
            mobile_package: s.mobile_package.clone(),
            data_sharing_cards: s.data_sharing_cards,
            employee: ChangeableEmployee {
                name: s.employee.name.as_str().to_owned(),
                title: s.employee.title.as_str().to_owned(),
                cost_center: s
                    .employee
                    .cost_center
                    .as_ref()
                    .map(|c| c.as_str().to_owned()),
            },
        }
    }
}

/// Applies `patch` (RFC 7396, a JSON object) to the package, cards and the employee's
/// name, title and cost centre, if the subscription still has a version `expected` names.
pub fn change(
    conn: &mut DbConnection,
    settings: &Settings,
    who: &Principal,
    company: Uuid,
    id: Uuid,
    expected: &IfMatch,
    patch: &serde_json::Value,
) -> Result<SubscriptionDto, SubscriptionError> {
    persistence::db::write(conn, |conn| {
        let catalog = &*settings.catalog;
        let mut s = lock(conn, (company, &who.scope), id)?;
        // The precondition first (RFC 9110 §13.2.2): a stale version is 412 in any state.
        if !expected.matches(s.version) {
            return Err(SubscriptionError::Stale);
        }
        s.status
            .apply(SubscriptionEvent::Change)
            .map_err(|_| SubscriptionError::Terminated)?;
        let form = crate::body::merge_patch(&Changeable::from(&s), patch)
            .map_err(|e| SubscriptionError::Invalid(vec![e]))?;
        let mut f = Fields::new();
        let package = check_package(&mut f, catalog, &form.mobile_package);
        let cards = f.check(
            "/data_sharing_cards",
            validate_data_sharing_cards(form.data_sharing_cards),
        );
        let name = f.check("/employee/name", PersonName::parse(&form.employee.name));
        let title = f.check("/employee/title", Title::parse(&form.employee.title));
        let cost_center = check_cost_center(&mut f, form.employee.cost_center.as_deref());
        if let Some(center) = &cost_center {
            crate::app::orders::form::check_in_scope(&mut f, &who.scope, center.as_ref());
        }
        let (Some(package), Some(cards), Some(name), Some(title), Some(cost_center), true) =
            (package, cards, name, title, cost_center, f.is_empty())
        else {
            return Err(SubscriptionError::Invalid(f.into_errors()));
        };
        s.mobile_package = package.code;
        s.data_sharing_cards = cards;
        s.employee.name = name;
        s.employee.title = title;
        s.employee.cost_center = cost_center;
        let now = settings.now_for(conn, company)?;
        if !persistence::subscriptions::update(conn, &mut s, now)? {
            return Err(SubscriptionError::Stale);
        }
        let center = s.employee.cost_center.as_ref().map(|c| c.as_str());
        persistence::scopes::file_subscription(conn, s.id, center)?;
        let changed = emit_priced(conn, catalog, &s, EventType::SubscriptionChanged)?;
        audit(
            conn,
            who,
            Some(company),
            "subscription.changed",
            ("subscription", id.to_string()),
            patch.clone(),
        )?;
        Ok(changed)
    })
}

/// Terminates a subscription on `on`: today (in Denmark) ends it at once, a later date
/// schedules it (`terminates_on`).
pub fn terminate(
    conn: &mut DbConnection,
    settings: &Settings,
    who: &Principal,
    company: Uuid,
    id: Uuid,
    expected: Option<&IfMatch>,
    on: NaiveDate,
) -> Result<SubscriptionDto, SubscriptionError> {
    let catalog = &*settings.catalog;
    persistence::db::write(conn, |conn| {
        // The company's business date: the port rules (`may_cancel`) read the same one.
        let now = settings.now_for(conn, company)?;
        let today = domain::calendar::date_in_denmark(now.and_utc());
        if on < today {
            return Err(SubscriptionError::DateInPast { today });
        }
        let mut s = lock_for_ending(conn, (company, &who.scope), id)?;
        if expected.is_some_and(|m| !m.matches(s.version)) {
            return Err(SubscriptionError::Stale);
        }
        s.status
            .apply(SubscriptionEvent::Terminate)
            .map_err(|_| SubscriptionError::Terminated)?;
        let (action, shown) = if on == today {
            (
                "subscription.terminated",
                end(conn, catalog, who, &mut s, today, now)?,
            )
        } else if s.status == SubscriptionStatus::PendingPort {
            return Err(SubscriptionError::PendingPort { today });
        } else {
            s.terminates_on = Some(on);
            if !persistence::subscriptions::update(conn, &mut s, now)? {
                return Err(SubscriptionError::Stale);
            }
            let shown = emit_priced(conn, catalog, &s, EventType::SubscriptionChanged)?;
            ("subscription.termination_scheduled", shown)
        };
        audit(
            conn,
            who,
            Some(company),
            action,
            ("subscription", id.to_string()),
            serde_json::json!({"effective_date": on, "number": s.number.as_str()}),
        )?;
        Ok(shown)
    })
}

/// Ends `s` now, inside the caller's transaction: terminated on `today`, its initials
/// free, its number back in the company's pool, and — while it waits for a ported
/// number — its port cancelled (refused once the donor is already moving the number).
/// Answers the ended subscription as its event carries it.
fn end(
    conn: &mut DbConnection,
    catalog: &Catalog,
    who: &Principal,
    s: &mut Subscription,
    today: NaiveDate,
    now: NaiveDateTime,
) -> Result<SubscriptionDto, SubscriptionError> {
    let next = s
        .status
        .apply(SubscriptionEvent::Terminate)
        .map_err(|_| SubscriptionError::Terminated)?;
    if s.status == SubscriptionStatus::PendingPort {
        if let Some(mut port) = persistence::number_ports::of_subscription(conn, s.company, s.id)?
            && !port.status.is_final()
        {
            super::porting::cancel_port(conn, who, &mut port, today, now).map_err(
                |err| match err {
                    PortError::TooLateToCancel => SubscriptionError::PortTooLateToCancel,
                    PortError::Stale => SubscriptionError::Stale,
                    PortError::Transition(err) => SubscriptionError::Transition(err),
                    PortError::Storage(err) => SubscriptionError::Storage(err),
                    other => SubscriptionError::Internal(other.into()),
                },
            )?;
        }
    } else {
        persistence::numbers::give_back(conn, s.company, &s.number)?;
    }
    persistence::orders::release_initials(conn, s.id)?;
    s.status = next;
    s.terminates_on = Some(today);
    if !persistence::subscriptions::update(conn, s, now)? {
        return Err(SubscriptionError::Stale);
    }
    Ok(emit_priced(
        conn,
        catalog,
        s,
        EventType::SubscriptionTerminated,
    )?)
}

/// Subscriptions taken per round of [`terminate_due`].
const BATCH: i64 = 100;

/// What a round of [`terminate_due`] did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Terminations {
    pub ended: usize,
    /// Due subscriptions that could not be ended (each logged with its id); the others
    /// went ahead, and these are tried again next round.
    pub failed: usize,
}

/// Ends every subscription whose termination date is `today` or earlier, each in its own
/// transaction. Safe with several processes: each subscription is locked and read again,
/// so a second process finds it ended and moves on. One that fails (a stored value that
/// no longer parses, say) fails alone.
pub fn terminate_due(
    conn: &mut DbConnection,
    catalog: &Catalog,
    scope: persistence::Scope,
    now: NaiveDateTime,
) -> Result<Terminations, SubscriptionError> {
    let today = domain::calendar::date_in_denmark(now.and_utc());
    let due = persistence::db::read(conn, |conn| {
        persistence::subscriptions::due_for_termination(conn, scope, today, BATCH)
    })?;
    let who = Principal::scheduler();
    let mut done = Terminations::default();
    for candidate in due {
        let candidate = match candidate {
            Ok(candidate) => candidate,
            Err(err) => {
                tracing::error!(error = %err, "a due subscription's row does not parse");
                done.failed += 1;
                continue;
            }
        };
        let outcome = persistence::db::write(conn, |conn| {
            let mut s = lock_for_ending(conn, (candidate.company, &Scope::Company), candidate.id)?;
            let still_due = s.status != SubscriptionStatus::Terminated
                && s.terminates_on.is_some_and(|on| on <= today);
            if !still_due {
                return Ok(false);
            }
            end(conn, catalog, &who, &mut s, today, now)?;
            audit(
                conn,
                &who,
                Some(s.company),
                "subscription.terminated",
                ("subscription", s.id.to_string()),
                serde_json::json!({"effective_date": today, "number": s.number.as_str()}),
            )?;
            Ok(true)
        });
        match outcome {
            Ok(true) => done.ended += 1,
            Ok(false) => {}
            // The port cannot be cancelled yet: tried again next round if still due.
            Err(SubscriptionError::PortTooLateToCancel) => {
                tracing::debug!(subscription = %candidate.id, "termination waits for the port");
            }
            // A lost database fails every item alike: the round ends, the next one retries.
            Err(SubscriptionError::Storage(err @ persistence::Error::Unavailable(_))) => {
                return Err(err.into());
            }
            Err(err) => {
                tracing::error!(subscription = %candidate.id, error = %err, "ending a due subscription failed");
                done.failed += 1;
            }
        }
    }
    Ok(done)
}
