//! Webhook endpoints a company's admins register: where its events go, signed with the
//! endpoint's secret.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use uuid::Uuid;

use crate::error::uuid;
use crate::schema::{webhook_attempts, webhook_deliveries, webhook_endpoints};
use crate::{DbConnection, Error, Page, Result};

/// A URL that receives a company's events.
#[derive(Debug, Clone, PartialEq)]
pub struct Endpoint {
    pub id: Uuid,
    pub company_id: Uuid,
    pub url: String,
    pub description: Option<String>,
    /// The event types it receives, by name.
    pub event_types: Vec<String>,
    pub enabled: bool,
    pub secret: String,
    /// The secret before the last rotation, signing beside the new one until
    /// `previous_secret_until`.
    pub previous_secret: Option<String>,
    pub previous_secret_until: Option<NaiveDateTime>,
    /// Since when every delivery has failed; `None` once one succeeds.
    pub failing_since: Option<NaiveDateTime>,
    pub version: i32,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = webhook_endpoints, treat_none_as_null = true, treat_none_as_default_value = false)]
pub(crate) struct EndpointRow {
    id: String,
    company_id: String,
    url: String,
    description: Option<String>,
    event_types: String,
    enabled: bool,
    secret: String,
    previous_secret: Option<String>,
    previous_secret_until: Option<NaiveDateTime>,
    failing_since: Option<NaiveDateTime>,
    version: i32,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

impl From<&Endpoint> for EndpointRow {
    fn from(e: &Endpoint) -> Self {
        EndpointRow {
            id: e.id.to_string(),
            company_id: e.company_id.to_string(),
            url: e.url.clone(),
            description: e.description.clone(),
            event_types: serde_json::Value::from(e.event_types.clone()).to_string(),
            enabled: e.enabled,
            secret: e.secret.clone(),
            previous_secret: e.previous_secret.clone(),
            previous_secret_until: e.previous_secret_until,
            failing_since: e.failing_since,
            version: e.version,
            created_at: e.created_at,
            updated_at: e.updated_at,
        }
    }
}

impl TryFrom<EndpointRow> for Endpoint {
    type Error = Error;
    fn try_from(r: EndpointRow) -> Result<Self> {
        Ok(Endpoint {
            id: uuid("webhook_endpoints.id", &r.id)?,
            company_id: uuid("webhook_endpoints.company_id", &r.company_id)?,
            event_types: serde_json::from_str(&r.event_types)
                .map_err(|_| Error::corrupt("webhook_endpoints.event_types", &r.event_types))?,
            url: r.url,
            description: r.description,
            enabled: r.enabled,
            secret: r.secret,
            previous_secret: r.previous_secret,
            previous_secret_until: r.previous_secret_until,
            failing_since: r.failing_since,
            version: r.version,
            created_at: r.created_at,
            updated_at: r.updated_at,
        })
    }
}

pub fn insert(conn: &mut DbConnection, endpoint: &Endpoint) -> Result<()> {
    diesel::insert_into(webhook_endpoints::table)
        .values(EndpointRow::from(endpoint))
        .execute(conn)?;
    Ok(())
}

/// A company's endpoints, oldest first.
pub fn list(
    conn: &mut DbConnection,
    company: Uuid,
    after: Option<Uuid>,
    limit: i64,
) -> Result<Page<Endpoint>> {
    let mut query = webhook_endpoints::table
        .filter(webhook_endpoints::company_id.eq(company.to_string()))
        .select(EndpointRow::as_select())
        .order(webhook_endpoints::id.asc())
        .limit(limit + 1)
        .into_boxed();
    if let Some(after) = after {
        query = query.filter(webhook_endpoints::id.gt(after.to_string()));
    }
    Page::from_overfetch(query.load(conn)?, limit, |e| e.id.clone()).try_map(Endpoint::try_from)
}

/// The company's endpoint `id`, locked for the rest of the transaction on PostgreSQL.
pub fn lock(conn: &mut DbConnection, company: Uuid, id: Uuid) -> Result<Option<Endpoint>> {
    let query = webhook_endpoints::table
        .filter(webhook_endpoints::id.eq(id.to_string()))
        .filter(webhook_endpoints::company_id.eq(company.to_string()));
    let row = match conn {
        DbConnection::Postgres(pg) => query
            .select(EndpointRow::as_select())
            .for_update()
            .first(pg)
            .optional()?,
        DbConnection::Sqlite(lite) => query
            .select(EndpointRow::as_select())
            .first(lite)
            .optional()?,
    };
    row.map(Endpoint::try_from).transpose()
}

/// The company's endpoint `id`.
pub fn get(conn: &mut DbConnection, company: Uuid, id: Uuid) -> Result<Option<Endpoint>> {
    webhook_endpoints::table
        .filter(webhook_endpoints::id.eq(id.to_string()))
        .filter(webhook_endpoints::company_id.eq(company.to_string()))
        .select(EndpointRow::as_select())
        .first(conn)
        .optional()?
        .map(Endpoint::try_from)
        .transpose()
}

/// Writes `endpoint` as the next version if nobody wrote it since it was read; answers
/// whether it did.
pub fn update(
    conn: &mut DbConnection,
    endpoint: &mut Endpoint,
    now: NaiveDateTime,
) -> Result<bool> {
    let read = endpoint.version;
    endpoint.version += 1;
    endpoint.updated_at = now;
    let written = diesel::update(
        webhook_endpoints::table
            .filter(webhook_endpoints::id.eq(endpoint.id.to_string()))
            .filter(webhook_endpoints::version.eq(read)),
    )
    .set(EndpointRow::from(&*endpoint))
    .execute(conn)?;
    Ok(written == 1)
}

/// Deletes the company's endpoint `id` with its deliveries; answers whether it existed.
pub fn delete(conn: &mut DbConnection, company: Uuid, id: Uuid) -> Result<bool> {
    let deliveries = webhook_deliveries::table
        .filter(webhook_deliveries::endpoint_id.eq(id.to_string()))
        .select(webhook_deliveries::id);
    diesel::delete(
        webhook_attempts::table.filter(webhook_attempts::delivery_id.eq_any(deliveries)),
    )
    .execute(conn)?;
    diesel::delete(
        webhook_deliveries::table.filter(webhook_deliveries::endpoint_id.eq(id.to_string())),
    )
    .execute(conn)?;
    let deleted = diesel::delete(
        webhook_endpoints::table
            .filter(webhook_endpoints::id.eq(id.to_string()))
            .filter(webhook_endpoints::company_id.eq(company.to_string())),
    )
    .execute(conn)?;
    Ok(deleted == 1)
}

/// Disables every enabled endpoint whose deliveries have all failed since before
/// `failing_before`; answers them (to tell their companies' admins).
pub fn disable_failing(
    conn: &mut DbConnection,
    failing_before: NaiveDateTime,
    now: NaiveDateTime,
) -> Result<Vec<Endpoint>> {
    let rows: Vec<EndpointRow> = webhook_endpoints::table
        .filter(webhook_endpoints::enabled.eq(true))
        .filter(webhook_endpoints::failing_since.lt(failing_before))
        .select(EndpointRow::as_select())
        .load(conn)?;
    let mut disabled = Vec::new();
    for row in rows {
        let mut endpoint = Endpoint::try_from(row)?;
        endpoint.enabled = false;
        if update(conn, &mut endpoint, now)? {
            disabled.push(endpoint);
        }
    }
    Ok(disabled)
}

/// An enabled endpoint and the event types it receives.
pub struct Receiver {
    pub endpoint: Uuid,
    event_types: Vec<String>,
}

impl Receiver {
    pub fn receives(&self, event_type: &str) -> bool {
        self.event_types.iter().any(|t| t == event_type)
    }
}

/// The enabled endpoints of `company`, each with the event types it receives: where an
/// event of the company is to be delivered.
pub fn receivers(conn: &mut DbConnection, company: Uuid) -> Result<Vec<Receiver>> {
    let rows: Vec<(String, String)> = webhook_endpoints::table
        .filter(webhook_endpoints::company_id.eq(company.to_string()))
        .filter(webhook_endpoints::enabled.eq(true))
        .select((webhook_endpoints::id, webhook_endpoints::event_types))
        .load(conn)?;
    rows.into_iter()
        .map(|(endpoint, types)| {
            Ok(Receiver {
                endpoint: uuid("webhook_endpoints.id", &endpoint)?,
                event_types: serde_json::from_str(&types)
                    .map_err(|_| Error::corrupt("webhook_endpoints.event_types", &types))?,
            })
        })
        .collect()
}
