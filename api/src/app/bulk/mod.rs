//! Bulk onboarding: an upload of employees checked by the order form's rules (at once, as
//! a dry run, or as a job), drafted in the background, reviewed as a whole, and confirmed
//! or cancelled as one job.

use chrono::NaiveDateTime;
use domain::bulk::{BulkEvent, BulkStatus, Problem, RowStatus};
use domain::user::Scope;
use persistence::DbConnection;
use persistence::bulk_order_rows::BulkRow;
use persistence::bulk_orders::{BulkOrder, Upload as Format};
use uuid::Uuid;

use super::idempotency::{Answer, IdempotencyKey, KeyError, Replayable, once};
use super::{IfMatch, Principal, Settings, audit};
use crate::error::FieldError;
use crate::wire::Page;
use crate::wire::bulk_orders::{BulkOrderDto, BulkRowDto, BulkTotalDto, DryRunDto};
use crate::wire::bulk_upload::{COLUMNS, Upload, cells_of};
use crate::wire::orders::ApprovalDto;

mod approval;
mod check;
mod total;
pub mod worker;

pub use approval::{approve, reject};
use total::{priced, total};

/// Why a bulk use case did not do what was asked.
#[derive(Debug, thiserror::Error)]
pub enum BulkError {
    #[error("no such bulk order")]
    NotFound,
    /// `If-Match` names a version the job no longer has.
    #[error("the bulk order changed since it was read")]
    Stale,
    /// Only a drafted job is confirmed or cancelled; the job is in this state.
    #[error("the bulk order is {0}")]
    NotDrafted(BulkStatus),
    /// Only a job awaiting approval is approved or rejected; the job is in this state.
    #[error("the bulk order is {0}")]
    NotAwaitingApproval(BulkStatus),
    /// The admin who asked for an approval cannot give it (four eyes).
    #[error("the approval was asked for by the same user")]
    SelfApproval,
    /// An approval is a person's: an API client cannot give it.
    #[error("an API client cannot approve")]
    ClientCannotApprove,
    /// The company has a job running already.
    #[error("a bulk order is running")]
    Running,
    /// The request breaks these rules, every one named.
    #[error("invalid request")]
    Invalid(Vec<FieldError>),
    #[error(transparent)]
    Key(#[from] KeyError),
    #[error(transparent)]
    Storage(#[from] persistence::Error),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

crate::app::events::emit_errors_into!(BulkError);

impl From<super::orders::OrderError> for BulkError {
    fn from(err: super::orders::OrderError) -> Self {
        use super::orders::OrderError as E;
        match err {
            E::Storage(e) => BulkError::Storage(e),
            E::Key(e) => BulkError::Key(e),
            other => BulkError::Internal(anyhow::anyhow!("a bulk order's draft: {other}")),
        }
    }
}

/// Checks every row of `upload` for `company` and answers with every problem; nothing is
/// written (one read transaction).
pub fn dry_run(
    conn: &mut DbConnection,
    settings: &Settings,
    (company, scope): (Uuid, &Scope),
    upload: &Upload,
) -> Result<DryRunDto, BulkError> {
    persistence::db::read(conn, |conn| {
        let pools = settings.pools_for(conn, company)?;
        let csv = matches!(upload.format, Format::Csv { .. });
        let rows: Vec<_> = upload
            .rows
            .iter()
            .map(|r| check::RowInput {
                row: r.row,
                form: &r.form,
                problems: &r.problems,
            })
            .collect();
        let checked = check::rows(conn, settings, (&pools, scope), &rows, csv)?;
        Ok(DryRunDto {
            rows: u32::try_from(rows.len()).unwrap_or(u32::MAX),
            valid: checked.valid,
            problems: checked.problems().map(Into::into).collect(),
        })
    })
}

/// Starts a job for `upload` at most once per idempotency key: stored with its rows,
/// validating; a worker takes it from there. A company with a running job: `Running`.
pub fn start(
    conn: &mut DbConnection,
    settings: &Settings,
    who: &Principal,
    company: Uuid,
    upload: Upload,
    key: &IdempotencyKey,
    answer: impl FnOnce(&BulkOrderDto) -> anyhow::Result<Answer>,
) -> Result<Replayable, BulkError> {
    once(conn, settings, Some(key), answer, |conn| {
        let now = settings.now_for(conn, company)?;
        let job = BulkOrder {
            id: persistence::new_id(),
            company,
            status: BulkStatus::Validating,
            version: 1,
            upload: upload.format,
            total: i32::try_from(upload.rows.len()).unwrap_or(i32::MAX),
            problems: Vec::new(),
            summary: None,
            created_by: who.subject.clone(),
            confirmed_by: None,
            created_at: now,
            updated_at: now,
            expires_at: None,
        };
        let rows: Vec<BulkRow> = upload
            .rows
            .into_iter()
            .map(|r| BulkRow {
                row: r.row,
                form: r.form,
                cells: r.cells,
                status: RowStatus::Pending,
                problems: r.problems,
                order: None,
                subscription: None,
                number_port: None,
            })
            .collect();
        persistence::bulk_orders::insert(conn, &job, &rows).map_err(running)?;
        audit(
            conn,
            who,
            Some(company),
            "bulk_order.uploaded",
            ("bulk_order", job.id.to_string()),
            serde_json::json!({"rows": job.total}),
        )?;
        view(conn, &job, now)
    })
}

/// A storage conflict on the one-running-job rule, as the use case's own error.
fn running(err: persistence::Error) -> BulkError {
    match err {
        persistence::Error::Conflict {
            what: "bulk_order_running",
        } => BulkError::Running,
        other => other.into(),
    }
}

/// One of `company`'s jobs, if `scope` sees it.
pub fn get(
    conn: &mut DbConnection,
    settings: &Settings,
    (company, scope): (Uuid, &Scope),
    id: Uuid,
) -> Result<BulkOrderDto, BulkError> {
    persistence::db::read(conn, |conn| {
        let job = find(conn, (company, scope), id)?;
        let now = settings.now_for(conn, company)?;
        view(conn, &job, now)
    })
}

/// `company`'s jobs that `scope` sees, oldest first.
pub fn list(
    conn: &mut DbConnection,
    settings: &Settings,
    (company, scope): (Uuid, &Scope),
    after: Option<Uuid>,
    limit: i64,
) -> Result<Page<BulkOrderDto>, BulkError> {
    persistence::db::read(conn, |conn| {
        let now = settings.now_for(conn, company)?;
        let page = persistence::bulk_orders::list(conn, company, scope, after, limit)?;
        let mut items = Vec::with_capacity(page.items.len());
        for job in &page.items {
            items.push(view(conn, job, now)?);
        }
        Ok(Page {
            items,
            next_cursor: page.next_cursor,
        })
    })
}

/// A page of a job's rows and what became of each.
pub fn rows(
    conn: &mut DbConnection,
    (company, scope): (Uuid, &Scope),
    id: Uuid,
    after: Option<u32>,
    limit: i64,
) -> Result<Page<BulkRowDto>, BulkError> {
    persistence::db::read(conn, |conn| {
        find(conn, (company, scope), id)?;
        let page = persistence::bulk_order_rows::rows(conn, id, after, Some(limit))?;
        Ok(Page {
            items: page.items.into_iter().map(row_view).collect(),
            next_cursor: page.next_cursor,
        })
    })
}

/// The uploaded file back with each row's `order_id`, `status` and `error` added (a JSON
/// upload as the CSV it would have been); every cell a spreadsheet would run as a formula
/// written as text.
pub fn rows_csv(
    conn: &mut DbConnection,
    (company, scope): (Uuid, &Scope),
    id: Uuid,
) -> Result<Vec<u8>, BulkError> {
    let (job, rows) = persistence::db::read(conn, |conn| {
        let job = find(conn, (company, scope), id)?;
        let rows = persistence::bulk_order_rows::rows(conn, id, None, None)?;
        Ok::<_, BulkError>((job, rows.items))
    })?;
    let header: Vec<String> = match &job.upload {
        Format::Csv { header, .. } => header.clone(),
        Format::Json => COLUMNS.iter().map(|(c, _)| (*c).to_owned()).collect(),
    };
    let delimiter = match &job.upload {
        Format::Csv { delimiter, .. } => *delimiter,
        Format::Json => b',',
    };
    let mut out = crate::wire::spreadsheet::writer(delimiter);
    let safe = crate::wire::spreadsheet::safe;
    let write = |out: &mut csv::Writer<Vec<u8>>, cells: Vec<String>| {
        out.write_record(cells.iter().map(|c| safe(c).into_owned()))
            .map_err(anyhow::Error::from)
    };
    let columns = header.len();
    let mut first = header;
    first.extend(["order_id", "status", "error"].map(str::to_owned));
    write(&mut out, first)?;
    for row in rows {
        let mut cells = row.cells.clone().unwrap_or_else(|| cells_of(&row.form));
        // A row with too few cells gets empty ones, so its outcome stands in its columns.
        cells.resize(columns, String::new());
        cells.push(row.order.map(|o| o.to_string()).unwrap_or_default());
        cells.push(row.status.as_str().to_owned());
        cells.push(
            row.problems
                .iter()
                .map(|p| match &p.column {
                    Some(column) => format!("{column}: {}", p.message),
                    None => p.message.clone(),
                })
                .collect::<Vec<_>>()
                .join("; "),
        );
        write(&mut out, cells)?;
    }
    Ok(crate::wire::spreadsheet::finish(out).map_err(anyhow::Error::from)?)
}

/// Confirms the drafted job `id` (if it still has a version `expected` names), at most
/// once per idempotency key: it becomes `confirming`, and a worker confirms each draft.
#[allow(clippy::too_many_arguments)]
pub fn confirm(
    conn: &mut DbConnection,
    settings: &Settings,
    who: &Principal,
    company: Uuid,
    id: Uuid,
    expected: Option<&IfMatch>,
    key: Option<&IdempotencyKey>,
    answer: impl FnOnce(&BulkOrderDto) -> anyhow::Result<Answer>,
) -> Result<Replayable, BulkError> {
    once(conn, settings, key, answer, |conn| {
        let now = settings.now_for(conn, company)?;
        let mut job = drafted(
            conn,
            (company, &who.scope, id),
            expected,
            now,
            BulkEvent::Confirm,
        )?;
        job.confirmed_by = Some(who.subject.clone());
        if let Some(waiting) = approval::ask_if_caught(conn, settings, who, &mut job, now)? {
            return Ok(waiting);
        }
        // Confirmed in time: the drafts are kept while the worker confirms them.
        hold_drafts(conn, &mut job, now + settings.draft_ttl, now, expected)?;
        audit(
            conn,
            who,
            Some(company),
            "bulk_order.confirmed",
            ("bulk_order", id.to_string()),
            serde_json::json!({}),
        )?;
        view(conn, &job, now)
    })
}

/// Cancels the drafted job `id`: every draft cancelled and its number and initials freed,
/// in one transaction.
pub fn cancel(
    conn: &mut DbConnection,
    settings: &Settings,
    who: &Principal,
    company: Uuid,
    id: Uuid,
    expected: Option<&IfMatch>,
) -> Result<BulkOrderDto, BulkError> {
    persistence::db::write(conn, |conn| {
        let now = settings.now_for(conn, company)?;
        let mut job = drafted(
            conn,
            (company, &who.scope, id),
            expected,
            now,
            BulkEvent::Cancel,
        )?;
        withdraw_drafts(conn, who, &job, now)?;
        persistence::bulk_order_rows::set_rows(conn, id, RowStatus::Drafted, RowStatus::Cancelled)?;
        if !persistence::bulk_orders::update(conn, &mut job, now)? {
            return Err(lost(conn, company, id, expected, now));
        }
        audit(
            conn,
            who,
            Some(company),
            "bulk_order.cancelled",
            ("bulk_order", id.to_string()),
            serde_json::json!({}),
        )?;
        view(conn, &job, now)
    })
}

/// The job `id`, moved by `event` from `drafted`: a stale `If-Match` first (RFC 9110
/// §13.2.2), then the state.
fn drafted(
    conn: &mut DbConnection,
    job: (Uuid, &Scope, Uuid),
    expected: Option<&IfMatch>,
    now: NaiveDateTime,
    event: BulkEvent,
) -> Result<BulkOrder, BulkError> {
    moved(conn, job, expected, now, event, BulkError::NotDrafted)
}

/// The job `id`, moved by `event`: a stale `If-Match` first (RFC 9110 §13.2.2), then the
/// state, refused as `refusal` says.
fn moved(
    conn: &mut DbConnection,
    (company, scope, id): (Uuid, &Scope, Uuid),
    expected: Option<&IfMatch>,
    now: NaiveDateTime,
    event: BulkEvent,
    refusal: fn(BulkStatus) -> BulkError,
) -> Result<BulkOrder, BulkError> {
    let mut job = find(conn, (company, scope), id)?;
    if expected.is_some_and(|m| !m.matches(job.version)) {
        return Err(BulkError::Stale);
    }
    let status = job.status_at(now);
    job.status = status.apply(event).map_err(|_| refusal(status))?;
    Ok(job)
}

/// Writes `job` (its new status set by the caller) with its drafts held until `until`;
/// another change of the job that came first answers as [`lost`] says.
fn hold_drafts(
    conn: &mut DbConnection,
    job: &mut BulkOrder,
    until: NaiveDateTime,
    now: NaiveDateTime,
    expected: Option<&IfMatch>,
) -> Result<(), BulkError> {
    persistence::bulk_orders::extend_drafts(conn, job.id, until)?;
    job.expires_at = Some(until);
    if !persistence::bulk_orders::update(conn, job, now).map_err(running)? {
        return Err(lost(conn, job.company, job.id, expected, now));
    }
    Ok(())
}

/// The answer to a confirm or cancel that another change of the job came before: stale
/// for a client that named its version, otherwise the state the job is in now.
fn lost(
    conn: &mut DbConnection,
    company: Uuid,
    id: Uuid,
    expected: Option<&IfMatch>,
    now: NaiveDateTime,
) -> BulkError {
    if expected.is_some() {
        return BulkError::Stale;
    }
    match find(conn, (company, &Scope::Company), id) {
        Ok(job) => BulkError::NotDrafted(job.status_at(now)),
        Err(err) => err,
    }
}

/// Cancels every draft `job` still has, freeing its number and initials.
fn withdraw_drafts(
    conn: &mut DbConnection,
    who: &Principal,
    job: &BulkOrder,
    now: NaiveDateTime,
) -> Result<(), BulkError> {
    for order in persistence::bulk_orders::draft_orders(conn, job.id)? {
        let order = super::orders::lock_any(conn, job.company, order)?;
        if order.status_at(now).is_draft() {
            super::orders::withdraw(conn, who, order, now)?;
        }
    }
    Ok(())
}

/// One of `company`'s jobs, if `scope` sees it: one it does not is not found, as another
/// company's.
fn find(
    conn: &mut DbConnection,
    (company, scope): (Uuid, &Scope),
    id: Uuid,
) -> Result<BulkOrder, BulkError> {
    let job = persistence::bulk_orders::get(conn, company, id)?.ok_or(BulkError::NotFound)?;
    if !persistence::scopes::sees(conn, scope, id)? {
        return Err(BulkError::NotFound);
    }
    Ok(job)
}

/// The job as `GET` answers it at the company's business time `now`.
fn view(
    conn: &mut DbConnection,
    job: &BulkOrder,
    now: NaiveDateTime,
) -> Result<BulkOrderDto, BulkError> {
    let counts = persistence::bulk_order_rows::counts(conn, job.id)?;
    let summary = job
        .summary
        .clone()
        .map(serde_json::from_value::<BulkTotalDto>)
        .transpose()
        .map_err(anyhow::Error::from)?;
    Ok(BulkOrderDto {
        id: job.id,
        status: job.status_at(now).as_str().to_owned(),
        version: job.version,
        format: match job.upload {
            Format::Csv { .. } => "csv",
            Format::Json => "json",
        }
        .to_owned(),
        total: job.total,
        drafted: counts.drafted + counts.confirmed + counts.failed + counts.cancelled,
        confirmed: counts.confirmed,
        failed: counts.failed,
        invalid: counts.invalid,
        summary,
        problems: job.problems.iter().cloned().map(Into::into).collect(),
        created_by: job.created_by.clone(),
        created_at: job.created_at.and_utc(),
        updated_at: job.updated_at.and_utc(),
        expires_at: job.expires_at.map(|at| at.and_utc()),
        approval: persistence::approvals::get(conn, job.id)?
            .as_ref()
            .map(ApprovalDto::from),
    })
}

fn row_view(row: BulkRow) -> BulkRowDto {
    BulkRowDto {
        row: row.row,
        order_id: row.order,
        subscription_id: row.subscription,
        number_port_id: row.number_port,
        status: row.status.as_str().to_owned(),
        problems: row.problems.into_iter().map(Into::into).collect(),
    }
}

/// A field error of a row's form as the row's problem, with its CSV column when `csv`.
fn problem_of(row: u32, error: FieldError, csv: bool) -> Problem {
    let column = if csv {
        crate::wire::bulk_upload::column_of(&error.pointer).map(str::to_owned)
    } else {
        None
    };
    Problem::at_row(row, column, error.pointer, error.code, error.message)
}
