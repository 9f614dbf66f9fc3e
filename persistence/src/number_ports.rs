//! Number ports: an existing number on its way to us from the donor operator, and the
//! history of each port's states.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use domain::email::EmailAddress;
use domain::number::DanishNumber;
use domain::porting::{NumberPort, PortStatus};
use domain::text::PersonName;
use domain::user::Scope as UserScope;
use uuid::Uuid;

use crate::scopes::within;

use crate::error::{json, parse, to_json, uuid};
use crate::schema::{number_port_events, number_ports, poa_links, poa_signatures};
use crate::{DbConnection, Error, Page, Result, Scope, in_scope};

/// A number port's row. `rejection` is a JSON [`Rejection`] while rejected.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = number_ports, treat_none_as_null = true, treat_none_as_default_value = false)]
struct PortRecord {
    id: String,
    company_id: String,
    subscription_id: String,
    number: String,
    status: String,
    version: i32,
    owner_name: String,
    owner_email: String,
    requested_date: Option<NaiveDate>,
    port_date: Option<NaiveDate>,
    rejection: Option<String>,
    poa_token_hash: Option<String>,
    poa_expires_at: NaiveDateTime,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
    submitted_at: Option<NaiveDateTime>,
}

impl TryFrom<PortRecord> for NumberPort {
    type Error = Error;

    fn try_from(r: PortRecord) -> Result<NumberPort> {
        Ok(NumberPort {
            id: uuid("number_ports.id", &r.id)?,
            company: uuid("number_ports.company_id", &r.company_id)?,
            subscription: uuid("number_ports.subscription_id", &r.subscription_id)?,
            number: parse("number_ports.number", &r.number, DanishNumber::parse)?,
            status: parse("number_ports.status", &r.status, str::parse)?,
            version: r.version,
            owner_name: parse("number_ports.owner_name", &r.owner_name, PersonName::parse)?,
            owner_email: parse(
                "number_ports.owner_email",
                &r.owner_email,
                EmailAddress::parse,
            )?,
            requested_date: r.requested_date,
            port_date: r.port_date,
            rejection: r
                .rejection
                .as_deref()
                .map(|text| json("number_ports.rejection", text))
                .transpose()?,
            poa_token_hash: r.poa_token_hash,
            poa_expires_at: r.poa_expires_at,
            created_at: r.created_at,
            updated_at: r.updated_at,
            submitted_at: r.submitted_at,
        })
    }
}

impl TryFrom<&NumberPort> for PortRecord {
    type Error = Error;

    fn try_from(p: &NumberPort) -> Result<PortRecord> {
        Ok(PortRecord {
            id: p.id.to_string(),
            company_id: p.company.to_string(),
            subscription_id: p.subscription.to_string(),
            number: p.number.as_str().to_owned(),
            status: p.status.as_str().to_owned(),
            version: p.version,
            owner_name: p.owner_name.as_str().to_owned(),
            owner_email: p.owner_email.as_str().to_owned(),
            requested_date: p.requested_date,
            port_date: p.port_date,
            rejection: p.rejection.as_ref().map(to_json).transpose()?,
            poa_token_hash: p.poa_token_hash.clone(),
            poa_expires_at: p.poa_expires_at,
            created_at: p.created_at,
            updated_at: p.updated_at,
            submitted_at: p.submitted_at,
        })
    }
}

/// Stores a new port and the first step of its history. A live port for the same
/// number is a [`crate::Error::Conflict`].
pub fn insert(conn: &mut DbConnection, port: &NumberPort) -> Result<()> {
    diesel::insert_into(number_ports::table)
        .values(PortRecord::try_from(port)?)
        .execute(conn)
        .map_err(|e| crate::Error::on_duplicate(e, "number port"))?;
    crate::scopes::file_like(conn, port.id, port.subscription)?;
    record_step(conn, port.id, port.status, port.updated_at)
}

/// Writes `port` over the stored one if that still has `port.version`, as the next
/// version changed at `now`, and notes the step in its history when its status moved on
/// from `was`; false when another writer came first. The one place a port's version moves.
pub fn update(
    conn: &mut DbConnection,
    port: &mut NumberPort,
    was: PortStatus,
    now: NaiveDateTime,
) -> Result<bool> {
    let expected = port.version;
    let mut record = PortRecord::try_from(&*port)?;
    record.version = expected + 1;
    record.updated_at = now;
    let changed = diesel::update(
        number_ports::table
            .filter(number_ports::id.eq(&record.id))
            .filter(number_ports::version.eq(expected)),
    )
    .set(&record)
    .execute(conn)?;
    if changed != 1 {
        return Ok(false);
    }
    port.version = record.version;
    port.updated_at = now;
    if was != port.status {
        record_step(conn, port.id, port.status, now)?;
    }
    Ok(true)
}

fn record_step(
    conn: &mut DbConnection,
    port: Uuid,
    status: PortStatus,
    at: NaiveDateTime,
) -> Result<()> {
    diesel::insert_into(number_port_events::table)
        .values((
            number_port_events::id.eq(crate::new_id().to_string()),
            number_port_events::port_id.eq(port.to_string()),
            number_port_events::status.eq(status.as_str()),
            number_port_events::at.eq(at),
        ))
        .execute(conn)?;
    Ok(())
}

/// The port of `subscription`, if it came with one.
pub fn of_subscription(
    conn: &mut DbConnection,
    company: Uuid,
    subscription: Uuid,
) -> Result<Option<NumberPort>> {
    number_ports::table
        .filter(number_ports::subscription_id.eq(subscription.to_string()))
        .filter(number_ports::company_id.eq(company.to_string()))
        .select(PortRecord::as_select())
        .first(conn)
        .optional()?
        .map(NumberPort::try_from)
        .transpose()
}

/// `port`'s history, oldest first: each status and when it began.
pub fn history(conn: &mut DbConnection, port: Uuid) -> Result<Vec<(PortStatus, NaiveDateTime)>> {
    number_port_events::table
        .filter(number_port_events::port_id.eq(port.to_string()))
        .order(number_port_events::id.asc())
        .select((number_port_events::status, number_port_events::at))
        .load::<(String, NaiveDateTime)>(conn)?
        .into_iter()
        .map(|(status, at)| Ok((parse("number_port_events.status", &status, str::parse)?, at)))
        .collect()
}

/// Whether `number` is on its way to us in a port that has not ended: `company`'s port,
/// or anyone's with `None`.
pub fn is_live(
    conn: &mut DbConnection,
    company: Option<Uuid>,
    number: &DanishNumber,
) -> Result<bool> {
    let ended: Vec<&str> = PortStatus::ALL
        .iter()
        .filter(|status| status.is_final())
        .map(PortStatus::as_str)
        .collect();
    let mut query = number_ports::table
        .filter(number_ports::number.eq(number.as_str()))
        .filter(number_ports::status.ne_all(ended))
        .into_boxed();
    if let Some(company) = company {
        query = query.filter(number_ports::company_id.eq(company.to_string()));
    }
    let count: i64 = query.count().get_result(conn)?;
    Ok(count > 0)
}

/// Makes `company`'s port starts take turns until the caller's transaction ends, in every
/// process (a PostgreSQL advisory lock), so a count of its unsigned ports stays true until
/// the new one is written. SQLite's write transactions run one at a time already.
pub fn lock_port_starts(conn: &mut DbConnection, company: Uuid) -> Result<()> {
    crate::db::take_turns(conn, 7315003, &[&company.to_string()])
}

/// How many of `company`'s ports wait for their owner's signature.
pub fn awaiting_signature(conn: &mut DbConnection, company: Uuid) -> Result<i64> {
    Ok(number_ports::table
        .filter(number_ports::company_id.eq(company.to_string()))
        .filter(number_ports::status.eq(PortStatus::AwaitingSignature.as_str()))
        .count()
        .get_result(conn)?)
}

/// One port; with `company`, only that company's (another's is not found).
pub fn get(conn: &mut DbConnection, company: Option<Uuid>, id: Uuid) -> Result<Option<NumberPort>> {
    let mut query = number_ports::table
        .filter(number_ports::id.eq(id.to_string()))
        .select(PortRecord::as_select())
        .into_boxed();
    if let Some(company) = company {
        query = query.filter(number_ports::company_id.eq(company.to_string()));
    }
    query
        .first(conn)
        .optional()?
        .map(NumberPort::try_from)
        .transpose()
}

/// Like [`get`], for a change: on PostgreSQL the row stays locked until the transaction
/// ends, so a concurrent writer (another process's worker included) waits and then reads
/// what this one wrote.
pub fn lock(
    conn: &mut DbConnection,
    company: Option<Uuid>,
    id: Uuid,
) -> Result<Option<NumberPort>> {
    if let DbConnection::Postgres(pg) = conn {
        number_ports::table
            .filter(number_ports::id.eq(id.to_string()))
            .select(number_ports::id)
            .for_update()
            .first::<String>(pg)
            .optional()?;
    }
    get(conn, company, id)
}

/// The port whose live signing link has the token hash `hash`, locked for the change.
pub fn lock_by_link(conn: &mut DbConnection, hash: &str) -> Result<Option<NumberPort>> {
    let id: Option<String> = number_ports::table
        .filter(number_ports::poa_token_hash.eq(hash))
        .select(number_ports::id)
        .first(conn)
        .optional()?;
    match id {
        Some(id) => lock(conn, None, uuid("number_ports.id", &id)?),
        None => Ok(None),
    }
}

/// `company`'s ports, oldest first, optionally in one state.
pub fn list(
    conn: &mut DbConnection,
    company: Uuid,
    scope: &UserScope,
    status: Option<PortStatus>,
    after: Option<Uuid>,
    limit: i64,
) -> Result<Page<NumberPort>> {
    let mut query = number_ports::table
        .filter(number_ports::company_id.eq(company.to_string()))
        .select(PortRecord::as_select())
        .order(number_ports::id.asc())
        .limit(limit + 1)
        .into_boxed();
    if let Some(status) = status {
        query = query.filter(number_ports::status.eq(status.as_str()));
    }
    if let Some(centers) = scope.centers() {
        query = query.filter(within!(number_ports::id, company, centers));
    }
    if let Some(after) = after {
        query = query.filter(number_ports::id.gt(after.to_string()));
    }
    let rows = query.load(conn)?;
    Page::from_overfetch(rows, limit, |p| p.id.clone()).try_map(NumberPort::try_from)
}

/// Notes a signing link sent to the owner of `port` (only its token's hash).
pub fn record_link(
    conn: &mut DbConnection,
    port: Uuid,
    token_hash: &str,
    sent_at: NaiveDateTime,
    reminder: bool,
) -> Result<()> {
    diesel::insert_into(poa_links::table)
        .values((
            poa_links::token_hash.eq(token_hash),
            poa_links::port_id.eq(port.to_string()),
            poa_links::sent_at.eq(sent_at),
            poa_links::reminder.eq(reminder),
        ))
        .execute(conn)?;
    Ok(())
}

/// What makes a port due for the porting worker.
#[derive(Debug, Clone, Copy)]
pub enum Due {
    /// Awaiting a signature past its signing deadline.
    Unsigned(NaiveDateTime),
    /// With the donor since this time or earlier.
    SubmittedBy(NaiveDateTime),
    /// Accepted with a port date on or before this date.
    PortDateBy(NaiveDate),
}

/// Up to `limit` ports of `scope` that are `due`, oldest first.
pub fn due(conn: &mut DbConnection, scope: Scope, due: Due, limit: i64) -> Result<Vec<NumberPort>> {
    let query = number_ports::table
        .order(number_ports::id.asc())
        .limit(limit)
        .select(PortRecord::as_select())
        .into_boxed();
    let query = in_scope!(query, number_ports::company_id, scope);
    let query = match due {
        Due::Unsigned(now) => query
            .filter(number_ports::status.eq(PortStatus::AwaitingSignature.as_str()))
            .filter(number_ports::poa_expires_at.le(now)),
        Due::SubmittedBy(at) => query
            .filter(number_ports::status.eq(PortStatus::Submitted.as_str()))
            .filter(number_ports::submitted_at.le(at)),
        Due::PortDateBy(date) => query
            .filter(number_ports::status.eq(PortStatus::Accepted.as_str()))
            .filter(number_ports::port_date.le(date)),
    };
    query
        .load(conn)?
        .into_iter()
        .map(NumberPort::try_from)
        .collect()
}

/// Ports awaiting a signature whose live link went out at or before `sent_before` and
/// was not itself a reminder: due for one.
pub fn due_for_reminder(
    conn: &mut DbConnection,
    scope: Scope,
    sent_before: NaiveDateTime,
    limit: i64,
) -> Result<Vec<Uuid>> {
    let query = number_ports::table
        .inner_join(
            poa_links::table.on(poa_links::token_hash
                .nullable()
                .eq(number_ports::poa_token_hash)),
        )
        .into_boxed();
    in_scope!(query, number_ports::company_id, scope)
        .filter(number_ports::status.eq(PortStatus::AwaitingSignature.as_str()))
        .filter(poa_links::reminder.eq(false))
        .filter(poa_links::sent_at.le(sent_before))
        .order(number_ports::id.asc())
        .limit(limit)
        .select(number_ports::id)
        .load::<String>(conn)?
        .iter()
        .map(|id| uuid("number_ports.id", id))
        .collect()
}

/// When the link with `token_hash` was sent, and whether it was a reminder.
pub fn live_link(
    conn: &mut DbConnection,
    token_hash: &str,
) -> Result<Option<(NaiveDateTime, bool)>> {
    Ok(poa_links::table
        .find(token_hash)
        .select((poa_links::sent_at, poa_links::reminder))
        .first(conn)
        .optional()?)
}

/// How often the donor has refused `port`.
pub fn rejections(conn: &mut DbConnection, port: Uuid) -> Result<i64> {
    Ok(number_port_events::table
        .filter(number_port_events::port_id.eq(port.to_string()))
        .filter(number_port_events::status.eq(PortStatus::Rejected.as_str()))
        .count()
        .get_result(conn)?)
}

/// The evidence of one signature of a power of attorney.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = poa_signatures, treat_none_as_default_value = false)]
pub struct Signature {
    pub id: String,
    pub port_id: String,
    pub signer_name: String,
    pub signed_at: NaiveDateTime,
    pub client_ip: String,
    pub user_agent: String,
    pub document_sha256: String,
}

pub fn record_signature(conn: &mut DbConnection, signature: &Signature) -> Result<()> {
    diesel::insert_into(poa_signatures::table)
        .values(signature)
        .execute(conn)?;
    Ok(())
}

/// The latest signature given for `port`, if any.
pub fn latest_signature(conn: &mut DbConnection, port: Uuid) -> Result<Option<Signature>> {
    Ok(poa_signatures::table
        .filter(poa_signatures::port_id.eq(port.to_string()))
        .order(poa_signatures::id.desc())
        .select(Signature::as_select())
        .first(conn)
        .optional()?)
}

/// `company`'s ports on their way (awaiting a signature, submitted or accepted): what a
/// sandbox's clock may find due.
pub fn on_their_way(conn: &mut DbConnection, company: Uuid) -> Result<Vec<NumberPort>> {
    number_ports::table
        .filter(number_ports::company_id.eq(company.to_string()))
        .filter(number_ports::status.eq_any([
            PortStatus::AwaitingSignature.as_str(),
            PortStatus::Submitted.as_str(),
            PortStatus::Accepted.as_str(),
        ]))
        .select(PortRecord::as_select())
        .load(conn)?
        .into_iter()
        .map(NumberPort::try_from)
        .collect()
}
