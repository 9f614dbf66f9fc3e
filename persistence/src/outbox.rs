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
