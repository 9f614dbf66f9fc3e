//! Draft and confirmed orders, and the initials their employees hold.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use domain::email::EmailAddress;
use domain::employee::{EmployeeDetails, Initials};
use domain::number::DanishNumber;
use domain::order::{Order, OrderNumber, OrderStatus};
use domain::text::{CostCenter, PersonName, Title};
use domain::user::Scope;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::scopes::within;

use crate::approvals::ApprovalRecord;
use crate::db::{Prepared, on_backend};
use crate::error::{json, parse, to_json, uuid};
use crate::schema::{approvals, initials_claims, orders};
use crate::{DbConnection, Error, Page, Result};

/// An order's row. The employee's details (apart from the initials) and a port-in's
/// request are JSON documents of [`StoredEmployee`] and [`PortRequest`].
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = orders, treat_none_as_null = true, treat_none_as_default_value = false)]
struct OrderRecord {
    id: String,
    company_id: String,
    status: String,
    version: i32,
    plan_code: String,
    mobile_package_code: String,
    data_sharing_cards: i32,
    employee: String,
    initials: String,
    number: String,
    port: Option<String>,
    expires_at: NaiveDateTime,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
    subscription_id: Option<String>,
    bulk_order_id: Option<String>,
}

/// What a stored order says about its employee, apart from the initials.
#[derive(Debug, Serialize, Deserialize)]
struct StoredEmployee {
    name: PersonName,
    title: Title,
    email: EmailAddress,
    cost_center: Option<CostCenter>,
}

impl TryFrom<OrderRecord> for Order {
    type Error = Error;

    fn try_from(r: OrderRecord) -> Result<Order> {
        let employee: StoredEmployee = json("orders.employee", &r.employee)?;
        let number = parse("orders.number", &r.number, DanishNumber::parse)?;
        let number = match &r.port {
            None => OrderNumber::New(number),
            Some(port) => OrderNumber::PortIn(number, json("orders.port", port)?),
        };
        Ok(Order {
            id: uuid("orders.id", &r.id)?,
            company: uuid("orders.company_id", &r.company_id)?,
            status: parse("orders.status", &r.status, str::parse)?,
            version: r.version,
            plan: r.plan_code,
            mobile_package: r.mobile_package_code,
            data_sharing_cards: r.data_sharing_cards,
            employee: EmployeeDetails {
                name: employee.name,
                initials: parse("orders.initials", &r.initials, Initials::parse)?,
                title: employee.title,
                email: employee.email,
                cost_center: employee.cost_center,
            },
            number,
            expires_at: r.expires_at,
            created_at: r.created_at,
            updated_at: r.updated_at,
            subscription: r
                .subscription_id
                .as_deref()
                .map(|s| uuid("orders.subscription_id", s))
                .transpose()?,
            bulk_order: r
                .bulk_order_id
                .as_deref()
                .map(|s| uuid("orders.bulk_order_id", s))
                .transpose()?,
            approval: None,
        })
    }
}

/// An order read with its latest approval (a left join: most orders have none).
type WithApproval = (OrderRecord, Option<ApprovalRecord>);

fn with_approval((record, approval): WithApproval) -> Result<Order> {
    let mut order = Order::try_from(record)?;
    order.approval = approval.map(TryInto::try_into).transpose()?;
    Ok(order)
}

/// The orders table with each order's latest approval beside it.
macro_rules! orders_with_approvals {
    () => {
        orders::table
            .left_join(approvals::table.on(approvals::subject_id.eq(orders::id)))
            .select((
                OrderRecord::as_select(),
                Option::<ApprovalRecord>::as_select(),
            ))
    };
}

impl TryFrom<&Order> for OrderRecord {
    type Error = Error;

    fn try_from(o: &Order) -> Result<OrderRecord> {
        let e = &o.employee;
        Ok(OrderRecord {
            id: o.id.to_string(),
            company_id: o.company.to_string(),
            status: o.status.as_str().to_owned(),
            version: o.version,
            plan_code: o.plan.clone(),
            mobile_package_code: o.mobile_package.clone(),
            data_sharing_cards: o.data_sharing_cards,
            employee: to_json(&StoredEmployee {
                name: e.name.clone(),
                title: e.title.clone(),
                email: e.email.clone(),
                cost_center: e.cost_center.clone(),
            })?,
            initials: e.initials.as_str().to_owned(),
            number: o.number.number().as_str().to_owned(),
            port: o.number.port().map(to_json).transpose()?,
            expires_at: o.expires_at,
            created_at: o.created_at,
            updated_at: o.updated_at,
            subscription_id: o.subscription.map(|s| s.to_string()),
            bulk_order_id: o.bulk_order.map(|s| s.to_string()),
        })
    }
}

/// Stores a new order, filed under its employee's cost centre.
pub fn insert(conn: &mut DbConnection, order: &Order) -> Result<()> {
    diesel::insert_into(orders::table)
        .values(OrderRecord::try_from(order)?)
        .execute(conn)?;
    let center = order.employee.cost_center.as_ref().map(|c| c.as_str());
    crate::scopes::file_new(conn, order.id, order.company, &[center])
}

/// Files `order` under its employee's cost centre (again, after an edit).
pub fn file(conn: &mut DbConnection, order: &Order) -> Result<()> {
    let center = order.employee.cost_center.as_ref().map(|c| c.as_str());
    crate::scopes::file(conn, order.id, order.company, &[center])
}

/// One of `company`'s orders with its latest approval; another company's is not found.
/// One statement.
pub fn get(conn: &mut DbConnection, company: Uuid, id: Uuid) -> Result<Option<Order>> {
    orders_with_approvals!()
        .filter(orders::id.eq(id.to_string()))
        .filter(orders::company_id.eq(company.to_string()))
        .first::<WithApproval>(conn)
        .optional()?
        .map(with_approval)
        .transpose()
}

/// Like [`get`], for a change: on PostgreSQL the row stays locked until the transaction
/// ends, so a concurrent writer waits and then reads what this one wrote (SQLite's write
/// transaction already runs alone).
/// One statement, with the order's approval beside it as [`get`] reads it.
pub fn lock(conn: &mut DbConnection, company: Uuid, id: Uuid) -> Result<Option<Order>> {
    let (id, company) = (id.to_string(), company.to_string());
    // Built in each arm: a selection is typed by the backend it is read from.
    macro_rules! query {
        () => {
            orders_with_approvals!()
                .filter(orders::id.eq(&id))
                .filter(orders::company_id.eq(&company))
        };
    }
    let row: Option<WithApproval> = match conn {
        DbConnection::Postgres(pg) => ForUpdateOfOrders(query!())
            .load::<WithApproval>(pg)?
            .into_iter()
            .next(),
        DbConnection::Sqlite(lite) => query!().first(lite).optional()?,
    };
    row.map(with_approval).transpose()
}

/// A PostgreSQL `SELECT` of orders that locks only the orders rows it reads (`FOR UPDATE
/// OF orders`): the approval beside each is a left join's nullable side, which PostgreSQL
/// refuses to lock, and which the order's lock guards anyway (an approval changes only
/// with its order locked). The locked rows are read as the writer before left them, as a
/// plain `FOR UPDATE` reads them.
struct ForUpdateOfOrders<Q>(Q);

impl<Q> diesel::query_builder::QueryId for ForUpdateOfOrders<Q> {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<Q> diesel::query_builder::QueryFragment<diesel::pg::Pg> for ForUpdateOfOrders<Q>
where
    Q: diesel::query_builder::QueryFragment<diesel::pg::Pg>,
{
    fn walk_ast<'b>(
        &'b self,
        mut pass: diesel::query_builder::AstPass<'_, 'b, diesel::pg::Pg>,
    ) -> QueryResult<()> {
        self.0.walk_ast(pass.reborrow())?;
        pass.push_sql(" FOR UPDATE OF orders");
        Ok(())
    }
}

impl<Q: diesel::query_builder::Query> diesel::query_builder::Query for ForUpdateOfOrders<Q> {
    type SqlType = Q::SqlType;
}

impl<Q, Conn> RunQueryDsl<Conn> for ForUpdateOfOrders<Q> {}

/// Writes `order` over the stored one if that still has `order.version`, as the next
/// version changed at `now`; false when another writer came first. The one place an
/// order's version moves.
pub fn update(conn: &mut DbConnection, order: &mut Order, now: NaiveDateTime) -> Result<bool> {
    let expected = order.version;
    let mut record = OrderRecord::try_from(&*order)?;
    record.version = expected + 1;
    record.updated_at = now;
    // Every column is written (`treat_none_as_null`), so the statement has one shape.
    let changed = Prepared(
        diesel::update(
            orders::table
                .filter(orders::id.eq(&record.id))
                .filter(orders::version.eq(expected)),
        )
        .set(&record)
        .returning(orders::id),
    )
    .rows(conn)?;
    if changed == 1 {
        order.version = record.version;
        order.updated_at = now;
    }
    Ok(changed == 1)
}

/// `company`'s orders with their latest approvals, oldest first. Filtering by a state that
/// lapses (`draft`, `awaiting_approval`) or by the state it lapses into (`expired`,
/// `approval_expired`) follows [`Order::status_at`] at `now`, the company's business time.
pub fn list(
    conn: &mut DbConnection,
    company: Uuid,
    scope: &Scope,
    status: Option<OrderStatus>,
    after: Option<Uuid>,
    limit: i64,
    now: NaiveDateTime,
) -> Result<Page<Order>> {
    let mut query = orders_with_approvals!()
        .filter(orders::company_id.eq(company.to_string()))
        .order(orders::id.asc())
        .limit(limit + 1)
        .into_boxed();
    // A state that lapses, and the state it lapses into.
    let lapsing = [
        (OrderStatus::Draft, OrderStatus::Expired),
        (OrderStatus::AwaitingApproval, OrderStatus::ApprovalExpired),
    ];
    if let Some(status) = status {
        query = match lapsing
            .iter()
            .find(|(live, dead)| status == *live || status == *dead)
        {
            Some((live, _)) if status == *live => query
                .filter(orders::status.eq(live.as_str()))
                .filter(orders::expires_at.gt(now)),
            Some((live, dead)) => query.filter(
                orders::status.eq(dead.as_str()).or(orders::status
                    .eq(live.as_str())
                    .and(orders::expires_at.le(now))),
            ),
            None => query.filter(orders::status.eq(status.as_str())),
        };
    }
    if let Some(centers) = scope.centers() {
        query = query.filter(within!(orders::id, company, centers));
    }
    if let Some(after) = after {
        query = query.filter(orders::id.gt(after.to_string()));
    }
    let rows: Vec<WithApproval> = query.load(conn)?;
    Page::from_overfetch(rows, limit, |(o, _)| o.id.clone()).try_map(with_approval)
}

/// Claims `initials` in `company` for `holder` (a draft until `expires_at`, or a
/// subscription with `None`). A lapsed draft's claim gives way; false when someone
/// live holds them. One statement: an insert that, on a claim already there, takes it
/// over only when it is `holder`'s own or has lapsed by `now` (the company's business
/// time).
pub fn claim_initials(
    conn: &mut DbConnection,
    company: Uuid,
    initials: &str,
    holder: Uuid,
    expires_at: Option<NaiveDateTime>,
    now: NaiveDateTime,
) -> Result<bool> {
    use diesel::query_dsl::methods::FilterDsl;
    use diesel::upsert::excluded;
    let upsert = diesel::insert_into(initials_claims::table)
        .values((
            initials_claims::company_id.eq(company.to_string()),
            initials_claims::initials.eq(initials),
            initials_claims::holder_id.eq(holder.to_string()),
            initials_claims::expires_at.eq(expires_at),
        ))
        .on_conflict((initials_claims::company_id, initials_claims::initials))
        .do_update()
        .set((
            initials_claims::holder_id.eq(excluded(initials_claims::holder_id)),
            initials_claims::expires_at.eq(excluded(initials_claims::expires_at)),
        ));
    let claim = FilterDsl::filter(
        upsert,
        initials_claims::holder_id
            .eq(holder.to_string())
            .or(initials_claims::expires_at.le(now)),
    );
    // ON CONFLICT is the backends' own syntax (the same on both), not MultiBackend's.
    let claimed =
        on_backend!(conn, c => Prepared(claim.returning(initials_claims::holder_id)).rows(c))?;
    Ok(claimed == 1)
}

/// Which of `initials` someone live holds in `company` at `now` (its business time): a
/// subscription, or a draft that has not lapsed. One read.
pub fn initials_held(
    conn: &mut DbConnection,
    company: Uuid,
    initials: &[&str],
    now: NaiveDateTime,
) -> Result<Vec<String>> {
    if initials.is_empty() {
        return Ok(Vec::new());
    }
    Ok(initials_claims::table
        .filter(initials_claims::company_id.eq(company.to_string()))
        .filter(initials_claims::initials.eq_any(initials))
        .filter(
            initials_claims::expires_at
                .is_null()
                .or(initials_claims::expires_at.gt(now)),
        )
        .select(initials_claims::initials)
        .load(conn)?)
}

/// How many of `company`'s drafts (and orders awaiting approval) port a number in and are
/// live at `now` (its business time): ports to come, each of which will await its owner's
/// signature.
pub fn live_port_in_drafts(
    conn: &mut DbConnection,
    company: Uuid,
    now: NaiveDateTime,
) -> Result<i64> {
    let live = [
        OrderStatus::Draft.as_str(),
        OrderStatus::AwaitingApproval.as_str(),
    ];
    Ok(orders::table
        .filter(orders::company_id.eq(company.to_string()))
        .filter(orders::status.eq_any(live))
        .filter(orders::port.is_not_null())
        .filter(orders::expires_at.gt(now))
        .count()
        .get_result(conn)?)
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
/// subscription); false when `from` holds none any more. A draft's claim lapses at its
/// `expires_at`, and another draft may take it over from then on: a confirmation that
/// read its draft as live just before must then fail instead of creating a second holder.
pub fn transfer_initials(conn: &mut DbConnection, from: Uuid, to: Uuid) -> Result<bool> {
    let moved = Prepared(
        diesel::update(
            initials_claims::table.filter(initials_claims::holder_id.eq(from.to_string())),
        )
        .set((
            initials_claims::holder_id.eq(to.to_string()),
            initials_claims::expires_at.eq(None::<NaiveDateTime>),
        ))
        .returning(initials_claims::initials),
    )
    .rows(conn)?;
    Ok(moved == 1)
}
