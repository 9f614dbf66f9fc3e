//! Orders over HTTP: the draft, its review page, edits, cancel and confirm. The work is
//! in [`crate::app::orders`].

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, web};
use domain::order::OrderStatus;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::app::idempotency::Answer;
use crate::app::orders::Confirmed;
use crate::auth::{CompanyAdmin, CompanyReader};
use crate::body::{Json, Query};
use crate::error::{ApiError, ApiResult};
use crate::http::preconditions::{etag, if_match, merge_patch_object, precondition_required};
use crate::http::{KeyedStep, idempotency_key, keyed_step, list_params, path_id, replayable};
use crate::state::AppState;
use crate::wire::Page;
use crate::wire::orders::{
    ApprovalRejection, Confirmation, OrderDto, OrderForm, OrderListQuery, OrderPatch,
};

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(create_order)
        .service(list_orders)
        .service(get_order)
        .service(edit_order)
        .service(cancel_order)
        .service(confirm_order)
        .service(approve_order)
        .service(reject_order_approval);
}

/// The review page with its version as ETag.
fn review(order: &OrderDto) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::ETAG, etag(order.version)))
        .json(order)
}

/// Creates a draft from the complete form and answers with the review page: the priced
/// summary, the reserved number and when the draft expires.
#[utoipa::path(
    tag = "orders",
    operation_id = "create_order",
    summary = "Create a draft order (review page)",
    security(("oauth2" = []), ("bearer" = [])),
    params(("Idempotency-Key" = Option<crate::wire::text::IdempotencyKey>, Header, description = "Retry safely: the same key and body replay the first answer (kept 48 h, per company)")),
    request_body = OrderForm,
    responses(
        (status = 201, description = "The draft: the review page", body = OrderDto,
            headers(("Location" = String, description = "The draft's URL"), ("ETag" = String, description = "The draft's version"))),
        (status = 409, description = "The number is not free (`number_unavailable`), or a request with the same `Idempotency-Key` is still running (`idempotency_key_in_flight`, with `Retry-After`)", body = crate::error::Problem, content_type = "application/problem+json",
            headers(("Retry-After" = u64, description = "With `idempotency_key_in_flight`: seconds until a retry may be answered")),
            examples(
                ("number_unavailable" = (summary = "The number is not free",
                    value = json!({"type": "urn:selvbetjening:problem:number_unavailable", "title": "Conflict", "status": 409, "detail": "+4520710001 is not free; pick another from GET /numbers/available", "code": "number_unavailable", "request_id": "01937a4e-8f2c-7cc3-9a51-3b1f0c9d2e47", "errors": [{"pointer": "/number/number", "code": "number_unavailable", "message": "+4520710001 is not free"}]}))),
                ("idempotency_key_in_flight" = (summary = "A request with the same Idempotency-Key is still running: retry after `Retry-After` seconds",
                    value = json!({"type": "urn:selvbetjening:problem:idempotency_key_in_flight", "title": "The request conflicts with the current state", "status": 409, "detail": "a request with this Idempotency-Key is still running; retry shortly", "code": "idempotency_key_in_flight", "request_id": "01937a4e-8f2c-7cc3-9a51-3b1f0c9d2e47"})))
            )),
    )
)]
#[post("/orders")]
async fn create_order(
    req: HttpRequest,
    who: CompanyAdmin,
    state: web::Data<AppState>,
    raw: Json<serde_json::Value>,
) -> ApiResult<HttpResponse> {
    let company = who.company();
    let key = idempotency_key(&req, company, format!("POST /orders {}", raw.0))?;
    let form: OrderForm =
        crate::body::from_value(&raw.0).map_err(|e| ApiError::validation(vec![e]))?;
    let settings = state.settings.clone();
    let outcome = state
        .run(move |conn| {
            crate::app::orders::create(
                conn,
                &settings,
                &who.0,
                company,
                &form,
                key.as_ref(),
                |order| {
                    Ok(Answer::new(201, order)?
                        .location(format!("/orders/{}", order.id))
                        .etag(etag(order.version)))
                },
            )
        })
        .await?;
    Ok(replayable(outcome))
}

/// One order, as its review page.
#[utoipa::path(
    tag = "orders",
    operation_id = "get_order",
    summary = "Get an order",
    security(("oauth2" = []), ("bearer" = [])),
    params(("id" = Uuid, Path, description = "The order's id")),
    responses((status = 200, description = "The order", body = OrderDto, headers(("ETag" = String, description = "The order's version"))))
)]
#[get("/orders/{id}")]
async fn get_order(
    who: CompanyReader,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let id = path_id(&id, "the order")?;
    let company = who.company();
    let settings = state.settings.clone();
    let order = state
        .run(move |conn| crate::app::orders::get(conn, &settings, (company, &who.0.scope), id))
        .await?;
    Ok(review(&order))
}

/// The company's orders, oldest first.
#[utoipa::path(
    tag = "orders",
    operation_id = "list_orders",
    summary = "List orders",
    security(("oauth2" = []), ("bearer" = [])),
    params(OrderListQuery),
    responses((status = 200, description = "A page of orders", body = Page<OrderDto>))
)]
#[get("/orders")]
async fn list_orders(
    who: CompanyReader,
    state: web::Data<AppState>,
    query: Query<OrderListQuery>,
) -> ApiResult<HttpResponse> {
    let (after, limit, status) = list_params::<OrderStatus>(
        query.cursor.as_deref(),
        query.limit,
        query.status.as_deref(),
        "draft, confirmed, cancelled, expired",
    )?;
    let company = who.company();
    let settings = state.settings.clone();
    let page: Page<OrderDto> = state
        .run(move |conn| {
            let within = (company, &who.0.scope);
            crate::app::orders::list(conn, &settings, within, status, after, limit)
        })
        .await?;
    Ok(HttpResponse::Ok().json(page))
}

/// Corrects a draft ("Jeg ønsker at rette i min bestilling"): re-validated, re-priced,
/// the reservation moved if the number changes, and the expiry pushed forward.
/// `If-Match` with the reviewed version is required.
#[utoipa::path(
    tag = "orders",
    operation_id = "edit_order",
    summary = "Edit a draft (merge patch)",
    security(("oauth2" = []), ("bearer" = [])),
    params(
        ("id" = Uuid, Path, description = "The order's id"),
        ("If-Match" = String, Header, max_length = 256, description = "The reviewed version's ETag, e.g. `\"1\"`"),
    ),
    request_body(content = OrderPatch, content_type = "application/merge-patch+json"),
    responses(
        (status = 200, description = "The edited draft", body = OrderDto, headers(("ETag" = String, description = "The new version"))),
        (status = 409, description = "Not a draft, or the new number is not free", body = crate::error::Problem, content_type = "application/problem+json",
            example = json!({"type": "urn:selvbetjening:problem:order_expired", "title": "Conflict", "status": 409, "detail": "the draft expired and let its number go; create a new order", "code": "order_expired", "request_id": "01937a4e-8f2c-7cc3-9a51-3b1f0c9d2e47"})),
    )
)]
#[patch("/orders/{id}")]
async fn edit_order(
    req: HttpRequest,
    who: CompanyAdmin,
    state: web::Data<AppState>,
    id: web::Path<String>,
    patch: Json<serde_json::Value>,
) -> ApiResult<HttpResponse> {
    let id = path_id(&id, "the order")?;
    let expected = if_match(&req)?.ok_or_else(precondition_required)?;
    merge_patch_object(&patch.0)?;
    let company = who.company();
    let settings = state.settings.clone();
    let order = state
        .run(move |conn| {
            crate::app::orders::edit(conn, &settings, &who.0, company, id, &expected, &patch.0)
        })
        .await?;
    Ok(review(&order))
}

/// Cancels a draft and frees its number and initials.
#[utoipa::path(
    tag = "orders",
    operation_id = "cancel_order",
    summary = "Cancel a draft",
    security(("oauth2" = []), ("bearer" = [])),
    params(("id" = Uuid, Path, description = "The order's id")),
    responses(
        (status = 200, description = "The cancelled order", body = OrderDto),
        (status = 409, description = "Not a draft (`order_not_draft`, `order_expired`)", body = crate::error::Problem, content_type = "application/problem+json",
            example = json!({"type": "urn:selvbetjening:problem:order_not_draft", "title": "Conflict", "status": 409, "detail": "the order is confirmed; only a draft can change", "code": "order_not_draft", "request_id": "01937a4e-8f2c-7cc3-9a51-3b1f0c9d2e47"})),
    )
)]
#[delete("/orders/{id}")]
async fn cancel_order(
    who: CompanyAdmin,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let id = path_id(&id, "the order")?;
    let company = who.company();
    let settings = state.settings.clone();
    let order = state
        .run(move |conn| crate::app::orders::cancel(conn, &settings, &who.0, company, id))
        .await?;
    Ok(review(&order))
}

/// Approves a draft ("Godkend og opret"). In one transaction: the order is confirmed,
/// the subscription created with its SIM and sign-in address, the number assigned, the
/// welcome email queued and the audit event written. Send `If-Match` to confirm exactly
/// the version you reviewed.
#[utoipa::path(
    tag = "orders",
    operation_id = "confirm_order",
    summary = "Confirm a draft: create the subscription",
    security(("oauth2" = []), ("bearer" = [])),
    params(
        ("id" = Uuid, Path, description = "The order's id"),
        ("If-Match" = Option<String>, Header, max_length = 256, description = "The reviewed version's ETag, e.g. `\"1\"`"),
        ("Idempotency-Key" = Option<crate::wire::text::IdempotencyKey>, Header, description = "Retry safely: the same key replays the first answer (kept 48 h, per company)"),
    ),
    responses(
        (status = 422, description = "The Idempotency-Key was used for another request, or is malformed", body = crate::error::Problem, content_type = "application/problem+json",
            example = json!({"type": "urn:selvbetjening:problem:idempotency_key_reused", "title": "Idempotency key reused", "status": 422, "detail": "this Idempotency-Key was used for a different request; use a new key", "code": "idempotency_key_reused", "request_id": "01937a4e-8f2c-7cc3-9a51-3b1f0c9d2e47"})),
        (status = 201, description = "Confirmed: the subscription exists", body = Confirmation,
            headers(("Location" = String, description = "The subscription's URL"))),
        (status = 202, description = "The company's approval rule caught the order: it is `awaiting_approval` until another admin approves it (`POST /orders/{id}/approve`) or its approval expires; its number stays reserved until then, and the company's other admins are emailed", body = OrderDto,
            headers(("Location" = String, description = "The order's URL"), ("ETag" = String, description = "The order's version"))),
        (status = 409, description = "Not a draft, expired, or the number was lost; the company already has `MAX_UNSIGNED_PORTS` ports awaiting a signature (`too_many_unsigned_ports`); or a request with the same `Idempotency-Key` is still running (`idempotency_key_in_flight`, with `Retry-After`)", body = crate::error::Problem, content_type = "application/problem+json",
            headers(("Retry-After" = u64, description = "With `idempotency_key_in_flight`: seconds until a retry may be answered")),
            examples(
                ("order_not_draft" = (summary = "The order is no longer a draft",
                    value = json!({"type": "urn:selvbetjening:problem:order_not_draft", "title": "Conflict", "status": 409, "detail": "the order is confirmed; only a draft can change", "code": "order_not_draft", "request_id": "01937a4e-8f2c-7cc3-9a51-3b1f0c9d2e47"}))),
                ("idempotency_key_in_flight" = (summary = "A request with the same Idempotency-Key is still running: retry after `Retry-After` seconds",
                    value = json!({"type": "urn:selvbetjening:problem:idempotency_key_in_flight", "title": "The request conflicts with the current state", "status": 409, "detail": "a request with this Idempotency-Key is still running; retry shortly", "code": "idempotency_key_in_flight", "request_id": "01937a4e-8f2c-7cc3-9a51-3b1f0c9d2e47"})))
            )),
    )
)]
#[post("/orders/{id}/confirm")]
async fn confirm_order(
    req: HttpRequest,
    who: CompanyAdmin,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let company = who.company();
    let KeyedStep { id, expected, key } = keyed_step(&req, company, (&id, "the order"), |id| {
        format!("/orders/{id}/confirm")
    })?;
    let settings = state.settings.clone();
    let outcome = state
        .run(move |conn| {
            crate::app::orders::confirm(
                conn,
                &settings,
                &who.0,
                company,
                id,
                expected.as_ref(),
                key.as_ref(),
                |done: &Confirmed| match done {
                    Confirmed::Done(done) => confirmed(done),
                    Confirmed::AwaitingApproval(order) => Ok(Answer::new(202, order)?
                        .location(format!("/orders/{}", order.id))
                        .etag(etag(order.version))),
                },
            )
        })
        .await?;
    Ok(replayable(outcome))
}

/// A confirm's answer: the subscription's URL and the confirmation.
fn confirmed(done: &Confirmation) -> anyhow::Result<Answer> {
    Ok(Answer::new(201, done)?.location(format!("/subscriptions/{}", done.subscription.id)))
}

/// Approves an order awaiting approval (four eyes): the confirm happens now, as `POST
/// /orders/{id}/confirm` would have done it: the subscription, the number or its port, the
/// welcome email and the events. Only an admin who is a person (not an API client), and
/// not the one whose confirm waits, may approve.
#[utoipa::path(
    tag = "orders",
    operation_id = "approve_order",
    summary = "Approve an order awaiting approval: create the subscription",
    security(("oauth2" = []), ("bearer" = [])),
    params(
        ("id" = Uuid, Path, description = "The order's id"),
        ("If-Match" = Option<String>, Header, max_length = 256, description = "The reviewed version's ETag, e.g. `\"2\"`"),
        ("Idempotency-Key" = Option<crate::wire::text::IdempotencyKey>, Header, description = "Retry safely: the same key replays the first answer (kept 48 h, per company)"),
    ),
    responses(
        (status = 201, description = "Approved and confirmed: the subscription exists", body = Confirmation,
            headers(("Location" = String, description = "The subscription's URL"))),
        (status = 403, description = "The approver asked for this approval (`self_approval`), or is an API client (`api_client_cannot_approve`)", body = crate::error::Problem, content_type = "application/problem+json",
            example = json!({"type": "urn:selvbetjening:problem:self_approval", "title": "Your role may not do this", "status": 403, "detail": "you asked for this approval; another admin must give it", "code": "self_approval", "request_id": "01937a4e-8f2c-7cc3-9a51-3b1f0c9d2e47"})),
        (status = 409, description = "The order does not await approval (`order_not_awaiting_approval`), its approval expired (`approval_expired`), or a request with the same `Idempotency-Key` is still running (`idempotency_key_in_flight`, with `Retry-After`)", body = crate::error::Problem, content_type = "application/problem+json",
            headers(("Retry-After" = u64, description = "With `idempotency_key_in_flight`: seconds until a retry may be answered")),
            examples(
                ("order_not_awaiting_approval" = (summary = "The order does not await approval",
                    value = json!({"type": "urn:selvbetjening:problem:order_not_awaiting_approval", "title": "The request conflicts with the current state", "status": 409, "detail": "the order is confirmed; only an order awaiting approval is approved or rejected", "code": "order_not_awaiting_approval", "request_id": "01937a4e-8f2c-7cc3-9a51-3b1f0c9d2e47"}))),
                ("idempotency_key_in_flight" = (summary = "A request with the same Idempotency-Key is still running: retry after `Retry-After` seconds",
                    value = json!({"type": "urn:selvbetjening:problem:idempotency_key_in_flight", "title": "The request conflicts with the current state", "status": 409, "detail": "a request with this Idempotency-Key is still running; retry shortly", "code": "idempotency_key_in_flight", "request_id": "01937a4e-8f2c-7cc3-9a51-3b1f0c9d2e47"}))),
            )),
        (status = 422, description = "The Idempotency-Key was used for another request, or is malformed", body = crate::error::Problem, content_type = "application/problem+json",
            example = json!({"type": "urn:selvbetjening:problem:idempotency_key_reused", "title": "Idempotency key reused", "status": 422, "detail": "this Idempotency-Key was used for a different request; use a new key", "code": "idempotency_key_reused", "request_id": "01937a4e-8f2c-7cc3-9a51-3b1f0c9d2e47"})),
    )
)]
#[post("/orders/{id}/approve")]
async fn approve_order(
    req: HttpRequest,
    who: CompanyAdmin,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let company = who.company();
    let KeyedStep { id, expected, key } = keyed_step(&req, company, (&id, "the order"), |id| {
        format!("/orders/{id}/approve")
    })?;
    let settings = state.settings.clone();
    let outcome = state
        .run(move |conn| {
            crate::app::orders::approve(
                conn,
                &settings,
                &who.0,
                company,
                id,
                expected.as_ref(),
                key.as_ref(),
                confirmed,
            )
        })
        .await?;
    Ok(replayable(outcome))
}

/// Sends an order awaiting approval back to its maker: it is a draft again, with a fresh
/// expiry and its number still reserved, and the reason is kept on its `approval`. Any
/// admin may do this, the maker too (to correct the order before asking again).
#[utoipa::path(
    tag = "orders",
    operation_id = "reject_order_approval",
    summary = "Reject an order awaiting approval: back to draft",
    security(("oauth2" = []), ("bearer" = [])),
    params(
        ("id" = Uuid, Path, description = "The order's id"),
        ("If-Match" = Option<String>, Header, max_length = 256, description = "The reviewed version's ETag, e.g. `\"2\"`"),
    ),
    request_body = ApprovalRejection,
    responses(
        (status = 200, description = "The order, a draft again", body = OrderDto, headers(("ETag" = String, description = "The order's new version"))),
        (status = 409, description = "The order does not await approval (`order_not_awaiting_approval`), or its approval expired (`approval_expired`)", body = crate::error::Problem, content_type = "application/problem+json",
            example = json!({"type": "urn:selvbetjening:problem:approval_expired", "title": "The request conflicts with the current state", "status": 409, "detail": "nobody approved the order in time and its number went free; create a new order", "code": "approval_expired", "request_id": "01937a4e-8f2c-7cc3-9a51-3b1f0c9d2e47"})),
    )
)]
#[post("/orders/{id}/reject-approval")]
async fn reject_order_approval(
    req: HttpRequest,
    who: CompanyAdmin,
    state: web::Data<AppState>,
    id: web::Path<String>,
    body: Json<ApprovalRejection>,
) -> ApiResult<HttpResponse> {
    let id = path_id(&id, "the order")?;
    let expected = if_match(&req)?;
    let company = who.company();
    let settings = state.settings.clone();
    let order = state
        .run(move |conn| {
            crate::app::orders::reject(
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
    Ok(review(&order))
}
