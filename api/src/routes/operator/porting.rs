//! The operator records what the donor operator answered, and completes a port at once.

use actix_web::{HttpResponse, post, web};
use domain::porting::Rejection;
use domain::text::DonorReason;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::app::porting::donor::DonorAnswer;
use crate::auth::OperatorStaff;
use crate::body::Json;
use crate::error::ApiResult;
use crate::fields::Fields;
use crate::http::path_id;
use crate::state::AppState;
use crate::wire::number_ports::{DonorResponse, NumberPortDto};

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(record_donor_response)
        .service(complete_number_port);
}

/// Records the donor's answer to a submitted port: `accepted` with a port date (a Danish
/// working day no earlier than the earliest legal date: the first working day after the
/// request reached the donor, or the owner's requested date if later), or `rejected` with
/// a reason code. The company's admins are told by email.
#[utoipa::path(
    tag = "operator",
    operation_id = "record_donor_response",
    summary = "Record the donor operator's answer to a port",
    security(("oauth2" = []), ("bearer" = [])),
    params(("id" = Uuid, Path, description = "The port's id")),
    request_body = DonorResponse,
    responses(
        (status = 200, description = "The port, accepted or rejected", body = NumberPortDto),
        (status = 409, description = "The port is not with the donor (`port_not_submitted`)", body = crate::error::Problem, content_type = "application/problem+json",
            example = json!({"type": "urn:selvbetjening:problem:port_not_submitted", "title": "The request conflicts with the current state", "status": 409, "detail": "the port is awaiting_signature; the donor answers a submitted request", "code": "port_not_submitted", "request_id": "01937a4e-8f2c-7cc3-9a51-3b1f0c9d2e47"})),
    )
)]
#[post("/number-ports/{id}/donor-response")]
async fn record_donor_response(
    who: OperatorStaff,
    state: web::Data<AppState>,
    id: web::Path<String>,
    body: Json<DonorResponse>,
) -> ApiResult<HttpResponse> {
    let id = path_id(&id, "the number port")?;
    let answer = match body.0 {
        DonorResponse::Accepted { port_date } => DonorAnswer::Accepted { port_date },
        DonorResponse::Rejected {
            reason_code,
            reason,
        } => {
            let mut fields = Fields::new();
            let text = match reason.as_deref() {
                None => Some(None),
                Some(text) => fields.check("/reason", DonorReason::parse(text)).map(Some),
            };
            let Some(text) = text else {
                return Err(fields.into_error());
            };
            DonorAnswer::Rejected(Rejection {
                code: reason_code,
                text: text.map(DonorReason::into_inner),
            })
        }
    };
    let settings = state.settings.clone();
    let port: NumberPortDto = state
        .run(move |conn| {
            crate::app::porting::donor::record_answer(conn, &settings, &who.0, id, &answer)
        })
        .await?;
    Ok(HttpResponse::Ok().json(port))
}

/// Completes an accepted port at once, without waiting for 02:00 on the port date: the
/// number is the company's and the subscription active.
#[utoipa::path(
    tag = "operator",
    operation_id = "complete_number_port",
    summary = "Complete an accepted port now",
    security(("oauth2" = []), ("bearer" = [])),
    params(("id" = Uuid, Path, description = "The port's id")),
    responses(
        (status = 200, description = "The completed port", body = NumberPortDto),
        (status = 409, description = "The port is not accepted (`port_not_accepted`)", body = crate::error::Problem, content_type = "application/problem+json",
            example = json!({"type": "urn:selvbetjening:problem:port_not_accepted", "title": "The request conflicts with the current state", "status": 409, "detail": "the port is submitted; only an accepted port completes", "code": "port_not_accepted", "request_id": "01937a4e-8f2c-7cc3-9a51-3b1f0c9d2e47"})),
    )
)]
#[post("/number-ports/{id}/complete")]
async fn complete_number_port(
    who: OperatorStaff,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let id = path_id(&id, "the number port")?;
    let settings = state.settings.clone();
    let port: NumberPortDto = state
        .run(move |conn| crate::app::porting::donor::complete(conn, &settings, &who.0, id))
        .await?;
    Ok(HttpResponse::Ok().json(port))
}
