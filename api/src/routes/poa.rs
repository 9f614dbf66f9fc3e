//! The power of attorney, public: the owner opens the emailed link and signs. Any token
//! that does not open a live link is 410, so a token cannot be probed. A browser
//! (`Accept: text/html`) gets the hosted pages ([`crate::pages::poa`]) at the same URLs,
//! along the same use cases.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use domain::text::PersonName;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::app::porting::poa::{Client, Signed};
use crate::body::JsonOrForm;
use crate::error::ApiResult;
use crate::fields::{Fields, at_most};
use crate::pages::{self, Errors, LinkKind};
use crate::state::AppState;
use crate::wire::number_ports::{PowerOfAttorneyDto, SignForm, SignRequest, SignedDto};
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
        (status = 200, description = "What is being signed: JSON, or for a browser (`Accept: text/html` preferred) the Danish page with the signing form",
            content((PowerOfAttorneyDto = "application/json"), (String = "text/html", example = json!("<!DOCTYPE html><html lang=\"da\">…</html>")))),
        (status = 410, description = "The link is used, replaced, expired or was never issued (`link_gone`); a browser gets a page saying what to do, with the same status", body = crate::error::Problem, content_type = "application/problem+json",
            example = json!({"type": "urn:selvbetjening:problem:link_gone", "title": "Gone", "status": 410, "detail": "this link no longer works; ask the company for a new one", "code": "link_gone", "request_id": "01937a4e-8f2c-7cc3-9a51-3b1f0c9d2e47"})),
    )
)]
#[get("/poa/{token}")]
async fn get_power_of_attorney(
    req: HttpRequest,
    state: web::Data<AppState>,
    token: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let token = token.into_inner();
    let poa = open(&state, &token).await;
    if pages::wants_html(&req) {
        return Ok(match poa {
            Ok(poa) => pages::poa::form(&token, &poa, &Default::default(), &Errors::none()),
            Err(err) => pages::error_page(&req, LinkKind::PowerOfAttorney, &err),
        });
    }
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(poa?))
}

async fn open(state: &AppState, token: &str) -> ApiResult<PowerOfAttorneyDto> {
    at_most("/path/token", token, LINK_TOKEN_MAX)?;
    let settings = state.settings.clone();
    let token = token.to_owned();
    state
        .run(move |conn| crate::app::porting::poa::open(conn, &settings, &token))
        .await
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
    request_body(content(
        (SignRequest = "application/json"),
        (SignForm = "application/x-www-form-urlencoded")
    ), description = "JSON, or the hosted page's form (accepted only from the service's own page: `Origin` or `Sec-Fetch-Site: same-origin`)"),
    responses(
        (status = 200, description = "Signed; the request is with the donor. A browser (`Accept: text/html` preferred) gets the receipt page: what was signed, when, its SHA-256",
            content((SignedDto = "application/json"), (String = "text/html", example = json!("<!DOCTYPE html><html lang=\"da\">…</html>")))),
        (status = 403, description = "A form post from another site (`forbidden`): nothing is signed", body = crate::error::Problem, content_type = "application/problem+json",
            example = json!({"type": "urn:selvbetjening:problem:forbidden", "title": "Your role may not do this", "status": 403, "detail": "a form is accepted only from this service's own page (Origin or Sec-Fetch-Site)", "code": "forbidden", "request_id": "01937a4e-8f2c-7cc3-9a51-3b1f0c9d2e47"})),
        (status = 410, description = "The link is used, replaced, expired or was never issued (`link_gone`); a browser gets a page saying what to do, with the same status", body = crate::error::Problem, content_type = "application/problem+json",
            example = json!({"type": "urn:selvbetjening:problem:link_gone", "title": "Gone", "status": 410, "detail": "this link no longer works; ask the company for a new one", "code": "link_gone", "request_id": "01937a4e-8f2c-7cc3-9a51-3b1f0c9d2e47"})),
    )
)]
#[post("/poa/{token}/sign")]
async fn sign_power_of_attorney(
    req: HttpRequest,
    state: web::Data<AppState>,
    token: web::Path<String>,
    body: JsonOrForm<SignRequest, SignForm>,
) -> ApiResult<HttpResponse> {
    let token = token.into_inner();
    let request = match body {
        JsonOrForm::Json(body) => Ok(body),
        JsonOrForm::Form(form) => {
            pages::same_origin(&req, &state.settings.public_url).and_then(|()| {
                form.into_request().map_err(|typed| {
                    crate::error::ApiError::field(
                        "/requested_date",
                        "invalid_date",
                        format!("{typed} is not a date (YYYY-MM-DD)"),
                    )
                })
            })
        }
    };
    let typed = request.as_ref().ok().map(|r| pages::poa::Typed {
        signer_name: r.signer_name.clone(),
        consent: r.consent,
        requested_date: r.requested_date.map(|d| d.to_string()).unwrap_or_default(),
    });
    let signed = match request {
        Ok(request) => sign(&req, &state, &token, request).await,
        Err(err) => Err(err),
    };
    if !pages::wants_html(&req) {
        return Ok(HttpResponse::Ok().json(signed?.receipt));
    }
    Ok(match signed {
        Ok(signed) => pages::poa::receipt(
            &signed.receipt,
            typed.as_ref().map_or("", |t| t.signer_name.as_str()),
            &signed.document,
        ),
        // The form again, with what was typed and each error under its field.
        Err(err) if !err.errors().is_empty() => match open(&state, &token).await {
            Ok(poa) => {
                pages::poa::form(&token, &poa, &typed.unwrap_or_default(), &Errors::of(&err))
            }
            Err(gone) => pages::error_page(&req, LinkKind::PowerOfAttorney, &gone),
        },
        Err(err) => pages::error_page(&req, LinkKind::PowerOfAttorney, &err),
    })
}

/// Checks the signature's fields and signs, keeping the client's address and user agent
/// as evidence.
async fn sign(
    req: &HttpRequest,
    state: &AppState,
    token: &str,
    body: SignRequest,
) -> ApiResult<Signed> {
    at_most("/path/token", token, LINK_TOKEN_MAX)?;
    let mut fields = Fields::new();
    let signer = fields.check("/signer_name", PersonName::parse(&body.signer_name));
    if !body.consent {
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
        ip: crate::http::client::client_address(req)
            .map_or_else(|| "unknown".to_owned(), |ip| ip.to_string()),
        user_agent: req
            .headers()
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned(),
    };
    let settings = state.settings.clone();
    let token = token.to_owned();
    let later = body.requested_date;
    state
        .run(move |conn| {
            crate::app::porting::poa::sign(conn, &settings, &token, (&signer, later), &client)
        })
        .await
}
