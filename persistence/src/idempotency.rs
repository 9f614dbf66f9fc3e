//! Idempotency keys: a retried request gets the first answer instead of a second effect.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use uuid::Uuid;

use crate::schema::idempotency_keys;
use crate::{DbConnection, Result};

/// What a key says about a request carrying it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// New: the request goes ahead and its answer is kept.
    Fresh,
    /// The same request was answered: replay this (`status`, JSON document).
    Replay(u16, String),
    /// The key was used for another request.
    Mismatch,
    /// The first request with this key is still running.
    InFlight,
}

/// Claims `key` for a request with `fingerprint`, in its own short transaction so other
/// requests see the claim at once. A key older than `forget_before` counts as unused
/// (the periodic [`forget_older_than`] removes the rest).
pub fn claim(
    conn: &mut DbConnection,
    company: Uuid,
    key: &str,
    fingerprint: &str,
    forget_before: NaiveDateTime,
) -> Result<Claim> {
    let existing: Option<(String, Option<i32>, Option<String>, NaiveDateTime)> =
        idempotency_keys::table
            .find((company.to_string(), key))
            .select((
                idempotency_keys::fingerprint,
                idempotency_keys::response_status,
                idempotency_keys::response,
                idempotency_keys::created_at,
            ))
            .first(conn)
            .optional()?;
    let existing = match existing {
        Some((.., created_at)) if created_at < forget_before => {
            abandon(conn, company, key)?;
            None
        }
        other => other,
    };
    if let Some((stored, status, response, _)) = existing {
        return Ok(if stored != fingerprint {
            Claim::Mismatch
        } else {
            match (status, response) {
                (Some(status), Some(response)) => {
                    Claim::Replay(u16::try_from(status).unwrap_or(500), response)
                }
                _ => Claim::InFlight,
            }
        });
    }
    let inserted = diesel::insert_into(idempotency_keys::table)
        .values((
            idempotency_keys::company_id.eq(company.to_string()),
            idempotency_keys::key.eq(key),
            idempotency_keys::fingerprint.eq(fingerprint),
            idempotency_keys::created_at.eq(crate::now()),
        ))
        .execute(conn);
    // Another request may claim it between our read and insert: that is a conflict
    // (the transaction is spoilt on PostgreSQL, so it must end in an error).
    inserted.map_err(|e| crate::Error::on_duplicate(e, "idempotency key"))?;
    Ok(Claim::Fresh)
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

/// Forgets a claim whose request failed, so the client may retry with the same key.
pub fn abandon(conn: &mut DbConnection, company: Uuid, key: &str) -> Result<()> {
    diesel::delete(idempotency_keys::table.find((company.to_string(), key))).execute(conn)?;
    Ok(())
}

/// Drops every key created before `before`; returns how many.
pub fn forget_older_than(conn: &mut DbConnection, before: NaiveDateTime) -> Result<usize> {
    Ok(
        diesel::delete(idempotency_keys::table.filter(idempotency_keys::created_at.lt(before)))
            .execute(conn)?,
    )
}
