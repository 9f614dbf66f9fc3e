//! The catalog: what orders and subscriptions are priced by.

use std::collections::HashMap;

use domain::catalog::{MobilePackage, Plan};
use persistence::DbConnection;

use crate::wire::Page;
use crate::wire::catalog::{MobilePackageDto, PlanDto};

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

/// The catalog by code, to resolve the codes stored on orders and subscriptions.
pub struct Catalog {
    plans: HashMap<String, Plan>,
    packages: HashMap<String, MobilePackage>,
}

impl Catalog {
    pub fn load(conn: &mut DbConnection) -> persistence::Result<Catalog> {
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
    ) -> anyhow::Result<(&Plan, &MobilePackage)> {
        let missing = |what: &str| anyhow::anyhow!("{owner} refers to a missing {what}");
        Ok((
            self.plans.get(plan).ok_or_else(|| missing("plan"))?,
            self.packages
                .get(package)
                .ok_or_else(|| missing("package"))?,
        ))
    }

    pub fn package(&self, code: &str) -> Option<&MobilePackage> {
        self.packages.get(code)
    }

    pub fn plan(&self, code: &str) -> Option<&Plan> {
        self.plans.get(code)
    }
}
