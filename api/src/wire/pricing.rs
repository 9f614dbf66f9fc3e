//! Prices on the wire: a priced summary's lines and totals, in integer øre.

use domain::pricing::Summary;
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Debug, Serialize, ToSchema)]
pub struct PriceLineDto {
    pub description: String,
    pub monthly_ore: i64,
    pub one_time_ore: i64,
}

/// Money in integer øre; VAT is 25 %.
#[derive(Debug, Serialize, ToSchema)]
pub struct SummaryDto {
    pub lines: Vec<PriceLineDto>,
    pub monthly_ex_vat_ore: i64,
    pub monthly_vat_ore: i64,
    pub monthly_incl_vat_ore: i64,
    pub one_time_ex_vat_ore: i64,
    pub one_time_vat_ore: i64,
    pub one_time_incl_vat_ore: i64,
}

impl From<Summary> for SummaryDto {
    fn from(s: Summary) -> Self {
        SummaryDto {
            lines: s
                .lines
                .into_iter()
                .map(|l| PriceLineDto {
                    description: l.description,
                    monthly_ore: l.monthly.value(),
                    one_time_ore: l.one_time.value(),
                })
                .collect(),
            monthly_ex_vat_ore: s.monthly_ex_vat.value(),
            monthly_vat_ore: s.monthly_vat.value(),
            monthly_incl_vat_ore: s.monthly_incl_vat.value(),
            one_time_ex_vat_ore: s.one_time_ex_vat.value(),
            one_time_vat_ore: s.one_time_vat.value(),
            one_time_incl_vat_ore: s.one_time_incl_vat.value(),
        }
    }
}
