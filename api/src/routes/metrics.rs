use actix_web::http::header::ContentType;
use actix_web::{HttpResponse, get, web};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(metrics);
}

/// Prometheus metrics in the text exposition format: requests and latency per route,
/// method and status; this process's database connections; the outbox by status; webhook
/// attempts by outcome and the deliveries still pending.
#[utoipa::path(
    tag = "health",
    operation_id = "metrics",
    summary = "Prometheus metrics",
    security(()),
    responses((status = 200, description = "The metrics, Prometheus text format 0.0.4", content_type = "text/plain; version=0.0.4",
        body = String,
        example = "# HELP outbox_messages Messages in the outbox, by status (pending is the backlog)\n# TYPE outbox_messages gauge\noutbox_messages{status=\"pending\"} 0\n"))
)]
#[get("/metrics")]
async fn metrics(state: web::Data<AppState>) -> ApiResult<HttpResponse> {
    // The outbox is read on each scrape; a database that does not answer leaves the
    // last values, and the scrape still succeeds with the request metrics.
    let outbox = state.run(crate::app::operator::outbox_counts).await.ok();
    if let Ok((pending, oldest)) = state.run(crate::app::operator::webhook_backlog).await {
        let age = oldest.map_or(0, |at| {
            (persistence::machine_now() - at).num_seconds().max(0)
        });
        state.metrics.webhook_backlog(pending, age);
    }
    let text = state
        .metrics
        .render(
            state.store.pool_state(),
            state.config.database_pool_size,
            outbox,
        )
        .map_err(ApiError::internal)?;
    Ok(HttpResponse::Ok()
        .content_type(ContentType(
            "text/plain; version=0.0.4; charset=utf-8"
                .parse()
                .map_err(ApiError::internal)?,
        ))
        .body(text))
}
