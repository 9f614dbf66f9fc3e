use diesel::prelude::*;
use domain::catalog::{MobilePackage, Plan};
use domain::money::Ore;

use crate::schema::{mobile_packages, plans};
use crate::{DbConnection, Result};

#[derive(Queryable, Selectable)]
#[diesel(table_name = plans)]
struct PlanRow {
    code: String,
    name: String,
    monthly_price_ore: i64,
    included_data_gb: i32,
    free_data_sharing_cards: i32,
    data_sharing_card_price_ore: i64,
    setup_fee_ore: i64,
}

impl From<PlanRow> for Plan {
    fn from(row: PlanRow) -> Self {
        Plan {
            code: row.code,
            name: row.name,
            monthly_price: Ore::new(row.monthly_price_ore),
            included_data_gb: row.included_data_gb,
            free_data_sharing_cards: row.free_data_sharing_cards,
            data_sharing_card_price: Ore::new(row.data_sharing_card_price_ore),
            setup_fee: Ore::new(row.setup_fee_ore),
        }
    }
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = mobile_packages)]
struct PackageRow {
    code: String,
    name: String,
    data_gb: i32,
    monthly_price_ore: i64,
}

impl From<PackageRow> for MobilePackage {
    fn from(row: PackageRow) -> Self {
        MobilePackage {
            code: row.code,
            name: row.name,
            data_gb: row.data_gb,
            monthly_price: Ore::new(row.monthly_price_ore),
        }
    }
}

/// The plans, smallest first.
pub fn plans(conn: &mut DbConnection) -> Result<Vec<Plan>> {
    let rows = plans::table
        .select(PlanRow::as_select())
        .order(plans::sort_order.asc())
        .load(conn)?;
    Ok(rows.into_iter().map(Plan::from).collect())
}

pub fn plan(conn: &mut DbConnection, code: &str) -> Result<Option<Plan>> {
    Ok(plans::table
        .find(code)
        .select(PlanRow::as_select())
        .first(conn)
        .optional()?
        .map(Plan::from))
}

/// The mobile packages, smallest first.
pub fn mobile_packages(conn: &mut DbConnection) -> Result<Vec<MobilePackage>> {
    let rows = mobile_packages::table
        .select(PackageRow::as_select())
        .order(mobile_packages::sort_order.asc())
        .load(conn)?;
    Ok(rows.into_iter().map(MobilePackage::from).collect())
}

pub fn mobile_package(conn: &mut DbConnection, code: &str) -> Result<Option<MobilePackage>> {
    Ok(mobile_packages::table
        .find(code)
        .select(PackageRow::as_select())
        .first(conn)
        .optional()?
        .map(MobilePackage::from))
}
