//! Single-use emailed links to choose a password: a reset of a forgotten one, or an
//! invited user's first. Only each token's hash is stored.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use uuid::Uuid;

use crate::error::uuid;
use crate::schema::login_links;
use crate::{DbConnection, Result};

/// What a link is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// A forgotten password (1 hour).
    Reset,
    /// A new user's first password (7 days).
    Invitation,
}

impl Purpose {
    pub fn as_str(self) -> &'static str {
        match self {
            Purpose::Reset => "reset",
            Purpose::Invitation => "invitation",
        }
    }

    fn parse(text: &str) -> Result<Purpose> {
        match text {
            "reset" => Ok(Purpose::Reset),
            "invitation" => Ok(Purpose::Invitation),
            other => Err(crate::Error::corrupt("login_links.purpose", other)),
        }
    }
}

/// A link that still opens: whose, what for, until when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LiveLink {
    pub user_id: Uuid,
    pub purpose: Purpose,
    pub expires_at: NaiveDateTime,
}

pub fn insert(
    conn: &mut DbConnection,
    token_hash: &str,
    user: Uuid,
    purpose: Purpose,
    now: NaiveDateTime,
    expires_at: NaiveDateTime,
) -> Result<()> {
    diesel::insert_into(login_links::table)
        .values((
            login_links::token_hash.eq(token_hash),
            login_links::user_id.eq(user.to_string()),
            login_links::purpose.eq(purpose.as_str()),
            login_links::created_at.eq(now),
            login_links::expires_at.eq(expires_at),
        ))
        .execute(conn)?;
    Ok(())
}

/// The link with `token_hash` if it still opens at `now`: not used, not replaced, not
/// expired.
pub fn live(
    conn: &mut DbConnection,
    token_hash: &str,
    now: NaiveDateTime,
) -> Result<Option<LiveLink>> {
    login_links::table
        .find(token_hash)
        .filter(login_links::ended_at.is_null())
        .filter(login_links::expires_at.gt(now))
        .select((
            login_links::user_id,
            login_links::purpose,
            login_links::expires_at,
        ))
        .first::<(String, String, NaiveDateTime)>(conn)
        .optional()?
        .map(|(user, purpose, expires_at)| {
            Ok(LiveLink {
                user_id: uuid("login_links.user_id", &user)?,
                purpose: Purpose::parse(&purpose)?,
                expires_at,
            })
        })
        .transpose()
}

/// Ends every open link of `user` (of one `purpose`, or all) at `at`.
pub fn end_open(
    conn: &mut DbConnection,
    user: Uuid,
    purpose: Option<Purpose>,
    at: NaiveDateTime,
) -> Result<usize> {
    let mut query = diesel::update(login_links::table)
        .filter(login_links::user_id.eq(user.to_string()))
        .filter(login_links::ended_at.is_null())
        .into_boxed();
    if let Some(purpose) = purpose {
        query = query.filter(login_links::purpose.eq(purpose.as_str()));
    }
    Ok(query
        .set(login_links::ended_at.eq(Some(at)))
        .execute(conn)?)
}

/// Ends the link `token_hash` if it still opens at `now`; false when it was already gone.
pub fn end(conn: &mut DbConnection, token_hash: &str, now: NaiveDateTime) -> Result<bool> {
    let changed = diesel::update(
        login_links::table
            .find(token_hash)
            .filter(login_links::ended_at.is_null())
            .filter(login_links::expires_at.gt(now)),
    )
    .set(login_links::ended_at.eq(Some(now)))
    .execute(conn)?;
    Ok(changed == 1)
}
