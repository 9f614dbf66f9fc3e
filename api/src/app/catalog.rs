//! The catalog: what orders and subscriptions are priced by.

use std::collections::HashMap;

use domain::catalog::{MAX_DATA_SHARING_CARDS, MobilePackage, Plan};
use domain::pricing::{Summary, price};
use persistence::DbConnection;

use crate::wire::Page;
use crate::wire::catalog::{MobilePackageDto, PlanDto};
use crate::wire::pricing::SummaryDto;
use crate::wire::rendered::Rendered;

/// The plans, smallest first.
pub fn plans(conn: &mut DbConnection) -> persistence::Result<Page<PlanDto>> {
    persistence::db::read(conn, |conn| {
        let plans = persistence::catalog::plans(conn)?;
        Ok(Page::all(plans.into_iter().map(PlanDto::from).collect()))
    })
}

/// The mobile packages, smallest first.
pub fn mobile_packages(conn: &mut DbConnection) -> persistence::Result<Page<MobilePackageDto>> {
    persistence::db::read(conn, |conn| {
        let packages = persistence::catalog::mobile_packages(conn)?;
        Ok(Page::all(
            packages.into_iter().map(MobilePackageDto::from).collect(),
        ))
    })
}

/// The catalog by code, to resolve the codes stored on orders and subscriptions, with
/// each plan, package and priced combination rendered as JSON once.
pub struct Catalog {
    plans: HashMap<String, PlanEntry>,
    packages: HashMap<String, PackageEntry>,
}

struct PlanEntry {
    plan: Plan,
    json: Rendered,
    /// The summary by package code, then by number of data-sharing cards.
    summaries: HashMap<String, Vec<Rendered>>,
}

struct PackageEntry {
    package: MobilePackage,
    json: Rendered,
}

/// The catalog's part of a priced view: plan, package and summary, rendered.
pub struct Priced {
    pub plan: Rendered,
    pub mobile_package: Rendered,
    pub summary: Rendered,
}

impl Catalog {
    pub fn load(conn: &mut DbConnection) -> anyhow::Result<Catalog> {
        let plans = persistence::catalog::plans(conn)?;
        let packages = persistence::catalog::mobile_packages(conn)?;
        Ok(Catalog::new(plans, packages)?)
    }

    fn new(plans: Vec<Plan>, packages: Vec<MobilePackage>) -> serde_json::Result<Catalog> {
        let mut by_code = HashMap::new();
        for plan in plans {
            let mut summaries = HashMap::new();
            for package in &packages {
                let priced = (0..=MAX_DATA_SHARING_CARDS)
                    .map(|cards| render_summary(&plan, package, cards))
                    .collect::<serde_json::Result<_>>()?;
                summaries.insert(package.code.clone(), priced);
            }
            let json = Rendered::of(&PlanDto::from(plan.clone()))?;
            by_code.insert(
                plan.code.clone(),
                PlanEntry {
                    plan,
                    json,
                    summaries,
                },
            );
        }
        let packages = packages
            .into_iter()
            .map(|package| {
                let json = Rendered::of(&MobilePackageDto::from(package.clone()))?;
                Ok((package.code.clone(), PackageEntry { package, json }))
            })
            .collect::<serde_json::Result<_>>()?;
        Ok(Catalog {
            plans: by_code,
            packages,
        })
    }

    /// The plan, package and summary of what `owner` (e.g. `order <id>`) refers to; a
    /// missing plan or package is a broken reference in the data, not the client's mistake.
    pub fn priced(
        &self,
        plan: &str,
        package: &str,
        cards: i32,
        owner: impl FnOnce() -> String,
    ) -> anyhow::Result<Priced> {
        let missing = |what: &str| anyhow::anyhow!("{} refers to a missing {what}", owner());
        let Some(p) = self.plans.get(plan) else {
            return Err(missing("plan"));
        };
        let Some(m) = self.packages.get(package) else {
            return Err(missing("package"));
        };
        // Stored counts are 0 to MAX_DATA_SHARING_CARDS; any other is priced as it is.
        let summary = match p
            .summaries
            .get(package)
            .and_then(|by_cards| by_cards.get(usize::try_from(cards).ok()?))
        {
            Some(summary) => summary.clone(),
            None => render_summary(&p.plan, &m.package, cards)?,
        };
        Ok(Priced {
            plan: p.json.clone(),
            mobile_package: m.json.clone(),
            summary,
        })
    }

    pub fn package(&self, code: &str) -> Option<&MobilePackage> {
        self.packages.get(code).map(|m| &m.package)
    }

    pub fn plan(&self, code: &str) -> Option<&Plan> {
        self.plans.get(code).map(|p| &p.plan)
    }

    /// What `cards` on the plan and package of these codes cost; `None` when either code
    /// is not in the catalog.
    pub fn price(&self, plan: &str, package: &str, cards: i32) -> Option<Summary> {
        Some(price(self.plan(plan)?, self.package(package)?, cards))
    }
}

/// The priced summary of `cards` on `plan` and `package`, as the views show it.
fn render_summary(
    plan: &Plan,
    package: &MobilePackage,
    cards: i32,
) -> serde_json::Result<Rendered> {
    Rendered::of(&SummaryDto::from(price(plan, package, cards)))
}

#[cfg(test)]
mod tests {
    use domain::money::Ore;

    use super::*;

    fn catalog() -> Catalog {
        let plan = Plan {
            code: "ERHVERV_M".to_owned(),
            name: "Erhverv \"M\"".to_owned(),
            monthly_price: Ore::new(14_900),
            included_data_gb: 30,
            free_data_sharing_cards: 1,
            data_sharing_card_price: Ore::new(2_900),
            setup_fee: Ore::new(9_900),
        };
        let package = MobilePackage {
            code: "DATA_50".to_owned(),
            name: "Mobilpakke 50 GB".to_owned(),
            data_gb: 50,
            monthly_price: Ore::new(9_900),
        };
        Catalog::new(vec![plan], vec![package]).unwrap()
    }

    fn json(value: &impl serde::Serialize) -> serde_json::Value {
        serde_json::to_value(value).unwrap()
    }

    /// `cards` priced through the catalog's rendered parts, against pricing on the spot.
    fn assert_priced_as_price_says(catalog: &Catalog, cards: i32) {
        let (plan, package) = (
            catalog.plan("ERHVERV_M").unwrap(),
            catalog.package("DATA_50").unwrap(),
        );
        let priced = catalog
            .priced("ERHVERV_M", "DATA_50", cards, String::new)
            .unwrap();
        assert_eq!(
            json(&priced.summary),
            json(&SummaryDto::from(price(plan, package, cards))),
            "{cards} cards"
        );
        assert_eq!(json(&priced.plan), json(&PlanDto::from(plan.clone())));
        assert_eq!(
            json(&priced.mobile_package),
            json(&MobilePackageDto::from(package.clone()))
        );
    }

    #[test]
    fn every_rendered_summary_is_the_price_of_its_plan_package_and_cards() {
        let catalog = catalog();
        for cards in 0..=MAX_DATA_SHARING_CARDS {
            assert_priced_as_price_says(&catalog, cards);
        }
    }

    #[test]
    fn a_count_of_cards_outside_the_rendered_ones_is_priced_on_the_spot() {
        let catalog = catalog();
        for cards in [-1, MAX_DATA_SHARING_CARDS + 1] {
            assert_priced_as_price_says(&catalog, cards);
        }
    }

    #[test]
    fn a_missing_plan_or_package_names_its_owner() {
        let catalog = catalog();
        let owner = || "subscription 7".to_owned();
        let plan = catalog
            .priced("ERHVERV_X", "DATA_50", 0, owner)
            .err()
            .unwrap();
        assert_eq!(plan.to_string(), "subscription 7 refers to a missing plan");
        let package = catalog
            .priced("ERHVERV_M", "DATA_X", 0, owner)
            .err()
            .unwrap();
        assert_eq!(
            package.to_string(),
            "subscription 7 refers to a missing package"
        );
    }
}
