//! Work that falls due by the calendar: subscriptions whose termination date has come,
//! idempotency keys and events past their keeping time, and number ports (reminders, expiries, the
//! donor's answers, the move at 02:00). The work itself is the use cases'; this
//! runs them every minute in every process, which is safe: each termination locks its
//! subscription and reads it again, so a second process finds the work done.

use std::time::Duration;

use chrono::NaiveDateTime;
use persistence::Store;

use crate::app::Settings;
use crate::app::subscriptions::Terminations;
use crate::metrics::Metrics;

/// Ends every real company's subscription whose termination date has come at `now`;
/// answers how many this call ended and how many could not be.
pub fn terminate_due(
    store: &Store,
    settings: &Settings,
    now: NaiveDateTime,
) -> anyhow::Result<Terminations> {
    let scope = persistence::Scope::Real;
    store
        .run(|conn| crate::app::subscriptions::terminate_due(conn, &settings.catalog, scope, now))
        .map_err(|e| anyhow::anyhow!("terminating due subscriptions: {e}"))
}

/// Forgets idempotency keys older than their keeping time; returns how many.
pub fn forget_idempotency_keys(store: &Store) -> anyhow::Result<usize> {
    store.run(|conn| Ok(crate::app::idempotency::forget_old_keys(conn)?))
}

/// Deletes events past their keeping time (30 days); returns how many.
pub fn prune_events(store: &Store) -> anyhow::Result<usize> {
    store.run(|conn| Ok(crate::app::events::prune(conn, persistence::machine_now())?))
}

/// What one round of the calendar work did: each job's count, `None` for a job that
/// failed as a whole.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CalendarRound {
    pub terminations: Option<Terminations>,
    pub forgotten_keys: Option<usize>,
    pub pruned_events: Option<usize>,
}

/// One round of the calendar work. Each job runs whatever another did: one that fails
/// is logged and counted in `scheduled_work_failures_total` under its name, as is each
/// item a job could not do, and the other jobs go ahead.
pub fn calendar_round(
    store: &Store,
    settings: &Settings,
    metrics: &Metrics,
    now: NaiveDateTime,
) -> CalendarRound {
    let terminations = job(metrics, "terminate_subscriptions", || {
        terminate_due(store, settings, now)
    });
    if let Some(done) = terminations {
        metrics.work_failed("terminate_subscriptions", done.failed);
    }
    CalendarRound {
        terminations,
        forgotten_keys: job(metrics, "forget_idempotency_keys", || {
            forget_idempotency_keys(store)
        }),
        pruned_events: job(metrics, "prune_events", || prune_events(store)),
    }
}

/// Runs one job of a round; a failure is logged and counted, and answers `None`.
fn job<T>(metrics: &Metrics, name: &str, run: impl FnOnce() -> anyhow::Result<T>) -> Option<T> {
    match run() {
        Ok(done) => Some(done),
        Err(err) => {
            tracing::warn!(job = name, error = %err, "scheduled job failed; tried again next round");
            metrics.work_failed(name, 1);
            None
        }
    }
}

/// Runs the calendar work every `every` until the process ends.
pub fn spawn(
    store: Store,
    settings: std::sync::Arc<Settings>,
    metrics: std::sync::Arc<Metrics>,
    every: Duration,
) {
    tokio::spawn(async move {
        loop {
            let store_ = store.clone();
            let settings_ = settings.clone();
            let metrics_ = metrics.clone();
            // Real companies' business time, as the requests that schedule terminations read it.
            let now = settings.clock.stamp();
            let round = tokio::task::spawn_blocking(move || {
                calendar_round(&store_, &settings_, &metrics_, now)
            });
            match round.await {
                Ok(done) => {
                    let terminated = done.terminations.map_or(0, |t| t.ended);
                    let forgotten = done.forgotten_keys.unwrap_or(0);
                    let pruned = done.pruned_events.unwrap_or(0);
                    if terminated + forgotten + pruned > 0 {
                        tracing::info!(terminated, forgotten, pruned, "scheduled work done");
                    }
                }
                Err(err) => tracing::error!(error = %err, "scheduler panicked"),
            }
            tokio::time::sleep(every).await;
        }
    });
}

/// One round of the porting worker for the real companies at their business time:
/// reminders, expiries, the donor's answers, late days, and the numbers whose port date
/// has come.
pub fn porting_round(
    store: &Store,
    settings: &crate::app::Settings,
) -> anyhow::Result<crate::app::porting::Round> {
    let now = settings.clock.stamp();
    store
        .run(|conn| {
            crate::app::porting::worker::round(conn, settings, persistence::Scope::Real, now)
        })
        .map_err(|e| anyhow::anyhow!("porting round: {e}"))
}

/// Runs the porting worker every `every` until the process ends.
pub fn spawn_porting(
    store: Store,
    settings: std::sync::Arc<crate::app::Settings>,
    every: Duration,
) {
    tokio::spawn(async move {
        loop {
            let store_ = store.clone();
            let settings_ = settings.clone();
            let round =
                tokio::task::spawn_blocking(move || porting_round(&store_, &settings_)).await;
            match round {
                Ok(Ok(done)) if !done.is_empty() => {
                    tracing::info!(
                        reminded = done.reminded,
                        expired = done.expired,
                        answered = done.answered,
                        delayed = done.delayed,
                        completed = done.completed,
                        "porting work done"
                    );
                }
                Ok(Ok(_)) => {}
                Ok(Err(err)) => tracing::warn!(error = %err, "porting round failed"),
                Err(err) => tracing::error!(error = %err, "porting worker panicked"),
            }
            tokio::time::sleep(every).await;
        }
    });
}

/// Keeps this process's copy of the revocations current, every `every`.
pub fn spawn_revocations(
    store: Store,
    revocations: std::sync::Arc<crate::auth::Revocations>,
    every: Duration,
) {
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(every).await;
            let store_ = store.clone();
            let read = tokio::task::spawn_blocking(move || -> anyhow::Result<_> {
                store_.run(|conn| Ok(crate::app::operator::revocations(conn)?))
            })
            .await;
            match read {
                Ok(Ok(all)) => revocations.merge(all),
                // The copy stays as it was; the next round tries again.
                Ok(Err(err)) => tracing::warn!(error = %err, "reading revocations failed"),
                Err(err) => tracing::error!(error = %err, "revocation refresh panicked"),
            }
        }
    });
}

/// Runs the sandbox companies' clock advances: every `every`, this process claims the
/// advances no process holds and runs each to its end, holding each for `lease` past its last step, apart from the real
/// companies' rounds, so a sandbox's advance never holds up a real company's work.
pub fn spawn_test_clocks(
    store: Store,
    settings: std::sync::Arc<crate::app::Settings>,
    every: Duration,
    lease: Duration,
) {
    let leased = Leased {
        what: "test clock",
        store,
        settings,
        wake: None,
        every,
        lease,
    };
    spawn_leased(leased, |conn, settings, owner, lease| {
        Ok(crate::app::test_clock::run_claimed(
            conn, settings, owner, lease,
        )?)
    });
}

/// Runs the bulk orders' jobs: every `every` (or at once when a job is uploaded or
/// confirmed in this process), this process claims the running jobs no process holds and
/// moves each as far as it goes, holding each for `lease` past its last step; a job whose
/// process died is resumed by another once the hold runs out.
pub fn spawn_bulk_orders(
    store: Store,
    settings: std::sync::Arc<crate::app::Settings>,
    wake: std::sync::Arc<tokio::sync::Notify>,
    every: Duration,
    lease: Duration,
) {
    let leased = Leased {
        what: "bulk order",
        store,
        settings,
        wake: Some(wake),
        every,
        lease,
    };
    spawn_leased(leased, |conn, settings, owner, lease| {
        Ok(crate::app::bulk::worker::run_claimed(
            conn, settings, owner, lease,
        )?)
    });
}

/// A worker of leased work and what it needs.
struct Leased {
    /// What it works on, for the logs.
    what: &'static str,
    store: Store,
    settings: std::sync::Arc<crate::app::Settings>,
    /// Given by requests that have just made work for it, if it has one.
    wake: Option<std::sync::Arc<tokio::sync::Notify>>,
    every: Duration,
    lease: Duration,
}

/// A worker of leased work: every `every`, or at once when `wake` is given, `round` claims
/// what no process holds, as this process's own owner id, for `lease`, and answers how many
/// it finished.
fn spawn_leased(
    leased: Leased,
    round: fn(&mut persistence::DbConnection, &Settings, &str, Duration) -> anyhow::Result<usize>,
) {
    let Leased {
        what,
        store,
        settings,
        wake,
        every,
        lease,
    } = leased;
    let owner = persistence::new_id().to_string();
    tokio::spawn(async move {
        loop {
            let store_ = store.clone();
            let settings_ = settings.clone();
            let owner_ = owner.clone();
            let done = tokio::task::spawn_blocking(move || {
                store_.run(|conn| round(conn, &settings_, &owner_, lease))
            })
            .await;
            match done {
                Ok(Ok(0)) => {}
                Ok(Ok(finished)) => tracing::info!(worker = what, finished, "leased work done"),
                Ok(Err(err)) => {
                    tracing::warn!(worker = what, error = %err, "leased work round failed")
                }
                Err(err) => tracing::error!(worker = what, error = %err, "leased worker panicked"),
            }
            match &wake {
                Some(wake) => tokio::select! {
                    () = tokio::time::sleep(every) => {}
                    () = wake.notified() => {}
                },
                None => tokio::time::sleep(every).await,
            }
        }
    });
}
