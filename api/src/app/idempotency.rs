//! `Idempotency-Key` for the writes a client may retry blindly (`POST /orders`, confirm).
//! The key is claimed inside the transaction of the effect, and the answer is kept in
//! that same transaction: a crash leaves either nothing (a retry runs the effect once) or
//! the finished answer (a retry replays it). The same key with another request is
//! refused; a duplicate arriving while the first runs waits for it and replays its answer
//! (in flight only if that wait runs out). Keys are per company and kept 48 hours.

use chrono::Duration;
use persistence::DbConnection;
use persistence::idempotency::Claim;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::Settings;

pub const KEEP_HOURS: i64 = 48;

/// A request's key and what identifies the request (so a reuse for another is caught).
#[derive(Debug, Clone)]
pub struct IdempotencyKey {
    pub company: Uuid,
    pub key: String,
    pub fingerprint: String,
}

/// A successful answer as kept for replay: the HTTP status, its `Location` and `ETag`,
/// and the JSON body as sent.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Answer {
    pub status: u16,
    pub location: Option<String>,
    pub etag: Option<String>,
    pub body: String,
}

impl Answer {
    pub fn new(status: u16, body: &impl Serialize) -> anyhow::Result<Answer> {
        Ok(Answer {
            status,
            location: None,
            etag: None,
            body: serde_json::to_string(body)?,
        })
    }

    pub fn location(mut self, location: String) -> Self {
        self.location = Some(location);
        self
    }

    pub fn etag(mut self, etag: String) -> Self {
        self.etag = Some(etag);
        self
    }
}

/// What a keyed request came to: done now, or the kept answer of the first.
#[derive(Debug)]
pub enum Replayable {
    Fresh(Answer),
    Replayed(Answer),
}

/// Why a keyed request did not run.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("the key was used for another request")]
    Reused,
    #[error("the first request with this key is still running")]
    InFlight,
    #[error("a fault was injected after the effect")]
    InjectedFault,
}

/// Runs `effect` in one write transaction, at most once per key: claims the key first,
/// keeps `answer(effect's result)` last, and commits the three together. Without a key
/// it is simply the effect's transaction.
pub fn once<T, E>(
    conn: &mut DbConnection,
    settings: &Settings,
    key: Option<&IdempotencyKey>,
    answer: impl FnOnce(&T) -> anyhow::Result<Answer>,
    effect: impl FnOnce(&mut DbConnection) -> Result<T, E>,
) -> Result<Replayable, E>
where
    E: From<persistence::Error> + From<KeyError> + From<anyhow::Error>,
{
    persistence::db::write(conn, |conn| {
        if let Some(k) = key {
            let forget = persistence::machine_now() - Duration::hours(KEEP_HOURS);
            let claim = persistence::idempotency::claim(
                conn,
                k.company,
                &k.key,
                &k.fingerprint,
                forget,
                settings.idempotency_wait,
            )?;
            match claim {
                Claim::Fresh => {}
                Claim::Replay(kept) => {
                    let kept: Answer = serde_json::from_str(&kept).map_err(anyhow::Error::from)?;
                    return Ok(Replayable::Replayed(kept));
                }
                Claim::Mismatch => return Err(KeyError::Reused.into()),
                Claim::InFlight => return Err(KeyError::InFlight.into()),
            }
        }
        let done = effect(conn)?;
        let answer = answer(&done)?;
        if let Some(k) = key {
            if settings.faults.take_before_answer() {
                return Err(KeyError::InjectedFault.into());
            }
            let kept = serde_json::to_string(&answer).map_err(anyhow::Error::from)?;
            persistence::idempotency::complete(conn, k.company, &k.key, answer.status, &kept)?;
        }
        Ok(Replayable::Fresh(answer))
    })
}

/// Forgets keys older than their keeping time; returns how many.
pub fn forget_old_keys(conn: &mut DbConnection) -> persistence::Result<usize> {
    let before = persistence::machine_now() - Duration::hours(KEEP_HOURS);
    persistence::db::write(conn, |conn| {
        persistence::idempotency::forget_older_than(conn, before)
    })
}
