//! Subscriptions: what a confirmed order created.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use domain::subscription::SubscriptionStatus;
use uuid::Uuid;

use crate::schema::{sim_serials, subscriptions};
use crate::{DbConnection, Page, Result};

/// A subscription as stored. `details` is a JSON document the API layer owns.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = subscriptions, treat_none_as_null = true)]
pub struct SubscriptionRecord {
    pub id: String,
    pub company_id: String,
    pub order_id: String,
    pub status: String,
    pub version: i32,
    pub plan_code: String,
    pub mobile_package_code: String,
    pub data_sharing_cards: i32,
    pub employee_name: String,
    pub initials: String,
    pub number: String,
    pub details: String,
    pub iccid: String,
    pub terminates_on: Option<NaiveDate>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

pub fn insert(conn: &mut DbConnection, subscription: &SubscriptionRecord) -> Result<()> {
    diesel::insert_into(subscriptions::table)
        .values(subscription)
        .execute(conn)
        .map_err(|e| crate::Error::on_duplicate(e, "subscription"))?;
    Ok(())
}

pub fn get(conn: &mut DbConnection, company: Uuid, id: Uuid) -> Result<Option<SubscriptionRecord>> {
    Ok(subscriptions::table
        .filter(subscriptions::id.eq(id.to_string()))
        .filter(subscriptions::company_id.eq(company.to_string()))
        .select(SubscriptionRecord::as_select())
        .first(conn)
        .optional()?)
}

/// `company`'s subscriptions, oldest first; `q` matches name, initials or number.
pub fn list(
    conn: &mut DbConnection,
    company: Uuid,
    q: Option<&str>,
    status: Option<SubscriptionStatus>,
    after: Option<Uuid>,
    limit: i64,
) -> Result<Page<SubscriptionRecord>> {
    let mut query = subscriptions::table
        .filter(subscriptions::company_id.eq(company.to_string()))
        .select(SubscriptionRecord::as_select())
        .order(subscriptions::id.asc())
        .limit(limit + 1)
        .into_boxed();
    if let Some(q) = q {
        let escaped = q
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_");
        let name = format!("%{}%", escaped.to_lowercase());
        let upper = format!("%{}%", escaped.to_uppercase());
        query = query.filter(
            lower(subscriptions::employee_name)
                .like(name)
                .escape('\\')
                .or(subscriptions::initials.like(upper).escape('\\'))
                .or(subscriptions::number
                    .like(format!("%{escaped}%"))
                    .escape('\\')),
        );
    }
    if let Some(status) = status {
        query = query.filter(subscriptions::status.eq(status.as_str()));
    }
    if let Some(after) = after {
        query = query.filter(subscriptions::id.gt(after.to_string()));
    }
    let rows = query.load(conn)?;
    Ok(Page::from_overfetch(rows, limit, |s| s.id.clone()))
}

diesel::define_sql_function! {
    /// SQL `lower()`, the same on both backends for ASCII; Danish letters are matched as typed.
    fn lower(x: diesel::sql_types::Text) -> diesel::sql_types::Text;
}

/// Takes the next SIM serial of `issuer`, inside the caller's transaction.
pub fn next_sim_serial(conn: &mut DbConnection, issuer: i32) -> Result<i64> {
    diesel::update(sim_serials::table.find(issuer))
        .set(sim_serials::next_serial.eq(sim_serials::next_serial + 1))
        .execute(conn)?;
    let next: i64 = sim_serials::table
        .find(issuer)
        .select(sim_serials::next_serial)
        .first(conn)?;
    Ok(next - 1)
}

/// Writes `subscription` over the stored one if that still has `expected_version`; false
/// when another writer came first.
pub fn update(
    conn: &mut DbConnection,
    subscription: &SubscriptionRecord,
    expected_version: i32,
) -> Result<bool> {
    let changed = diesel::update(
        subscriptions::table
            .filter(subscriptions::id.eq(&subscription.id))
            .filter(subscriptions::version.eq(expected_version)),
    )
    .set(subscription)
    .execute(conn)?;
    Ok(changed == 1)
}

/// Subscriptions whose termination date has come (`terminates_on <= today`) and that
/// are not yet terminated, at most `limit`.
pub fn due_for_termination(
    conn: &mut DbConnection,
    today: NaiveDate,
    limit: i64,
) -> Result<Vec<SubscriptionRecord>> {
    Ok(subscriptions::table
        .filter(subscriptions::terminates_on.le(today))
        .filter(subscriptions::status.ne(SubscriptionStatus::Terminated.as_str()))
        .order(subscriptions::id.asc())
        .limit(limit)
        .select(SubscriptionRecord::as_select())
        .load(conn)?)
}
