//! Draft and confirmed orders, and the initials their employees hold.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use domain::order::OrderStatus;
use uuid::Uuid;

use crate::schema::{initials_claims, orders};
use crate::{DbConnection, Error, Page, Result};

/// An order as stored. `employee` and `port` are JSON documents the API layer owns.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = orders, treat_none_as_null = true)]
pub struct OrderRecord {
    pub id: String,
    pub company_id: String,
    pub status: String,
    pub version: i32,
    pub plan_code: String,
    pub mobile_package_code: String,
    pub data_sharing_cards: i32,
    pub employee: String,
    pub initials: String,
    pub number: String,
    pub port: Option<String>,
    pub expires_at: NaiveDateTime,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub subscription_id: Option<String>,
}

impl OrderRecord {
    /// The status as of `now`: a draft past `expires_at` has expired, whether or not
    /// anything has written that down yet.
    pub fn status_at(&self, now: NaiveDateTime) -> Result<OrderStatus> {
        let stored: OrderStatus = self
            .status
            .parse()
            .map_err(|_| Error::corrupt("orders.status", &self.status))?;
        Ok(if stored == OrderStatus::Draft && self.expires_at <= now {
            OrderStatus::Expired
        } else {
            stored
        })
    }
}

pub fn insert(conn: &mut DbConnection, order: &OrderRecord) -> Result<()> {
    diesel::insert_into(orders::table)
        .values(order)
        .execute(conn)?;
    Ok(())
}

/// One of `company`'s orders; another company's is not found.
pub fn get(conn: &mut DbConnection, company: Uuid, id: Uuid) -> Result<Option<OrderRecord>> {
    Ok(orders::table
        .filter(orders::id.eq(id.to_string()))
        .filter(orders::company_id.eq(company.to_string()))
        .select(OrderRecord::as_select())
        .first(conn)
        .optional()?)
}

/// Writes `order` over the stored one if that still has `expected_version`; false when
/// another writer came first.
pub fn update(conn: &mut DbConnection, order: &OrderRecord, expected_version: i32) -> Result<bool> {
    let changed = diesel::update(
        orders::table
            .filter(orders::id.eq(&order.id))
            .filter(orders::version.eq(expected_version)),
    )
    .set(order)
    .execute(conn)?;
    Ok(changed == 1)
}

/// `company`'s orders, oldest first. Filtering by `draft` or `expired` follows
/// [`OrderRecord::status_at`].
pub fn list(
    conn: &mut DbConnection,
    company: Uuid,
    status: Option<OrderStatus>,
    after: Option<Uuid>,
    limit: i64,
) -> Result<Page<OrderRecord>> {
    let now = crate::now();
    let mut query = orders::table
        .filter(orders::company_id.eq(company.to_string()))
        .select(OrderRecord::as_select())
        .order(orders::id.asc())
        .limit(limit + 1)
        .into_boxed();
    query = match status {
        None => query,
        Some(OrderStatus::Draft) => query
            .filter(orders::status.eq(OrderStatus::Draft.as_str()))
            .filter(orders::expires_at.gt(now)),
        Some(OrderStatus::Expired) => query.filter(
            orders::status
                .eq(OrderStatus::Expired.as_str())
                .or(orders::status
                    .eq(OrderStatus::Draft.as_str())
                    .and(orders::expires_at.le(now))),
        ),
        Some(other) => query.filter(orders::status.eq(other.as_str())),
    };
    if let Some(after) = after {
        query = query.filter(orders::id.gt(after.to_string()));
    }
    let rows = query.load(conn)?;
    Ok(Page::from_overfetch(rows, limit, |o| o.id.clone()))
}

/// Claims `initials` in `company` for `holder` (a draft until `expires_at`, or a
/// subscription with `None`). A lapsed draft's claim gives way; false when someone
/// live holds them.
pub fn claim_initials(
    conn: &mut DbConnection,
    company: Uuid,
    initials: &str,
    holder: Uuid,
    expires_at: Option<NaiveDateTime>,
) -> Result<bool> {
    let company = company.to_string();
    let mine = |c: &mut DbConnection| -> Result<bool> {
        let changed = diesel::update(
            initials_claims::table
                .filter(initials_claims::company_id.eq(&company))
                .filter(initials_claims::initials.eq(initials))
                .filter(
                    initials_claims::holder_id
                        .eq(holder.to_string())
                        .or(initials_claims::expires_at.le(crate::now())),
                ),
        )
        .set((
            initials_claims::holder_id.eq(holder.to_string()),
            initials_claims::expires_at.eq(expires_at),
        ))
        .execute(c)?;
        Ok(changed == 1)
    };
    if mine(conn)? {
        return Ok(true);
    }
    let inserted = diesel::insert_into(initials_claims::table)
        .values((
            initials_claims::company_id.eq(&company),
            initials_claims::initials.eq(initials),
            initials_claims::holder_id.eq(holder.to_string()),
            initials_claims::expires_at.eq(expires_at),
        ))
        .execute(conn);
    match inserted {
        Ok(_) => Ok(true),
        Err(diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::UniqueViolation,
            _,
        )) => Ok(false),
        Err(other) => Err(other.into()),
    }
}

/// Gives up whatever initials `holder` holds.
pub fn release_initials(conn: &mut DbConnection, holder: Uuid) -> Result<()> {
    diesel::delete(
        initials_claims::table.filter(initials_claims::holder_id.eq(holder.to_string())),
    )
    .execute(conn)?;
    Ok(())
}

/// Hands `from`'s claim to `to` for good (a confirmed draft's initials pass to its
/// subscription).
pub fn transfer_initials(conn: &mut DbConnection, from: Uuid, to: Uuid) -> Result<()> {
    diesel::update(initials_claims::table.filter(initials_claims::holder_id.eq(from.to_string())))
        .set((
            initials_claims::holder_id.eq(to.to_string()),
            initials_claims::expires_at.eq(None::<NaiveDateTime>),
        ))
        .execute(conn)?;
    Ok(())
}
