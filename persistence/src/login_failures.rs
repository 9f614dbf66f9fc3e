//! Failed logins, counted per subject (`user:<email>`, `client:<id>`, `ip:<address>`) in
//! the database, so every API process enforces one limit.

use chrono::NaiveDateTime;
use diesel::dsl::{count_star, min};
use diesel::prelude::*;

use crate::schema::login_failures;
use crate::{DbConnection, Result};

/// Failures for `subject` at or after `since`: how many, and the oldest of them.
pub fn since(
    conn: &mut DbConnection,
    subject: &str,
    since: NaiveDateTime,
) -> Result<(i64, Option<NaiveDateTime>)> {
    Ok(login_failures::table
        .filter(login_failures::subject.eq(subject))
        .filter(login_failures::failed_at.ge(since))
        .select((count_star(), min(login_failures::failed_at)))
        .first(conn)?)
}

pub fn record(conn: &mut DbConnection, subjects: &[&str], at: NaiveDateTime) -> Result<()> {
    for subject in subjects {
        diesel::insert_into(login_failures::table)
            .values((
                login_failures::id.eq(crate::new_id().to_string()),
                login_failures::subject.eq(*subject),
                login_failures::failed_at.eq(at),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Forgets a subject's failures (after a successful login).
pub fn clear(conn: &mut DbConnection, subject: &str) -> Result<()> {
    diesel::delete(login_failures::table.filter(login_failures::subject.eq(subject)))
        .execute(conn)?;
    Ok(())
}

/// Deletes failures older than the window; they no longer count.
pub fn prune(conn: &mut DbConnection, before: NaiveDateTime) -> Result<usize> {
    Ok(
        diesel::delete(login_failures::table.filter(login_failures::failed_at.lt(before)))
            .execute(conn)?,
    )
}
