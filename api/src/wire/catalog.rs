//! The catalog on the wire: plans and mobile packages, money in integer øre ex VAT.

use domain::catalog::{MobilePackage, Plan};
use serde::Serialize;
use utoipa::ToSchema;

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
