//! Bulk onboarding over HTTP: the upload (a dry run, or a job), the job, its rows (JSON or
//! the uploaded file back as CSV), confirm and cancel. The work is in [`crate::app::bulk`].

use actix_web::http::header::{self, ContentDisposition};
use actix_web::{HttpRequest, HttpResponse, delete, get, post, web};
use sha2::{Digest, Sha256};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::app::idempotency::Answer;
use crate::auth::{CompanyAdmin, CompanyReader};
use crate::body::{
    Json, Query, declared_length, is_json, media_type, read_up_to, unsupported_media_type,
};
use crate::error::{ApiError, ApiResult};
use crate::http::preconditions::{etag, if_match};
use crate::http::{
    KeyedStep, idempotency_key, keyed_step, list_params, path_id, prefers_csv, replayable,
};
use crate::state::AppState;
use crate::wire::Page;
use crate::wire::bulk_orders::{
    BulkListQuery, BulkOrderDto, BulkRowDto, BulkRows, BulkRowsQuery, DryRunDto, UploadQuery,
};
use crate::wire::bulk_upload::{CsvFile, UPLOAD_LIMIT, Upload, read_csv, read_json};
use crate::wire::orders::ApprovalRejection;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(create_bulk_order)
        .service(list_bulk_orders)
        .service(get_bulk_order)
        .service(list_bulk_order_rows)
        .service(confirm_bulk_order)
        .service(approve_bulk_order)
        .service(reject_bulk_order_approval)
        .service(cancel_bulk_order);
}

const CSV_EXAMPLE: &str = "plan;mobile_package;data_sharing_cards;name;initials;title;email;cost_center;number_type;number;owner_email;owner_name;requested_date\r\nERHVERV_M;DATA_50;1;Mette Hansen;MH;Projektleder;mette@nordlys.example;4100;new;;;;\r\nERHVERV_S;DATA_10;0;Jonas Berg;JB;Konsulent;jonas@nordlys.example;4100;port_in;+4522334455;jonas@nordlys.example;Jonas Berg;\r\n";

/// The job with its version as ETag.
fn job(status: actix_web::http::StatusCode, job: &BulkOrderDto) -> HttpResponse {
    HttpResponse::build(status)
        .insert_header((header::ETAG, etag(job.version)))
        .json(job)
}

/// Uploads employees to onboard: a CSV file (a header row; `,` or `;`; UTF-8, a BOM
/// allowed) or JSON rows, 1 to 1,000, each read as the form `POST /orders` takes.
/// `?dry_run=true` checks every row now and answers with every problem, writing nothing.
/// Otherwise `Idempotency-Key` is required and a job starts: it validates every row (one
/// invalid and nothing is written), then drafts every row, reserving numbers for all or
/// none. Follow it at `Location`.
#[utoipa::path(
    tag = "bulk-orders",
    operation_id = "create_bulk_order",
    summary = "Upload employees: a dry run, or a job that drafts them all",
    security(("oauth2" = []), ("bearer" = [])),
    params(
        UploadQuery,
        ("Idempotency-Key" = Option<crate::wire::text::IdempotencyKey>, Header, description = "Required unless `dry_run=true`: the same key and file replay the first answer (kept 48 h, per company)"),
    ),
    request_body(description = "A CSV file with the columns `plan, mobile_package, data_sharing_cards, name, initials, title, email, cost_center, number_type (new|port_in), number, owner_email, owner_name, requested_date` (the first six required; cells at most 200 characters), or JSON rows. At most 1 MiB.",
        content(
            (BulkRows = "application/json"),
            (inline(CsvFile) = "text/csv", example = json!(CSV_EXAMPLE)),
        )),
    responses(
        (status = 200, description = "The dry run: every problem of every row; nothing was written", body = DryRunDto),
        (status = 202, description = "The job: validating, then drafting", body = BulkOrderDto,
            headers(("Location" = String, description = "The job's URL"), ("ETag" = String, description = "The job's version"))),
        (status = 409, description = "The company has a job running (`bulk_order_running`), or a request with the same `Idempotency-Key` is still running (`idempotency_key_in_flight`, with `Retry-After`)", body = crate::error::Problem, content_type = "application/problem+json",
            headers(("Retry-After" = u64, description = "With `idempotency_key_in_flight`: seconds until a retry may be answered")),
            examples(
                ("bulk_order_running" = (summary = "The company has a bulk order running",
                    value = json!({"type": "urn:selvbetjening:problem:bulk_order_running", "title": "Conflict", "status": 409, "detail": "the company has a bulk order running; wait until it is drafted or completed", "code": "bulk_order_running", "request_id": "01937a4e-8f2c-7cc3-9a51-3b1f0c9d2e47"}))),
                ("idempotency_key_in_flight" = (summary = "A request with the same Idempotency-Key is still running: retry after `Retry-After` seconds",
                    value = json!({"type": "urn:selvbetjening:problem:idempotency_key_in_flight", "title": "The request conflicts with the current state", "status": 409, "detail": "a request with this Idempotency-Key is still running; retry shortly", "code": "idempotency_key_in_flight", "request_id": "01937a4e-8f2c-7cc3-9a51-3b1f0c9d2e47"}))),
            )),
        (status = 413, description = "The file is larger than 1 MiB", body = crate::error::Problem, content_type = "application/problem+json",
            example = json!({"type": "urn:selvbetjening:problem:payload_too_large", "title": "The request body is too large", "status": 413, "detail": "this request's body may be at most 1024 KiB", "code": "payload_too_large", "request_id": "01937a4e-8f2c-7cc3-9a51-3b1f0c9d2e47"})),
        (status = 415, description = "Neither CSV nor JSON", body = crate::error::Problem, content_type = "application/problem+json",
            example = json!({"type": "urn:selvbetjening:problem:unsupported_media_type", "title": "Unsupported media type", "status": 415, "detail": "the body is text/plain; send text/csv, application/json", "code": "unsupported_media_type", "request_id": "01937a4e-8f2c-7cc3-9a51-3b1f0c9d2e47"})),
        (status = 422, description = "The file as a whole cannot be read: no header (`/columns`), unknown, missing or repeated columns (`/columns/<name>`), no rows, more than 1,000 or a line that is not CSV (`/rows`); or the Idempotency-Key is malformed, or was used for another request (`idempotency_key_reused`)", body = crate::error::Problem, content_type = "application/problem+json",
            example = json!({"type": "urn:selvbetjening:problem:validation_failed", "title": "The request has invalid fields", "status": 422, "detail": "1 field is invalid", "code": "validation_failed", "request_id": "01937a4e-8f2c-7cc3-9a51-3b1f0c9d2e47", "errors": [{"pointer": "/columns/colour", "code": "unknown_column", "message": "there is no column \"colour\""}]})),
        (status = 428, description = "A job needs an `Idempotency-Key`", body = crate::error::Problem, content_type = "application/problem+json",
            example = json!({"type": "urn:selvbetjening:problem:idempotency_key_required", "title": "Precondition required", "status": 428, "detail": "send an Idempotency-Key (e.g. a UUID) to start a bulk order, so a retry cannot start a second", "code": "idempotency_key_required", "request_id": "01937a4e-8f2c-7cc3-9a51-3b1f0c9d2e47"})),
    )
)]
#[post("/bulk-orders")]
async fn create_bulk_order(
    req: HttpRequest,
    who: CompanyAdmin,
    state: web::Data<AppState>,
    query: Query<UploadQuery>,
    payload: web::Payload,
) -> ApiResult<HttpResponse> {
    let content_type = media_type(&req);
    let csv = match content_type.as_deref() {
        Some("text/csv") => true,
        Some(json) if is_json(json) => false,
        other => return Err(unsupported_media_type(other, "text/csv, application/json")),
    };
    let bytes = read_up_to(payload.into_inner(), declared_length(&req), UPLOAD_LIMIT).await?;
    let company = who.company();
    let dry_run = query.0.dry_run.unwrap_or(false);
    let upload: Upload = if csv {
        read_csv(&bytes).map_err(ApiError::validation)?
    } else {
        read_json(&bytes)?
    };
    let fingerprint = format!(
        "POST /bulk-orders {} {:x}",
        if csv { "csv" } else { "json" },
        Sha256::digest(&bytes)
    );
    // A malformed key is refused, in a dry run too, which needs none.
    let key = idempotency_key(&req, company, fingerprint)?;
    let key = if dry_run {
        None
    } else {
        Some(key.ok_or_else(key_required)?)
    };
    let settings = state.settings.clone();
    match key {
        None => {
            let answer = state
                .run(move |conn| {
                    crate::app::bulk::dry_run(conn, &settings, (company, &who.0.scope), &upload)
                })
                .await?;
            Ok(HttpResponse::Ok().json(answer))
        }
        Some(key) => {
            let outcome = state
                .run(move |conn| {
                    crate::app::bulk::start(
                        conn, &settings, &who.0, company, upload, &key, accepted,
                    )
                })
                .await?;
            state.wake_bulk_orders.notify_one();
            Ok(replayable(outcome))
        }
    }
}

fn key_required() -> ApiError {
    ApiError::new(
        actix_web::http::StatusCode::PRECONDITION_REQUIRED,
        "idempotency_key_required",
        "Precondition required",
        "send an Idempotency-Key (e.g. a UUID) to start a bulk order, so a retry cannot start a second",
    )
}

/// The company's bulk jobs, oldest first.
#[utoipa::path(
    tag = "bulk-orders",
    operation_id = "list_bulk_orders",
    summary = "List bulk orders",
    security(("oauth2" = []), ("bearer" = [])),
    params(BulkListQuery),
    responses((status = 200, description = "A page of bulk orders", body = Page<BulkOrderDto>))
)]
#[get("/bulk-orders")]
async fn list_bulk_orders(
    who: CompanyReader,
    state: web::Data<AppState>,
    query: Query<BulkListQuery>,
) -> ApiResult<HttpResponse> {
    let (after, limit, _) =
        list_params::<domain::bulk::BulkStatus>(query.cursor.as_deref(), query.limit, None, "")?;
    let company = who.company();
    let scope = who.0.scope.clone();
    let settings = state.settings.clone();
    let page = state
        .run(move |conn| crate::app::bulk::list(conn, &settings, (company, &scope), after, limit))
        .await?;
    Ok(HttpResponse::Ok().json(page))
}

/// One bulk job: its status and counts as it goes (a progress bar's), its priced total
/// once drafted, and its problems.
#[utoipa::path(
    tag = "bulk-orders",
    operation_id = "get_bulk_order",
    summary = "Get a bulk order",
    security(("oauth2" = []), ("bearer" = [])),
    params(("id" = Uuid, Path, description = "The bulk order's id")),
    responses((status = 200, description = "The bulk order", body = BulkOrderDto, headers(("ETag" = String, description = "The bulk order's version"))))
)]
#[get("/bulk-orders/{id}")]
async fn get_bulk_order(
    who: CompanyReader,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let id = path_id(&id, "the bulk order")?;
    let company = who.company();
    let scope = who.0.scope.clone();
    let settings = state.settings.clone();
    let found = state
        .run(move |conn| crate::app::bulk::get(conn, &settings, (company, &scope), id))
        .await?;
    Ok(job(actix_web::http::StatusCode::OK, &found))
}

/// Each row of a job: its order, subscription and port, its status and problems. With
/// `Accept: text/csv`, the uploaded file back (a JSON upload as CSV) with `order_id`,
/// `status` and `error` columns added, every row at once; a cell that begins with `=`,
/// `+`, `-` or `@` is prefixed with `'`, so a spreadsheet runs no formula.
#[utoipa::path(
    tag = "bulk-orders",
    operation_id = "list_bulk_order_rows",
    summary = "A bulk order's rows (JSON, or the file back as CSV)",
    security(("oauth2" = []), ("bearer" = [])),
    params(("id" = Uuid, Path, description = "The bulk order's id"), BulkRowsQuery),
    responses(
        (status = 200, description = "The rows: JSON by default, the file as CSV when `Accept` prefers `text/csv`",
            headers(("Vary" = String, description = "Names `Accept`: the representation depends on it")),
            content(
                (Page<BulkRowDto> = "application/json"),
                (String = "text/csv", example = json!("plan;mobile_package;name;initials;title;email;order_id;status;error\r\nERHVERV_M;DATA_50;Mette Hansen;MH;Projektleder;mette@nordlys.example;01937a4e-1111-7cc3-9a51-3b1f0c9d2e47;drafted;\r\n")),
            )),
    )
)]
#[get("/bulk-orders/{id}/rows")]
async fn list_bulk_order_rows(
    req: HttpRequest,
    who: CompanyReader,
    state: web::Data<AppState>,
    id: web::Path<String>,
    query: Query<BulkRowsQuery>,
) -> ApiResult<HttpResponse> {
    let id = path_id(&id, "the bulk order")?;
    let company = who.company();
    let scope = who.0.scope.clone();
    if prefers_csv(&req) {
        let file = state
            .run(move |conn| crate::app::bulk::rows_csv(conn, (company, &scope), id))
            .await?;
        return Ok(HttpResponse::Ok()
            .content_type("text/csv; charset=utf-8")
            .insert_header((header::VARY, "Accept"))
            .insert_header(ContentDisposition::attachment(format!(
                "bulk-order-{id}.csv"
            )))
            .body(file));
    }
    let (after, limit) = row_page(query.0)?;
    let page = state
        .run(move |conn| crate::app::bulk::rows(conn, (company, &scope), id, after, limit))
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::VARY, "Accept"))
        .json(page))
}

/// The rows' cursor (a row number) and limit, both named when wrong.
fn row_page(query: BulkRowsQuery) -> ApiResult<(Option<u32>, i64)> {
    let mut fields = crate::fields::Fields::new();
    let after = match query.cursor.as_deref().filter(|c| !c.is_empty()) {
        None => None,
        Some(c) => match c.parse::<u32>() {
            Ok(n) if c.len() <= 4 => Some(n),
            _ => {
                fields.push(
                    "/query/cursor",
                    "invalid_cursor",
                    "the cursor is the `next_cursor` of the previous page",
                );
                None
            }
        },
    };
    let limit = query.limit.unwrap_or(crate::wire::DEFAULT_LIMIT);
    if !(1..=crate::wire::MAX_LIMIT).contains(&limit) {
        fields.push(
            "/query/limit",
            "out_of_range",
            format!("limit must be between 1 and {}", crate::wire::MAX_LIMIT),
        );
    }
    if !fields.is_empty() {
        return Err(fields.into_error());
    }
    Ok((after, limit))
}

/// Confirms a drafted job as a whole: each draft is confirmed as `POST /orders/{id}/confirm`
/// would (subscription, welcome email, port, events), in the background; follow it at the
/// job's URL until `completed`. Send `If-Match` to confirm exactly the version you reviewed.
#[utoipa::path(
    tag = "bulk-orders",
    operation_id = "confirm_bulk_order",
    summary = "Confirm a drafted bulk order",
    security(("oauth2" = []), ("bearer" = [])),
    params(
        ("id" = Uuid, Path, description = "The bulk order's id"),
        ("If-Match" = Option<String>, Header, max_length = 256, description = "The reviewed version's ETag, e.g. `\"3\"`"),
        ("Idempotency-Key" = Option<crate::wire::text::IdempotencyKey>, Header, description = "Retry safely: the same key replays the first answer (kept 48 h, per company)"),
    ),
    responses(
        (status = 202, description = "Confirming: each draft is confirmed in the background; or, when the company's approval rule catches the job, `awaiting_approval` until another admin approves it (`POST /bulk-orders/{id}/approve`), its drafts held until the approval expires", body = BulkOrderDto,
            headers(("Location" = String, description = "The job's URL"), ("ETag" = String, description = "The job's version"))),
        (status = 409, description = "Not drafted (`bulk_order_not_drafted`), its drafts lapsed (`bulk_order_expired`), another job is running (`bulk_order_running`), or a request with the same `Idempotency-Key` is still running (`idempotency_key_in_flight`, with `Retry-After`)", body = crate::error::Problem, content_type = "application/problem+json",
            headers(("Retry-After" = u64, description = "With `idempotency_key_in_flight`: seconds until a retry may be answered")),
            examples(
                ("bulk_order_not_drafted" = (summary = "The bulk order is not drafted",
                    value = json!({"type": "urn:selvbetjening:problem:bulk_order_not_drafted", "title": "Conflict", "status": 409, "detail": "the bulk order is completed; only a drafted one can be confirmed or cancelled", "code": "bulk_order_not_drafted", "request_id": "01937a4e-8f2c-7cc3-9a51-3b1f0c9d2e47"}))),
                ("idempotency_key_in_flight" = (summary = "A request with the same Idempotency-Key is still running: retry after `Retry-After` seconds",
                    value = json!({"type": "urn:selvbetjening:problem:idempotency_key_in_flight", "title": "The request conflicts with the current state", "status": 409, "detail": "a request with this Idempotency-Key is still running; retry shortly", "code": "idempotency_key_in_flight", "request_id": "01937a4e-8f2c-7cc3-9a51-3b1f0c9d2e47"}))),
            )),
        (status = 422, description = "The Idempotency-Key was used for another request, or is malformed", body = crate::error::Problem, content_type = "application/problem+json",
            example = json!({"type": "urn:selvbetjening:problem:idempotency_key_reused", "title": "Idempotency key reused", "status": 422, "detail": "this Idempotency-Key was used for a different request; use a new key", "code": "idempotency_key_reused", "request_id": "01937a4e-8f2c-7cc3-9a51-3b1f0c9d2e47"})),
    )
)]
#[post("/bulk-orders/{id}/confirm")]
async fn confirm_bulk_order(
    req: HttpRequest,
    who: CompanyAdmin,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let company = who.company();
    let KeyedStep { id, expected, key } =
        keyed_step(&req, company, (&id, "the bulk order"), |id| {
            format!("/bulk-orders/{id}/confirm")
        })?;
    let settings = state.settings.clone();
    let outcome = state
        .run(move |conn| {
            crate::app::bulk::confirm(
                conn,
                &settings,
                &who.0,
                company,
                id,
                expected.as_ref(),
                key.as_ref(),
                accepted,
            )
        })
        .await?;
    state.wake_bulk_orders.notify_one();
    Ok(replayable(outcome))
}

/// Cancels a drafted job: every draft is cancelled and its number and initials freed.
/// Send `If-Match` to cancel exactly the version you reviewed.
#[utoipa::path(
    tag = "bulk-orders",
    operation_id = "cancel_bulk_order",
    summary = "Cancel a drafted bulk order",
    security(("oauth2" = []), ("bearer" = [])),
    params(
        ("id" = Uuid, Path, description = "The bulk order's id"),
        ("If-Match" = Option<String>, Header, max_length = 256, description = "The reviewed version's ETag, e.g. `\"3\"`"),
    ),
    responses(
        (status = 200, description = "The cancelled job", body = BulkOrderDto, headers(("ETag" = String, description = "The job's version"))),
        (status = 409, description = "Not drafted (`bulk_order_not_drafted`), or its drafts lapsed (`bulk_order_expired`)", body = crate::error::Problem, content_type = "application/problem+json",
            example = json!({"type": "urn:selvbetjening:problem:bulk_order_expired", "title": "Conflict", "status": 409, "detail": "the bulk order's drafts expired and let their numbers go; upload the file again", "code": "bulk_order_expired", "request_id": "01937a4e-8f2c-7cc3-9a51-3b1f0c9d2e47"})),
    )
)]
#[delete("/bulk-orders/{id}")]
async fn cancel_bulk_order(
    req: HttpRequest,
    who: CompanyAdmin,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let id = path_id(&id, "the bulk order")?;
    let expected = if_match(&req)?;
    let company = who.company();
    let settings = state.settings.clone();
    let cancelled = state
        .run(move |conn| {
            crate::app::bulk::cancel(conn, &settings, &who.0, company, id, expected.as_ref())
        })
        .await?;
    Ok(job(actix_web::http::StatusCode::OK, &cancelled))
}

/// A job's 202: its URL and version.
fn accepted(job: &BulkOrderDto) -> anyhow::Result<Answer> {
    Ok(Answer::new(202, job)?
        .location(format!("/bulk-orders/{}", job.id))
        .etag(etag(job.version)))
}

/// Approves a bulk order awaiting approval (four eyes): it is confirmed as `POST
/// /bulk-orders/{id}/confirm` would have done it, in the background. Only an admin who is
/// a person (not an API client), and not the one whose confirm waits, may approve.
#[utoipa::path(
    tag = "bulk-orders",
    operation_id = "approve_bulk_order",
    summary = "Approve a bulk order awaiting approval",
    security(("oauth2" = []), ("bearer" = [])),
    params(
        ("id" = Uuid, Path, description = "The bulk order's id"),
        ("If-Match" = Option<String>, Header, max_length = 256, description = "The reviewed version's ETag, e.g. `\"4\"`"),
        ("Idempotency-Key" = Option<crate::wire::text::IdempotencyKey>, Header, description = "Retry safely: the same key replays the first answer (kept 48 h, per company)"),
    ),
    responses(
        (status = 202, description = "Approved: confirming, each draft in the background", body = BulkOrderDto,
            headers(("Location" = String, description = "The job's URL"), ("ETag" = String, description = "The job's version"))),
        (status = 403, description = "The approver asked for this approval (`self_approval`), or is an API client (`api_client_cannot_approve`)", body = crate::error::Problem, content_type = "application/problem+json",
            example = json!({"type": "urn:selvbetjening:problem:self_approval", "title": "Your role may not do this", "status": 403, "detail": "you asked for this approval; another admin must give it", "code": "self_approval", "request_id": "01937a4e-8f2c-7cc3-9a51-3b1f0c9d2e47"})),
        (status = 409, description = "Not awaiting approval (`bulk_order_not_awaiting_approval`), lapsed (`bulk_order_expired`), another job is running (`bulk_order_running`), or a request with the same `Idempotency-Key` is still running (`idempotency_key_in_flight`, with `Retry-After`)", body = crate::error::Problem, content_type = "application/problem+json",
            headers(("Retry-After" = u64, description = "With `idempotency_key_in_flight`: seconds until a retry may be answered")),
            examples(
                ("bulk_order_not_awaiting_approval" = (summary = "The bulk order does not await approval",
                    value = json!({"type": "urn:selvbetjening:problem:bulk_order_not_awaiting_approval", "title": "The request conflicts with the current state", "status": 409, "detail": "the bulk order is drafted; only a bulk order awaiting approval is approved or rejected", "code": "bulk_order_not_awaiting_approval", "request_id": "01937a4e-8f2c-7cc3-9a51-3b1f0c9d2e47"}))),
                ("idempotency_key_in_flight" = (summary = "A request with the same Idempotency-Key is still running: retry after `Retry-After` seconds",
                    value = json!({"type": "urn:selvbetjening:problem:idempotency_key_in_flight", "title": "The request conflicts with the current state", "status": 409, "detail": "a request with this Idempotency-Key is still running; retry shortly", "code": "idempotency_key_in_flight", "request_id": "01937a4e-8f2c-7cc3-9a51-3b1f0c9d2e47"}))),
            )),
        (status = 422, description = "The Idempotency-Key was used for another request, or is malformed", body = crate::error::Problem, content_type = "application/problem+json",
            example = json!({"type": "urn:selvbetjening:problem:idempotency_key_reused", "title": "Idempotency key reused", "status": 422, "detail": "this Idempotency-Key was used for a different request; use a new key", "code": "idempotency_key_reused", "request_id": "01937a4e-8f2c-7cc3-9a51-3b1f0c9d2e47"})),
    )
)]
#[post("/bulk-orders/{id}/approve")]
async fn approve_bulk_order(
    req: HttpRequest,
    who: CompanyAdmin,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let company = who.company();
    let KeyedStep { id, expected, key } =
        keyed_step(&req, company, (&id, "the bulk order"), |id| {
            format!("/bulk-orders/{id}/approve")
        })?;
    let settings = state.settings.clone();
    let outcome = state
        .run(move |conn| {
            crate::app::bulk::approve(
                conn,
                &settings,
                &who.0,
                company,
                id,
                expected.as_ref(),
                key.as_ref(),
                accepted,
            )
        })
        .await?;
    state.wake_bulk_orders.notify_one();
    Ok(replayable(outcome))
}

/// Sends a bulk order awaiting approval back as drafted, with the reason on its
/// `approval`: its drafts get a fresh expiry and can be reviewed, cancelled or confirmed
/// again. Any admin may do this, the maker too.
#[utoipa::path(
    tag = "bulk-orders",
    operation_id = "reject_bulk_order_approval",
    summary = "Reject a bulk order awaiting approval: back to drafted",
    security(("oauth2" = []), ("bearer" = [])),
    params(
        ("id" = Uuid, Path, description = "The bulk order's id"),
        ("If-Match" = Option<String>, Header, max_length = 256, description = "The reviewed version's ETag, e.g. `\"4\"`"),
    ),
    request_body = ApprovalRejection,
    responses(
        (status = 200, description = "The bulk order, drafted again", body = BulkOrderDto, headers(("ETag" = String, description = "The job's new version"))),
        (status = 409, description = "Not awaiting approval (`bulk_order_not_awaiting_approval`), or lapsed (`bulk_order_expired`)", body = crate::error::Problem, content_type = "application/problem+json",
            example = json!({"type": "urn:selvbetjening:problem:bulk_order_not_awaiting_approval", "title": "The request conflicts with the current state", "status": 409, "detail": "the bulk order is drafted; only a bulk order awaiting approval is approved or rejected", "code": "bulk_order_not_awaiting_approval", "request_id": "01937a4e-8f2c-7cc3-9a51-3b1f0c9d2e47"})),
    )
)]
#[post("/bulk-orders/{id}/reject-approval")]
async fn reject_bulk_order_approval(
    req: HttpRequest,
    who: CompanyAdmin,
    state: web::Data<AppState>,
    id: web::Path<String>,
    body: Json<ApprovalRejection>,
) -> ApiResult<HttpResponse> {
    let id = path_id(&id, "the bulk order")?;
    let expected = if_match(&req)?;
    let company = who.company();
    let settings = state.settings.clone();
    let drafted = state
        .run(move |conn| {
            crate::app::bulk::reject(
                conn,
                &settings,
                &who.0,
                company,
                id,
                expected.as_ref(),
                &body.0.reason,
            )
        })
        .await?;
    Ok(job(actix_web::http::StatusCode::OK, &drafted))
}
