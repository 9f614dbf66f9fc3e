//! Sandbox companies' test clocks: their business time stands still until an admin
//! advances it. An advance is queued here (`advance`) and run in the background by the
//! process that claims it (`run_claimed`): it moves the clock from one due instant to the
//! next, and at each runs everything that fell due, exactly as the real companies' rounds
//! do at the system's time — so the same events, emails and webhooks follow, stamped with
//! the clock's time. Each step is stored before the next, so an advance whose process
//! dies is taken over by another once its lease lapses, and resumes where it stood.

use chrono::{DateTime, Duration, NaiveDateTime, Utc};
use domain::event::EventType;
use domain::porting::PortStatus;
use persistence::test_clocks::{ClockStatus, TestClock};
use persistence::{DbConnection, Scope};
use uuid::Uuid;

use super::{Principal, Settings, audit};
use crate::wire::test_clock::TestClockDto;

/// How far one advance may move a clock.
pub const MAX_ADVANCE_DAYS: i64 = 365;
/// Rounds at one instant before its work is taken as done: each round handles up to a
/// batch of items per kind, so this bounds a runaway, never a real company's size.
const ROUNDS_PER_INSTANT: usize = 1_000;

#[derive(Debug, thiserror::Error)]
pub enum ClockError {
    #[error("the company is not a sandbox")]
    NotASandbox,
    #[error("the clock stands at {0}; it only moves forward")]
    Backwards(DateTime<Utc>),
    #[error("an advance moves the clock at most {MAX_ADVANCE_DAYS} days")]
    TooFar,
    #[error("the clock is advancing; wait until it is ready")]
    Advancing,
    #[error(transparent)]
    Storage(#[from] persistence::Error),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

crate::app::events::emit_errors_into!(ClockError);

fn view(clock: &TestClock) -> TestClockDto {
    TestClockDto {
        frozen_time: clock.frozen_time.and_utc(),
        status: clock.status.as_str().to_owned(),
        advancing_to: clock.advancing_to.map(|t| t.and_utc()),
        updated_at: clock.updated_at.and_utc(),
    }
}

/// `company`'s test clock.
pub fn get(conn: &mut DbConnection, company: Uuid) -> Result<TestClockDto, ClockError> {
    let clock = persistence::test_clocks::get(conn, company)?.ok_or(ClockError::NotASandbox)?;
    Ok(view(&clock))
}

/// Sets `company`'s clock advancing to `to`: forward, at most [`MAX_ADVANCE_DAYS`], one
/// advance at a time. Answers the clock as it is now, `advancing`.
pub fn advance(
    conn: &mut DbConnection,
    who: &Principal,
    company: Uuid,
    to: DateTime<Utc>,
) -> Result<TestClockDto, ClockError> {
    let to = domain::clock::stamp(to);
    persistence::db::write(conn, |conn| {
        let clock = persistence::test_clocks::get(conn, company)?.ok_or(ClockError::NotASandbox)?;
        if clock.status == ClockStatus::Advancing {
            return Err(ClockError::Advancing);
        }
        if to <= clock.frozen_time {
            return Err(ClockError::Backwards(clock.frozen_time.and_utc()));
        }
        if to - clock.frozen_time > Duration::days(MAX_ADVANCE_DAYS) {
            return Err(ClockError::TooFar);
        }
        let now = persistence::machine_now();
        if !persistence::test_clocks::begin_advance(conn, company, to, now)? {
            return Err(ClockError::Advancing);
        }
        let clock = persistence::test_clocks::get(conn, company)?.ok_or(ClockError::NotASandbox)?;
        let shown = view(&clock);
        let at = clock.frozen_time;
        crate::app::events::emit(conn, company, at, EventType::TestClockAdvancing, &shown)?;
        audit(
            conn,
            who,
            Some(company),
            "test_clock.advanced",
            ("test_clock", company.to_string()),
            serde_json::json!({"from": at.and_utc(), "to": to.and_utc()}),
        )?;
        Ok(shown)
    })
}

/// Claims the advances no process holds and runs each to its end, as `owner` (this
/// process), renewing its hold for `lease` at each step; answers how many it finished.
pub fn run_claimed(
    conn: &mut DbConnection,
    settings: &Settings,
    owner: &str,
    lease: std::time::Duration,
) -> Result<usize, ClockError> {
    let lease = Duration::from_std(lease).unwrap_or(Duration::seconds(30));
    let now = persistence::machine_now();
    let waiting = persistence::db::read(conn, |conn| {
        persistence::test_clocks::unclaimed(conn, now, 10)
    })?;
    let mut finished = 0;
    for company in waiting {
        let until = persistence::machine_now() + lease;
        let claimed = persistence::db::write(conn, |conn| {
            persistence::test_clocks::claim(conn, company, owner, until, now)
        })?;
        if !claimed {
            continue;
        }
        match run(conn, settings, company, owner, lease) {
            Ok(true) => finished += 1,
            Ok(false) => {}
            // A lost database: the lease lapses and the advance resumes later.
            Err(ClockError::Storage(persistence::Error::Unavailable(e))) => {
                return Err(ClockError::Storage(persistence::Error::Unavailable(e)));
            }
            Err(err) => {
                tracing::error!(company = %company, error = %err, "a test clock's advance failed");
                persistence::db::write(conn, |conn| {
                    let at = persistence::machine_now();
                    persistence::test_clocks::finish(
                        conn,
                        company,
                        owner,
                        ClockStatus::InternalFailure,
                        at,
                    )
                })?;
            }
        }
    }
    Ok(finished)
}

/// Runs `company`'s advance to its end while `owner` holds it, renewing the hold for
/// `lease` at each step: answers whether it ended (false: another process took it over).
fn run(
    conn: &mut DbConnection,
    settings: &Settings,
    company: Uuid,
    owner: &str,
    lease: Duration,
) -> Result<bool, ClockError> {
    loop {
        let Some(clock) =
            persistence::db::read(conn, |conn| persistence::test_clocks::get(conn, company))?
        else {
            return Ok(false);
        };
        let (Some(target), ClockStatus::Advancing) = (clock.advancing_to, clock.status) else {
            return Ok(false);
        };
        let at = clock.frozen_time;
        // What fell due at this instant first: a step stored before its work was done (a
        // process that died in between) is caught up here.
        run_due(conn, settings, company, at)?;
        if at >= target {
            return persistence::db::write(conn, |conn| {
                let now = persistence::machine_now();
                if !persistence::test_clocks::finish(conn, company, owner, ClockStatus::Ready, now)?
                {
                    return Ok(false);
                }
                let clock =
                    persistence::test_clocks::get(conn, company)?.ok_or(ClockError::NotASandbox)?;
                crate::app::events::emit(
                    conn,
                    company,
                    at,
                    EventType::TestClockReady,
                    &view(&clock),
                )?;
                Ok(true)
            });
        }
        let next = persistence::db::read(conn, |conn| next_due(conn, company, at))?
            .filter(|next| *next < target)
            .unwrap_or(target);
        let until = persistence::machine_now() + lease;
        let held = persistence::db::write(conn, |conn| {
            persistence::test_clocks::step(conn, company, owner, next, until)
        })?;
        if !held {
            return Ok(false);
        }
    }
}

/// Runs everything of `company` due at `now`: the porting rounds and the terminations,
/// until a round finds nothing more.
fn run_due(
    conn: &mut DbConnection,
    settings: &Settings,
    company: Uuid,
    now: NaiveDateTime,
) -> Result<(), ClockError> {
    let scope = Scope::Sandbox(company);
    for _ in 0..ROUNDS_PER_INSTANT {
        let ports = super::porting::worker::round(conn, settings, scope, now)
            .map_err(|e| anyhow::anyhow!("porting at {now}: {e}"))?;
        let ended = super::subscriptions::terminate_due(conn, &settings.catalog, scope, now)
            .map_err(|e| anyhow::anyhow!("terminations at {now}: {e}"))?;
        if ports.is_empty() && ended.ended == 0 {
            return Ok(());
        }
    }
    Err(anyhow::anyhow!("work at {now} did not settle").into())
}

/// The first instant after `after` at which something of `company` falls due: a
/// reminder, a signing deadline, the simulated donor's answer, a late day, a number's
/// move at 02:00, a termination date. `None` when nothing waits.
fn next_due(
    conn: &mut DbConnection,
    company: Uuid,
    after: NaiveDateTime,
) -> persistence::Result<Option<NaiveDateTime>> {
    use super::porting::donor::{DonorGateway, SimulatedDonor};
    use domain::calendar::{port_moment, start_of_day};
    let mut due: Vec<NaiveDateTime> = Vec::new();
    for port in persistence::number_ports::on_their_way(conn, company)? {
        match port.status {
            PortStatus::AwaitingSignature => {
                due.push(port.poa_expires_at);
                if let Some(hash) = port.poa_token_hash.as_deref()
                    && let Some((sent_at, false)) =
                        persistence::number_ports::live_link(conn, hash)?
                {
                    due.push(sent_at + Duration::days(super::porting::worker::REMIND_AFTER_DAYS));
                }
            }
            PortStatus::Submitted => {
                if let (Some(submitted), Some(delay)) =
                    (port.submitted_at, SimulatedDonor.answers_after())
                {
                    due.push(submitted + delay);
                }
            }
            PortStatus::Accepted => {
                if let Some(date) = port.port_date {
                    due.push(domain::clock::stamp(port_moment(date)));
                }
            }
            _ => {}
        }
        if matches!(port.status, PortStatus::Submitted | PortStatus::Accepted)
            && let Some(deadline) = persistence::port_deadlines::deadline(conn, port.id)?
        {
            let day = domain::porting::next_late_day(deadline.deadline_on, deadline.counted_to);
            due.push(domain::clock::stamp(start_of_day(day)));
        }
    }
    for date in persistence::subscriptions::termination_dates(conn, company)? {
        due.push(domain::clock::stamp(start_of_day(date)));
    }
    Ok(due.into_iter().filter(|at| *at > after).min())
}
