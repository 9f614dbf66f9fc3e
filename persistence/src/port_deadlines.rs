//! A submitted port's deadline (Teleloven §27 stk. 1) and its delay: one compensation
//! entry per working day late (§27 stk. 4), the port's running totals, and the late days
//! of a period for the operator's report.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use domain::porting::{NumberPort, PortStatus};
use uuid::Uuid;

use crate::error::uuid;
use crate::schema::{number_ports, port_deadlines, port_delays};
use crate::{DbConnection, Error, Result, Scope, in_scope};

/// A submitted port's deadline and what its delay has come to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Deadline {
    /// The Danish date at whose end the number must have moved.
    pub deadline_on: NaiveDate,
    /// The last working day counted late.
    pub counted_to: Option<NaiveDate>,
    pub delayed_working_days: i32,
    pub compensation_ore: i64,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = port_deadlines)]
struct DeadlineRow {
    deadline_on: NaiveDate,
    delay_counted_to: Option<NaiveDate>,
    delayed_working_days: i32,
    compensation_ore: i64,
}

impl From<DeadlineRow> for Deadline {
    fn from(row: DeadlineRow) -> Self {
        Deadline {
            deadline_on: row.deadline_on,
            counted_to: row.delay_counted_to,
            delayed_working_days: row.delayed_working_days,
            compensation_ore: row.compensation_ore,
        }
    }
}

/// Sets the deadline of `port`'s submission to the end of `deadline_on`; what earlier
/// submissions were late stays counted.
pub fn set_deadline(
    conn: &mut DbConnection,
    port: &NumberPort,
    deadline_on: NaiveDate,
) -> Result<()> {
    let id = port.id.to_string();
    let changed = diesel::update(port_deadlines::table.find(&id))
        .set(port_deadlines::deadline_on.eq(deadline_on))
        .execute(conn)?;
    if changed == 0 {
        diesel::insert_into(port_deadlines::table)
            .values((
                port_deadlines::port_id.eq(&id),
                port_deadlines::company_id.eq(port.company.to_string()),
                port_deadlines::deadline_on.eq(deadline_on),
                port_deadlines::delay_counted_to.eq(None::<NaiveDate>),
                port_deadlines::delayed_working_days.eq(0),
                port_deadlines::compensation_ore.eq(0_i64),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// `port`'s deadline, once it has been submitted.
pub fn deadline(conn: &mut DbConnection, port: Uuid) -> Result<Option<Deadline>> {
    Ok(port_deadlines::table
        .find(port.to_string())
        .select(DeadlineRow::as_select())
        .first(conn)
        .optional()?
        .map(Deadline::from))
}

/// The ports of `scope` with the donor (submitted or accepted) whose deadline day is
/// before `today`, with their deadlines: those that may be late. Up to `limit`.
pub fn past_deadline(
    conn: &mut DbConnection,
    scope: Scope,
    today: NaiveDate,
    limit: i64,
) -> Result<Vec<(Uuid, Deadline)>> {
    let query = port_deadlines::table
        .inner_join(number_ports::table)
        .filter(number_ports::status.eq_any([
            PortStatus::Submitted.as_str(),
            PortStatus::Accepted.as_str(),
        ]))
        .filter(port_deadlines::deadline_on.lt(today))
        .filter(
            port_deadlines::delay_counted_to
                .is_null()
                .or(port_deadlines::delay_counted_to.lt(today)),
        )
        .order(port_deadlines::port_id.asc())
        .limit(limit)
        .select((port_deadlines::port_id, DeadlineRow::as_select()))
        .into_boxed();
    in_scope!(query, number_ports::company_id, scope)
        .load::<(String, DeadlineRow)>(conn)?
        .into_iter()
        .map(|(id, row)| Ok((uuid("port_deadlines.port_id", &id)?, Deadline::from(row))))
        .collect()
}

/// Records `days` late of `port`, `amount_ore` each, at `now`: one compensation entry per
/// day, and the port's totals. A day already recorded is a conflict (it is never owed
/// twice).
pub fn record_late_days(
    conn: &mut DbConnection,
    port: &NumberPort,
    days: &[NaiveDate],
    amount_ore: i64,
    now: NaiveDateTime,
) -> Result<Deadline> {
    let id = port.id.to_string();
    for day in days {
        diesel::insert_into(port_delays::table)
            .values((
                port_delays::port_id.eq(&id),
                port_delays::day.eq(day),
                port_delays::company_id.eq(port.company.to_string()),
                port_delays::amount_ore.eq(amount_ore),
                port_delays::created_at.eq(now),
            ))
            .execute(conn)
            .map_err(|e| Error::on_duplicate(e, "day"))?;
    }
    let n = i32::try_from(days.len()).unwrap_or(i32::MAX);
    let total = amount_ore * i64::from(n);
    diesel::update(port_deadlines::table.find(&id))
        .set((
            port_deadlines::delay_counted_to.eq(days.last().copied()),
            port_deadlines::delayed_working_days.eq(port_deadlines::delayed_working_days + n),
            port_deadlines::compensation_ore.eq(port_deadlines::compensation_ore + total),
        ))
        .execute(conn)?;
    deadline(conn, port.id)?.ok_or(Error::Conflict {
        what: "a port late without a deadline",
    })
}

/// One port's late days within a period, for the operator's report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LatePort {
    pub port: Uuid,
    pub company: Uuid,
    pub company_name: String,
    /// The company is a sandbox: its late days are its test clock's and owe nothing.
    pub sandbox: bool,
    pub number: String,
    pub status: String,
    pub deadline_on: NaiveDate,
    pub days: i64,
    pub compensation_ore: i64,
}

/// One late day as read: port, company, (company name, sandbox), number, status, deadline
/// day, amount.
type LateDayRow = (
    String,
    String,
    (String, bool),
    String,
    String,
    NaiveDate,
    i64,
);

/// Every port with late days from `from` to `to` (inclusive), with those days and what
/// they owe, by company name and port; a sandbox's are marked as such.
pub fn late_between(
    conn: &mut DbConnection,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<LatePort>> {
    use crate::schema::companies;
    let rows: Vec<LateDayRow> = port_delays::table
        .inner_join(number_ports::table.inner_join(port_deadlines::table))
        .inner_join(companies::table.on(companies::id.eq(port_delays::company_id)))
        .filter(port_delays::day.ge(from))
        .filter(port_delays::day.le(to))
        .order((
            companies::name.asc(),
            port_delays::port_id.asc(),
            port_delays::day.asc(),
        ))
        .select((
            port_delays::port_id,
            port_delays::company_id,
            (companies::name, companies::sandbox),
            number_ports::number,
            number_ports::status,
            port_deadlines::deadline_on,
            port_delays::amount_ore,
        ))
        .load(conn)?;
    let mut late: Vec<LatePort> = Vec::new();
    for (port, company, (company_name, sandbox), number, status, deadline_on, amount) in rows {
        let port = uuid("port_delays.port_id", &port)?;
        match late.last_mut() {
            Some(last) if last.port == port => {
                last.days += 1;
                last.compensation_ore += amount;
            }
            _ => late.push(LatePort {
                port,
                company: uuid("port_delays.company_id", &company)?,
                company_name,
                sandbox,
                number,
                status,
                deadline_on,
                days: 1,
                compensation_ore: amount,
            }),
        }
    }
    Ok(late)
}
