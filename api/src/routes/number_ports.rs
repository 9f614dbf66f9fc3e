//! Number ports over HTTP, for the company's admins (viewers read): follow a port, send
//! the owner's link again, correct the owner or number, cancel. The work is in
//! [`crate::app::porting`].

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, patch, post, web};
use domain::porting::PortStatus;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::auth::{CompanyAdmin, CompanyReader};
use crate::body::{Json, Query};
use crate::error::ApiResult;
use crate::http::preconditions::{etag, if_match, merge_patch_object, precondition_required};
use crate::http::{list_params, path_id};
use crate::state::AppState;
use crate::wire::Page;
use crate::wire::number_ports::{NumberPortDto, PortListQuery, PortPatch};

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_number_ports)
        .service(get_number_port)
        .service(correct_number_port)
        .service(resend_power_of_attorney)
        .service(cancel_number_port);
}

/// The port with its version as ETag.
fn respond(port: &NumberPortDto) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::ETAG, etag(port.version)))
        .json(port)
}

/// The company's number ports, oldest first.
#[utoipa::path(
    tag = "porting",
    operation_id = "list_number_ports",
    summary = "List number ports",
    security(("oauth2" = []), ("bearer" = [])),
    params(PortListQuery),
    responses((status = 200, description = "A page of number ports", body = Page<NumberPortDto>))
)]
#[get("/number-ports")]
async fn list_number_ports(
    who: CompanyReader,
    state: web::Data<AppState>,
    query: Query<PortListQuery>,
) -> ApiResult<HttpResponse> {
    let (after, limit, status) = list_params::<PortStatus>(
        query.cursor.as_deref(),
        query.limit,
        query.status.as_deref(),
        "awaiting_signature, signed, submitted, accepted, rejected, completed, expired, cancelled",
    )?;
    let company = who.company();
    let page: Page<NumberPortDto> = state
        .run(move |conn| {
            let within = (company, &who.0.scope);
            crate::app::porting::manage::list(conn, within, status, after, limit)
        })
        .await?;
    Ok(HttpResponse::Ok().json(page))
}

/// One number port: its state, port date, rejection, history, and who signed.
#[utoipa::path(
    tag = "porting",
    operation_id = "get_number_port",
    summary = "Get a number port",
    security(("oauth2" = []), ("bearer" = [])),
    params(("id" = Uuid, Path, description = "The port's id")),
    responses((status = 200, description = "The number port", body = NumberPortDto, headers(("ETag" = String, description = "The port's version"))))
)]
#[get("/number-ports/{id}")]
async fn get_number_port(
    who: CompanyReader,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let id = path_id(&id, "the number port")?;
    let company = who.company();
    let port = state
        .run(move |conn| crate::app::porting::manage::get(conn, (company, &who.0.scope), id))
        .await?;
    Ok(respond(&port))
}

/// Corrects the owner's email, the owner's name or the number while the port awaits its
/// signature or after the donor refused it. Changing the number or the name needs the
/// owner's signature again: the port goes back to `awaiting_signature` with a new link
/// (the old one stops working). After a rejection any other correction goes to the donor
/// again under the signature already given (`submitted`). `If-Match` is required.
#[utoipa::path(
    tag = "porting",
    operation_id = "correct_number_port",
    summary = "Correct a number port (merge patch)",
    security(("oauth2" = []), ("bearer" = [])),
    params(
        ("id" = Uuid, Path, description = "The port's id"),
        ("If-Match" = String, Header, max_length = 256, description = "The ETag of the version you read, e.g. `\"1\"`"),
    ),
    request_body(content = PortPatch, content_type = "application/merge-patch+json"),
    responses(
        (status = 200, description = "The corrected port", body = NumberPortDto, headers(("ETag" = String, description = "The new version"))),
        (status = 409, description = "The port can no longer be corrected (`port_not_correctable`)", body = crate::error::Problem, content_type = "application/problem+json",
            example = json!({"type": "urn:selvbetjening:problem:port_not_correctable", "title": "The request conflicts with the current state", "status": 409, "detail": "the port is accepted; only a port awaiting its signature or rejected can be corrected", "code": "port_not_correctable", "request_id": "01937a4e-8f2c-7cc3-9a51-3b1f0c9d2e47"})),
    )
)]
#[patch("/number-ports/{id}")]
async fn correct_number_port(
    req: HttpRequest,
    who: CompanyAdmin,
    state: web::Data<AppState>,
    id: web::Path<String>,
    patch: Json<serde_json::Value>,
) -> ApiResult<HttpResponse> {
    let id = path_id(&id, "the number port")?;
    let expected = if_match(&req)?.ok_or_else(precondition_required)?;
    merge_patch_object(&patch.0)?;
    let company = who.company();
    let settings = state.settings.clone();
    let port = state
        .run(move |conn| {
            crate::app::porting::manage::correct(
                conn, &settings, &who.0, company, id, &expected, &patch.0,
            )
        })
        .await?;
    Ok(respond(&port))
}

/// Sends the owner a new signing link with a new deadline; the old link stops working.
#[utoipa::path(
    tag = "porting",
    operation_id = "resend_power_of_attorney",
    summary = "Send the power of attorney again",
    security(("oauth2" = []), ("bearer" = [])),
    params(("id" = Uuid, Path, description = "The port's id")),
    responses(
        (status = 202, description = "A new link is on its way to the owner", body = NumberPortDto),
        (status = 409, description = "The port does not await a signature (`port_not_awaiting_signature`)", body = crate::error::Problem, content_type = "application/problem+json",
            example = json!({"type": "urn:selvbetjening:problem:port_not_awaiting_signature", "title": "The request conflicts with the current state", "status": 409, "detail": "the port is submitted; the owner has signed", "code": "port_not_awaiting_signature", "request_id": "01937a4e-8f2c-7cc3-9a51-3b1f0c9d2e47"})),
    )
)]
#[post("/number-ports/{id}/resend")]
async fn resend_power_of_attorney(
    who: CompanyAdmin,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let id = path_id(&id, "the number port")?;
    let company = who.company();
    let settings = state.settings.clone();
    let port = state
        .run(move |conn| crate::app::porting::manage::resend(conn, &settings, &who.0, company, id))
        .await?;
    Ok(HttpResponse::Accepted().json(port))
}

/// Cancels a port; the subscription that waited for the number is terminated. Refused
/// from the Danish working day before the port date on, when the donor is moving the
/// number, and once the port is completed.
#[utoipa::path(
    tag = "porting",
    operation_id = "cancel_number_port",
    summary = "Cancel a number port",
    security(("oauth2" = []), ("bearer" = [])),
    params(("id" = Uuid, Path, description = "The port's id")),
    responses(
        (status = 200, description = "The cancelled port", body = NumberPortDto),
        (status = 409, description = "Too late (`port_too_late_to_cancel`) or already ended (`port_ended`)", body = crate::error::Problem, content_type = "application/problem+json",
            example = json!({"type": "urn:selvbetjening:problem:port_too_late_to_cancel", "title": "The request conflicts with the current state", "status": 409, "detail": "the donor is already moving the number (from the working day before the port date on)", "code": "port_too_late_to_cancel", "request_id": "01937a4e-8f2c-7cc3-9a51-3b1f0c9d2e47"})),
    )
)]
#[post("/number-ports/{id}/cancel")]
async fn cancel_number_port(
    who: CompanyAdmin,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let id = path_id(&id, "the number port")?;
    let company = who.company();
    let settings = state.settings.clone();
    let port = state
        .run(move |conn| crate::app::porting::manage::cancel(conn, &settings, &who.0, company, id))
        .await?;
    Ok(HttpResponse::Ok().json(port))
}
