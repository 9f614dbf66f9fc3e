//! The catalog: the plans and mobile packages an order can choose.

use actix_web::{HttpResponse, get, web};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::auth::Authenticated;
use crate::error::ApiResult;
use crate::state::AppState;
use crate::wire::Page;
use crate::wire::catalog::{MobilePackageDto, PlanDto};

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_plans).service(list_mobile_packages);
}

/// The plans, smallest first.
#[utoipa::path(
    tag = "catalog",
    operation_id = "list_plans",
    summary = "List subscription plans",
    security(("oauth2" = []), ("bearer" = [])),
    responses((status = 200, description = "All plans, smallest first", body = Page<PlanDto>))
)]
#[get("/catalog/plans")]
async fn list_plans(_who: Authenticated, state: web::Data<AppState>) -> ApiResult<HttpResponse> {
    let plans = state.run(crate::app::catalog::plans).await?;
    Ok(HttpResponse::Ok().json(plans))
}

/// The mobile packages, smallest first.
#[utoipa::path(
    tag = "catalog",
    operation_id = "list_mobile_packages",
    summary = "List mobile data packages",
    security(("oauth2" = []), ("bearer" = [])),
    responses((status = 200, description = "All mobile packages, smallest first", body = Page<MobilePackageDto>))
)]
#[get("/catalog/mobile-packages")]
async fn list_mobile_packages(
    _who: Authenticated,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    let packages = state.run(crate::app::catalog::mobile_packages).await?;
    Ok(HttpResponse::Ok().json(packages))
}
