//! The power of attorney, public: the owner opens the emailed link and signs. Any token
//! that does not open a live link is 410, so a token cannot be probed.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use domain::text::PersonName;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::app::porting::poa::Client;
use crate::body::Json;
use crate::error::ApiResult;
use crate::fields::{Fields, at_most};
use crate::state::AppState;
use crate::wire::number_ports::{PowerOfAttorneyDto, SignRequest, SignedDto};
use crate::wire::text::LINK_TOKEN_MAX;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(get_power_of_attorney)
        .service(sign_power_of_attorney);
}

/// What the number's owner is asked to sign, for a frontend to render: the number, the
/// owner, the company taking the number over, the binding-period note, the earliest port
/// date, and until when the link works.
#[utoipa::path(
    tag = "porting",
    operation_id = "get_power_of_attorney",
    summary = "Read a power of attorney (public, by emailed link)",
    security(()),
    params(("token" = String, Path, max_length = 64, description = "The token of the emailed link")),
    responses(
        (status = 200, description = "What is being signed", body = PowerOfAttorneyDto),
        (status = 410, description = "The link is used, replaced, expired or was never issued (`link_gone`)", body = crate::error::Problem, content_type = "application/problem+json",
            example = json!({"type": "urn:selvbetjening:problem:link_gone", "title": "Gone", "status": 410, "detail": "this link no longer works; ask the company for a new one", "code": "link_gone", "request_id": "01937a4e-8f2c-7cc3-9a51-3b1f0c9d2e47"})),
    )
)]
#[get("/poa/{token}")]
async fn get_power_of_attorney(
    state: web::Data<AppState>,
    token: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let token = token.into_inner();
    at_most("/path/token", &token, LINK_TOKEN_MAX)?;
    let settings = state.settings.clone();
    let poa = state
        .run(move |conn| crate::app::porting::poa::open(conn, &settings, &token))
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(poa))
}

/// The owner signs: the signer's name, the time, the client's address and user agent and
/// the SHA-256 of the document shown are kept as evidence of consent (Teleloven § 28 a),
/// the link stops working, and the request goes to the donor operator at once
/// (`signed → submitted`). The donor answers later.
#[utoipa::path(
    tag = "porting",
    operation_id = "sign_power_of_attorney",
    summary = "Sign a power of attorney (public, by emailed link)",
    security(()),
    params(("token" = String, Path, max_length = 64, description = "The token of the emailed link")),
    request_body = SignRequest,
    responses(
        (status = 200, description = "Signed; the request is with the donor", body = SignedDto),
        (status = 410, description = "The link is used, replaced, expired or was never issued (`link_gone`)", body = crate::error::Problem, content_type = "application/problem+json",
            example = json!({"type": "urn:selvbetjening:problem:link_gone", "title": "Gone", "status": 410, "detail": "this link no longer works; ask the company for a new one", "code": "link_gone", "request_id": "01937a4e-8f2c-7cc3-9a51-3b1f0c9d2e47"})),
    )
)]
#[post("/poa/{token}/sign")]
async fn sign_power_of_attorney(
    req: HttpRequest,
    state: web::Data<AppState>,
    token: web::Path<String>,
    body: Json<SignRequest>,
) -> ApiResult<HttpResponse> {
    let token = token.into_inner();
    at_most("/path/token", &token, LINK_TOKEN_MAX)?;
    let mut fields = Fields::new();
    let signer = fields.check("/signer_name", PersonName::parse(&body.0.signer_name));
    if !body.0.consent {
        fields.push(
            "/consent",
            "consent_required",
            "the power of attorney is signed only with consent: true",
        );
    }
    let Some(signer) = signer.filter(|_| fields.is_empty()) else {
        return Err(fields.into_error());
    };
    let client = Client {
        // The evidence keeps the full address, not the /64 limits count by.
        ip: crate::http::client::client_address(&req)
            .map_or_else(|| "unknown".to_owned(), |ip| ip.to_string()),
        user_agent: req
            .headers()
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned(),
    };
    let settings = state.settings.clone();
    let signed: SignedDto = state
        .run(move |conn| crate::app::porting::poa::sign(conn, &settings, &token, &signer, &client))
        .await?;
    Ok(HttpResponse::Ok().json(signed))
}
