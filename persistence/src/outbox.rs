//! The outbox: emails written in the transaction of the change that causes them.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use uuid::Uuid;

use domain::message::MessageStatus;

use crate::error::{parse, uuid};
use crate::schema::outbox;
use crate::{DbConnection, Page, Result};

/// A message's row.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = outbox, treat_none_as_default_value = false)]
struct MessageRecord {
    id: String,
    company_id: Option<String>,
    kind: String,
    recipient: String,
    subject: String,
    body: String,
    status: String,
    attempts: i32,
    next_attempt_at: NaiveDateTime,
    claimed_until: Option<NaiveDateTime>,
    last_error: Option<String>,
    created_at: NaiveDateTime,
    sent_at: Option<NaiveDateTime>,
}

/// A queued email and how its delivery goes.
#[derive(Debug, Clone, PartialEq)]
pub struct Message {
    pub id: Uuid,
    pub company_id: Option<Uuid>,
    pub kind: String,
    pub recipient: String,
    pub subject: String,
    pub body: String,
    pub status: MessageStatus,
    pub attempts: i32,
    pub next_attempt_at: NaiveDateTime,
    pub claimed_until: Option<NaiveDateTime>,
    pub last_error: Option<String>,
    pub created_at: NaiveDateTime,
    pub sent_at: Option<NaiveDateTime>,
}

impl TryFrom<MessageRecord> for Message {
    type Error = crate::Error;

    fn try_from(r: MessageRecord) -> Result<Message> {
        Ok(Message {
            id: uuid("outbox.id", &r.id)?,
            company_id: r
                .company_id
                .as_deref()
                .map(|c| uuid("outbox.company_id", c))
                .transpose()?,
            kind: r.kind,
            recipient: r.recipient,
            subject: r.subject,
            body: r.body,
            status: parse("outbox.status", &r.status, str::parse)?,
            attempts: r.attempts,
            next_attempt_at: r.next_attempt_at,
            claimed_until: r.claimed_until,
            last_error: r.last_error,
            created_at: r.created_at,
            sent_at: r.sent_at,
        })
    }
}

fn typed(rows: Vec<MessageRecord>) -> Result<Vec<Message>> {
    rows.into_iter().map(Message::try_from).collect()
}

pub struct NewMessage<'a> {
    pub company_id: Option<Uuid>,
    pub kind: &'a str,
    pub recipient: &'a str,
    pub subject: &'a str,
    pub body: &'a str,
    /// When its cause happened, in the company's business time.
    pub created_at: NaiveDateTime,
}

/// Queues a message for delivery now (machine time); call it inside the transaction of
/// its cause.
pub fn enqueue(conn: &mut DbConnection, message: NewMessage<'_>) -> Result<Uuid> {
    let id = crate::new_id();
    let now = crate::machine_now();
    diesel::insert_into(outbox::table)
        .values(MessageRecord {
            id: id.to_string(),
            company_id: message.company_id.map(|c| c.to_string()),
            kind: message.kind.to_owned(),
            recipient: message.recipient.to_owned(),
            subject: message.subject.to_owned(),
            body: message.body.to_owned(),
            status: MessageStatus::Pending.as_str().to_owned(),
            attempts: 0,
            next_attempt_at: now,
            claimed_until: None,
            last_error: None,
            created_at: message.created_at,
            sent_at: None,
        })
        .execute(conn)?;
    Ok(id)
}

/// Messages, oldest first, optionally of one status.
pub fn list(
    conn: &mut DbConnection,
    status: Option<MessageStatus>,
    after: Option<Uuid>,
    limit: i64,
) -> Result<Page<Message>> {
    let mut query = outbox::table
        .select(MessageRecord::as_select())
        .order(outbox::id.asc())
        .limit(limit + 1)
        .into_boxed();
    if let Some(status) = status {
        query = query.filter(outbox::status.eq(status.as_str()));
    }
    if let Some(after) = after {
        query = query.filter(outbox::id.gt(after.to_string()));
    }
    Page::from_overfetch(query.load(conn)?, limit, |m| m.id.clone()).try_map(Message::try_from)
}

/// Attempts before a message is given up as `failed`.
pub const MAX_ATTEMPTS: i32 = 10;

/// Claims up to `batch` due messages for `lease`: nobody else delivers them until the
/// lease ends, so a crashed worker's messages are picked up again (at least once). On
/// PostgreSQL, concurrent workers skip each other's rows (`FOR UPDATE SKIP LOCKED`); on
/// SQLite the write transaction already serialises them.
pub fn claim(conn: &mut DbConnection, batch: i64, lease: chrono::Duration) -> Result<Vec<Message>> {
    let now = crate::machine_now();
    let due = outbox::table
        .filter(outbox::status.eq(MessageStatus::Pending.as_str()))
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
    typed(
        outbox::table
            .filter(outbox::id.eq_any(&ids))
            .order(outbox::next_attempt_at.asc())
            .select(MessageRecord::as_select())
            .load(conn)?,
    )
}

/// Records deliveries: each message's id, and what may be kept of its text once it is
/// delivered (no secret link), when that differs from what is stored. The messages whose
/// text stays are marked in one statement.
pub fn mark_sent(conn: &mut DbConnection, delivered: &[(Uuid, Option<String>)]) -> Result<()> {
    let now = crate::machine_now();
    let values = || {
        (
            outbox::status.eq(MessageStatus::Sent.as_str()),
            outbox::sent_at.eq(Some(now)),
            outbox::claimed_until.eq(None::<NaiveDateTime>),
            outbox::last_error.eq(None::<String>),
        )
    };
    let unchanged: Vec<String> = delivered
        .iter()
        .filter(|(_, kept)| kept.is_none())
        .map(|(id, _)| id.to_string())
        .collect();
    if !unchanged.is_empty() {
        diesel::update(outbox::table.filter(outbox::id.eq_any(unchanged)))
            .set(values())
            .execute(conn)?;
    }
    for (id, kept) in delivered {
        if let Some(body) = kept {
            diesel::update(outbox::table.find(id.to_string()))
                .set((values(), outbox::body.eq(body)))
                .execute(conn)?;
        }
    }
    Ok(())
}

/// Records a failed attempt: retried after an exponential backoff, given up after
/// [`MAX_ATTEMPTS`].
pub fn mark_failed(conn: &mut DbConnection, message: &Message, error: &str) -> Result<()> {
    let now = crate::machine_now();
    let attempts = message.attempts;
    let backoff = chrono::Duration::seconds(5_i64.saturating_mul(1 << attempts.clamp(0, 12)));
    let status = if attempts >= MAX_ATTEMPTS {
        MessageStatus::Failed
    } else {
        MessageStatus::Pending
    };
    diesel::update(outbox::table.find(message.id.to_string()))
        .set((
            outbox::status.eq(status.as_str()),
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
        .filter(outbox::status.eq(MessageStatus::Pending.as_str()))
        .count()
        .get_result(conn)?)
}

/// How many messages are in each status: the backlog (`pending`) and the given-up
/// (`failed`) included.
pub fn counts(conn: &mut DbConnection) -> Result<Vec<(MessageStatus, i64)>> {
    outbox::table
        .group_by(outbox::status)
        .select((outbox::status, diesel::dsl::count_star()))
        .order(outbox::status.asc())
        .load::<(String, i64)>(conn)?
        .into_iter()
        .map(|(status, n)| Ok((parse("outbox.status", &status, str::parse)?, n)))
        .collect()
}
