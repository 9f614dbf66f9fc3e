//! The rows of bulk jobs: each one the order form it reads as, the CSV cells as uploaded,
//! and what became of it.

use diesel::prelude::*;
use domain::bulk::{Problem, RowStatus};
use uuid::Uuid;

use crate::db::on_backend;
use crate::error::{json, parse, to_json, uuid};
use crate::schema::bulk_order_rows;
use crate::{DbConnection, Error, Page, Result};

/// The rows written by one statement: 9 values each, far under either backend's limit.
const INSERT_CHUNK: usize = 250;

/// One row of a job.
#[derive(Debug, Clone, PartialEq)]
pub struct BulkRow {
    /// Counted from 1; a CSV file's header is not a row.
    pub row: u32,
    /// The row read as an order form (JSON), as `POST /orders` would take it.
    pub form: serde_json::Value,
    /// A CSV row's cells as uploaded.
    pub cells: Option<Vec<String>>,
    pub status: RowStatus,
    pub problems: Vec<Problem>,
    pub order: Option<Uuid>,
    pub subscription: Option<Uuid>,
    pub number_port: Option<Uuid>,
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = bulk_order_rows)]
struct RowRecord {
    bulk_order_id: String,
    row_number: i32,
    form: String,
    cells: Option<String>,
    status: String,
    problems: Option<String>,
    order_id: Option<String>,
    subscription_id: Option<String>,
    number_port_id: Option<String>,
}

fn optional_uuid(column: &'static str, text: Option<&str>) -> Result<Option<Uuid>> {
    text.map(|t| uuid(column, t)).transpose()
}

impl TryFrom<RowRecord> for BulkRow {
    type Error = Error;

    fn try_from(r: RowRecord) -> Result<BulkRow> {
        Ok(BulkRow {
            row: u32::try_from(r.row_number).map_err(|_| {
                Error::corrupt("bulk_order_rows.row_number", r.row_number.to_string())
            })?,
            form: json("bulk_order_rows.form", &r.form)?,
            cells: r
                .cells
                .as_deref()
                .map(|c| json("bulk_order_rows.cells", c))
                .transpose()?,
            status: parse("bulk_order_rows.status", &r.status, str::parse)?,
            problems: problems_of("bulk_order_rows.problems", r.problems.as_deref())?,
            order: optional_uuid("bulk_order_rows.order_id", r.order_id.as_deref())?,
            subscription: optional_uuid(
                "bulk_order_rows.subscription_id",
                r.subscription_id.as_deref(),
            )?,
            number_port: optional_uuid(
                "bulk_order_rows.number_port_id",
                r.number_port_id.as_deref(),
            )?,
        })
    }
}

fn row_record(job: Uuid, r: &BulkRow) -> Result<RowRecord> {
    Ok(RowRecord {
        bulk_order_id: job.to_string(),
        row_number: i32::try_from(r.row).map_err(|_| Error::corrupt("row", r.row.to_string()))?,
        form: to_json(&r.form)?,
        cells: r.cells.as_ref().map(to_json).transpose()?,
        status: r.status.as_str().to_owned(),
        problems: problems_text(&r.problems)?,
        order_id: r.order.map(|o| o.to_string()),
        subscription_id: r.subscription.map(|s| s.to_string()),
        number_port_id: r.number_port.map(|p| p.to_string()),
    })
}

/// Problems as stored: a JSON array, or NULL for none.
pub(crate) fn problems_text(problems: &[Problem]) -> Result<Option<String>> {
    if problems.is_empty() {
        Ok(None)
    } else {
        to_json(&problems).map(Some)
    }
}

/// Problems as read back from `column`.
pub(crate) fn problems_of(column: &'static str, text: Option<&str>) -> Result<Vec<Problem>> {
    text.map_or(Ok(Vec::new()), |t| json(column, t))
}

/// Stores `job`'s rows, a few hundred per statement.
pub(crate) fn insert(conn: &mut DbConnection, job: Uuid, rows: &[BulkRow]) -> Result<()> {
    for chunk in rows.chunks(INSERT_CHUNK) {
        let records = chunk
            .iter()
            .map(|r| row_record(job, r))
            .collect::<Result<Vec<_>>>()?;
        // A multi-row insert is each backend's own statement, not the multi-backend's.
        on_backend!(conn, c => diesel::insert_into(bulk_order_rows::table)
            .values(&records)
            .execute(c))?;
    }
    Ok(())
}

/// How many of a job's rows are in each state.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub pending: i64,
    pub invalid: i64,
    pub drafted: i64,
    pub confirmed: i64,
    pub failed: i64,
    pub cancelled: i64,
}

/// How many of `job`'s rows are in each state: one grouped read.
pub fn counts(conn: &mut DbConnection, job: Uuid) -> Result<Counts> {
    let groups: Vec<(String, i64)> = bulk_order_rows::table
        .filter(bulk_order_rows::bulk_order_id.eq(job.to_string()))
        .group_by(bulk_order_rows::status)
        .select((bulk_order_rows::status, diesel::dsl::count_star()))
        .load(conn)?;
    let mut counts = Counts::default();
    for (status, n) in groups {
        let status: RowStatus = parse("bulk_order_rows.status", &status, str::parse)?;
        let slot = match status {
            RowStatus::Pending => &mut counts.pending,
            RowStatus::Invalid => &mut counts.invalid,
            RowStatus::Drafted => &mut counts.drafted,
            RowStatus::Confirmed => &mut counts.confirmed,
            RowStatus::Failed => &mut counts.failed,
            RowStatus::Cancelled => &mut counts.cancelled,
        };
        *slot = n;
    }
    Ok(counts)
}

/// `job`'s rows after row `after`, in row order; `limit` at most (`None`: all of them).
pub fn rows(
    conn: &mut DbConnection,
    job: Uuid,
    after: Option<u32>,
    limit: Option<i64>,
) -> Result<Page<BulkRow>> {
    let mut query = bulk_order_rows::table
        .filter(bulk_order_rows::bulk_order_id.eq(job.to_string()))
        .select(RowRecord::as_select())
        .order(bulk_order_rows::row_number.asc())
        .into_boxed();
    if let Some(after) = after {
        query =
            query.filter(bulk_order_rows::row_number.gt(i32::try_from(after).unwrap_or(i32::MAX)));
    }
    if let Some(limit) = limit {
        query = query.limit(limit + 1);
    }
    let rows = query.load(conn)?;
    let limit = limit.unwrap_or(i64::MAX - 1);
    Page::from_overfetch(rows, limit, |r| r.row_number.to_string()).try_map(BulkRow::try_from)
}

/// Up to `limit` of `job`'s rows in `status`, in row order.
pub fn rows_in(
    conn: &mut DbConnection,
    job: Uuid,
    status: RowStatus,
    limit: i64,
) -> Result<Vec<BulkRow>> {
    bulk_order_rows::table
        .filter(bulk_order_rows::bulk_order_id.eq(job.to_string()))
        .filter(bulk_order_rows::status.eq(status.as_str()))
        .select(RowRecord::as_select())
        .order(bulk_order_rows::row_number.asc())
        .limit(limit)
        .load(conn)?
        .into_iter()
        .map(BulkRow::try_from)
        .collect()
}

/// Writes what became of a row: its status, problems and the objects it made.
pub fn set_row(conn: &mut DbConnection, job: Uuid, row: &BulkRow) -> Result<()> {
    let record = row_record(job, row)?;
    diesel::update(
        bulk_order_rows::table
            .filter(bulk_order_rows::bulk_order_id.eq(&record.bulk_order_id))
            .filter(bulk_order_rows::row_number.eq(record.row_number)),
    )
    .set((
        bulk_order_rows::status.eq(&record.status),
        bulk_order_rows::problems.eq(&record.problems),
        bulk_order_rows::order_id.eq(&record.order_id),
        bulk_order_rows::subscription_id.eq(&record.subscription_id),
        bulk_order_rows::number_port_id.eq(&record.number_port_id),
    ))
    .execute(conn)?;
    Ok(())
}

/// Sets every row of `job` in `from` to `to` (a cancelled job's drafts).
pub fn set_rows(
    conn: &mut DbConnection,
    job: Uuid,
    from: RowStatus,
    to: RowStatus,
) -> Result<usize> {
    Ok(diesel::update(
        bulk_order_rows::table
            .filter(bulk_order_rows::bulk_order_id.eq(job.to_string()))
            .filter(bulk_order_rows::status.eq(from.as_str())),
    )
    .set(bulk_order_rows::status.eq(to.as_str()))
    .execute(conn)?)
}

/// Puts every row of `job` back to pending, with no order (a job whose drafting failed
/// and whose drafts were cancelled).
pub fn reset_rows(conn: &mut DbConnection, job: Uuid) -> Result<()> {
    diesel::update(
        bulk_order_rows::table.filter(bulk_order_rows::bulk_order_id.eq(job.to_string())),
    )
    .set((
        bulk_order_rows::status.eq(RowStatus::Pending.as_str()),
        bulk_order_rows::order_id.eq(None::<String>),
    ))
    .execute(conn)?;
    Ok(())
}
