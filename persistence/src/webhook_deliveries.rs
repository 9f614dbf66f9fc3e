//! Webhook deliveries: one per (endpoint, event), queued in the event's transaction (an
//! outbox), claimed by the workers with leases, and every attempt to deliver.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use uuid::Uuid;

use crate::error::uuid;
use crate::schema::{webhook_attempts, webhook_deliveries, webhook_endpoints};
use crate::webhook_endpoints::{Endpoint, EndpointRow};
use crate::{DbConnection, Error, Page, Result};

/// Where a delivery is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeliveryStatus {
    Pending,
    Delivered,
    Failed,
}

impl DeliveryStatus {
    pub const fn as_str(self) -> &'static str {
        match self {
            DeliveryStatus::Pending => "pending",
            DeliveryStatus::Delivered => "delivered",
            DeliveryStatus::Failed => "failed",
        }
    }

    fn parse(text: &str) -> Result<Self> {
        match text {
            "pending" => Ok(DeliveryStatus::Pending),
            "delivered" => Ok(DeliveryStatus::Delivered),
            "failed" => Ok(DeliveryStatus::Failed),
            other => Err(Error::corrupt("webhook_deliveries.status", other)),
        }
    }
}

/// One event (or ping) on its way to one endpoint.
#[derive(Debug, Clone, PartialEq)]
pub struct Delivery {
    pub id: Uuid,
    pub endpoint_id: Uuid,
    /// The `webhook-id` of every attempt: the event's id, or the ping's.
    pub event_id: Uuid,
    pub event_type: String,
    /// The exact body every attempt sends.
    pub payload: String,
    pub status: DeliveryStatus,
    pub attempts: i32,
    pub next_attempt_at: NaiveDateTime,
    pub created_at: NaiveDateTime,
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = webhook_deliveries, treat_none_as_default_value = false)]
struct DeliveryRow {
    id: String,
    endpoint_id: String,
    event_id: String,
    event_type: String,
    payload: String,
    status: String,
    attempts: i32,
    next_attempt_at: NaiveDateTime,
    claimed_until: Option<NaiveDateTime>,
    created_at: NaiveDateTime,
}

impl TryFrom<DeliveryRow> for Delivery {
    type Error = Error;
    fn try_from(r: DeliveryRow) -> Result<Self> {
        Ok(Delivery {
            id: uuid("webhook_deliveries.id", &r.id)?,
            endpoint_id: uuid("webhook_deliveries.endpoint_id", &r.endpoint_id)?,
            event_id: uuid("webhook_deliveries.event_id", &r.event_id)?,
            event_type: r.event_type,
            payload: r.payload,
            status: DeliveryStatus::parse(&r.status)?,
            attempts: r.attempts,
            next_attempt_at: r.next_attempt_at,
            created_at: r.created_at,
        })
    }
}

/// Queues one delivery to one endpoint (an event, or a ping of its own).
pub fn queue_one(
    conn: &mut DbConnection,
    endpoint: Uuid,
    event_id: Uuid,
    event_type: &str,
    payload: &str,
    now: NaiveDateTime,
) -> Result<Uuid> {
    let id = crate::new_id();
    diesel::insert_into(webhook_deliveries::table)
        .values(DeliveryRow {
            id: id.to_string(),
            endpoint_id: endpoint.to_string(),
            event_id: event_id.to_string(),
            event_type: event_type.to_owned(),
            payload: payload.to_owned(),
            status: DeliveryStatus::Pending.as_str().to_owned(),
            attempts: 0,
            next_attempt_at: now,
            claimed_until: None,
            created_at: now,
        })
        .execute(conn)?;
    Ok(id)
}

/// One try at delivering.
#[derive(Debug, Clone, PartialEq)]
pub struct Attempt {
    pub attempted_at: NaiveDateTime,
    /// The HTTP status the endpoint answered; `None` when it did not answer (`error`).
    pub status_code: Option<i32>,
    pub error: Option<String>,
    pub duration_ms: i32,
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = webhook_attempts, treat_none_as_default_value = false)]
struct AttemptRow {
    id: String,
    delivery_id: String,
    attempted_at: NaiveDateTime,
    status_code: Option<i32>,
    error: Option<String>,
    duration_ms: i32,
}

/// An endpoint's deliveries, newest first, each with its attempts (oldest first).
pub fn deliveries(
    conn: &mut DbConnection,
    endpoint: Uuid,
    after: Option<Uuid>,
    limit: i64,
) -> Result<Page<(Delivery, Vec<Attempt>)>> {
    let mut query = webhook_deliveries::table
        .filter(webhook_deliveries::endpoint_id.eq(endpoint.to_string()))
        .select(DeliveryRow::as_select())
        .order(webhook_deliveries::id.desc())
        .limit(limit + 1)
        .into_boxed();
    if let Some(after) = after {
        query = query.filter(webhook_deliveries::id.lt(after.to_string()));
    }
    let page = Page::from_overfetch(query.load(conn)?, limit, |d| d.id.clone())
        .try_map(Delivery::try_from)?;
    let ids: Vec<String> = page.items.iter().map(|d| d.id.to_string()).collect();
    let attempts: Vec<AttemptRow> = webhook_attempts::table
        .filter(webhook_attempts::delivery_id.eq_any(&ids))
        .order(webhook_attempts::id.asc())
        .select(AttemptRow::as_select())
        .load(conn)?;
    Ok(page.map(|delivery| {
        let id = delivery.id.to_string();
        let mine = attempts
            .iter()
            .filter(|a| a.delivery_id == id)
            .map(|a| Attempt {
                attempted_at: a.attempted_at,
                status_code: a.status_code,
                error: a.error.clone(),
                duration_ms: a.duration_ms,
            })
            .collect();
        (delivery, mine)
    }))
}

/// Makes the endpoint's delivery `id` due now again (whatever its status), unclaimed;
/// answers whether it exists.
pub fn retry(
    conn: &mut DbConnection,
    endpoint: Uuid,
    id: Uuid,
    now: NaiveDateTime,
) -> Result<bool> {
    let changed = diesel::update(
        webhook_deliveries::table
            .filter(webhook_deliveries::id.eq(id.to_string()))
            .filter(webhook_deliveries::endpoint_id.eq(endpoint.to_string())),
    )
    .set((
        webhook_deliveries::status.eq(DeliveryStatus::Pending.as_str()),
        webhook_deliveries::next_attempt_at.eq(now),
        webhook_deliveries::claimed_until.eq(None::<NaiveDateTime>),
    ))
    .execute(conn)?;
    Ok(changed == 1)
}

/// Claims up to `batch` due deliveries to enabled endpoints for `lease` (nobody else
/// tries them until it ends, so a crashed worker's are tried again: at least once), with
/// their endpoints, leaving out the endpoints in `skip` (this process is still sending to
/// them). PostgreSQL workers skip each other's rows (`FOR UPDATE SKIP LOCKED`).
pub fn claim(
    conn: &mut DbConnection,
    batch: i64,
    lease: chrono::Duration,
    now: NaiveDateTime,
    skip: &[Uuid],
) -> Result<Vec<(Delivery, Endpoint)>> {
    let skip: Vec<String> = skip.iter().map(Uuid::to_string).collect();
    let enabled = webhook_endpoints::table
        .filter(webhook_endpoints::enabled.eq(true))
        .select(webhook_endpoints::id);
    let due = webhook_deliveries::table
        .filter(webhook_deliveries::status.eq(DeliveryStatus::Pending.as_str()))
        .filter(webhook_deliveries::next_attempt_at.le(now))
        .filter(
            webhook_deliveries::claimed_until
                .is_null()
                .or(webhook_deliveries::claimed_until.lt(now)),
        )
        .filter(webhook_deliveries::endpoint_id.eq_any(enabled))
        .filter(webhook_deliveries::endpoint_id.ne_all(skip))
        .order(webhook_deliveries::next_attempt_at.asc())
        .limit(batch)
        .select(webhook_deliveries::id);
    let ids: Vec<String> = match conn {
        DbConnection::Postgres(pg) => due.for_update().skip_locked().load(pg)?,
        DbConnection::Sqlite(lite) => due.load(lite)?,
    };
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    diesel::update(webhook_deliveries::table.filter(webhook_deliveries::id.eq_any(&ids)))
        .set((
            webhook_deliveries::claimed_until.eq(Some(now + lease)),
            webhook_deliveries::attempts.eq(webhook_deliveries::attempts + 1),
        ))
        .execute(conn)?;
    let rows: Vec<(DeliveryRow, EndpointRow)> = webhook_deliveries::table
        .inner_join(webhook_endpoints::table)
        .filter(webhook_deliveries::id.eq_any(&ids))
        .order(webhook_deliveries::next_attempt_at.asc())
        .select((DeliveryRow::as_select(), EndpointRow::as_select()))
        .load(conn)?;
    rows.into_iter()
        .map(|(d, e)| Ok((Delivery::try_from(d)?, Endpoint::try_from(e)?)))
        .collect()
}

/// What became of an attempt.
pub enum Outcome {
    Delivered,
    /// Try again at this time.
    Retry(NaiveDateTime),
    /// Given up.
    Failed,
}

/// Records an attempt at `delivery` and its outcome, and the endpoint's failing streak.
pub fn record_attempt(
    conn: &mut DbConnection,
    delivery: &Delivery,
    attempt: &Attempt,
    outcome: Outcome,
) -> Result<()> {
    diesel::insert_into(webhook_attempts::table)
        .values(AttemptRow {
            id: crate::new_id().to_string(),
            delivery_id: delivery.id.to_string(),
            attempted_at: attempt.attempted_at,
            status_code: attempt.status_code,
            error: attempt.error.clone(),
            duration_ms: attempt.duration_ms,
        })
        .execute(conn)?;
    let this = webhook_deliveries::table.filter(webhook_deliveries::id.eq(delivery.id.to_string()));
    let released = webhook_deliveries::claimed_until.eq(None::<NaiveDateTime>);
    let endpoint = || {
        webhook_endpoints::table.filter(webhook_endpoints::id.eq(delivery.endpoint_id.to_string()))
    };
    let delivered = matches!(outcome, Outcome::Delivered);
    match outcome {
        Outcome::Delivered => {
            diesel::update(this)
                .set((
                    webhook_deliveries::status.eq(DeliveryStatus::Delivered.as_str()),
                    released,
                ))
                .execute(conn)?;
            diesel::update(endpoint())
                .set(webhook_endpoints::failing_since.eq(None::<NaiveDateTime>))
                .execute(conn)?;
        }
        Outcome::Retry(at) => {
            diesel::update(this)
                .set((webhook_deliveries::next_attempt_at.eq(at), released))
                .execute(conn)?;
        }
        Outcome::Failed => {
            diesel::update(this)
                .set((
                    webhook_deliveries::status.eq(DeliveryStatus::Failed.as_str()),
                    released,
                ))
                .execute(conn)?;
        }
    }
    if !delivered {
        diesel::update(endpoint().filter(webhook_endpoints::failing_since.is_null()))
            .set(webhook_endpoints::failing_since.eq(Some(attempt.attempted_at)))
            .execute(conn)?;
    }
    Ok(())
}

/// Pending deliveries, and the creation time of the oldest (for the metrics).
pub fn backlog(conn: &mut DbConnection) -> Result<(i64, Option<NaiveDateTime>)> {
    let pending = webhook_deliveries::table
        .filter(webhook_deliveries::status.eq(DeliveryStatus::Pending.as_str()));
    let count: i64 = pending.count().get_result(conn)?;
    let oldest: Option<NaiveDateTime> = webhook_deliveries::table
        .filter(webhook_deliveries::status.eq(DeliveryStatus::Pending.as_str()))
        .select(diesel::dsl::min(webhook_deliveries::created_at))
        .first(conn)?;
    Ok((count, oldest))
}
