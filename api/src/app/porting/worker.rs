//! The porting worker's round, run every second in every process: reminds owners who
//! have not signed, expires unsigned requests, fetches the donor's answers, and moves
//! the numbers whose port date has come at 02:00 Danish time. Each port is handled in
//! its own transaction that locks it and reads it again, so with several processes each
//! step happens once (one completion, one email).

use chrono::{Duration, NaiveDate, NaiveDateTime};
use domain::event::EventType;
use domain::porting::{NumberPort, PortEvent, PortStatus};
use persistence::number_ports::Due;
use persistence::{DbConnection, Scope};
use uuid::Uuid;

use super::donor::{DonorGateway, SimulatedDonor, complete_port, fetch_answer};
use super::{
    PortError, advance, end_waiting_subscription, issue_link, send_link, tell_admins, write,
};
use crate::app::catalog::Catalog;
use crate::app::{Settings, audit_as};

/// Days an owner has before the reminder.
pub const REMIND_AFTER_DAYS: i64 = 3;
/// Ports taken per step and round.
const BATCH: i64 = 100;

/// What one round did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Round {
    pub reminded: usize,
    pub expired: usize,
    pub answered: usize,
    pub delayed: usize,
    pub completed: usize,
}

impl Round {
    pub fn is_empty(&self) -> bool {
        *self == Round::default()
    }
}

/// One round of the porting worker for `scope` at `now`, its business time: the real
/// companies' at the settings' clock, or one sandbox's at its test clock. A sandbox's
/// ports always go to the simulated donor.
pub fn round(
    conn: &mut DbConnection,
    settings: &Settings,
    scope: Scope,
    now: NaiveDateTime,
) -> Result<Round, PortError> {
    let mut done = Round::default();
    let donor: &dyn DonorGateway = match scope {
        Scope::Real => &*settings.donor,
        Scope::Sandbox(_) => &SimulatedDonor,
    };

    let due = persistence::db::read(conn, |conn| {
        persistence::number_ports::due_for_reminder(
            conn,
            scope,
            now - Duration::days(REMIND_AFTER_DAYS),
            BATCH,
        )
    })?;
    for id in due {
        done.reminded += each(conn, id, |conn, port| remind(conn, settings, port, now))?;
    }

    let waiting = candidates(conn, scope, Due::Unsigned(now), |_| true)?;
    for id in waiting {
        done.expired += each(conn, id, |conn, port| {
            expire(conn, &settings.catalog, port, now)
        })?;
    }

    if let Some(delay) = donor.answers_after() {
        let submitted = candidates(conn, scope, Due::SubmittedBy(now - delay), |_| true)?;
        for id in submitted {
            done.answered += each(conn, id, |conn, port| {
                if port.status != PortStatus::Submitted {
                    return Ok(false);
                }
                fetch_answer(conn, donor, port, now)
            })?;
        }
    }

    // Late days before the moves: the day a late number moves is a late day too.
    let today = domain::calendar::date_in_denmark(now.and_utc());
    let late = persistence::db::read(conn, |conn| {
        persistence::port_deadlines::past_deadline(conn, scope, today, BATCH)
    })?;
    for (id, deadline) in late {
        if domain::porting::late_days(deadline.deadline_on, deadline.counted_to, today).is_empty() {
            continue;
        }
        done.delayed += each(conn, id, |conn, port| {
            delay(conn, settings, port, today, now)
        })?;
    }

    let moving = candidates(conn, scope, Due::PortDateBy(today), |p| moves_by(p, now))?;
    for id in moving {
        done.completed += each(conn, id, |conn, port| {
            if port.status != PortStatus::Accepted || !moves_by(port, now) {
                return Ok(false);
            }
            complete_port(conn, &settings.catalog, port, now)?;
            audit_as(
                conn,
                ("scheduler", "system"),
                Some(port.company),
                "number_port.completed",
                ("number_port", port.id.to_string()),
                serde_json::json!({"number": port.number.as_str()}),
            )?;
            Ok(true)
        })?;
    }
    Ok(done)
}

/// Whether `port`'s number moves by `now`: 02:00 Danish time on its port date.
fn moves_by(port: &NumberPort, now: NaiveDateTime) -> bool {
    port.port_date
        .is_some_and(|date| domain::calendar::port_moment(date) <= now.and_utc())
}

/// A port with the donor past its deadline on `today`: each working day late not yet
/// counted gets its compensation entry, the port a new version showing the delay, and
/// the first late day ever the `number_port.delayed` event.
fn delay(
    conn: &mut DbConnection,
    settings: &Settings,
    port: &mut NumberPort,
    today: NaiveDate,
    now: NaiveDateTime,
) -> Result<bool, PortError> {
    if !matches!(port.status, PortStatus::Submitted | PortStatus::Accepted) {
        return Ok(false);
    }
    let Some(deadline) = persistence::port_deadlines::deadline(conn, port.id)? else {
        return Ok(false);
    };
    let days = domain::porting::late_days(deadline.deadline_on, deadline.counted_to, today);
    if days.is_empty() {
        return Ok(false);
    }
    let amount = settings.port_delay_compensation_ore;
    persistence::port_deadlines::record_late_days(conn, port, &days, amount, now)?;
    write(conn, port, port.status, now)?;
    if deadline.delayed_working_days == 0 {
        let shown = super::view(conn, port)?;
        crate::app::events::emit(
            conn,
            port.company,
            now,
            EventType::NumberPortDelayed,
            &shown,
        )?;
    }
    audit_as(
        conn,
        ("scheduler", "system"),
        Some(port.company),
        "number_port.delayed",
        ("number_port", port.id.to_string()),
        serde_json::json!({"days": days, "amount_ore_per_day": amount}),
    )?;
    Ok(true)
}

/// The ids of the ports of `scope` that are `due`, and that `ready` picks among them.
fn candidates(
    conn: &mut DbConnection,
    scope: Scope,
    due: Due,
    ready: impl Fn(&NumberPort) -> bool,
) -> Result<Vec<Uuid>, PortError> {
    let ports = persistence::db::read(conn, |conn| {
        persistence::number_ports::due(conn, scope, due, BATCH)
    })?;
    Ok(ports.iter().filter(|p| ready(p)).map(|p| p.id).collect())
}

/// Runs `step` on the port `id` in a transaction of its own, the port locked and read
/// again; 1 when it did something. A port that fails is logged and left for the next
/// round, so one port never holds up the others.
fn each(
    conn: &mut DbConnection,
    id: Uuid,
    step: impl FnOnce(&mut DbConnection, &mut NumberPort) -> Result<bool, PortError>,
) -> Result<usize, PortError> {
    let done = persistence::db::write(conn, |conn| {
        let Some(mut port) = persistence::number_ports::lock(conn, None, id)? else {
            return Ok(0);
        };
        Ok(usize::from(step(conn, &mut port)?))
    });
    match done {
        Err(PortError::Storage(persistence::Error::Unavailable(e))) => {
            Err(PortError::Storage(persistence::Error::Unavailable(e)))
        }
        Err(err) => {
            tracing::warn!(port = %id, error = %err, "porting step failed; tried again next round");
            Ok(0)
        }
        ok => ok,
    }
}

/// A fresh link to an owner who has not signed within three days; the first link dies.
fn remind(
    conn: &mut DbConnection,
    settings: &Settings,
    port: &mut NumberPort,
    now: NaiveDateTime,
) -> Result<bool, PortError> {
    if port.status != PortStatus::AwaitingSignature || now >= port.poa_expires_at {
        return Ok(false);
    }
    let due = match port.poa_token_hash.as_deref() {
        Some(hash) => {
            persistence::number_ports::live_link(conn, hash)?.is_some_and(|(sent_at, reminder)| {
                !reminder && sent_at <= now - Duration::days(REMIND_AFTER_DAYS)
            })
        }
        None => false,
    };
    if !due {
        return Ok(false);
    }
    let link = issue_link(conn, settings, port, now, true)?;
    write(conn, port, PortStatus::AwaitingSignature, now)?;
    send_link(conn, port, &link, true, now)?;
    Ok(true)
}

/// An owner who never signed: the port expires, the subscription that waited for the
/// number ends, and the admins are told.
fn expire(
    conn: &mut DbConnection,
    catalog: &Catalog,
    port: &mut NumberPort,
    now: NaiveDateTime,
) -> Result<bool, PortError> {
    if port.status != PortStatus::AwaitingSignature || now < port.poa_expires_at {
        return Ok(false);
    }
    port.poa_token_hash = None;
    advance(conn, port, PortEvent::Expire, now)?;
    let today = domain::calendar::date_in_denmark(now.and_utc());
    end_waiting_subscription(conn, catalog, port, today, now)?;
    let email = crate::emails::port_expired(&port.number, port.owner_name.as_str());
    tell_admins(conn, port, "port_expired", &email)?;
    audit_as(
        conn,
        ("scheduler", "system"),
        Some(port.company),
        "number_port.expired",
        ("number_port", port.id.to_string()),
        serde_json::json!({"number": port.number.as_str()}),
    )?;
    Ok(true)
}
