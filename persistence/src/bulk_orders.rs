//! Bulk jobs and their rows. A running job is worked on by the process holding its lease
//! (machine time); its other times are the company's business time.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use domain::bulk::{BulkStatus, Problem};
use domain::user::Scope;
use uuid::Uuid;

use crate::scopes::within;

use crate::bulk_order_rows::{BulkRow, problems_of, problems_text};
use crate::error::{json, parse, to_json, uuid};
use crate::schema::{bulk_orders, initials_claims, numbers, orders};
use crate::{DbConnection, Error, Page, Result};

/// What a job was uploaded as.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Upload {
    /// A CSV file: its header's cells and its separator.
    Csv {
        header: Vec<String>,
        delimiter: u8,
    },
    Json,
}

/// A bulk job.
#[derive(Debug, Clone, PartialEq)]
pub struct BulkOrder {
    pub id: Uuid,
    pub company: Uuid,
    /// As written down; see [`BulkStatus::at`] for the status at a moment.
    pub status: BulkStatus,
    pub version: i32,
    pub upload: Upload,
    pub total: i32,
    /// The job's own problems (a row's are on the row).
    pub problems: Vec<Problem>,
    /// The drafts' priced total, once drafted.
    pub summary: Option<serde_json::Value>,
    pub created_by: String,
    pub confirmed_by: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub expires_at: Option<NaiveDateTime>,
}

impl BulkOrder {
    pub fn status_at(&self, now: NaiveDateTime) -> BulkStatus {
        self.status.at(self.expires_at, now)
    }
}

/// A CSV job's header as stored.
#[derive(serde::Serialize, serde::Deserialize)]
struct StoredHeader {
    cells: Vec<String>,
    delimiter: String,
}

#[derive(Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = bulk_orders, treat_none_as_null = true)]
struct JobRecord {
    id: String,
    company_id: String,
    status: String,
    version: i32,
    header: Option<String>,
    total: i32,
    problems: Option<String>,
    summary: Option<String>,
    created_by: String,
    confirmed_by: Option<String>,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
    expires_at: Option<NaiveDateTime>,
}

impl TryFrom<JobRecord> for BulkOrder {
    type Error = Error;

    fn try_from(r: JobRecord) -> Result<BulkOrder> {
        let upload = match r.header.as_deref() {
            None => Upload::Json,
            Some(header) => {
                let stored: StoredHeader = json("bulk_orders.header", header)?;
                Upload::Csv {
                    header: stored.cells,
                    delimiter: stored.delimiter.bytes().next().unwrap_or(b','),
                }
            }
        };
        Ok(BulkOrder {
            id: uuid("bulk_orders.id", &r.id)?,
            company: uuid("bulk_orders.company_id", &r.company_id)?,
            status: parse("bulk_orders.status", &r.status, str::parse)?,
            version: r.version,
            upload,
            total: r.total,
            problems: problems_of("bulk_orders.problems", r.problems.as_deref())?,
            summary: r
                .summary
                .as_deref()
                .map(|s| json("bulk_orders.summary", s))
                .transpose()?,
            created_by: r.created_by,
            confirmed_by: r.confirmed_by,
            created_at: r.created_at,
            updated_at: r.updated_at,
            expires_at: r.expires_at,
        })
    }
}

impl TryFrom<&BulkOrder> for JobRecord {
    type Error = Error;

    fn try_from(j: &BulkOrder) -> Result<JobRecord> {
        let header = match &j.upload {
            Upload::Json => None,
            Upload::Csv { header, delimiter } => Some(to_json(&StoredHeader {
                cells: header.clone(),
                delimiter: char::from(*delimiter).to_string(),
            })?),
        };
        Ok(JobRecord {
            id: j.id.to_string(),
            company_id: j.company.to_string(),
            status: j.status.as_str().to_owned(),
            version: j.version,
            header,
            total: j.total,
            problems: problems_text(&j.problems)?,
            summary: j.summary.as_ref().map(to_json).transpose()?,
            created_by: j.created_by.clone(),
            confirmed_by: j.confirmed_by.clone(),
            created_at: j.created_at,
            updated_at: j.updated_at,
            expires_at: j.expires_at,
        })
    }
}

/// Stores a new job with its rows. A company with a running job already: the conflict
/// `bulk_order_running` (a unique index decides, so of two uploads at once one is taken).
pub fn insert(conn: &mut DbConnection, job: &BulkOrder, rows: &[BulkRow]) -> Result<()> {
    diesel::insert_into(bulk_orders::table)
        .values(JobRecord::try_from(job)?)
        .execute(conn)
        .map_err(|e| Error::on_duplicate(e, "bulk_order_running"))?;
    // Filed under every row's cost centre: a scoped user sees it only when all are theirs.
    let centers: Vec<Option<domain::text::CostCenter>> = rows
        .iter()
        .map(|r| {
            r.form
                .pointer("/employee/cost_center")
                .and_then(|c| c.as_str())
                .and_then(|c| domain::text::CostCenter::parse(c).ok())
        })
        .collect();
    let centers: Vec<Option<&str>> = centers
        .iter()
        .map(|c| c.as_ref().map(|c| c.as_str()))
        .collect();
    crate::scopes::file_new(conn, job.id, job.company, &centers)?;
    crate::bulk_order_rows::insert(conn, job.id, rows)
}

/// One of `company`'s jobs; another company's is not found.
pub fn get(conn: &mut DbConnection, company: Uuid, id: Uuid) -> Result<Option<BulkOrder>> {
    bulk_orders::table
        .filter(bulk_orders::id.eq(id.to_string()))
        .filter(bulk_orders::company_id.eq(company.to_string()))
        .select(JobRecord::as_select())
        .first(conn)
        .optional()?
        .map(BulkOrder::try_from)
        .transpose()
}

/// A job by its id alone (the worker's read).
pub fn find(conn: &mut DbConnection, id: Uuid) -> Result<Option<BulkOrder>> {
    bulk_orders::table
        .find(id.to_string())
        .select(JobRecord::as_select())
        .first(conn)
        .optional()?
        .map(BulkOrder::try_from)
        .transpose()
}

/// `company`'s jobs, oldest first.
pub fn list(
    conn: &mut DbConnection,
    company: Uuid,
    scope: &Scope,
    after: Option<Uuid>,
    limit: i64,
) -> Result<Page<BulkOrder>> {
    let mut query = bulk_orders::table
        .filter(bulk_orders::company_id.eq(company.to_string()))
        .select(JobRecord::as_select())
        .order(bulk_orders::id.asc())
        .limit(limit + 1)
        .into_boxed();
    if let Some(centers) = scope.centers() {
        query = query.filter(within!(bulk_orders::id, company, centers));
    }
    if let Some(after) = after {
        query = query.filter(bulk_orders::id.gt(after.to_string()));
    }
    let rows = query.load(conn)?;
    Page::from_overfetch(rows, limit, |j| j.id.clone()).try_map(BulkOrder::try_from)
}

/// Writes `job` over the stored one if that still has `job.version`, as the next version
/// changed at `now` (the company's business time); false when another writer came first.
pub fn update(conn: &mut DbConnection, job: &mut BulkOrder, now: NaiveDateTime) -> Result<bool> {
    let expected = job.version;
    let mut record = JobRecord::try_from(&*job)?;
    record.version = expected + 1;
    record.updated_at = now;
    let changed = diesel::update(
        bulk_orders::table
            .filter(bulk_orders::id.eq(&record.id))
            .filter(bulk_orders::version.eq(expected)),
    )
    .set(&record)
    .execute(conn)
    .map_err(|e| Error::on_duplicate(e, "bulk_order_running"))?;
    if changed == 1 {
        job.version = record.version;
        job.updated_at = now;
    }
    Ok(changed == 1)
}

/// The ids of the orders `job` drafted that are still drafts.
pub fn draft_orders(conn: &mut DbConnection, job: Uuid) -> Result<Vec<Uuid>> {
    orders::table
        .filter(orders::bulk_order_id.eq(job.to_string()))
        .filter(orders::status.eq(domain::order::OrderStatus::Draft.as_str()))
        .select(orders::id)
        .order(orders::id.asc())
        .load::<String>(conn)?
        .iter()
        .map(|id| uuid("orders.id", id))
        .collect()
}

/// Keeps `job`'s drafts, with their numbers and initials, until `until` (the job was
/// confirmed: its drafts must outlive the confirming). Three statements, whatever the
/// number of drafts.
pub fn extend_drafts(conn: &mut DbConnection, job: Uuid, until: NaiveDateTime) -> Result<()> {
    let job = job.to_string();
    let draft = domain::order::OrderStatus::Draft.as_str();
    let drafts = orders::table
        .filter(orders::bulk_order_id.eq(job.clone()))
        .filter(orders::status.eq(draft))
        .select(orders::id);
    diesel::update(
        numbers::table
            .filter(numbers::state.eq(domain::number::NumberState::Reserved.as_str()))
            .filter(numbers::reserved_by.eq_any(drafts.clone().select(orders::id.nullable()))),
    )
    .set(numbers::reserved_until.eq(Some(until)))
    .execute(conn)?;
    diesel::update(initials_claims::table.filter(initials_claims::holder_id.eq_any(drafts)))
        .set(initials_claims::expires_at.eq(Some(until)))
        .execute(conn)?;
    diesel::update(
        orders::table
            .filter(orders::bulk_order_id.eq(job))
            .filter(orders::status.eq(draft)),
    )
    .set(orders::expires_at.eq(until))
    .execute(conn)?;
    Ok(())
}

/// When the first of `job`'s drafts lapses.
pub fn first_expiry(conn: &mut DbConnection, job: Uuid) -> Result<Option<NaiveDateTime>> {
    Ok(orders::table
        .filter(orders::bulk_order_id.eq(job.to_string()))
        .select(diesel::dsl::min(orders::expires_at))
        .first(conn)?)
}

/// The running jobs no process holds at `now` (machine time), oldest first.
pub fn unclaimed(conn: &mut DbConnection, now: NaiveDateTime, limit: i64) -> Result<Vec<Uuid>> {
    let running = [
        BulkStatus::Validating.as_str(),
        BulkStatus::Drafting.as_str(),
        BulkStatus::Confirming.as_str(),
    ];
    bulk_orders::table
        .filter(bulk_orders::status.eq_any(running))
        .filter(
            bulk_orders::lease_until
                .is_null()
                .or(bulk_orders::lease_until.lt(now)),
        )
        // Oldest first by id (UUIDv7): business times of sandboxes are not comparable.
        .order(bulk_orders::id.asc())
        .select(bulk_orders::id)
        .limit(limit)
        .load::<String>(conn)?
        .iter()
        .map(|id| uuid("bulk_orders.id", id))
        .collect()
}

/// Takes `job` for `owner` until `until`, if it is running and no other process holds it
/// at `now` (machine time); answers whether it did. One statement: one process wins.
pub fn claim(
    conn: &mut DbConnection,
    job: Uuid,
    owner: &str,
    until: NaiveDateTime,
    now: NaiveDateTime,
) -> Result<bool> {
    let changed = diesel::update(
        bulk_orders::table
            .filter(bulk_orders::id.eq(job.to_string()))
            .filter(
                bulk_orders::lease_until
                    .is_null()
                    .or(bulk_orders::lease_until.lt(now)),
            ),
    )
    .set((
        bulk_orders::lease_owner.eq(Some(owner)),
        bulk_orders::lease_until.eq(Some(until)),
    ))
    .execute(conn)?;
    Ok(changed == 1)
}

/// Renews `owner`'s lease on `job` until `until`; false when another process has taken
/// the lapsed lease over (this one must stop).
pub fn renew(
    conn: &mut DbConnection,
    job: Uuid,
    owner: &str,
    until: NaiveDateTime,
) -> Result<bool> {
    let changed = diesel::update(
        bulk_orders::table
            .filter(bulk_orders::id.eq(job.to_string()))
            .filter(bulk_orders::lease_owner.eq(owner)),
    )
    .set(bulk_orders::lease_until.eq(Some(until)))
    .execute(conn)?;
    Ok(changed == 1)
}

/// Counts a step of `job` that failed on storage; answers how many have failed in a row.
pub fn step_failed(conn: &mut DbConnection, job: Uuid) -> Result<i32> {
    diesel::update(bulk_orders::table.find(job.to_string()))
        .set(bulk_orders::failed_steps.eq(bulk_orders::failed_steps + 1))
        .execute(conn)?;
    Ok(bulk_orders::table
        .find(job.to_string())
        .select(bulk_orders::failed_steps)
        .first(conn)?)
}

/// A step of `job` went through: its failures in a row start again from none.
pub fn step_done(conn: &mut DbConnection, job: Uuid) -> Result<()> {
    diesel::update(
        bulk_orders::table
            .find(job.to_string())
            .filter(bulk_orders::failed_steps.gt(0)),
    )
    .set(bulk_orders::failed_steps.eq(0))
    .execute(conn)?;
    Ok(())
}

/// Lets go of `owner`'s lease on `job`.
pub fn release(conn: &mut DbConnection, job: Uuid, owner: &str) -> Result<()> {
    diesel::update(
        bulk_orders::table
            .filter(bulk_orders::id.eq(job.to_string()))
            .filter(bulk_orders::lease_owner.eq(owner)),
    )
    .set((
        bulk_orders::lease_owner.eq(None::<String>),
        bulk_orders::lease_until.eq(None::<NaiveDateTime>),
    ))
    .execute(conn)?;
    Ok(())
}
