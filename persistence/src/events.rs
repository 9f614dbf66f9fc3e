//! Events of a company's objects, kept for partners that poll, and the deliveries each
//! one queues for the company's webhook endpoints, written in the change's transaction.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use domain::user::Scope;
use uuid::Uuid;

use crate::scopes::within;

use crate::db::Prepared;
use crate::error::uuid;
use crate::schema::events;
use crate::{DbConnection, Error, Page, Result};

/// Something that happened to one of a company's objects.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    pub id: Uuid,
    pub company_id: Uuid,
    /// The event type's name (`order.confirmed`).
    pub event_type: String,
    /// The object as it was then.
    pub data: serde_json::Value,
    pub created_at: NaiveDateTime,
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = events, treat_none_as_default_value = false)]
struct EventRow {
    id: String,
    company_id: String,
    event_type: String,
    data: String,
    created_at: NaiveDateTime,
    /// The object the event carries (its data's `id`), which scopes filter by.
    object_id: Option<String>,
}

impl TryFrom<EventRow> for Event {
    type Error = Error;
    fn try_from(row: EventRow) -> Result<Self> {
        Ok(Event {
            id: uuid("events.id", &row.id)?,
            company_id: uuid("events.company_id", &row.company_id)?,
            event_type: row.event_type,
            data: serde_json::from_str(&row.data)
                .map_err(|_| Error::corrupt("events.data", &row.data))?,
            created_at: row.created_at,
        })
    }
}

/// Writes `events` in one statement; call it inside the transaction of the change they
/// describe.
pub fn record_all(conn: &mut DbConnection, events: &[Event]) -> Result<()> {
    let rows: Vec<EventRow> = events
        .iter()
        .map(|event| EventRow {
            id: event.id.to_string(),
            company_id: event.company_id.to_string(),
            event_type: event.event_type.clone(),
            data: event.data.to_string(),
            created_at: event.created_at,
            object_id: event
                .data
                .get("id")
                .and_then(|id| id.as_str())
                .map(str::to_owned),
        })
        .collect();
    // Several rows in one INSERT is each backend's own statement, not MultiBackend's. On
    // PostgreSQL it is kept prepared: one shape per count of rows, and a use case emits
    // at most a few.
    let insert = diesel::insert_into(events::table).values(rows);
    match conn {
        DbConnection::Postgres(c) => {
            Prepared(insert.returning(events::id)).rows(c)?;
        }
        DbConnection::Sqlite(c) => {
            insert.execute(c)?;
        }
    }
    Ok(())
}

/// A company's events, oldest first, optionally of one type.
pub fn list(
    conn: &mut DbConnection,
    company: Uuid,
    scope: &Scope,
    event_type: Option<&str>,
    after: Option<Uuid>,
    limit: i64,
) -> Result<Page<Event>> {
    let mut query = events::table
        .filter(events::company_id.eq(company.to_string()))
        .select(EventRow::as_select())
        .order(events::id.asc())
        .limit(limit + 1)
        .into_boxed();
    if let Some(event_type) = event_type {
        query = query.filter(events::event_type.eq(event_type.to_owned()));
    }
    if let Some(centers) = scope.centers() {
        // An event about no one's object (a test clock's) is the whole company's.
        query = query.filter(within!(
            events::object_id.assume_not_null(),
            company,
            centers
        ));
    }
    if let Some(after) = after {
        query = query.filter(events::id.gt(after.to_string()));
    }
    Page::from_overfetch(query.load(conn)?, limit, |e| e.id.clone()).try_map(Event::try_from)
}

/// Deletes events created before `before`; answers how many.
pub fn prune(conn: &mut DbConnection, before: NaiveDateTime) -> Result<usize> {
    Ok(diesel::delete(events::table.filter(events::created_at.lt(before))).execute(conn)?)
}
