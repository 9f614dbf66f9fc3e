//! Subscriptions: what a confirmed order created.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::connection::DefaultLoadingMode;
use diesel::prelude::*;
use domain::email::EmailAddress;
use domain::employee::{EmployeeDetails, Initials};
use domain::number::DanishNumber;
use domain::sim::Iccid;
use domain::subscription::{Subscription, SubscriptionStatus, UcAccount};
use domain::text::{CostCenter, PersonName, Title};
use domain::user::Scope;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::scopes::within;

use crate::db::{lower, on_backend};
use crate::error::{json, parse, to_json, uuid};
use crate::page::collect_sized;
use crate::schema::{sim_serials, subscriptions};
use crate::{DbConnection, Error, Page, Result};

/// A subscription's row. The employee's title, email and cost centre and the sign-in
/// address are a JSON document of [`StoredDetails`].
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = subscriptions, treat_none_as_null = true, treat_none_as_default_value = false)]
struct SubscriptionRecord {
    id: String,
    company_id: String,
    order_id: String,
    status: String,
    version: i32,
    plan_code: String,
    mobile_package_code: String,
    data_sharing_cards: i32,
    employee_name: String,
    initials: String,
    number: String,
    details: String,
    iccid: String,
    terminates_on: Option<NaiveDate>,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

/// What a stored subscription says about its employee beyond name and initials.
#[derive(Debug, Serialize, Deserialize)]
struct StoredDetails {
    title: Title,
    email: EmailAddress,
    cost_center: Option<CostCenter>,
    uc_account: UcAccount,
}

impl TryFrom<SubscriptionRecord> for Subscription {
    type Error = Error;

    fn try_from(r: SubscriptionRecord) -> Result<Subscription> {
        let details: StoredDetails = json("subscriptions.details", &r.details)?;
        Ok(Subscription {
            id: uuid("subscriptions.id", &r.id)?,
            company: uuid("subscriptions.company_id", &r.company_id)?,
            order: uuid("subscriptions.order_id", &r.order_id)?,
            status: parse("subscriptions.status", &r.status, str::parse)?,
            version: r.version,
            plan: r.plan_code,
            mobile_package: r.mobile_package_code,
            data_sharing_cards: r.data_sharing_cards,
            employee: EmployeeDetails {
                name: parse(
                    "subscriptions.employee_name",
                    &r.employee_name,
                    PersonName::parse,
                )?,
                initials: parse("subscriptions.initials", &r.initials, Initials::parse)?,
                title: details.title,
                email: details.email,
                cost_center: details.cost_center,
            },
            uc_account: details.uc_account,
            number: parse("subscriptions.number", &r.number, DanishNumber::parse)?,
            iccid: parse("subscriptions.iccid", &r.iccid, Iccid::parse)?,
            terminates_on: r.terminates_on,
            created_at: r.created_at,
            updated_at: r.updated_at,
        })
    }
}

impl TryFrom<&Subscription> for SubscriptionRecord {
    type Error = Error;

    fn try_from(s: &Subscription) -> Result<SubscriptionRecord> {
        let e = &s.employee;
        Ok(SubscriptionRecord {
            id: s.id.to_string(),
            company_id: s.company.to_string(),
            order_id: s.order.to_string(),
            status: s.status.as_str().to_owned(),
            version: s.version,
            plan_code: s.plan.clone(),
            mobile_package_code: s.mobile_package.clone(),
            data_sharing_cards: s.data_sharing_cards,
            employee_name: e.name.as_str().to_owned(),
            initials: e.initials.as_str().to_owned(),
            number: s.number.as_str().to_owned(),
            details: to_json(&StoredDetails {
                title: e.title.clone(),
                email: e.email.clone(),
                cost_center: e.cost_center.clone(),
                uc_account: s.uc_account.clone(),
            })?,
            iccid: s.iccid.as_str().to_owned(),
            terminates_on: s.terminates_on,
            created_at: s.created_at,
            updated_at: s.updated_at,
        })
    }
}

pub fn insert(conn: &mut DbConnection, subscription: &Subscription) -> Result<()> {
    diesel::insert_into(subscriptions::table)
        .values(SubscriptionRecord::try_from(subscription)?)
        .execute(conn)
        .map_err(|e| crate::Error::on_duplicate(e, "subscription"))?;
    let center = subscription
        .employee
        .cost_center
        .as_ref()
        .map(|c| c.as_str());
    crate::scopes::file_new(conn, subscription.id, subscription.company, &[center])
}

pub fn get(conn: &mut DbConnection, company: Uuid, id: Uuid) -> Result<Option<Subscription>> {
    let (id, company) = (id.to_string(), company.to_string());
    on_backend!(conn, c => subscriptions::table
        .filter(subscriptions::id.eq(&id))
        .filter(subscriptions::company_id.eq(&company))
        .select(SubscriptionRecord::as_select())
        .first(c)
        .optional())?
    .map(Subscription::try_from)
    .transpose()
}

/// Like [`get`], for a change: on PostgreSQL the row stays locked until the transaction
/// ends, so a concurrent writer waits and then reads what this one wrote.
pub fn lock(conn: &mut DbConnection, company: Uuid, id: Uuid) -> Result<Option<Subscription>> {
    let query = subscriptions::table
        .filter(subscriptions::id.eq(id.to_string()))
        .filter(subscriptions::company_id.eq(company.to_string()));
    let row = match conn {
        DbConnection::Postgres(pg) => query
            .select(SubscriptionRecord::as_select())
            .for_update()
            .first(pg)
            .optional()?,
        DbConnection::Sqlite(lite) => query
            .select(SubscriptionRecord::as_select())
            .first(lite)
            .optional()?,
    };
    row.map(Subscription::try_from).transpose()
}

/// `company`'s subscriptions, oldest first; `q` matches name, initials or number.
pub fn list(
    conn: &mut DbConnection,
    company: Uuid,
    scope: &Scope,
    q: Option<&str>,
    status: Option<SubscriptionStatus>,
    after: Option<Uuid>,
    limit: i64,
) -> Result<Page<Subscription>> {
    let after = after.map(|a| a.to_string());
    if q.is_none() && status.is_none() && scope.centers().is_none() {
        // The common page, in one shape PostgreSQL keeps prepared: every id is after "".
        let (company, after) = (company.to_string(), after.unwrap_or_default());
        let rows = on_backend!(conn, c => subscriptions::table
            .filter(subscriptions::company_id.eq(&company))
            .filter(subscriptions::id.gt(&after))
            .select(SubscriptionRecord::as_select())
            .order(subscriptions::id.asc())
            .limit(limit + 1)
            .load_iter::<SubscriptionRecord, DefaultLoadingMode>(c)
            .and_then(collect_sized))?;
        return Page::from_overfetch(rows, limit, |s| s.id.clone()).try_map(Subscription::try_from);
    }
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
    if let Some(centers) = scope.centers() {
        query = query.filter(within!(subscriptions::id, company, centers));
    }
    if let Some(after) = after {
        query = query.filter(subscriptions::id.gt(after));
    }
    let rows = if q.is_some() {
        crate::db::with_custom_plans(conn, |c| Ok(query.load(c)?))?
    } else {
        query.load(conn)?
    };
    Page::from_overfetch(rows, limit, |s| s.id.clone()).try_map(Subscription::try_from)
}

diesel::define_sql_function! {
    /// PostgreSQL's `nextval()` of the sequence named by the text.
    fn nextval(sequence: diesel::sql_types::Text) -> diesel::sql_types::BigInt;
}

/// Takes the next SIM serial of `issuer`, inside the caller's transaction. On PostgreSQL
/// from the issuer's sequence (`sim_serials_<issuer>`), so concurrent confirmations do not
/// queue on one row; on SQLite, whose writers run one at a time, from the counter row.
pub fn next_sim_serial(conn: &mut DbConnection, issuer: i32) -> Result<i64> {
    if let DbConnection::Postgres(pg) = conn {
        // The sequence's name is a bound value, so the statement is one, prepared once.
        return Ok(diesel::select(nextval(format!("sim_serials_{issuer}"))).get_result(pg)?);
    }
    diesel::update(sim_serials::table.find(issuer))
        .set(sim_serials::next_serial.eq(sim_serials::next_serial + 1))
        .execute(conn)?;
    let next: i64 = sim_serials::table
        .find(issuer)
        .select(sim_serials::next_serial)
        .first(conn)?;
    Ok(next - 1)
}

/// Writes `subscription` over the stored one if that still has `subscription.version`,
/// as the next version changed at `now`; false when another writer came first. The one
/// place a subscription's version moves.
pub fn update(
    conn: &mut DbConnection,
    subscription: &mut Subscription,
    now: NaiveDateTime,
) -> Result<bool> {
    let expected = subscription.version;
    let mut record = SubscriptionRecord::try_from(&*subscription)?;
    record.version = expected + 1;
    record.updated_at = now;
    let changed = diesel::update(
        subscriptions::table
            .filter(subscriptions::id.eq(&record.id))
            .filter(subscriptions::version.eq(expected)),
    )
    .set(&record)
    .execute(conn)?;
    if changed == 1 {
        subscription.version = record.version;
        subscription.updated_at = now;
    }
    Ok(changed == 1)
}

/// A subscription whose termination date has come: which, and whose.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Due {
    pub id: Uuid,
    pub company: Uuid,
}

/// Subscriptions whose termination date has come (`terminates_on <= today`) and that
/// are not yet terminated, at most `limit`. Only their ids are read here, each parsed on
/// its own: a row that does not parse is one failed item for the caller, not a failed
/// batch that would hold up every other due subscription.
pub fn due_for_termination(
    conn: &mut DbConnection,
    scope: crate::Scope,
    today: NaiveDate,
    limit: i64,
) -> Result<Vec<Result<Due>>> {
    let query = subscriptions::table.into_boxed();
    let rows: Vec<(String, String)> = crate::in_scope!(query, subscriptions::company_id, scope)
        .filter(subscriptions::terminates_on.le(today))
        .filter(subscriptions::status.ne(SubscriptionStatus::Terminated.as_str()))
        .order(subscriptions::id.asc())
        .limit(limit)
        .select((subscriptions::id, subscriptions::company_id))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(id, company)| {
            Ok(Due {
                id: uuid("subscriptions.id", &id)?,
                company: uuid("subscriptions.company_id", &company)?,
            })
        })
        .collect())
}

/// The termination dates of `company`'s subscriptions still to end.
pub fn termination_dates(conn: &mut DbConnection, company: Uuid) -> Result<Vec<NaiveDate>> {
    Ok(subscriptions::table
        .filter(subscriptions::company_id.eq(company.to_string()))
        .filter(subscriptions::status.ne(SubscriptionStatus::Terminated.as_str()))
        .filter(subscriptions::terminates_on.is_not_null())
        .select(subscriptions::terminates_on.assume_not_null())
        .load(conn)?)
}
