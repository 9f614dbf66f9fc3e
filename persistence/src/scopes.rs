//! Where each object a scope filters is filed: an order, a subscription and its number
//! ports, a bulk job, under their employees' cost centres (`''` for none). A scoped user's
//! lists keep only what [`within!`] lets through, one subquery for every list.

use diesel::prelude::*;
use domain::user::Scope;
use uuid::Uuid;

use crate::db::on_backend;
use crate::schema::{number_ports, object_cost_centers};
use crate::{DbConnection, Result};

/// How an employee without a cost centre is filed: no scope names it.
const NONE: &str = "";

/// Files `object` of `company` under `cost_centers` (each once; `None`: none), in place
/// of what it was filed under.
pub fn file(
    conn: &mut DbConnection,
    object: Uuid,
    company: Uuid,
    cost_centers: &[Option<&str>],
) -> Result<()> {
    diesel::delete(
        object_cost_centers::table.filter(object_cost_centers::object_id.eq(object.to_string())),
    )
    .execute(conn)?;
    file_new(conn, object, company, cost_centers)
}

/// Files a new `object` of `company` under `cost_centers`: [`file`] for an object filed
/// nowhere yet, in one statement.
pub fn file_new(
    conn: &mut DbConnection,
    object: Uuid,
    company: Uuid,
    cost_centers: &[Option<&str>],
) -> Result<()> {
    let object = object.to_string();
    let mut centers: Vec<&str> = cost_centers.iter().map(|c| c.unwrap_or(NONE)).collect();
    centers.sort_unstable();
    centers.dedup();
    let rows: Vec<_> = centers
        .into_iter()
        .map(|center| {
            (
                object_cost_centers::object_id.eq(object.clone()),
                object_cost_centers::company_id.eq(company.to_string()),
                object_cost_centers::cost_center.eq(center),
            )
        })
        .collect();
    // A multi-row insert is each backend's own statement, not the multi-backend's.
    on_backend!(conn, c => diesel::insert_into(object_cost_centers::table)
        .values(&rows)
        .execute(c))?;
    Ok(())
}

/// Files `object` where `like` is filed (a number port where its subscription is).
pub fn file_like(conn: &mut DbConnection, object: Uuid, like: Uuid) -> Result<()> {
    let filed: Vec<(String, String)> = object_cost_centers::table
        .filter(object_cost_centers::object_id.eq(like.to_string()))
        .select((
            object_cost_centers::company_id,
            object_cost_centers::cost_center,
        ))
        .load(conn)?;
    for (company, center) in filed {
        diesel::insert_into(object_cost_centers::table)
            .values((
                object_cost_centers::object_id.eq(object.to_string()),
                object_cost_centers::company_id.eq(company),
                object_cost_centers::cost_center.eq(center),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Moves `subscription`, and every number port of it, to `cost_center`: each is filed
/// under the one cost centre of its employee, so one statement moves them all.
pub fn file_subscription(
    conn: &mut DbConnection,
    subscription: Uuid,
    cost_center: Option<&str>,
) -> Result<()> {
    let ports = number_ports::table
        .filter(number_ports::subscription_id.eq(subscription.to_string()))
        .select(number_ports::id);
    diesel::update(
        object_cost_centers::table.filter(
            object_cost_centers::object_id
                .eq(subscription.to_string())
                .or(object_cost_centers::object_id.eq_any(ports)),
        ),
    )
    .set(object_cost_centers::cost_center.eq(cost_center.unwrap_or(NONE)))
    .execute(conn)?;
    Ok(())
}

/// Whether a user of `scope` sees `object`: always with the whole company; otherwise when
/// it is filed, and filed only under the scope's cost centres. The one decision for a
/// single object (lists use [`within!`]); one read, and none for an unscoped user.
pub fn sees(conn: &mut DbConnection, scope: &Scope, object: Uuid) -> Result<bool> {
    if scope.centers().is_none() {
        return Ok(true);
    }
    let filed = filed(conn, object)?;
    Ok(!filed.is_empty() && filed.iter().all(|c| scope.covers(c.as_deref())))
}

/// The cost centres `object` is filed under (`None`: an employee without one).
pub fn filed(conn: &mut DbConnection, object: Uuid) -> Result<Vec<Option<String>>> {
    let filed: Vec<String> = object_cost_centers::table
        .filter(object_cost_centers::object_id.eq(object.to_string()))
        .select(object_cost_centers::cost_center)
        .load(conn)?;
    Ok(filed
        .into_iter()
        .map(|c| Some(c).filter(|c| c != NONE))
        .collect())
}

/// A filter on an object id column (`Text`) that keeps only `company`'s objects filed
/// under the cost centres `centers` (a `&[String]`), and none filed under any other (a
/// bulk job with one row elsewhere is out of scope).
macro_rules! within {
    ($id:expr, $company:expr, $centers:expr) => {{
        use $crate::schema::object_cost_centers as occ;
        let company: String = $company.to_string();
        let centers: Vec<String> = $centers.to_vec();
        $id.eq_any(
            occ::table
                .filter(occ::company_id.eq(company.clone()))
                .filter(occ::cost_center.eq_any(centers.clone()))
                .select(occ::object_id),
        )
        .and(diesel::dsl::not(
            $id.eq_any(
                occ::table
                    .filter(occ::company_id.eq(company))
                    .filter(occ::cost_center.ne_all(centers))
                    .select(occ::object_id),
            ),
        ))
    }};
}
pub(crate) use within;
