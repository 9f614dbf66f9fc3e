//! The system's time: the one place it is read. Business time — when drafts expire, a
//! port's dates, what is stamped on orders, ports, events and emails — is the system's
//! time for a real company and its test clock for a sandbox, and the service asks its
//! business clock for it; machine time — tokens, rate limits, leases, retries, how long
//! keys and logs are kept — is this, always.

use chrono::{DateTime, DurationRound, NaiveDateTime, TimeDelta, Utc};

/// The system's time now.
pub fn system_now() -> DateTime<Utc> {
    Utc::now()
}

/// The system's time now as stored: UTC, truncated to microseconds (PostgreSQL keeps
/// microseconds, so a value written and read back compares equal on both backends).
pub fn machine_now() -> NaiveDateTime {
    stamp(system_now())
}

/// `at` as stored: UTC, truncated to microseconds.
pub fn stamp(at: DateTime<Utc>) -> NaiveDateTime {
    let at = at.naive_utc();
    at.duration_trunc(TimeDelta::microseconds(1)).unwrap_or(at)
}
