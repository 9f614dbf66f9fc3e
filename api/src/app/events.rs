//! Events for partner integrations. A change that partners hear of emits its event in
//! its own transaction, with one line where it happens: the event is kept for `GET
//! /events` and a delivery queued for every endpoint of the company that receives it.

use chrono::{Duration, NaiveDateTime};
use domain::event::EventType;
use persistence::events::Event;
use persistence::{DbConnection, Page};
use serde::Serialize;
use uuid::Uuid;

use crate::wire::events::EventDto;

/// How long events are kept.
pub const KEPT_DAYS: i64 = 30;

/// Why an event could not be emitted: storage failed, or the object did not serialise.
/// Each use case's error takes it as its own storage or internal error
/// ([`emit_errors_into`]).
#[derive(Debug, thiserror::Error)]
pub enum EmitError {
    #[error(transparent)]
    Storage(#[from] persistence::Error),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

/// Emits `kind` for `company` with `data`, the object as `GET` answers it now; `at` is
/// the company's business time of the change.
pub fn emit(
    conn: &mut DbConnection,
    company: Uuid,
    at: NaiveDateTime,
    kind: EventType,
    data: &impl Serialize,
) -> Result<(), EmitError> {
    emit_all(conn, company, at, vec![(kind, event_data(data)?)])
}

/// The object an event carries, as [`emit_all`] takes it.
pub fn event_data(data: &impl Serialize) -> Result<serde_json::Value, EmitError> {
    Ok(serde_json::to_value(data).map_err(anyhow::Error::from)?)
}

/// Emits several events of one change for `company` at `at` (its business time), in
/// order: one statement writes them all, and the company's endpoints are read once for
/// all of them. The body partners receive is written only for an event some endpoint
/// receives; a sandbox's says `"sandbox": true`. Deliveries are due at once (machine time).
pub fn emit_all(
    conn: &mut DbConnection,
    company: Uuid,
    at: NaiveDateTime,
    emitted: Vec<(EventType, serde_json::Value)>,
) -> Result<(), EmitError> {
    let created_at = at;
    let due = persistence::machine_now();
    let events: Vec<Event> = emitted
        .into_iter()
        .map(|(kind, data)| Event {
            id: persistence::new_id(),
            company_id: company,
            event_type: kind.as_str().to_owned(),
            data,
            created_at,
        })
        .collect();
    persistence::events::record_all(conn, &events)?;
    let receivers = persistence::webhook_endpoints::receivers(conn, company)?;
    let sandbox = !receivers.is_empty() && persistence::test_clocks::get(conn, company)?.is_some();
    for event in &events {
        let mut payload = None;
        for receiver in receivers.iter().filter(|r| r.receives(&event.event_type)) {
            let body = match &payload {
                Some(body) => body,
                None => payload.insert(
                    serde_json::to_string(&EventDto::from(event.clone()).in_sandbox(sandbox))
                        .map_err(anyhow::Error::from)?,
                ),
            };
            persistence::webhook_deliveries::queue_one(
                conn,
                receiver.endpoint,
                event.id,
                &event.event_type,
                body,
                due,
            )?;
        }
    }
    Ok(())
}

/// The company's events that `scope` sees, oldest first, optionally of one type.
pub fn list(
    conn: &mut DbConnection,
    (company, scope): (Uuid, &domain::user::Scope),
    kind: Option<EventType>,
    after: Option<Uuid>,
    limit: i64,
) -> persistence::Result<Page<EventDto>> {
    persistence::db::read(conn, |conn| {
        let kind = kind.map(|k| k.as_str());
        persistence::events::list(conn, company, scope, kind, after, limit)
    })
    .map(|page| page.map(EventDto::from))
}

/// Deletes events older than [`KEPT_DAYS`] at `now`; answers how many.
pub fn prune(conn: &mut DbConnection, now: NaiveDateTime) -> persistence::Result<usize> {
    persistence::db::write(conn, |conn| {
        persistence::events::prune(conn, now - Duration::days(KEPT_DAYS))
    })
}

/// Lets a use case's error take an emit's failure as its own storage or internal error.
macro_rules! emit_errors_into {
    ($error:ty) => {
        impl From<crate::app::events::EmitError> for $error {
            fn from(e: crate::app::events::EmitError) -> Self {
                match e {
                    crate::app::events::EmitError::Storage(e) => e.into(),
                    crate::app::events::EmitError::Internal(e) => e.into(),
                }
            }
        }
    };
}
pub(crate) use emit_errors_into;
