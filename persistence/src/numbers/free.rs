//! Which numbers are free: listing them for a company (its pool first, then the
//! operator's), counting them, and naming the ones a bulk job wants that are not.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use domain::number::{DanishNumber, NumberState};
use uuid::Uuid;

use crate::schema::numbers;
use crate::{DbConnection, Error, Result};

/// Where a free number comes from: the caller's company's pool or the operator's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Source {
    Company,
    Operator,
}

impl Source {
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Company => "company",
            Source::Operator => "operator",
        }
    }
}

/// A number a company may pick now, and whose pool it is in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FreeNumber {
    pub source: Source,
    pub number: DanishNumber,
}

/// Position in the list of free numbers: after this number of this source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FreeCursor {
    pub source: Source,
    pub number: String,
}

impl FreeCursor {
    /// The opaque cursor text: `company:+4520710001`.
    pub fn encode(&self) -> String {
        format!("{}:{}", self.source.as_str(), self.number)
    }

    pub fn decode(text: &str) -> Option<FreeCursor> {
        let (source, number) = text.split_once(':')?;
        let source = match source {
            "company" => Source::Company,
            "operator" => Source::Operator,
            _ => return None,
        };
        let number = DanishNumber::parse(number).ok()?;
        Some(FreeCursor {
            source,
            number: number.as_str().to_owned(),
        })
    }
}

/// The pools a company picks from, at its business time: its own, and the operator's
/// unless it is a sandbox (a test clock never holds or frees a number a real company could
/// pick).
#[derive(Debug, Clone, Copy)]
pub struct Pools {
    pub company: Uuid,
    pub operator: bool,
    /// The company's business time: a reservation past it has lapsed.
    pub now: NaiveDateTime,
}

impl Pools {
    fn sources(&self) -> &'static [Source] {
        if self.operator {
            &[Source::Company, Source::Operator]
        } else {
            &[Source::Company]
        }
    }
}

/// The numbers `company` may pick: its own pool first, then the operator's, each in
/// number order. A reservation past its `reserved_until` counts as free: expiry is a
/// fact of the data, not of a timer. `contains` matches digits anywhere in the number.
pub fn free(
    conn: &mut DbConnection,
    pools: &Pools,
    contains: Option<&str>,
    after: Option<&FreeCursor>,
    limit: i64,
) -> Result<crate::Page<FreeNumber>> {
    let (company, now) = (pools.company, pools.now);
    let mut found: Vec<FreeNumber> = Vec::new();
    for source in pools.sources().iter().copied() {
        if after.is_some_and(|a| a.source > source) {
            continue;
        }
        let wanted = limit + 1 - i64::try_from(found.len()).unwrap_or(i64::MAX);
        if wanted <= 0 {
            break;
        }
        let mut query = numbers::table
            .select(numbers::number)
            .filter(
                numbers::state
                    .eq(NumberState::Available.as_str())
                    .or(numbers::state
                        .eq(NumberState::Reserved.as_str())
                        .and(numbers::reserved_until.lt(now))),
            )
            .order(numbers::number.asc())
            .limit(wanted)
            .into_boxed();
        query = match source {
            Source::Company => query.filter(numbers::company_id.eq(company.to_string())),
            Source::Operator => query.filter(numbers::company_id.is_null()),
        };
        if let Some(digits) = contains {
            query = query.filter(numbers::number.like(format!("%{digits}%")));
        }
        if let Some(after) = after.filter(|a| a.source == source) {
            query = query.filter(numbers::number.gt(after.number.clone()));
        }
        for number in query.load::<String>(conn)? {
            let parsed = DanishNumber::parse(&number)
                .map_err(|_| Error::corrupt("numbers.number", &number))?;
            found.push(FreeNumber {
                source,
                number: parsed,
            });
        }
    }
    Ok(crate::Page::from_overfetch(found, limit, |n| {
        FreeCursor {
            source: n.source,
            number: n.number.as_str().to_owned(),
        }
        .encode()
    }))
}

/// How many numbers `pools` hold free to pick now: one count per pool.
pub fn free_count(conn: &mut DbConnection, pools: &Pools) -> Result<i64> {
    let mut total = 0;
    for source in pools.sources() {
        let query = numbers::table
            .filter(free_now!(pools.now))
            .select(diesel::dsl::count_star())
            .into_boxed();
        let query = match source {
            Source::Company => query.filter(numbers::company_id.eq(pools.company.to_string())),
            Source::Operator => query.filter(numbers::company_id.is_null()),
        };
        total += query.first::<i64>(conn)?;
    }
    Ok(total)
}

/// Which of `wanted` are not free to pick from `pools` now: one read.
pub fn unavailable(
    conn: &mut DbConnection,
    pools: &Pools,
    wanted: &[DanishNumber],
) -> Result<Vec<DanishNumber>> {
    if wanted.is_empty() {
        return Ok(Vec::new());
    }
    let mut query = numbers::table
        .filter(numbers::number.eq_any(wanted.iter().map(DanishNumber::as_str)))
        .filter(free_now!(pools.now))
        .select(numbers::number)
        .into_boxed();
    query = if pools.operator {
        query.filter(
            numbers::company_id
                .eq(pools.company.to_string())
                .or(numbers::company_id.is_null()),
        )
    } else {
        query.filter(numbers::company_id.eq(pools.company.to_string()))
    };
    let free: std::collections::HashSet<String> = query.load::<String>(conn)?.into_iter().collect();
    Ok(wanted
        .iter()
        .filter(|n| !free.contains(n.as_str()))
        .cloned()
        .collect())
}
