//! Events for partner integrations. A change that partners hear of emits its event in
//! its own transaction, with one line where it happens: the event is kept for `GET
//! /events` and a delivery queued for every endpoint of the company that receives it.

use chrono::{Duration, NaiveDateTime};
use domain::event::EventType;
use domain::porting::NumberPort;
use domain::subscription::Subscription;
use persistence::events::Event;
use persistence::{DbConnection, Page};
use serde::Serialize;
use uuid::Uuid;

use crate::app::catalog::Catalog;
use crate::wire::events::EventDto;

/// How long events are kept.
pub const KEPT_DAYS: i64 = 30;

/// Why an event could not be emitted: storage failed, or the object did not serialise.
#[derive(Debug, thiserror::Error)]
pub enum EmitError {
    #[error(transparent)]
    Storage(#[from] persistence::Error),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

/// Each use case's error takes an emit's failure as its own storage or internal error.
macro_rules! emit_errors_into {
    ($($error:ty),*) => {$(
        impl From<EmitError> for $error {
            fn from(e: EmitError) -> Self {
                match e {
                    EmitError::Storage(e) => e.into(),
                    EmitError::Internal(e) => e.into(),
                }
            }
        }
    )*};
}
emit_errors_into!(
    crate::app::orders::OrderError,
    crate::app::porting::PortError,
    crate::app::subscriptions::SubscriptionError
);

/// Emits `kind` for `company` with `data`, the object as `GET` answers it now.
pub fn emit(
    conn: &mut DbConnection,
    company: Uuid,
    kind: EventType,
    data: &impl Serialize,
) -> Result<(), EmitError> {
    let event = Event {
        id: persistence::new_id(),
        company_id: company,
        event_type: kind.as_str().to_owned(),
        data: serde_json::to_value(data).map_err(anyhow::Error::from)?,
        created_at: persistence::now(),
    };
    let payload =
        serde_json::to_string(&EventDto::from(event.clone())).map_err(anyhow::Error::from)?;
    persistence::events::record(conn, &event)?;
    persistence::webhooks::queue(
        conn,
        company,
        event.id,
        kind.as_str(),
        &payload,
        event.created_at,
    )?;
    Ok(())
}

/// Emits `kind` with the subscription as `GET /subscriptions/{id}` answers it.
pub fn subscription(
    conn: &mut DbConnection,
    s: &Subscription,
    kind: EventType,
) -> Result<(), EmitError> {
    let catalog = Catalog::load(conn)?;
    emit(
        conn,
        s.company,
        kind,
        &crate::app::subscriptions::view(&catalog, s)?,
    )
}

/// Emits the event of the step `port` has just taken, if partners hear of it, with the
/// port as `GET /number-ports/{id}` answers it.
pub fn port(conn: &mut DbConnection, port: &NumberPort) -> Result<(), EmitError> {
    let Some(kind) = EventType::of_port(port.status) else {
        return Ok(());
    };
    let data = crate::app::porting::view(conn, port)?;
    emit(conn, port.company, kind, &data)
}

/// The company's events, oldest first, optionally of one type.
pub fn list(
    conn: &mut DbConnection,
    company: Uuid,
    kind: Option<EventType>,
    after: Option<Uuid>,
    limit: i64,
) -> persistence::Result<Page<EventDto>> {
    persistence::db::read(conn, |conn| {
        persistence::events::list(conn, company, kind.map(|k| k.as_str()), after, limit)
    })
    .map(|page| page.map(EventDto::from))
}

/// Deletes events older than [`KEPT_DAYS`] at `now`; answers how many.
pub fn prune(conn: &mut DbConnection, now: NaiveDateTime) -> persistence::Result<usize> {
    persistence::db::write(conn, |conn| {
        persistence::events::prune(conn, now - Duration::days(KEPT_DAYS))
    })
}
