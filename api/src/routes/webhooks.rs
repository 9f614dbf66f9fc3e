//! Webhook endpoints, the company admins' own: where the company's events are pushed,
//! signed as Standard Webhooks describes.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, web};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use crate::app::webhooks::NewEndpoint as Registration;
use crate::auth::UnscopedAdmin;
use crate::body::{Json, Query};
use crate::error::{ApiError, ApiResult};
use crate::http::preconditions::{etag, if_match, merge_patch_object, precondition_required};
use crate::http::{page_params, path_id};
use crate::state::AppState;
use crate::wire::webhooks::{
    DeliveryDto, EndpointDto, EndpointPatch, EndpointWithSecret, NewEndpoint,
};
use crate::wire::{Page, PageQuery};

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(create_webhook_endpoint)
        .service(list_webhook_endpoints)
        .service(get_webhook_endpoint)
        .service(edit_webhook_endpoint)
        .service(delete_webhook_endpoint)
        .service(rotate_webhook_secret)
        .service(test_webhook_endpoint)
        .service(list_webhook_deliveries)
        .service(retry_webhook_delivery);
}

/// What a queued delivery is: its id, to find it among the endpoint's deliveries.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"delivery_id": "01937a4e-5555-7cc3-9a51-3b1f0c9d2e47"}))]
pub struct Queued {
    pub delivery_id: Uuid,
}

/// A URL refused as a webhook target: 422 at `/url`.
fn url_refused(err: crate::webhooks::targets::Refused) -> ApiError {
    ApiError::field("/url", "url_not_allowed", err.to_string())
}

/// `url` as this server may send to it: the schema's form, then the targets' rules.
async fn checked_url(state: &AppState, url: &str) -> ApiResult<String> {
    let visible = url.starts_with("http://") || url.starts_with("https://");
    if !visible || url.len() > 2048 || !url.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(ApiError::field(
            "/url",
            "url_invalid",
            "an absolute http(s) URL of at most 2048 visible ASCII characters",
        ));
    }
    crate::webhooks::targets::check(url, state.config.webhook_targets())
        .await
        .map_err(url_refused)?;
    Ok(url.to_owned())
}

fn respond(endpoint: &EndpointDto) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::ETAG, etag(endpoint.version)))
        .json(endpoint)
}

/// Registers an endpoint for some event types. The answer carries its signing secret,
/// shown this once.
#[utoipa::path(
    tag = "events",
    operation_id = "create_webhook_endpoint",
    summary = "Register a webhook endpoint",
    security(("oauth2" = []), ("bearer" = [])),
    request_body = NewEndpoint,
    responses(
        (status = 201, description = "The endpoint and its secret (shown once)", body = EndpointWithSecret,
            headers(("Location" = String, description = "The endpoint's URL"))),
    )
)]
#[post("/webhook-endpoints")]
async fn create_webhook_endpoint(
    who: UnscopedAdmin,
    state: web::Data<AppState>,
    body: Json<NewEndpoint>,
) -> ApiResult<HttpResponse> {
    let NewEndpoint {
        url,
        events,
        description,
    } = body.0;
    let url = checked_url(&state, &url).await?;
    let company = who.company();
    let created = state
        .run(move |conn| {
            crate::app::webhooks::create(
                conn,
                &who.0,
                company,
                Registration {
                    url,
                    events,
                    description,
                },
            )
        })
        .await?;
    Ok(HttpResponse::Created()
        .insert_header((
            header::LOCATION,
            format!("/webhook-endpoints/{}", created.endpoint.id),
        ))
        .json(created))
}

/// The company's endpoints, oldest first.
#[utoipa::path(
    tag = "events",
    operation_id = "list_webhook_endpoints",
    summary = "List webhook endpoints",
    security(("oauth2" = []), ("bearer" = [])),
    params(PageQuery),
    responses((status = 200, description = "A page of endpoints", body = Page<EndpointDto>))
)]
#[get("/webhook-endpoints")]
async fn list_webhook_endpoints(
    who: UnscopedAdmin,
    state: web::Data<AppState>,
    query: Query<PageQuery>,
) -> ApiResult<HttpResponse> {
    let (after, limit) = page_params(&query)?;
    let company = who.company();
    let page: Page<EndpointDto> = state
        .run(move |conn| crate::app::webhooks::list(conn, company, after, limit))
        .await?
        .into();
    Ok(HttpResponse::Ok().json(page))
}

/// One endpoint (never its secret).
#[utoipa::path(
    tag = "events",
    operation_id = "get_webhook_endpoint",
    summary = "Get a webhook endpoint",
    security(("oauth2" = []), ("bearer" = [])),
    params(("id" = Uuid, Path, description = "The endpoint's id")),
    responses((status = 200, description = "The endpoint", body = EndpointDto,
        headers(("ETag" = String, description = "The endpoint's version"))))
)]
#[get("/webhook-endpoints/{id}")]
async fn get_webhook_endpoint(
    who: UnscopedAdmin,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let id = path_id(&id, "the webhook endpoint")?;
    let company = who.company();
    let endpoint = state
        .run(move |conn| crate::app::webhooks::get(conn, company, id))
        .await?;
    Ok(respond(&endpoint))
}

/// Changes an endpoint's URL, event types, description, or whether it is enabled
/// (enabling it again starts its failing streak over). `If-Match` with the version you
/// read is required.
#[utoipa::path(
    tag = "events",
    operation_id = "edit_webhook_endpoint",
    summary = "Change a webhook endpoint (merge patch)",
    security(("oauth2" = []), ("bearer" = [])),
    params(
        ("id" = Uuid, Path, description = "The endpoint's id"),
        ("If-Match" = String, Header, max_length = 256, description = "The ETag of the version you read, e.g. `\"1\"`"),
    ),
    request_body(content = EndpointPatch, content_type = "application/merge-patch+json"),
    responses((status = 200, description = "The changed endpoint", body = EndpointDto,
        headers(("ETag" = String, description = "The new version"))))
)]
#[patch("/webhook-endpoints/{id}")]
async fn edit_webhook_endpoint(
    req: HttpRequest,
    who: UnscopedAdmin,
    state: web::Data<AppState>,
    id: web::Path<String>,
    patch: Json<serde_json::Value>,
) -> ApiResult<HttpResponse> {
    let id = path_id(&id, "the webhook endpoint")?;
    let expected = if_match(&req)?.ok_or_else(precondition_required)?;
    merge_patch_object(&patch.0)?;
    let description_removed = patch.0.get("description").is_some_and(|d| d.is_null());
    let mut fields: EndpointPatch =
        crate::body::from_value(&patch.0).map_err(|e| ApiError::validation(vec![e]))?;
    if let Some(url) = fields.url.take() {
        fields.url = Some(checked_url(&state, &url).await?);
    }
    let company = who.company();
    let endpoint = state
        .run(move |conn| {
            crate::app::webhooks::change(
                conn,
                &who.0,
                company,
                id,
                &expected,
                fields,
                description_removed,
            )
        })
        .await?;
    Ok(respond(&endpoint))
}

/// Deletes an endpoint with its delivery log; nothing more is sent to it.
#[utoipa::path(
    tag = "events",
    operation_id = "delete_webhook_endpoint",
    summary = "Delete a webhook endpoint",
    security(("oauth2" = []), ("bearer" = [])),
    params(("id" = Uuid, Path, description = "The endpoint's id")),
    responses((status = 204, description = "Deleted"))
)]
#[delete("/webhook-endpoints/{id}")]
async fn delete_webhook_endpoint(
    who: UnscopedAdmin,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let id = path_id(&id, "the webhook endpoint")?;
    let company = who.company();
    state
        .run(move |conn| crate::app::webhooks::delete(conn, &who.0, company, id))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// A new signing secret, shown this once; the old one keeps signing beside it (a second
/// signature in `webhook-signature`) for 24 hours, so receivers can switch without losing
/// a delivery.
#[utoipa::path(
    tag = "events",
    operation_id = "rotate_webhook_secret",
    summary = "Rotate a webhook endpoint's secret",
    security(("oauth2" = []), ("bearer" = [])),
    params(("id" = Uuid, Path, description = "The endpoint's id")),
    responses((status = 200, description = "The endpoint and its new secret (shown once)", body = EndpointWithSecret))
)]
#[post("/webhook-endpoints/{id}/rotate-secret")]
async fn rotate_webhook_secret(
    who: UnscopedAdmin,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let id = path_id(&id, "the webhook endpoint")?;
    let company = who.company();
    let rotated = state
        .run(move |conn| crate::app::webhooks::rotate(conn, &who.0, company, id))
        .await?;
    Ok(HttpResponse::Ok().json(rotated))
}

/// Queues a `ping` to the endpoint, signed and delivered like an event (whatever types
/// it receives), to check the receiver end to end.
#[utoipa::path(
    tag = "events",
    operation_id = "test_webhook_endpoint",
    summary = "Send a test ping",
    security(("oauth2" = []), ("bearer" = [])),
    params(("id" = Uuid, Path, description = "The endpoint's id")),
    responses((status = 202, description = "The ping is queued", body = Queued))
)]
#[post("/webhook-endpoints/{id}/test")]
async fn test_webhook_endpoint(
    who: UnscopedAdmin,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let id = path_id(&id, "the webhook endpoint")?;
    let company = who.company();
    let delivery_id = state
        .run(move |conn| crate::app::webhooks::ping(conn, company, id))
        .await?;
    Ok(HttpResponse::Accepted().json(Queued { delivery_id }))
}

/// The endpoint's deliveries, newest first, each with every attempt: when, the status
/// code or why there was none, and how long it took.
#[utoipa::path(
    tag = "events",
    operation_id = "list_webhook_deliveries",
    summary = "List an endpoint's deliveries",
    security(("oauth2" = []), ("bearer" = [])),
    params(("id" = Uuid, Path, description = "The endpoint's id"), PageQuery),
    responses((status = 200, description = "A page of deliveries", body = Page<DeliveryDto>))
)]
#[get("/webhook-endpoints/{id}/deliveries")]
async fn list_webhook_deliveries(
    who: UnscopedAdmin,
    state: web::Data<AppState>,
    id: web::Path<String>,
    query: Query<PageQuery>,
) -> ApiResult<HttpResponse> {
    let id = path_id(&id, "the webhook endpoint")?;
    let (after, limit) = page_params(&query)?;
    let company = who.company();
    let page: Page<DeliveryDto> = state
        .run(move |conn| crate::app::webhooks::deliveries(conn, company, id, after, limit))
        .await?
        .into();
    Ok(HttpResponse::Ok().json(page))
}

/// Sends a delivery again now, whatever became of it (delivered, failed, or waiting for
/// its next attempt); with the same `webhook-id`.
#[utoipa::path(
    tag = "events",
    operation_id = "retry_webhook_delivery",
    summary = "Retry a delivery",
    security(("oauth2" = []), ("bearer" = [])),
    params(
        ("id" = Uuid, Path, description = "The endpoint's id"),
        ("delivery_id" = Uuid, Path, description = "The delivery's id"),
    ),
    responses((status = 202, description = "The delivery is due again", body = Queued))
)]
#[post("/webhook-endpoints/{id}/deliveries/{delivery_id}/retry")]
async fn retry_webhook_delivery(
    who: UnscopedAdmin,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> ApiResult<HttpResponse> {
    let (id, delivery) = path.into_inner();
    let id = path_id(&id, "the webhook endpoint")?;
    let delivery_id = path_id(&delivery, "the delivery")?;
    let company = who.company();
    let now = state.config.machine_clock.stamp();
    state
        .run(move |conn| crate::app::webhooks::retry(conn, company, id, delivery_id, now))
        .await?;
    Ok(HttpResponse::Accepted().json(Queued { delivery_id }))
}
