//! Access taken away: tokens issued to a subject (a user, an API client, a company) at or
//! before its `not_before` are refused.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use uuid::Uuid;

use crate::error::uuid;
use crate::schema::access_revocations;
use crate::{DbConnection, Result};

/// Refuses every token issued to `subject` until `at`. Callers change the subject's own
/// row first (disable the user or company, revoke the client), which makes two revocations
/// of one subject take turns.
pub fn revoke(conn: &mut DbConnection, subject: Uuid, at: NaiveDateTime) -> Result<()> {
    let id = subject.to_string();
    let changed = diesel::update(access_revocations::table.find(&id))
        .set(access_revocations::not_before.eq(at))
        .execute(conn)?;
    if changed == 0 {
        diesel::insert_into(access_revocations::table)
            .values((
                access_revocations::subject_id.eq(&id),
                access_revocations::not_before.eq(at),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Every revocation: the subject and since when its earlier tokens are refused.
pub fn all(conn: &mut DbConnection) -> Result<Vec<(Uuid, NaiveDateTime)>> {
    access_revocations::table
        .select((
            access_revocations::subject_id,
            access_revocations::not_before,
        ))
        .load::<(String, NaiveDateTime)>(conn)?
        .into_iter()
        .map(|(id, at)| Ok((uuid("access_revocations.subject_id", &id)?, at)))
        .collect()
}
