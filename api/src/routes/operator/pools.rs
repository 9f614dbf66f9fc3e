//! The operator adds free numbers to a company's pool or to the operator's own.

use actix_web::{HttpResponse, post, web};
use chrono::{DateTime, Utc};
use domain::number::DanishNumber;
use persistence::numbers::PoolNumber;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use crate::app::Principal;
use crate::auth::OperatorStaff;
use crate::body::Json;
use crate::error::ApiResult;
use crate::fields::Fields;
use crate::http::path_id;
use crate::state::AppState;
use crate::wire::{Page, utc};

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(add_company_numbers)
        .service(add_operator_numbers);
}

pub const MAX_NUMBERS_PER_REQUEST: usize = 1000;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"numbers": ["+4520123456", "+4520123457", "+4520123458"]}))]
pub struct AddNumbers {
    /// 1 to 1000 Danish mobile numbers, each once. E.164 is the documented spelling; 8
    /// digits, `0045…` and spaces are accepted too, and two spellings of one number are
    /// a repeat.
    #[schema(min_items = 1, max_items = 1000, value_type = BTreeSet<crate::wire::text::MobileNumberE164>)]
    pub numbers: Vec<String>,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": "01937a4e-c3d4-7e5f-9a0b-1c2d3e4f5a6b", "number": "+4520123456", "source": "company", "state": "available", "reserved_until": null}))]
pub struct PoolNumberDto {
    pub id: Uuid,
    /// E.164.
    pub number: String,
    /// `company` (the company's own pool) or `operator` (the operator's general pool).
    pub source: &'static str,
    /// `available`, `reserved` or `assigned`.
    pub state: String,
    pub reserved_until: Option<DateTime<Utc>>,
}

impl From<PoolNumber> for PoolNumberDto {
    fn from(n: PoolNumber) -> Self {
        PoolNumberDto {
            id: n.id,
            number: n.number.as_str().to_owned(),
            source: if n.company_id.is_some() {
                "company"
            } else {
                "operator"
            },
            state: n.state.as_str().to_owned(),
            reserved_until: n.reserved_until.map(utc),
        }
    }
}

/// Parses every number, reporting each bad one and each repeat at its index.
fn parse_numbers(body: &AddNumbers) -> ApiResult<Vec<DanishNumber>> {
    let mut fields = Fields::new();
    if body.numbers.is_empty() || body.numbers.len() > MAX_NUMBERS_PER_REQUEST {
        fields.push(
            "/numbers",
            "invalid_length",
            format!("send 1 to {MAX_NUMBERS_PER_REQUEST} numbers"),
        );
        return Err(fields.into_error());
    }
    let mut parsed = Vec::with_capacity(body.numbers.len());
    let mut seen = std::collections::HashSet::new();
    for (i, raw) in body.numbers.iter().enumerate() {
        if let Some(number) =
            fields.check(&format!("/numbers/{i}"), DanishNumber::parse_mobile(raw))
        {
            if seen.insert(number.as_str().to_owned()) {
                parsed.push(number);
            } else {
                fields.push(
                    format!("/numbers/{i}"),
                    "duplicate",
                    format!("{number} is listed twice"),
                );
            }
        }
    }
    if fields.is_empty() {
        Ok(parsed)
    } else {
        Err(fields.into_error())
    }
}

async fn add_numbers(
    who: Principal,
    state: &AppState,
    company: Option<Uuid>,
    body: AddNumbers,
) -> ApiResult<HttpResponse> {
    let numbers = parse_numbers(&body)?;
    let added = state
        .run(move |conn| crate::app::operator::add_numbers(conn, &who, company, &numbers))
        .await?;
    Ok(HttpResponse::Created().json(Page::all(
        added
            .into_iter()
            .map(PoolNumberDto::from)
            .collect::<Vec<_>>(),
    )))
}

/// Add free numbers to a company's own pool.
#[utoipa::path(
    tag = "operator",
    operation_id = "add_company_numbers",
    summary = "Add free numbers to a company's pool",
    security(("oauth2" = []), ("bearer" = [])),
    params(("id" = Uuid, Path, description = "The company's id")),
    request_body = AddNumbers,
    responses(
        (status = 201, description = "The numbers added, all `available`", body = Page<PoolNumberDto>),
        (status = 409, description = "Some numbers are already in a pool (`number_taken`); `errors` points at each", body = crate::error::Problem,
            content_type = "application/problem+json",
            example = json!({"type": "urn:selvbetjening:problem:number_taken", "title": "The request conflicts with the current state", "status": 409, "detail": "some numbers are already in a pool", "code": "number_taken", "request_id": "01937a4e-8f2c-7cc3-9a51-3b1f0c9d2e47", "errors": [{"pointer": "/numbers/1", "code": "number_taken", "message": "+4520123457 is already in a pool"}]}))
    )
)]
#[post("/companies/{id}/numbers")]
async fn add_company_numbers(
    who: OperatorStaff,
    state: web::Data<AppState>,
    id: web::Path<String>,
    body: Json<AddNumbers>,
) -> ApiResult<HttpResponse> {
    let company = path_id(&id, "the company")?;
    add_numbers(who.0, &state, Some(company), body.0).await
}

/// Add free numbers to the operator's general pool.
#[utoipa::path(
    tag = "operator",
    operation_id = "add_operator_numbers",
    summary = "Add free numbers to the operator's pool",
    security(("oauth2" = []), ("bearer" = [])),
    request_body = AddNumbers,
    responses(
        (status = 201, description = "The numbers added, all `available`", body = Page<PoolNumberDto>),
        (status = 409, description = "Some numbers are already in a pool (`number_taken`); `errors` points at each", body = crate::error::Problem,
            content_type = "application/problem+json",
            example = json!({"type": "urn:selvbetjening:problem:number_taken", "title": "The request conflicts with the current state", "status": 409, "detail": "some numbers are already in a pool", "code": "number_taken", "request_id": "01937a4e-8f2c-7cc3-9a51-3b1f0c9d2e47", "errors": [{"pointer": "/numbers/0", "code": "number_taken", "message": "+4593000000 is already in a pool"}]}))
    )
)]
#[post("/numbers")]
async fn add_operator_numbers(
    who: OperatorStaff,
    state: web::Data<AppState>,
    body: Json<AddNumbers>,
) -> ApiResult<HttpResponse> {
    add_numbers(who.0, &state, None, body.0).await
}
