//! The priced summary an admin reviews before approving an order. Line texts are
//! Danish, the product's language; amounts are øre ex VAT, with VAT shown per total.

use crate::catalog::{MobilePackage, Plan};
use crate::money::Ore;

/// One line of the summary.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PriceLine {
    pub description: String,
    pub monthly: Ore,
    pub one_time: Ore,
}

/// The lines and their totals. VAT is computed once per total, not per line, so the
/// totals are what the invoice will show.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Summary {
    pub lines: Vec<PriceLine>,
    pub monthly_ex_vat: Ore,
    pub monthly_vat: Ore,
    pub monthly_incl_vat: Ore,
    pub one_time_ex_vat: Ore,
    pub one_time_vat: Ore,
    pub one_time_incl_vat: Ore,
}

impl Summary {
    /// Totals the lines; VAT on each total is 25 %, rounded half-up.
    pub fn from_lines(lines: Vec<PriceLine>) -> Summary {
        let monthly_ex_vat: Ore = lines.iter().map(|line| line.monthly).sum();
        let one_time_ex_vat: Ore = lines.iter().map(|line| line.one_time).sum();
        Summary {
            lines,
            monthly_ex_vat,
            monthly_vat: monthly_ex_vat.vat(),
            monthly_incl_vat: monthly_ex_vat.incl_vat(),
            one_time_ex_vat,
            one_time_vat: one_time_ex_vat.vat(),
            one_time_incl_vat: one_time_ex_vat.incl_vat(),
        }
    }
}

/// Prices a subscription: the plan (monthly, plus its one-time setup fee), the
/// mobile package, and the data-sharing cards. The plan's free cards come first and
/// cost nothing; each card beyond them costs the plan's card price a month. A
/// negative card count is treated as none (validation is the caller's job, see
/// [`crate::catalog::validate_data_sharing_cards`]).
pub fn price(plan: &Plan, package: &MobilePackage, data_sharing_cards: i32) -> Summary {
    let mut lines = vec![
        PriceLine {
            description: format!("Abonnement: {}", plan.name),
            monthly: plan.monthly_price,
            one_time: plan.setup_fee,
        },
        PriceLine {
            description: format!("Mobilpakke: {}", package.name),
            monthly: package.monthly_price,
            one_time: Ore::ZERO,
        },
    ];
    let cards = data_sharing_cards.max(0);
    let free = cards.min(plan.free_data_sharing_cards.max(0));
    let charged = cards - free;
    if free > 0 {
        lines.push(PriceLine {
            description: format!("Datadelingskort ({free} inkluderet)"),
            monthly: Ore::ZERO,
            one_time: Ore::ZERO,
        });
    }
    if charged > 0 {
        lines.push(PriceLine {
            description: format!(
                "Datadelingskort: {charged} × {}",
                plan.data_sharing_card_price
            ),
            monthly: plan.data_sharing_card_price * i64::from(charged),
            one_time: Ore::ZERO,
        });
    }
    Summary::from_lines(lines)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(free_cards: i32) -> Plan {
        Plan {
            code: "ERHVERV_M".to_owned(),
            name: "Erhverv M".to_owned(),
            monthly_price: Ore::new(19_900),
            included_data_gb: 30,
            free_data_sharing_cards: free_cards,
            data_sharing_card_price: Ore::new(4_900),
            setup_fee: Ore::new(9_900),
        }
    }

    fn package() -> MobilePackage {
        MobilePackage {
            code: "DATA_50".to_owned(),
            name: "50 GB ekstra data".to_owned(),
            data_gb: 50,
            monthly_price: Ore::new(7_900),
        }
    }

    fn descriptions(summary: &Summary) -> Vec<&str> {
        summary
            .lines
            .iter()
            .map(|line| line.description.as_str())
            .collect()
    }

    #[test]
    fn without_cards_there_is_a_plan_line_and_a_package_line() {
        let summary = price(&plan(0), &package(), 0);
        assert_eq!(
            descriptions(&summary),
            ["Abonnement: Erhverv M", "Mobilpakke: 50 GB ekstra data"]
        );
        assert_eq!(summary.lines[0].monthly, Ore::new(19_900));
        assert_eq!(summary.lines[0].one_time, Ore::new(9_900));
        assert_eq!(summary.lines[1].monthly, Ore::new(7_900));
        assert_eq!(summary.lines[1].one_time, Ore::ZERO);
    }

    #[test]
    fn cards_within_the_plans_allowance_cost_nothing() {
        let summary = price(&plan(2), &package(), 2);
        assert_eq!(summary.lines.len(), 3);
        assert_eq!(
            summary.lines[2].description,
            "Datadelingskort (2 inkluderet)"
        );
        assert_eq!(summary.lines[2].monthly, Ore::ZERO);
        assert_eq!(summary.monthly_ex_vat, Ore::new(19_900 + 7_900));
    }

    #[test]
    fn cards_beyond_the_allowance_are_charged_per_card() {
        let summary = price(&plan(1), &package(), 3);
        assert_eq!(
            descriptions(&summary)[2..],
            [
                "Datadelingskort (1 inkluderet)",
                "Datadelingskort: 2 × 49,00 kr."
            ]
        );
        assert_eq!(summary.lines[3].monthly, Ore::new(2 * 4_900));
        assert_eq!(summary.monthly_ex_vat, Ore::new(19_900 + 7_900 + 9_800));
    }

    #[test]
    fn on_a_plan_without_free_cards_every_card_is_charged() {
        let summary = price(&plan(0), &package(), 1);
        assert_eq!(
            descriptions(&summary)[2..],
            ["Datadelingskort: 1 × 49,00 kr."]
        );
        assert_eq!(summary.lines[2].monthly, Ore::new(4_900));
    }

    #[test]
    fn a_negative_card_count_adds_no_card_lines() {
        assert_eq!(price(&plan(2), &package(), -1).lines.len(), 2);
    }

    #[test]
    fn the_totals_are_the_sums_of_the_lines() {
        let summary = price(&plan(1), &package(), 4);
        let monthly: Ore = summary.lines.iter().map(|line| line.monthly).sum();
        let one_time: Ore = summary.lines.iter().map(|line| line.one_time).sum();
        assert_eq!(summary.monthly_ex_vat, monthly);
        assert_eq!(summary.one_time_ex_vat, one_time);
        assert_eq!(
            summary.monthly_incl_vat,
            summary.monthly_ex_vat + summary.monthly_vat
        );
        assert_eq!(
            summary.one_time_incl_vat,
            summary.one_time_ex_vat + summary.one_time_vat
        );
    }

    #[test]
    fn vat_is_25_percent_of_each_total() {
        // 19 900 + 7 900 = 27 800 øre a month, 9 900 øre once.
        let summary = price(&plan(0), &package(), 0);
        assert_eq!(summary.monthly_vat, Ore::new(6_950));
        assert_eq!(summary.monthly_incl_vat, Ore::new(34_750));
        assert_eq!(summary.one_time_vat, Ore::new(2_475));
        assert_eq!(summary.one_time_incl_vat, Ore::new(12_375));
    }

    #[test]
    fn vat_on_a_total_is_rounded_half_up_once_not_per_line() {
        // 0,02 kr. + 0,02 kr.: 25 % per line would be 0,005 kr. each, rounded to
        // 0,01 kr. twice; on the total of 0,04 kr. it is exactly 0,01 kr.
        let mut tiny = plan(0);
        tiny.monthly_price = Ore::new(2);
        tiny.setup_fee = Ore::new(2);
        let mut cheap = package();
        cheap.monthly_price = Ore::new(2);
        let summary = price(&tiny, &cheap, 0);
        assert_eq!(summary.monthly_ex_vat, Ore::new(4));
        assert_eq!(summary.monthly_vat, Ore::new(1));
        // 2 øre once: 0.5 øre of VAT rounds half-up to 1.
        assert_eq!(summary.one_time_vat, Ore::new(1));
        assert_eq!(summary.one_time_incl_vat, Ore::new(3));
    }
}
