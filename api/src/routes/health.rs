use actix_web::{HttpResponse, get, web};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(live).service(ready);
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"status": "ok", "database": "sqlite"}))]
pub struct Health {
    /// `ok`.
    pub status: &'static str,
    /// The database backend, on readiness checks.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub database: Option<&'static str>,
}

/// The process is up.
#[utoipa::path(
    tag = "health",
    operation_id = "health_live",
    summary = "Liveness: the process answers",
    security(()),
    responses((status = 200, description = "The process is alive", body = Health, example = json!({"status": "ok"})))
)]
#[get("/health/live")]
async fn live() -> HttpResponse {
    HttpResponse::Ok().json(Health {
        status: "ok",
        database: None,
    })
}

/// The process can serve: its database answers.
#[utoipa::path(
    tag = "health",
    operation_id = "health_ready",
    summary = "Readiness: the database answers",
    security(()),
    responses((status = 200, description = "Ready to serve", body = Health))
)]
#[get("/health/ready")]
async fn ready(state: web::Data<AppState>) -> ApiResult<HttpResponse> {
    let store = state.store.clone();
    web::block(move || store.ping())
        .await?
        .map_err(ApiError::unavailable)?;
    Ok(HttpResponse::Ok().json(Health {
        status: "ok",
        database: Some(state.store.backend().name()),
    }))
}
