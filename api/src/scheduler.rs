//! Work that falls due by the calendar: subscriptions whose termination date has come,
//! and idempotency keys past their keeping time. Safe with several processes: each
//! termination is one transaction whose write checks the version it read (412 otherwise),
//! so a second process finds the work done and moves on.

use std::time::Duration;

use chrono::{NaiveDate, Utc};
use persistence::Store;
use uuid::Uuid;

use crate::error::ApiError;

/// Terminations taken per round.
const BATCH: i64 = 100;

/// Ends every subscription whose termination date is `today` or earlier; returns how
/// many this call ended.
pub fn terminate_due(store: &Store, today: NaiveDate) -> anyhow::Result<usize> {
    let due =
        store.read(|conn| persistence::subscriptions::due_for_termination(conn, today, BATCH))?;
    let mut ended = 0;
    for candidate in due {
        let outcome = store.write(|conn| -> Result<(), ApiError> {
            let company = Uuid::parse_str(&candidate.company_id).map_err(ApiError::internal)?;
            let mut record = candidate.clone();
            crate::routes::subscriptions::end(conn, &mut record, today)?;
            persistence::audit::record(
                conn,
                persistence::audit::NewAuditEvent {
                    actor_id: "scheduler",
                    actor_role: "system",
                    company_id: Some(company),
                    action: "subscription.terminated",
                    object_type: "subscription",
                    object_id: record.id.clone(),
                    details: serde_json::json!({"effective_date": today, "number": record.number}),
                },
            )?;
            Ok(())
        });
        match outcome {
            Ok(()) => ended += 1,
            // Another process or an admin changed it since it was read (412), or the port
            // cannot be cancelled yet (409): it is tried again next round if still due.
            Err(err) if err.status().is_client_error() => {
                tracing::debug!(subscription = %candidate.id, code = err.code(), "termination not done this round");
            }
            Err(err) => {
                return Err(anyhow::anyhow!(
                    "terminating {}: {}",
                    candidate.id,
                    err.code()
                ));
            }
        }
    }
    Ok(ended)
}

/// Forgets idempotency keys older than their keeping time; returns how many.
pub fn forget_idempotency_keys(store: &Store) -> anyhow::Result<usize> {
    let before = persistence::now() - chrono::Duration::hours(crate::idempotency::KEEP_HOURS);
    Ok(store.write(|conn| persistence::idempotency::forget_older_than(conn, before))?)
}

/// Runs the calendar work every `every` until the process ends.
pub fn spawn(store: Store, every: Duration) {
    tokio::spawn(async move {
        loop {
            let store_ = store.clone();
            let today = domain::calendar::date_in_denmark(Utc::now());
            let round = tokio::task::spawn_blocking(move || {
                Ok::<_, anyhow::Error>((
                    terminate_due(&store_, today)?,
                    forget_idempotency_keys(&store_)?,
                ))
            });
            match round.await {
                Ok(Ok((terminated, forgotten))) if terminated + forgotten > 0 => {
                    tracing::info!(terminated, forgotten, "scheduled work done");
                }
                Ok(Ok(_)) => {}
                Ok(Err(err)) => tracing::warn!(error = %err, "scheduler round failed"),
                Err(err) => tracing::error!(error = %err, "scheduler panicked"),
            }
            tokio::time::sleep(every).await;
        }
    });
}
