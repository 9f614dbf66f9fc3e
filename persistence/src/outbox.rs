//! The outbox: emails written in the transaction of the change that causes them.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use uuid::Uuid;

use crate::schema::outbox;
use crate::{DbConnection, Page, Result};

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = outbox)]
pub struct Message {
    pub id: String,
    pub company_id: Option<String>,
    pub kind: String,
    pub recipient: String,
    pub subject: String,
    pub body: String,
    pub status: String,
    pub attempts: i32,
    pub next_attempt_at: NaiveDateTime,
    pub claimed_until: Option<NaiveDateTime>,
    pub last_error: Option<String>,
    pub created_at: NaiveDateTime,
    pub sent_at: Option<NaiveDateTime>,
}

pub struct NewMessage<'a> {
    pub company_id: Option<Uuid>,
    pub kind: &'a str,
    pub recipient: &'a str,
    pub subject: &'a str,
    pub body: &'a str,
}

/// Queues a message for delivery; call it inside the transaction of its cause.
pub fn enqueue(conn: &mut DbConnection, message: NewMessage<'_>) -> Result<Uuid> {
    let id = crate::new_id();
    let now = crate::now();
    diesel::insert_into(outbox::table)
        .values(Message {
            id: id.to_string(),
            company_id: message.company_id.map(|c| c.to_string()),
            kind: message.kind.to_owned(),
            recipient: message.recipient.to_owned(),
            subject: message.subject.to_owned(),
            body: message.body.to_owned(),
            status: "pending".to_owned(),
            attempts: 0,
            next_attempt_at: now,
            claimed_until: None,
            last_error: None,
            created_at: now,
            sent_at: None,
        })
        .execute(conn)?;
    Ok(id)
}

/// Messages, oldest first, optionally of one status.
pub fn list(
    conn: &mut DbConnection,
    status: Option<&str>,
    after: Option<Uuid>,
    limit: i64,
) -> Result<Page<Message>> {
    let mut query = outbox::table
        .select(Message::as_select())
        .order(outbox::id.asc())
        .limit(limit + 1)
        .into_boxed();
    if let Some(status) = status {
        query = query.filter(outbox::status.eq(status.to_owned()));
    }
    if let Some(after) = after {
        query = query.filter(outbox::id.gt(after.to_string()));
    }
    Ok(Page::from_overfetch(query.load(conn)?, limit, |m| {
        m.id.clone()
    }))
}

/// Attempts before a message is given up as `failed`.
pub const MAX_ATTEMPTS: i32 = 10;

/// Claims up to `batch` due messages for `lease`: nobody else delivers them until the
/// lease ends, so a crashed worker's messages are picked up again (at least once). On
/// PostgreSQL, concurrent workers skip each other's rows (`FOR UPDATE SKIP LOCKED`); on
/// SQLite the write transaction already serialises them.
pub fn claim(conn: &mut DbConnection, batch: i64, lease: chrono::Duration) -> Result<Vec<Message>> {
    let now = crate::now();
    let due = outbox::table
        .filter(outbox::status.eq("pending"))
        .filter(outbox::next_attempt_at.le(now))
        .filter(
            outbox::claimed_until
                .is_null()
                .or(outbox::claimed_until.lt(now)),
        )
        .order(outbox::next_attempt_at.asc())
        .limit(batch)
        .select(outbox::id);
    let ids: Vec<String> = match conn {
        DbConnection::Postgres(pg) => due.for_update().skip_locked().load(pg)?,
        DbConnection::Sqlite(lite) => due.load(lite)?,
    };
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    diesel::update(outbox::table.filter(outbox::id.eq_any(&ids)))
        .set((
            outbox::claimed_until.eq(Some(now + lease)),
            outbox::attempts.eq(outbox::attempts + 1),
        ))
        .execute(conn)?;
    Ok(outbox::table
        .filter(outbox::id.eq_any(&ids))
        .order(outbox::next_attempt_at.asc())
        .select(Message::as_select())
        .load(conn)?)
}

pub fn mark_sent(conn: &mut DbConnection, id: &str) -> Result<()> {
    let now = crate::now();
    diesel::update(outbox::table.find(id))
        .set((
            outbox::status.eq("sent"),
            outbox::sent_at.eq(Some(now)),
            outbox::claimed_until.eq(None::<NaiveDateTime>),
            outbox::last_error.eq(None::<String>),
        ))
        .execute(conn)?;
    Ok(())
}

/// Records a failed attempt: retried after an exponential backoff, given up after
/// [`MAX_ATTEMPTS`].
pub fn mark_failed(conn: &mut DbConnection, message: &Message, error: &str) -> Result<()> {
    let now = crate::now();
    let attempts = message.attempts;
    let backoff = chrono::Duration::seconds(5_i64.saturating_mul(1 << attempts.clamp(0, 12)));
    let status = if attempts >= MAX_ATTEMPTS {
        "failed"
    } else {
        "pending"
    };
    diesel::update(outbox::table.find(&message.id))
        .set((
            outbox::status.eq(status),
            outbox::next_attempt_at.eq(now + backoff),
            outbox::claimed_until.eq(None::<NaiveDateTime>),
            outbox::last_error.eq(Some(error.chars().take(500).collect::<String>())),
        ))
        .execute(conn)?;
    Ok(())
}

/// Messages waiting for delivery (the backlog).
pub fn backlog(conn: &mut DbConnection) -> Result<i64> {
    Ok(outbox::table
        .filter(outbox::status.eq("pending"))
        .count()
        .get_result(conn)?)
}

/// How many messages are in each status: the backlog (`pending`) and the given-up
/// (`failed`) included.
pub fn counts(conn: &mut DbConnection) -> Result<Vec<(String, i64)>> {
    Ok(outbox::table
        .group_by(outbox::status)
        .select((outbox::status, diesel::dsl::count_star()))
        .order(outbox::status.asc())
        .load(conn)?)
}
