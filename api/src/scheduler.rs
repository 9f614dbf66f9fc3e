//! Work that falls due by the calendar: subscriptions whose termination date has come,
//! idempotency keys and events past their keeping time, and number ports (reminders, expiries, the
//! donor's answers, the move at 02:00). The work itself is the use cases'; this
//! runs them every minute in every process, which is safe: each termination locks its
//! subscription and reads it again, so a second process finds the work done.

use std::time::Duration;

use chrono::{NaiveDate, Utc};
use persistence::Store;

use crate::app::catalog::Catalog;

/// Ends every subscription whose termination date is `today` or earlier; returns how
/// many this call ended.
pub fn terminate_due(store: &Store, catalog: &Catalog, today: NaiveDate) -> anyhow::Result<usize> {
    let mut conn = store.conn()?;
    crate::app::subscriptions::terminate_due(&mut conn, catalog, today)
        .map_err(|e| anyhow::anyhow!("terminating due subscriptions: {e}"))
}

/// Forgets idempotency keys older than their keeping time; returns how many.
pub fn forget_idempotency_keys(store: &Store) -> anyhow::Result<usize> {
    let mut conn = store.conn()?;
    Ok(crate::app::idempotency::forget_old_keys(&mut conn)?)
}

/// Deletes events past their keeping time (30 days); returns how many.
pub fn prune_events(store: &Store) -> anyhow::Result<usize> {
    let mut conn = store.conn()?;
    Ok(crate::app::events::prune(&mut conn, persistence::now())?)
}

/// Runs the calendar work every `every` until the process ends.
pub fn spawn(store: Store, catalog: std::sync::Arc<Catalog>, every: Duration) {
    tokio::spawn(async move {
        loop {
            let store_ = store.clone();
            let catalog_ = catalog.clone();
            let today = domain::calendar::date_in_denmark(Utc::now());
            let round = tokio::task::spawn_blocking(move || {
                Ok::<_, anyhow::Error>((
                    terminate_due(&store_, &catalog_, today)?,
                    forget_idempotency_keys(&store_)?,
                    prune_events(&store_)?,
                ))
            });
            match round.await {
                Ok(Ok((terminated, forgotten, pruned))) if terminated + forgotten + pruned > 0 => {
                    tracing::info!(terminated, forgotten, pruned, "scheduled work done");
                }
                Ok(Ok(_)) => {}
                Ok(Err(err)) => tracing::warn!(error = %err, "scheduler round failed"),
                Err(err) => tracing::error!(error = %err, "scheduler panicked"),
            }
            tokio::time::sleep(every).await;
        }
    });
}

/// One round of the porting worker: reminders, expiries, the donor's answers, and the
/// numbers whose port date has come.
pub fn porting_round(
    store: &Store,
    settings: &crate::app::Settings,
) -> anyhow::Result<crate::app::porting::Round> {
    let mut conn = store.conn()?;
    crate::app::porting::worker::round(&mut conn, settings)
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
                let mut conn = store_.conn()?;
                Ok(crate::app::operator::revocations(&mut conn)?)
            })
            .await;
            match read {
                Ok(Ok(all)) => revocations.replace(all),
                // The copy stays as it was; the next round tries again.
                Ok(Err(err)) => tracing::warn!(error = %err, "reading revocations failed"),
                Err(err) => tracing::error!(error = %err, "revocation refresh panicked"),
            }
        }
    });
}
