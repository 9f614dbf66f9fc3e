//! Subscriptions over HTTP: list, read, change and terminate. The work is in
//! [`crate::app::subscriptions`].

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, HttpResponseBuilder, get, patch, post, web};
use domain::subscription::SubscriptionStatus;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::app::subscriptions::SubscriptionError;
use crate::auth::{CompanyAdmin, CompanyReader};
use crate::body::{Json, Query};
use crate::error::ApiResult;
use crate::http::preconditions::{etag, if_match, merge_patch_object, precondition_required};
use crate::http::{JsonBody, list_params, path_id};
use crate::state::AppState;
use crate::wire::Page;
use crate::wire::subscriptions::{
    SEARCH_MAX, SubscriptionDto, SubscriptionListQuery, SubscriptionPatch, Termination,
};

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_subscriptions)
        .service(get_subscription)
        .service(edit_subscription)
        .service(terminate_subscription);
}

/// A subscription's JSON is about 1.2 KB; room for that and a bit more.
const PAGE_ITEM_BYTES: usize = 1536;

/// A 200 carrying a subscription's version as ETag.
fn etagged(version: i32) -> HttpResponseBuilder {
    let mut builder = HttpResponse::Ok();
    builder.insert_header((header::ETAG, etag(version)));
    builder
}

/// The subscription with its version as ETag.
fn respond(subscription: &SubscriptionDto) -> HttpResponse {
    etagged(subscription.version).json(subscription)
}

/// The company's subscriptions, oldest first.
#[utoipa::path(
    tag = "subscriptions",
    operation_id = "list_subscriptions",
    summary = "List subscriptions",
    security(("oauth2" = []), ("bearer" = [])),
    params(SubscriptionListQuery),
    responses((status = 200, description = "A page of subscriptions", body = Page<SubscriptionDto>))
)]
#[get("/subscriptions")]
async fn list_subscriptions(
    who: CompanyReader,
    state: web::Data<AppState>,
    query: Query<SubscriptionListQuery>,
) -> ApiResult<HttpResponse> {
    let (after, limit, status) = list_params::<SubscriptionStatus>(
        query.cursor.as_deref(),
        query.limit,
        query.status.as_deref(),
        "pending_port, active, terminated",
    )?;
    if let Some(q) = query.q.as_deref() {
        crate::fields::at_most("/query/q", q, SEARCH_MAX)?;
    }
    // Composed as stored names are, so a search typed either way finds them.
    let q = query
        .q
        .as_deref()
        .map(str::trim)
        .filter(|q| !q.is_empty())
        .map(|q| domain::text::composed(q).into_owned());
    let company = who.company();
    let catalog = state.settings.catalog.clone();
    let page = state
        .run(move |conn| {
            let page = crate::app::subscriptions::list(
                conn,
                &catalog,
                (company, &who.0.scope),
                q.as_deref(),
                status,
                after,
                limit,
            )?;
            Ok::<_, SubscriptionError>(JsonBody::of(&page, page.items.len() * PAGE_ITEM_BYTES)?)
        })
        .await?;
    Ok(page.ok())
}

/// One subscription.
#[utoipa::path(
    tag = "subscriptions",
    operation_id = "get_subscription",
    summary = "Get a subscription",
    security(("oauth2" = []), ("bearer" = [])),
    params(("id" = Uuid, Path, description = "The subscription's id")),
    responses((status = 200, description = "The subscription", body = SubscriptionDto, headers(("ETag" = String, description = "The subscription's version"))))
)]
#[get("/subscriptions/{id}")]
async fn get_subscription(
    who: CompanyReader,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let id = path_id(&id, "the subscription")?;
    let company = who.company();
    let catalog = state.settings.catalog.clone();
    let (version, body) = state
        .run(move |conn| {
            let s = crate::app::subscriptions::get(conn, &catalog, (company, &who.0.scope), id)?;
            Ok::<_, SubscriptionError>((s.version, JsonBody::of(&s, PAGE_ITEM_BYTES)?))
        })
        .await?;
    Ok(body.respond(etagged(version)))
}

/// Changes a subscription's mobile package, data-sharing cards or the employee's name,
/// title and cost centre; the price follows. `If-Match` with the version you read is
/// required.
#[utoipa::path(
    tag = "subscriptions",
    operation_id = "edit_subscription",
    summary = "Change a subscription (merge patch)",
    security(("oauth2" = []), ("bearer" = [])),
    params(
        ("id" = Uuid, Path, description = "The subscription's id"),
        ("If-Match" = String, Header, max_length = 256, description = "The ETag of the version you read, e.g. `\"1\"`"),
    ),
    request_body(content = SubscriptionPatch, content_type = "application/merge-patch+json"),
    responses(
        (status = 200, description = "The changed subscription, re-priced", body = SubscriptionDto, headers(("ETag" = String, description = "The new version"))),
        (status = 409, description = "The subscription is terminated", body = crate::error::Problem, content_type = "application/problem+json",
            example = json!({"type": "urn:selvbetjening:problem:subscription_terminated", "title": "Conflict", "status": 409, "detail": "the subscription is terminated; it can no longer change", "code": "subscription_terminated", "request_id": "01937a4e-8f2c-7cc3-9a51-3b1f0c9d2e47"})),
    )
)]
#[patch("/subscriptions/{id}")]
async fn edit_subscription(
    req: HttpRequest,
    who: CompanyAdmin,
    state: web::Data<AppState>,
    id: web::Path<String>,
    patch: Json<serde_json::Value>,
) -> ApiResult<HttpResponse> {
    let id = path_id(&id, "the subscription")?;
    let expected = if_match(&req)?.ok_or_else(precondition_required)?;
    merge_patch_object(&patch.0)?;
    let company = who.company();
    let settings = state.settings.clone();
    let subscription = state
        .run(move |conn| {
            let (who, patch) = (&who.0, &patch.0);
            crate::app::subscriptions::change(conn, &settings, who, company, id, &expected, patch)
        })
        .await?;
    Ok(respond(&subscription))
}

/// Terminates a subscription on a date: today ends it at once, a later date schedules it
/// (`terminates_on`). On termination the number returns to the company's pool and the
/// initials are free again. A subscription still waiting for its ported number ends
/// only at once, by cancelling its port. Send `If-Match` to terminate exactly the
/// version you read.
#[utoipa::path(
    tag = "subscriptions",
    operation_id = "terminate_subscription",
    summary = "Terminate a subscription",
    security(("oauth2" = []), ("bearer" = [])),
    params(
        ("id" = Uuid, Path, description = "The subscription's id"),
        ("If-Match" = Option<String>, Header, max_length = 256, description = "The ETag of the version you read, e.g. `\"1\"`"),
    ),
    request_body = Termination,
    responses(
        (status = 200, description = "Terminated, or scheduled to be (`terminates_on`)", body = SubscriptionDto, headers(("ETag" = String, description = "The new version"))),
        (status = 409, description = "Already terminated, or its number port can no longer be cancelled", body = crate::error::Problem, content_type = "application/problem+json",
            example = json!({"type": "urn:selvbetjening:problem:subscription_terminated", "title": "Conflict", "status": 409, "detail": "the subscription is terminated; it can no longer change", "code": "subscription_terminated", "request_id": "01937a4e-8f2c-7cc3-9a51-3b1f0c9d2e47"})),
    )
)]
#[post("/subscriptions/{id}/terminate")]
async fn terminate_subscription(
    req: HttpRequest,
    who: CompanyAdmin,
    state: web::Data<AppState>,
    id: web::Path<String>,
    body: Json<Termination>,
) -> ApiResult<HttpResponse> {
    let id = path_id(&id, "the subscription")?;
    let expected = if_match(&req)?;
    let on = body.0.effective_date;
    let company = who.company();
    let settings = state.settings.clone();
    let subscription = state
        .run(move |conn| {
            let (who, expected) = (&who.0, expected.as_ref());
            crate::app::subscriptions::terminate(conn, &settings, who, company, id, expected, on)
        })
        .await?;
    Ok(respond(&subscription))
}
