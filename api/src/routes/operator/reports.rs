//! The operator's reports: the month's late ports and what they owe, as JSON or CSV.

use actix_web::http::header::{self, ContentDisposition};
use actix_web::mime;
use actix_web::{HttpRequest, HttpResponse, get, web};
use domain::calendar::Month;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::auth::OperatorStaff;
use crate::body::Query;
use crate::error::{ApiError, ApiResult};
use crate::fields::Fields;
use crate::state::AppState;
use crate::wire::late_ports::{LatePortsQuery, LatePortsReport};

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(late_ports_report);
}

/// Each port that was late in the month (its late working days that fall in the month,
/// Danish calendar dates) with its company, days and compensation, and the totals per
/// company (Teleloven §27 stk. 4). With `Accept: text/csv` the ports come as CSV, one row
/// each with the columns of `ports` in JSON, as a file to save.
#[utoipa::path(
    tag = "operator",
    operation_id = "late_ports_report",
    summary = "Report the month's late ports and their compensation",
    security(("oauth2" = []), ("bearer" = [])),
    params(LatePortsQuery),
    responses(
        (status = 200, description = "The month's late ports: JSON by default, CSV when `Accept` prefers `text/csv`",
            headers(
                ("Content-Disposition" = String, description = "With `text/csv`: `attachment; filename=\"late-ports-YYYY-MM.csv\"`"),
                ("Vary" = String, description = "Names `Accept`: the representation depends on it")
            ),
            content(
                (LatePortsReport = "application/json"),
                (String = "text/csv",
                    example = json!("port_id,company_id,company_name,sandbox,number,status,deadline,delayed_working_days,compensation_ore\r\n01937a4f-1000-7cc3-9a51-3b1f0c9d2e47,01937a4e-8f2c-7cc3-9a51-3b1f0c9d2e47,Nordlys Rådgivning ApS,false,+4522334455,completed,2026-03-10T22:59:59Z,3,15000\r\n"))
            )),
        (status = 422, description = "`month` is missing or not `YYYY-MM` (`validation_failed`)", body = crate::error::Problem,
            content_type = "application/problem+json",
            example = json!({"type": "urn:selvbetjening:problem:validation_failed", "title": "The request has invalid fields", "status": 422, "detail": "1 field is invalid", "code": "validation_failed", "request_id": "01937a4e-8f2c-7cc3-9a51-3b1f0c9d2e47", "errors": [{"pointer": "/query/month", "code": "month_format", "message": "there is no month 13; months are 01 to 12"}]}))
    )
)]
#[get("/reports/late-ports")]
async fn late_ports_report(
    _who: OperatorStaff,
    req: HttpRequest,
    state: web::Data<AppState>,
    query: Query<LatePortsQuery>,
) -> ApiResult<HttpResponse> {
    let month = month(&query.month)?;
    let report = state
        .run(move |conn| crate::app::porting::report::late_ports(conn, month))
        .await?;
    if crate::http::prefers_csv(&req) {
        csv(&report, month)
    } else {
        Ok(HttpResponse::Ok()
            .insert_header((header::VARY, "Accept"))
            .json(report))
    }
}

/// The `month` parameter, or the 422 naming it.
fn month(raw: &str) -> ApiResult<Month> {
    let mut fields = Fields::new();
    fields
        .check("/query/month", Month::parse(raw))
        .ok_or_else(|| fields.into_error())
}

/// The report's ports as a CSV file named for the month.
fn csv(report: &LatePortsReport, month: Month) -> ApiResult<HttpResponse> {
    let body = report.to_csv().map_err(ApiError::internal)?;
    let disposition = ContentDisposition::attachment(format!("late-ports-{month}.csv"));
    Ok(HttpResponse::Ok()
        .content_type(mime::TEXT_CSV_UTF_8)
        .insert_header(disposition)
        .insert_header((header::VARY, "Accept"))
        .body(body))
}
