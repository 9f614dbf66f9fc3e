//! The background work of bulk jobs, in any process: a process claims a running job with
//! a lease (machine time) and moves it on step by step, each step one transaction that
//! first renews the lease. A process that dies leaves its job to another once the lease
//! lapses: the step it was in rolled back, so no row is done twice and none is lost.

use chrono::{Duration, NaiveDateTime};
use domain::bulk::{BulkEvent, BulkStatus, Problem, RowStatus};
use domain::event::EventType;
use domain::user::{Role, Scope};
use persistence::DbConnection;
use persistence::bulk_order_rows::BulkRow;
use persistence::bulk_orders::{BulkOrder, Upload as Format};
use uuid::Uuid;

use super::check::{self, RowInput};
use super::{BulkError, view, withdraw_drafts};
use crate::app::orders::OrderError;
use crate::app::{Principal, Settings, audit, events};
use crate::error::ApiError;
use crate::wire::orders::OrderForm;

/// Rows drafted in one transaction.
const DRAFT_BATCH: i64 = 100;
/// Drafts confirmed in one transaction (each confirm writes a dozen rows).
const CONFIRM_BATCH: i64 = 50;
/// Steps failing on storage one after another before the job is ended.
const MAX_FAILED_STEPS: i32 = 5;

/// Claims the running jobs no process holds and runs each as far as it goes now; answers
/// how many this call finished.
pub fn run_claimed(
    conn: &mut DbConnection,
    settings: &Settings,
    owner: &str,
    lease: std::time::Duration,
) -> Result<usize, BulkError> {
    let lease = Duration::from_std(lease).unwrap_or(Duration::seconds(30));
    let now = persistence::machine_now();
    let waiting = persistence::db::read(conn, |conn| {
        persistence::bulk_orders::unclaimed(conn, now, 10)
    })?;
    let mut finished = 0;
    for job in waiting {
        let until = persistence::machine_now() + lease;
        let claimed = persistence::db::write(conn, |conn| {
            persistence::bulk_orders::claim(conn, job, owner, until, now)
        })?;
        if claimed && run(conn, settings, job, owner, lease)? {
            finished += 1;
        }
    }
    Ok(finished)
}

/// What one step left to do.
enum Step {
    More,
    /// The job is where no process works on it.
    Done,
    /// Another process took the job over: this one stops.
    Lost,
}

/// Runs `job` step by step until it waits for someone or another process took it over;
/// answers whether it got to the end of its running.
fn run(
    conn: &mut DbConnection,
    settings: &Settings,
    job: Uuid,
    owner: &str,
    lease: Duration,
) -> Result<bool, BulkError> {
    loop {
        let step = persistence::db::write(conn, |conn| {
            if !persistence::bulk_orders::renew(
                conn,
                job,
                owner,
                persistence::machine_now() + lease,
            )? {
                return Ok(Step::Lost);
            }
            let id = job;
            let Some(job) = persistence::bulk_orders::find(conn, id)? else {
                return Ok(Step::Lost);
            };
            let step = match job.status {
                BulkStatus::Validating => validate(conn, settings, job)?,
                BulkStatus::Drafting => draft(conn, settings, job)?,
                BulkStatus::Confirming => confirm(conn, settings, job)?,
                _ => Step::Done,
            };
            if !matches!(step, Step::Lost) {
                persistence::bulk_orders::step_done(conn, id)?;
            }
            Ok::<_, BulkError>(step)
        });
        let step = match step {
            Ok(step) => step,
            Err(BulkError::Internal(e)) => {
                tracing::error!(bulk_order = %job, error = %e, "a bulk order failed");
                persistence::db::write(conn, |conn| give_up(conn, settings, job, owner, lease))?;
                Step::Done
            }
            // A lost database is waited out; any other storage failure that comes back
            // step after step would hold the job running (and the company's next upload
            // refused) for ever.
            Err(BulkError::Storage(e)) if !matches!(e, persistence::Error::Unavailable(_)) => {
                let failed = persistence::db::write(conn, |conn| {
                    persistence::bulk_orders::step_failed(conn, job)
                })?;
                tracing::error!(bulk_order = %job, failed, error = %e, "a bulk order's step failed");
                if failed < MAX_FAILED_STEPS {
                    return Err(e.into());
                }
                persistence::db::write(conn, |conn| give_up(conn, settings, job, owner, lease))?;
                Step::Done
            }
            Err(e) => return Err(e),
        };
        match step {
            Step::More => continue,
            Step::Done => {
                persistence::db::write(conn, |conn| {
                    persistence::bulk_orders::release(conn, job, owner)
                })?;
                return Ok(true);
            }
            Step::Lost => return Ok(false),
        }
    }
}

/// What its uploader may order for: a scoped admin's rows must all be theirs. An API
/// client (not a user) orders for the whole company.
fn uploader_scope(conn: &mut DbConnection, job: &BulkOrder) -> Result<Scope, BulkError> {
    let Ok(id) = Uuid::parse_str(&job.created_by) else {
        return Ok(Scope::Company);
    };
    Ok(persistence::users::in_company(conn, job.company, id)?
        .map(|user| user.scope)
        .unwrap_or_default())
}

/// Who the job acts as: the admin who uploaded it, or who confirmed it.
fn acting(job: &BulkOrder, confirming: bool) -> Principal {
    let subject = match (&job.confirmed_by, confirming) {
        (Some(by), true) => by.clone(),
        _ => job.created_by.clone(),
    };
    Principal {
        subject,
        role: Role::Admin,
        company: Some(job.company),
        // Its rows were checked against its uploader's scope when it was uploaded.
        scope: Scope::Company,
    }
}

/// Checks every row: all valid and enough free numbers, and drafting begins; otherwise
/// the job ends `invalid` (each row's problems on it) or `failed`, nothing written.
fn validate(
    conn: &mut DbConnection,
    settings: &Settings,
    mut job: BulkOrder,
) -> Result<Step, BulkError> {
    let pools = settings.pools_for(conn, job.company)?;
    let rows = persistence::bulk_order_rows::rows(conn, job.id, None, None)?.items;
    let inputs: Vec<RowInput<'_>> = rows
        .iter()
        .map(|r| RowInput {
            row: r.row,
            form: &r.form,
            problems: &r.problems,
        })
        .collect();
    let csv = matches!(job.upload, Format::Csv { .. });
    let scope = uploader_scope(conn, &job)?;
    let checked = check::rows(conn, settings, (&pools, &scope), &inputs, csv)?;
    if !checked.by_row.is_empty() {
        for row in &rows {
            if let Some(problems) = checked.by_row.get(&row.row) {
                let row = BulkRow {
                    status: RowStatus::Invalid,
                    problems: problems.clone(),
                    ..row.clone()
                };
                persistence::bulk_order_rows::set_row(conn, job.id, &row)?;
            }
        }
        job.problems = checked.problems().collect();
        job.status = transition(job.status, BulkEvent::FoundProblems)?;
    } else {
        job.status = transition(job.status, BulkEvent::Validated)?;
        if let Some(problem) = check::shortage(conn, settings, &pools, &checked)? {
            job.problems = vec![problem];
            job.status = transition(job.status, BulkEvent::Fail)?;
        }
    }
    save(conn, &mut job, pools.now)?;
    Ok(if job.status.is_running() {
        Step::More
    } else {
        Step::Done
    })
}

/// Drafts the next batch of rows; after the last, the job is `drafted` with its total.
/// A row that cannot be drafted now (a race took its number or initials) fails the job:
/// every draft it made is cancelled, nothing held.
fn draft(
    conn: &mut DbConnection,
    settings: &Settings,
    mut job: BulkOrder,
) -> Result<Step, BulkError> {
    let pools = settings.pools_for(conn, job.company)?;
    let who = acting(&job, false);
    let batch =
        persistence::bulk_order_rows::rows_in(conn, job.id, RowStatus::Pending, DRAFT_BATCH)?;
    let drafted = persistence::db::savepoint(conn, |conn| {
        for row in &batch {
            let form: OrderForm = crate::body::from_value(&row.form)
                .map_err(|e| Halt::Row(Box::new(super::problem_of(row.row, e, false))))?;
            match crate::app::orders::draft(conn, settings, &who, &pools, &form, Some(job.id)) {
                Ok(order) => {
                    let row = BulkRow {
                        status: RowStatus::Drafted,
                        order: Some(order.id),
                        ..row.clone()
                    };
                    persistence::bulk_order_rows::set_row(conn, job.id, &row)?;
                }
                Err(OrderError::Storage(e)) => return Err(Halt::Job(e.into())),
                Err(OrderError::Internal(e)) => {
                    tracing::error!(bulk_order = %job.id, row = row.row, error = %e, "a bulk order's row could not be drafted");
                    return Err(Halt::Row(Box::new(internal_problem(row.row))));
                }
                Err(other) => return Err(Halt::Row(Box::new(row_problem(row.row, other)))),
            }
        }
        Ok(())
    });
    match drafted {
        Ok(()) => {}
        Err(Halt::Job(e)) => return Err(e),
        Err(Halt::Row(problem)) => {
            withdraw_drafts(conn, &who, &job, pools.now)?;
            persistence::bulk_order_rows::reset_rows(conn, job.id)?;
            job.problems = vec![*problem];
            job.status = transition(job.status, BulkEvent::Fail)?;
            save(conn, &mut job, pools.now)?;
            return Ok(Step::Done);
        }
    }
    if i64::try_from(batch.len()).unwrap_or(0) == DRAFT_BATCH {
        return Ok(Step::More);
    }
    job.expires_at = persistence::bulk_orders::first_expiry(conn, job.id)?;
    let rows = persistence::bulk_order_rows::rows(conn, job.id, None, None)?.items;
    job.summary =
        Some(serde_json::to_value(super::total(settings, &rows)).map_err(anyhow::Error::from)?);
    job.status = transition(job.status, BulkEvent::Drafted)?;
    save(conn, &mut job, pools.now)?;
    finished(
        conn,
        &who,
        &job,
        pools.now,
        EventType::BulkOrderDrafted,
        "bulk_order.drafted",
    )?;
    Ok(Step::Done)
}

/// Confirms the next batch of drafts, each as a single confirm does (subscription,
/// welcome email, port, events); a draft that cannot be confirmed fails alone, its row
/// saying why. After the last, the job is `completed`.
fn confirm(
    conn: &mut DbConnection,
    settings: &Settings,
    mut job: BulkOrder,
) -> Result<Step, BulkError> {
    let now = settings.now_for(conn, job.company)?;
    let who = acting(&job, true);
    let batch =
        persistence::bulk_order_rows::rows_in(conn, job.id, RowStatus::Drafted, CONFIRM_BATCH)?;
    for row in &batch {
        let Some(order) = row.order else {
            return Err(
                anyhow::anyhow!("row {} of bulk order {} has no draft", row.row, job.id).into(),
            );
        };
        let confirmed = persistence::db::savepoint(conn, |conn| {
            let order = crate::app::orders::lock_any(conn, job.company, order)?;
            crate::app::orders::confirm_draft(conn, settings, &who, order, None, now)
        });
        let row = match confirmed {
            Ok(confirmation) => BulkRow {
                status: RowStatus::Confirmed,
                subscription: Some(confirmation.subscription.id),
                number_port: confirmation.number_port.as_ref().map(|p| p.id),
                ..row.clone()
            },
            Err(OrderError::Storage(e)) => return Err(e.into()),
            Err(OrderError::Internal(e)) => {
                tracing::error!(bulk_order = %job.id, row = row.row, error = %e, "a bulk order's row could not be confirmed");
                BulkRow {
                    status: RowStatus::Failed,
                    problems: vec![internal_problem(row.row)],
                    ..row.clone()
                }
            }
            Err(other) => BulkRow {
                status: RowStatus::Failed,
                problems: vec![row_problem(row.row, other)],
                ..row.clone()
            },
        };
        if row.status == RowStatus::Failed {
            // Its draft goes, so its number and initials are free for the next try.
            withdraw_one(conn, &who, job.company, order, now);
        }
        persistence::bulk_order_rows::set_row(conn, job.id, &row)?;
    }
    if i64::try_from(batch.len()).unwrap_or(0) == CONFIRM_BATCH {
        return Ok(Step::More);
    }
    job.status = transition(job.status, BulkEvent::Complete)?;
    save(conn, &mut job, now)?;
    finished(
        conn,
        &who,
        &job,
        now,
        EventType::BulkOrderCompleted,
        "bulk_order.completed",
    )?;
    Ok(Step::Done)
}

/// Cancels the draft `order` of a row that could not be confirmed; a failure is logged
/// (the draft lapses at its expiry anyway).
fn withdraw_one(
    conn: &mut DbConnection,
    who: &Principal,
    company: Uuid,
    order: Uuid,
    now: NaiveDateTime,
) {
    let withdrawn = persistence::db::savepoint(conn, |conn| {
        let draft = crate::app::orders::lock_any(conn, company, order)?;
        if draft.status_at(now).is_draft() {
            crate::app::orders::withdraw(conn, who, draft, now)?;
        }
        Ok::<_, OrderError>(())
    });
    if let Err(err) = withdrawn {
        tracing::warn!(order = %order, error = %err, "a failed row's draft could not be cancelled");
    }
}

/// Ends `job` after a fault of ours, so it does not stay running: a job not yet drafted
/// fails with its drafts cancelled and nothing held; a confirming one completes with the
/// drafts it had not confirmed cancelled and counted as failed.
fn give_up(
    conn: &mut DbConnection,
    settings: &Settings,
    id: Uuid,
    owner: &str,
    lease: Duration,
) -> Result<(), BulkError> {
    // Only while this process still holds the job: another may have taken it over.
    if !persistence::bulk_orders::renew(conn, id, owner, persistence::machine_now() + lease)? {
        return Ok(());
    }
    let Some(mut job) = persistence::bulk_orders::find(conn, id)? else {
        return Ok(());
    };
    let now = settings.now_for(conn, job.company)?;
    job.problems = vec![internal_problem_of_job()];
    match job.status {
        BulkStatus::Validating | BulkStatus::Drafting => {
            withdraw_drafts(conn, &acting(&job, false), &job, now)?;
            persistence::bulk_order_rows::reset_rows(conn, job.id)?;
            job.status = transition(job.status, BulkEvent::Fail)?;
            save(conn, &mut job, now)
        }
        BulkStatus::Confirming => {
            let who = acting(&job, true);
            withdraw_drafts(conn, &who, &job, now)?;
            persistence::bulk_order_rows::set_rows(
                conn,
                job.id,
                RowStatus::Drafted,
                RowStatus::Failed,
            )?;
            job.status = transition(job.status, BulkEvent::Complete)?;
            save(conn, &mut job, now)?;
            finished(
                conn,
                &who,
                &job,
                now,
                EventType::BulkOrderCompleted,
                "bulk_order.completed",
            )
        }
        _ => Ok(()),
    }
}

/// A fault of ours on a row: no detail (it is logged), a code to quote.
fn internal_problem(row: u32) -> Problem {
    Problem {
        row: Some(row),
        ..internal_problem_of_job()
    }
}

fn internal_problem_of_job() -> Problem {
    Problem::of_job(
        "internal_error",
        "something went wrong on our side; quote the bulk order's id when reporting it",
    )
}

/// Why a batch of drafts stopped.
enum Halt {
    /// This row cannot be drafted now: the job fails.
    Row(Box<Problem>),
    /// Storage failed: the step is tried again.
    Job(BulkError),
}

impl From<persistence::Error> for Halt {
    fn from(e: persistence::Error) -> Self {
        Halt::Job(e.into())
    }
}

/// A use case's refusal of one row's order as the row's problem, with the code and words
/// a single request would have had.
fn row_problem(row: u32, err: OrderError) -> Problem {
    let message = err.to_string();
    let api = ApiError::from(err);
    match api.errors().first() {
        Some(field) => Problem::at_row(
            row,
            None,
            field.pointer.clone(),
            field.code.clone(),
            field.message.clone(),
        ),
        None => Problem {
            row: Some(row),
            ..Problem::of_job(api.code(), message)
        },
    }
}

fn transition(status: BulkStatus, event: BulkEvent) -> Result<BulkStatus, BulkError> {
    status
        .apply(event)
        .map_err(|e| BulkError::Internal(anyhow::anyhow!("{e}")))
}

fn save(conn: &mut DbConnection, job: &mut BulkOrder, now: NaiveDateTime) -> Result<(), BulkError> {
    if persistence::bulk_orders::update(conn, job, now)? {
        Ok(())
    } else {
        Err(anyhow::anyhow!("bulk order {} changed under its worker", job.id).into())
    }
}

/// Tells partners and the audit log that `job` reached a state people act on.
fn finished(
    conn: &mut DbConnection,
    who: &Principal,
    job: &BulkOrder,
    now: NaiveDateTime,
    kind: EventType,
    action: &str,
) -> Result<(), BulkError> {
    let data = view(conn, job, now)?;
    events::emit(conn, job.company, now, kind, &data)?;
    audit(
        conn,
        who,
        Some(job.company),
        action,
        ("bulk_order", job.id.to_string()),
        serde_json::json!({"total": job.total}),
    )?;
    Ok(())
}
