use actix_web::{HttpResponse, get, web};
use domain::catalog::{MobilePackage, Plan};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

use super::Page;
use crate::auth::Authenticated;
use crate::error::ApiResult;
use crate::state::AppState;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_plans).service(list_mobile_packages);
}

/// A subscription plan. Money is integer øre ex VAT.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "code": "ERHVERV_L", "name": "Erhverv L", "monthly_price_ore": 19900, "included_data_gb": 100,
    "free_data_sharing_cards": 1, "data_sharing_card_price_ore": 2900, "setup_fee_ore": 0
}))]
pub struct PlanDto {
    pub code: String,
    pub name: String,
    pub monthly_price_ore: i64,
    pub included_data_gb: i32,
    /// Data-sharing cards included free; each further card costs `data_sharing_card_price_ore` a month.
    pub free_data_sharing_cards: i32,
    pub data_sharing_card_price_ore: i64,
    /// One-off fee when the subscription is created.
    pub setup_fee_ore: i64,
}

impl From<Plan> for PlanDto {
    fn from(p: Plan) -> Self {
        PlanDto {
            code: p.code,
            name: p.name,
            monthly_price_ore: p.monthly_price.value(),
            included_data_gb: p.included_data_gb,
            free_data_sharing_cards: p.free_data_sharing_cards,
            data_sharing_card_price_ore: p.data_sharing_card_price.value(),
            setup_fee_ore: p.setup_fee.value(),
        }
    }
}

/// A mobile data package. Money is integer øre ex VAT.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"code": "DATA_50", "name": "Mobilpakke 50 GB", "data_gb": 50, "monthly_price_ore": 9900}))]
pub struct MobilePackageDto {
    pub code: String,
    pub name: String,
    pub data_gb: i32,
    pub monthly_price_ore: i64,
}

impl From<MobilePackage> for MobilePackageDto {
    fn from(p: MobilePackage) -> Self {
        MobilePackageDto {
            code: p.code,
            name: p.name,
            data_gb: p.data_gb,
            monthly_price_ore: p.monthly_price.value(),
        }
    }
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
    let plans = state
        .read(|conn| Ok(persistence::catalog::plans(conn)?))
        .await?;
    Ok(HttpResponse::Ok().json(Page::all(plans.into_iter().map(PlanDto::from).collect())))
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
    let packages = state
        .read(|conn| Ok(persistence::catalog::mobile_packages(conn)?))
        .await?;
    Ok(HttpResponse::Ok().json(Page::all(
        packages.into_iter().map(MobilePackageDto::from).collect(),
    )))
}

/// The catalog by code, to resolve the codes stored on orders and subscriptions.
pub struct Catalog {
    plans: std::collections::HashMap<String, Plan>,
    packages: std::collections::HashMap<String, MobilePackage>,
}

impl Catalog {
    pub fn load(conn: &mut persistence::DbConnection) -> ApiResult<Catalog> {
        Ok(Catalog {
            plans: persistence::catalog::plans(conn)?
                .into_iter()
                .map(|p| (p.code.clone(), p))
                .collect(),
            packages: persistence::catalog::mobile_packages(conn)?
                .into_iter()
                .map(|p| (p.code.clone(), p))
                .collect(),
        })
    }

    /// The plan and package `owner` (e.g. `order <id>`) refers to; a missing one is a
    /// broken reference in the data, not the client's mistake.
    pub fn resolve(
        &self,
        plan: &str,
        package: &str,
        owner: &str,
    ) -> ApiResult<(Plan, MobilePackage)> {
        let missing = |what: &str| {
            crate::error::ApiError::internal(anyhow::anyhow!("{owner} refers to a missing {what}"))
        };
        Ok((
            self.plans.get(plan).ok_or_else(|| missing("plan"))?.clone(),
            self.packages
                .get(package)
                .ok_or_else(|| missing("package"))?
                .clone(),
        ))
    }
}
