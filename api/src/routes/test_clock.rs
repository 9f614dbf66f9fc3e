//! A sandbox company's test clock: read it, and move it forward.

use actix_web::{HttpResponse, get, post, web};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::auth::{CompanyAdmin, CompanyReader};
use crate::body::Json;
use crate::error::ApiResult;
use crate::state::AppState;
use crate::wire::test_clock::{AdvanceTestClock, TestClockDto};

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(get_test_clock).service(advance_test_clock);
}

/// The sandbox company's business time and whether an advance is on its way.
#[utoipa::path(
    tag = "sandbox",
    operation_id = "get_test_clock",
    summary = "Get the test clock",
    security(("oauth2" = []), ("bearer" = [])),
    responses(
        (status = 200, description = "The test clock", body = TestClockDto),
        (status = 404, description = "The company is not a sandbox (`not_a_sandbox`)", body = crate::error::Problem,
            content_type = "application/problem+json",
            example = json!({"type": "urn:selvbetjening:problem:not_a_sandbox", "title": "Not found", "status": 404, "detail": "the company is not a sandbox; only a sandbox has a test clock", "code": "not_a_sandbox", "request_id": "01937a4e-8f2c-7cc3-9a51-3b1f0c9d2e47"})),
    )
)]
#[get("/test-clock")]
async fn get_test_clock(who: CompanyReader, state: web::Data<AppState>) -> ApiResult<HttpResponse> {
    let company = who.company();
    let clock = state
        .run(move |conn| crate::app::test_clock::get(conn, company))
        .await?;
    Ok(HttpResponse::Ok().json(clock))
}

/// Moves the sandbox company's business time forward to `frozen_time`. Everything that
/// falls due on the way runs in due order, as it would have in real time — reminders,
/// expiries, the simulated donor's answers, the 02:00 moves, terminations, late days —
/// with the same events, emails and webhooks, stamped with the clock's time. Answers at
/// once with the clock `advancing`; poll `GET /test-clock` until it is `ready`
/// (`test_clock.ready` is emitted too).
#[utoipa::path(
    tag = "sandbox",
    operation_id = "advance_test_clock",
    summary = "Advance the test clock",
    security(("oauth2" = []), ("bearer" = [])),
    request_body = AdvanceTestClock,
    responses(
        (status = 202, description = "The clock, advancing", body = TestClockDto),
        (status = 404, description = "The company is not a sandbox (`not_a_sandbox`)", body = crate::error::Problem,
            content_type = "application/problem+json",
            example = json!({"type": "urn:selvbetjening:problem:not_a_sandbox", "title": "Not found", "status": 404, "detail": "the company is not a sandbox; only a sandbox has a test clock", "code": "not_a_sandbox", "request_id": "01937a4e-8f2c-7cc3-9a51-3b1f0c9d2e47"})),
        (status = 409, description = "An advance is on its way (`clock_advancing`)", body = crate::error::Problem,
            content_type = "application/problem+json",
            example = json!({"type": "urn:selvbetjening:problem:clock_advancing", "title": "The request conflicts with the current state", "status": 409, "detail": "the clock is advancing; wait until it is ready", "code": "clock_advancing", "request_id": "01937a4e-8f2c-7cc3-9a51-3b1f0c9d2e47"})),
        (status = 422, description = "`validation_failed`: `/frozen_time` is not later than the clock stands (`clock_backwards`), more than 365 days on (`advance_too_far`), or not an instant", body = crate::error::Problem,
            content_type = "application/problem+json",
            example = json!({"type": "urn:selvbetjening:problem:validation_failed", "title": "The request has invalid fields", "status": 422, "detail": "1 field is invalid", "code": "validation_failed", "errors": [{"pointer": "/frozen_time", "code": "clock_backwards", "message": "the clock stands at 2026-12-07T09:00:00Z; it only moves forward"}], "request_id": "01937a4e-8f2c-7cc3-9a51-3b1f0c9d2e47"})),
    )
)]
#[post("/test-clock/advance")]
async fn advance_test_clock(
    who: CompanyAdmin,
    state: web::Data<AppState>,
    body: Json<AdvanceTestClock>,
) -> ApiResult<HttpResponse> {
    let company = who.company();
    let to = body.0.frozen_time;
    let clock: TestClockDto = state
        .run(move |conn| crate::app::test_clock::advance(conn, &who.0, company, to))
        .await?;
    Ok(HttpResponse::Accepted().json(clock))
}
