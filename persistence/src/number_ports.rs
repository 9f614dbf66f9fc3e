//! Number ports: an existing number on its way to us from the donor operator, and the
//! history of each port's states.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use domain::porting::PortStatus;
use uuid::Uuid;

use crate::schema::{number_port_events, number_ports};
use crate::{DbConnection, Result};

/// A number port as stored. `rejection` is `{code, text}` as JSON while rejected.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = number_ports, treat_none_as_null = true)]
pub struct PortRecord {
    pub id: String,
    pub company_id: String,
    pub subscription_id: String,
    pub number: String,
    pub status: String,
    pub version: i32,
    pub owner_name: String,
    pub owner_email: String,
    pub requested_date: Option<NaiveDate>,
    pub port_date: Option<NaiveDate>,
    pub rejection: Option<String>,
    pub poa_token_hash: Option<String>,
    pub poa_expires_at: NaiveDateTime,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// One step of a port's history.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable)]
#[diesel(table_name = number_port_events)]
pub struct PortEventRecord {
    pub status: String,
    pub at: NaiveDateTime,
}

/// Stores a new port and the first step of its history. A live port for the same
/// number is a [`crate::Error::Conflict`].
pub fn insert(conn: &mut DbConnection, port: &PortRecord) -> Result<()> {
    diesel::insert_into(number_ports::table)
        .values(port)
        .execute(conn)
        .map_err(|e| crate::Error::on_duplicate(e, "number port"))?;
    record_step(conn, port)
}

/// Writes `port` over the stored one if that still has `expected_version`, and notes the
/// step in its history when its status changed; false when another writer came first.
pub fn update(conn: &mut DbConnection, port: &PortRecord, expected_version: i32) -> Result<bool> {
    let before: Option<String> = number_ports::table
        .find(&port.id)
        .select(number_ports::status)
        .first(conn)
        .optional()?;
    let changed = diesel::update(
        number_ports::table
            .filter(number_ports::id.eq(&port.id))
            .filter(number_ports::version.eq(expected_version)),
    )
    .set(port)
    .execute(conn)?;
    if changed != 1 {
        return Ok(false);
    }
    if before.as_deref() != Some(port.status.as_str()) {
        record_step(conn, port)?;
    }
    Ok(true)
}

fn record_step(conn: &mut DbConnection, port: &PortRecord) -> Result<()> {
    diesel::insert_into(number_port_events::table)
        .values((
            number_port_events::id.eq(crate::new_id().to_string()),
            number_port_events::port_id.eq(&port.id),
            number_port_events::status.eq(&port.status),
            number_port_events::at.eq(port.updated_at),
        ))
        .execute(conn)?;
    Ok(())
}

/// The port of `subscription`, if it came with one.
pub fn of_subscription(
    conn: &mut DbConnection,
    company: Uuid,
    subscription: Uuid,
) -> Result<Option<PortRecord>> {
    Ok(number_ports::table
        .filter(number_ports::subscription_id.eq(subscription.to_string()))
        .filter(number_ports::company_id.eq(company.to_string()))
        .select(PortRecord::as_select())
        .first(conn)
        .optional()?)
}

/// `port`'s history, oldest first.
pub fn history(conn: &mut DbConnection, port: &str) -> Result<Vec<PortEventRecord>> {
    Ok(number_port_events::table
        .filter(number_port_events::port_id.eq(port))
        .order(number_port_events::id.asc())
        .select(PortEventRecord::as_select())
        .load(conn)?)
}

/// Whether `number` is on its way to us in a port that has not ended.
pub fn is_live(conn: &mut DbConnection, number: &str) -> Result<bool> {
    let ended: Vec<&str> = PortStatus::ALL
        .iter()
        .filter(|status| status.is_final())
        .map(PortStatus::as_str)
        .collect();
    let count: i64 = number_ports::table
        .filter(number_ports::number.eq(number))
        .filter(number_ports::status.ne_all(ended))
        .count()
        .get_result(conn)?;
    Ok(count > 0)
}
