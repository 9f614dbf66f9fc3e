//! Sandbox companies' test clocks: the business time each one stands at, and the advance
//! on its way. An advance is run by the process holding its lease; leases and
//! `updated_at` are machine time, `frozen_time` and `advancing_to` the company's.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use uuid::Uuid;

use crate::error::uuid;
use crate::schema::test_clocks;
use crate::{DbConnection, Error, Result};

/// Where a test clock is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClockStatus {
    Ready,
    Advancing,
    InternalFailure,
}

impl ClockStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ClockStatus::Ready => "ready",
            ClockStatus::Advancing => "advancing",
            ClockStatus::InternalFailure => "internal_failure",
        }
    }

    fn parse(text: &str) -> Result<ClockStatus> {
        Ok(match text {
            "ready" => ClockStatus::Ready,
            "advancing" => ClockStatus::Advancing,
            "internal_failure" => ClockStatus::InternalFailure,
            other => return Err(Error::corrupt("test_clocks.status", other)),
        })
    }
}

/// A sandbox company's clock.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TestClock {
    pub company: Uuid,
    pub frozen_time: NaiveDateTime,
    pub status: ClockStatus,
    /// Where the advance on its way goes.
    pub advancing_to: Option<NaiveDateTime>,
    pub updated_at: NaiveDateTime,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = test_clocks)]
struct ClockRow {
    company_id: String,
    frozen_time: NaiveDateTime,
    status: String,
    advancing_to: Option<NaiveDateTime>,
    updated_at: NaiveDateTime,
}

impl TryFrom<ClockRow> for TestClock {
    type Error = Error;
    fn try_from(row: ClockRow) -> Result<Self> {
        Ok(TestClock {
            company: uuid("test_clocks.company_id", &row.company_id)?,
            frozen_time: row.frozen_time,
            status: ClockStatus::parse(&row.status)?,
            advancing_to: row.advancing_to,
            updated_at: row.updated_at,
        })
    }
}

/// Starts `company`'s clock at `at`, ready.
pub fn start(conn: &mut DbConnection, company: Uuid, at: NaiveDateTime) -> Result<()> {
    diesel::insert_into(test_clocks::table)
        .values((
            test_clocks::company_id.eq(company.to_string()),
            test_clocks::frozen_time.eq(at),
            test_clocks::status.eq(ClockStatus::Ready.as_str()),
            test_clocks::updated_at.eq(at),
        ))
        .execute(conn)?;
    Ok(())
}

/// Where `company`'s clock stands; `None` for a company that is not a sandbox.
pub fn frozen_time(conn: &mut DbConnection, company: Uuid) -> Result<Option<NaiveDateTime>> {
    Ok(test_clocks::table
        .find(company.to_string())
        .select(test_clocks::frozen_time)
        .first(conn)
        .optional()?)
}

/// `company`'s clock; `None` for a company that is not a sandbox.
pub fn get(conn: &mut DbConnection, company: Uuid) -> Result<Option<TestClock>> {
    test_clocks::table
        .find(company.to_string())
        .select(ClockRow::as_select())
        .first(conn)
        .optional()?
        .map(TestClock::try_from)
        .transpose()
}

/// Sets `company`'s clock advancing to `to`, unless an advance is on its way; answers
/// whether it did. One statement: of two advances at once, one is taken.
pub fn begin_advance(
    conn: &mut DbConnection,
    company: Uuid,
    to: NaiveDateTime,
    now: NaiveDateTime,
) -> Result<bool> {
    let changed = diesel::update(
        test_clocks::table
            .filter(test_clocks::company_id.eq(company.to_string()))
            .filter(test_clocks::status.ne(ClockStatus::Advancing.as_str()))
            .filter(test_clocks::frozen_time.lt(to)),
    )
    .set((
        test_clocks::status.eq(ClockStatus::Advancing.as_str()),
        test_clocks::advancing_to.eq(Some(to)),
        test_clocks::lease_owner.eq(None::<String>),
        test_clocks::lease_until.eq(None::<NaiveDateTime>),
        test_clocks::updated_at.eq(now),
    ))
    .execute(conn)?;
    Ok(changed == 1)
}

/// The advancing clocks no process holds at `now` (machine time), oldest first.
pub fn unclaimed(conn: &mut DbConnection, now: NaiveDateTime, limit: i64) -> Result<Vec<Uuid>> {
    test_clocks::table
        .filter(test_clocks::status.eq(ClockStatus::Advancing.as_str()))
        .filter(
            test_clocks::lease_until
                .is_null()
                .or(test_clocks::lease_until.lt(now)),
        )
        .order(test_clocks::updated_at.asc())
        .select(test_clocks::company_id)
        .limit(limit)
        .load::<String>(conn)?
        .iter()
        .map(|id| uuid("test_clocks.company_id", id))
        .collect()
}

/// Takes `company`'s advance for `owner` until `until`, if it is advancing and no other
/// process holds it at `now`; answers whether it did. One statement: one process wins.
pub fn claim(
    conn: &mut DbConnection,
    company: Uuid,
    owner: &str,
    until: NaiveDateTime,
    now: NaiveDateTime,
) -> Result<bool> {
    let changed = diesel::update(
        test_clocks::table
            .filter(test_clocks::company_id.eq(company.to_string()))
            .filter(test_clocks::status.eq(ClockStatus::Advancing.as_str()))
            .filter(
                test_clocks::lease_until
                    .is_null()
                    .or(test_clocks::lease_until.lt(now)),
            ),
    )
    .set((
        test_clocks::lease_owner.eq(Some(owner)),
        test_clocks::lease_until.eq(Some(until)),
    ))
    .execute(conn)?;
    Ok(changed == 1)
}

/// Moves `company`'s clock to `to` and renews `owner`'s lease until `until`; answers
/// whether `owner` still held it (another process may have taken a lapsed lease over).
pub fn step(
    conn: &mut DbConnection,
    company: Uuid,
    owner: &str,
    to: NaiveDateTime,
    until: NaiveDateTime,
) -> Result<bool> {
    let changed = diesel::update(
        test_clocks::table
            .filter(test_clocks::company_id.eq(company.to_string()))
            .filter(test_clocks::status.eq(ClockStatus::Advancing.as_str()))
            .filter(test_clocks::lease_owner.eq(owner)),
    )
    .set((
        test_clocks::frozen_time.eq(to),
        test_clocks::lease_until.eq(Some(until)),
    ))
    .execute(conn)?;
    Ok(changed == 1)
}

/// Ends `owner`'s advance of `company` with `status` at `now` (machine time); answers
/// whether `owner` still held it.
pub fn finish(
    conn: &mut DbConnection,
    company: Uuid,
    owner: &str,
    status: ClockStatus,
    now: NaiveDateTime,
) -> Result<bool> {
    let changed = diesel::update(
        test_clocks::table
            .filter(test_clocks::company_id.eq(company.to_string()))
            .filter(test_clocks::status.eq(ClockStatus::Advancing.as_str()))
            .filter(test_clocks::lease_owner.eq(owner)),
    )
    .set((
        test_clocks::status.eq(status.as_str()),
        test_clocks::advancing_to.eq(None::<NaiveDateTime>),
        test_clocks::lease_owner.eq(None::<String>),
        test_clocks::lease_until.eq(None::<NaiveDateTime>),
        test_clocks::updated_at.eq(now),
    ))
    .execute(conn)?;
    Ok(changed == 1)
}
