//! Free numbers a company may give a new employee.

use actix_web::{HttpResponse, get, web};
use persistence::numbers::{FreeCursor, FreeNumber};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::auth::CompanyReader;
use crate::body::Query;
use crate::error::ApiResult;
use crate::fields::Fields;
use crate::state::AppState;
use crate::wire::{DEFAULT_LIMIT, MAX_LIMIT, Page};

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_available_numbers);
}

/// Whose pool a free number is in.
#[derive(Debug, Clone, Copy, Serialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum NumberSource {
    /// The company's own pool.
    Company,
    /// The operator's general pool.
    Operator,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"number": "+4520710001", "source": "company"}))]
pub struct AvailableNumberDto {
    /// E.164.
    pub number: String,
    pub source: NumberSource,
}

impl From<FreeNumber> for AvailableNumberDto {
    fn from(n: FreeNumber) -> Self {
        AvailableNumberDto {
            number: n.number.as_str().to_owned(),
            source: match n.source {
                persistence::numbers::Source::Company => NumberSource::Company,
                persistence::numbers::Source::Operator => NumberSource::Operator,
            },
        }
    }
}

/// The longest `contains` read: ten digits with room for the spaces people type.
const CONTAINS_MAX: usize = 32;

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AvailableQuery {
    /// Digits the number must contain, anywhere (spaces are ignored): `2071`; at most 10
    /// digits and 32 characters.
    #[param(pattern = "^ *([0-9] *){0,10}$", max_length = 32, example = "2071")]
    pub contains: Option<String>,
    /// `next_cursor` of the previous page.
    #[param(pattern = "^((company|operator):(\\+45|0045)?[2-9][0-9]{7})?$")]
    pub cursor: Option<String>,
    /// Items per page, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200, example = 50)]
    pub limit: Option<i64>,
}

impl AvailableQuery {
    fn parse(&self) -> ApiResult<(Option<String>, Option<FreeCursor>, i64)> {
        let mut errors = Fields::new();
        let limit = self.limit.unwrap_or(DEFAULT_LIMIT);
        if !(1..=MAX_LIMIT).contains(&limit) {
            errors.push(
                "/query/limit",
                "out_of_range",
                format!("limit must be between 1 and {MAX_LIMIT}"),
            );
        }
        let contains = self
            .contains
            .as_deref()
            .filter(|c| errors.at_most("/query/contains", c, CONTAINS_MAX))
            .map(|c| c.replace(' ', ""))
            .filter(|c| !c.is_empty());
        if let Some(digits) = &contains
            && (digits.len() > 10 || !digits.chars().all(|c| c.is_ascii_digit()))
        {
            errors.push(
                "/query/contains",
                "invalid_digits",
                "contains takes 1 to 10 digits",
            );
        }
        let cursor = match self.cursor.as_deref() {
            None | Some("") => None,
            Some(text) => {
                let decoded = FreeCursor::decode(text);
                if decoded.is_none() {
                    errors.push(
                        "/query/cursor",
                        "invalid_cursor",
                        "cursor must be a next_cursor from a previous page",
                    );
                }
                decoded
            }
        };
        if errors.is_empty() {
            Ok((contains, cursor, limit))
        } else {
            Err(errors.into_error())
        }
    }
}

/// The numbers a new employee may get: the company's own free numbers first, then the
/// operator's. Reserved and assigned numbers are not listed.
#[utoipa::path(
    tag = "numbers",
    operation_id = "list_available_numbers",
    summary = "List free numbers",
    security(("oauth2" = []), ("bearer" = [])),
    params(AvailableQuery),
    responses((status = 200, description = "A page of free numbers, the company's first", body = Page<AvailableNumberDto>))
)]
#[get("/numbers/available")]
async fn list_available_numbers(
    who: CompanyReader,
    state: web::Data<AppState>,
    query: Query<AvailableQuery>,
) -> ApiResult<HttpResponse> {
    let (contains, cursor, limit) = query.parse()?;
    let company = who.company();
    let settings = state.settings.clone();
    let page = state
        .run(move |conn| {
            crate::app::numbers::available(
                conn,
                &settings,
                company,
                contains.as_deref(),
                cursor.as_ref(),
                limit,
            )
        })
        .await?;
    Ok(HttpResponse::Ok().json(Page::<AvailableNumberDto>::from(page)))
}
