//! Login attempts that did not succeed (or have not yet), counted per subject (`user:<email>`, `client:<id>`, `ip:<address>`) in
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

/// Counts an attempt against each of `subjects` at `at`; returns the rows' ids, so a
/// successful attempt can be taken back ([`forget`]).
pub fn record(
    conn: &mut DbConnection,
    subjects: &[&str],
    at: NaiveDateTime,
) -> Result<Vec<String>> {
    let mut ids = Vec::with_capacity(subjects.len());
    for subject in subjects {
        let id = crate::new_id().to_string();
        diesel::insert_into(login_failures::table)
            .values((
                login_failures::id.eq(&id),
                login_failures::subject.eq(*subject),
                login_failures::failed_at.eq(at),
            ))
            .execute(conn)?;
        ids.push(id);
    }
    Ok(ids)
}

/// Takes back the attempts `ids` (they succeeded).
pub fn forget(conn: &mut DbConnection, ids: &[String]) -> Result<()> {
    diesel::delete(login_failures::table.filter(login_failures::id.eq_any(ids))).execute(conn)?;
    Ok(())
}

/// Makes concurrent attempts against the same `subjects` take turns until the caller's
/// transaction ends, in every process: a PostgreSQL advisory lock per subject, taken in
/// one order so two attempts never wait on each other. SQLite's write transactions run
/// one at a time already.
pub fn take_turns(conn: &mut DbConnection, subjects: &[&str]) -> Result<()> {
    crate::db::take_turns(conn, 7315002, subjects)
}

/// Forgets a subject's failures (after a successful login).
pub fn clear(conn: &mut DbConnection, subject: &str) -> Result<()> {
    diesel::delete(login_failures::table.filter(login_failures::subject.eq(subject)))
        .execute(conn)?;
    Ok(())
}

/// Deletes the attempts of subjects starting with `prefix` older than `before`: they no
/// longer count in that kind's window (each kind has its own: logins 15 minutes, password
/// resets an hour).
pub fn prune(conn: &mut DbConnection, prefix: &str, before: NaiveDateTime) -> Result<usize> {
    Ok(diesel::delete(
        login_failures::table
            .filter(login_failures::subject.like(format!("{prefix}%")))
            .filter(login_failures::failed_at.lt(before)),
    )
    .execute(conn)?)
}
