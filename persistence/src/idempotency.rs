//! Idempotency keys: a retried request gets the first answer instead of a second effect.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::{Integer, Text, Timestamp};
use uuid::Uuid;

use crate::schema::idempotency_keys;
use crate::{DbConnection, Result};

/// What a key says about a request carrying it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// New: the request goes ahead in this transaction, and its answer is kept in it.
    Fresh,
    /// The same request was answered: replay this JSON document.
    Replay(String),
    /// The key was used for another request.
    Mismatch,
    /// The first request with this key is still running after `wait`.
    InFlight,
}

#[derive(QueryableByName)]
struct Claimed {
    #[diesel(sql_type = Integer)]
    claimed: i32,
}

/// Claims `key` for a request with `fingerprint`, inside the transaction of the request's
/// effect: the claim, the effect and the kept answer commit together or not at all. A
/// concurrent request with the same key waits (up to `wait`) for the first to finish:
/// on PostgreSQL the insert waits on the first one's uncommitted row, on SQLite the
/// write transaction already runs alone. A key older than `forget_before` counts as
/// unused (the periodic [`forget_older_than`] removes the rest).
pub fn claim(
    conn: &mut DbConnection,
    company: Uuid,
    key: &str,
    fingerprint: &str,
    forget_before: NaiveDateTime,
    wait: std::time::Duration,
) -> Result<Claim> {
    let company = company.to_string();
    diesel::delete(
        idempotency_keys::table
            .find((&company, key))
            .filter(idempotency_keys::created_at.lt(forget_before)),
    )
    .execute(conn)?;
    let now = crate::machine_now();
    let inserted = match conn {
        DbConnection::Postgres(pg) => {
            // The insert waits for a concurrent holder of the key; bounded, so a stuck first
            // request answers "in flight" instead of holding the client forever. The wait
            // and its bound live in the database function (see its migration).
            let wait_ms = i32::try_from(wait.as_millis().max(1)).unwrap_or(i32::MAX);
            let claimed: Claimed =
                diesel::sql_query("SELECT claim_idempotency_key($1, $2, $3, $4, $5) AS claimed")
                    .bind::<Text, _>(&company)
                    .bind::<Text, _>(key)
                    .bind::<Text, _>(fingerprint)
                    .bind::<Timestamp, _>(now)
                    .bind::<Integer, _>(wait_ms)
                    .get_result(pg)?;
            match claimed.claimed {
                -1 => return Ok(Claim::InFlight),
                n => usize::try_from(n).unwrap_or(0),
            }
        }
        DbConnection::Sqlite(lite) => {
            let exists: i64 = idempotency_keys::table
                .find((&company, key))
                .count()
                .get_result(lite)?;
            if exists == 0 {
                diesel::insert_into(idempotency_keys::table)
                    .values((
                        idempotency_keys::company_id.eq(&company),
                        idempotency_keys::key.eq(key),
                        idempotency_keys::fingerprint.eq(fingerprint),
                        idempotency_keys::created_at.eq(now),
                    ))
                    .execute(lite)?
            } else {
                0
            }
        }
    };
    if inserted == 1 {
        return Ok(Claim::Fresh);
    }
    let (stored, response): (String, Option<String>) = idempotency_keys::table
        .find((&company, key))
        .select((idempotency_keys::fingerprint, idempotency_keys::response))
        .first(conn)?;
    Ok(match response {
        _ if stored != fingerprint => Claim::Mismatch,
        Some(response) => Claim::Replay(response),
        // A row commits only with its answer; one without is from before answers were
        // kept in the same transaction, and is treated as still running.
        None => Claim::InFlight,
    })
}

/// Keeps the answer to replay.
pub fn complete(
    conn: &mut DbConnection,
    company: Uuid,
    key: &str,
    status: u16,
    response: &str,
) -> Result<()> {
    diesel::update(idempotency_keys::table.find((company.to_string(), key)))
        .set((
            idempotency_keys::response_status.eq(Some(i32::from(status))),
            idempotency_keys::response.eq(Some(response)),
        ))
        .execute(conn)?;
    Ok(())
}

/// Drops every key created before `before`; returns how many.
pub fn forget_older_than(conn: &mut DbConnection, before: NaiveDateTime) -> Result<usize> {
    Ok(
        diesel::delete(idempotency_keys::table.filter(idempotency_keys::created_at.lt(before)))
            .execute(conn)?,
    )
}
