//! Orders: the "create new subscription" form as a priced draft to review, edit and
//! confirm ("Gå til ordrebekræftelse", "Godkend og opret").

use chrono::NaiveDateTime;
use domain::number::DanishNumber;
use domain::order::{Order, OrderStatus};
use domain::user::Scope;
use persistence::DbConnection;
use uuid::Uuid;

use super::Settings;
use super::catalog::Catalog;
use super::idempotency::KeyError;
use crate::error::FieldError;
use crate::wire::Page;
use crate::wire::orders::{
    ApprovalDto, EmployeeDto, NoticeDto, OrderDto, OrderNumberDto, PortDetails,
};

mod approval;
mod cancel;
mod confirm;
mod draft;
mod edit;
pub(crate) mod form;

pub use approval::{approve, reject};
pub use cancel::cancel;
pub(crate) use cancel::withdraw;
pub(crate) use confirm::confirm_draft;
pub use confirm::{Confirmed, confirm};
pub use draft::create;
pub(crate) use draft::draft;
pub use edit::edit;

/// Why an order use case did not do what was asked.
#[derive(Debug, thiserror::Error)]
pub enum OrderError {
    #[error("no such order")]
    NotFound,
    /// `If-Match` names a version the order no longer has.
    #[error("the order changed since it was read")]
    Stale,
    /// Only a draft can change; the order is in this state.
    #[error("the order is {0}")]
    NotDraft(OrderStatus),
    /// Only an order awaiting approval is approved or rejected; the order is in this state.
    #[error("the order is {0}")]
    NotAwaitingApproval(OrderStatus),
    /// The admin who asked for an approval cannot give it (four eyes).
    #[error("the approval was asked for by the same user")]
    SelfApproval,
    /// An approval is a person's: an API client cannot give it.
    #[error("an API client cannot approve")]
    ClientCannotApprove,
    #[error("{0} is not free")]
    NumberUnavailable(DanishNumber),
    #[error("no free number")]
    NoNumbersAvailable,
    /// A port for the number started meanwhile.
    #[error("{0} is already being ported")]
    PortExists(DanishNumber),
    /// The company already has this many ports waiting for a signature.
    #[error("{0} ports already await a signature")]
    TooManyUnsignedPorts(u32),
    /// A bulk job drafted the order: it is confirmed, or cancelled, with the job.
    #[error("the order is part of bulk order {0}")]
    InBulkOrder(Uuid),
    /// The form breaks these rules, every one named.
    #[error("invalid form")]
    Invalid(Vec<FieldError>),
    #[error(transparent)]
    Key(#[from] KeyError),
    #[error(transparent)]
    Storage(#[from] persistence::Error),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

/// One of `company`'s orders that `scope` sees, as its review page: one statement (two
/// for a scoped user), no transaction.
pub fn get(
    conn: &mut DbConnection,
    settings: &Settings,
    (company, scope): (Uuid, &Scope),
    id: Uuid,
) -> Result<OrderDto, OrderError> {
    let order = persistence::orders::get(conn, company, id)?.ok_or(OrderError::NotFound)?;
    if !persistence::scopes::sees(conn, scope, id)? {
        return Err(OrderError::NotFound);
    }
    let now = settings.now_for(conn, company)?;
    Ok(view(&settings.catalog, &order, now)?)
}

/// `company`'s orders that `scope` sees, oldest first: one statement, no transaction.
pub fn list(
    conn: &mut DbConnection,
    settings: &Settings,
    (company, scope): (Uuid, &Scope),
    status: Option<OrderStatus>,
    after: Option<Uuid>,
    limit: i64,
) -> Result<Page<OrderDto>, OrderError> {
    let now = settings.now_for(conn, company)?;
    let page = persistence::orders::list(conn, company, scope, status, after, limit, now)?;
    let page = page.try_map(|o| view(&settings.catalog, &o, now))?;
    Ok(Page {
        items: page.items,
        next_cursor: page.next_cursor,
    })
}

/// The order to change, locked until the transaction ends: a concurrent change waits
/// and then decides on what this one left, as if it had arrived second. A draft a bulk
/// job made changes only with its job. One `scope` does not see is not found.
fn lock(
    conn: &mut DbConnection,
    (company, scope): (Uuid, &Scope),
    id: Uuid,
) -> Result<Order, OrderError> {
    let order = lock_any(conn, company, id)?;
    if !persistence::scopes::sees(conn, scope, id)? {
        return Err(OrderError::NotFound);
    }
    match order.bulk_order {
        Some(job) if order.status == OrderStatus::Draft => Err(OrderError::InBulkOrder(job)),
        _ => Ok(order),
    }
}

/// Like [`lock`], for the bulk job's own use of its drafts.
pub(crate) fn lock_any(
    conn: &mut DbConnection,
    company: Uuid,
    id: Uuid,
) -> Result<Order, OrderError> {
    persistence::orders::lock(conn, company, id)?.ok_or(OrderError::NotFound)
}

/// The review page of `order`, priced by the catalog as it is now.
/// `now` is the company's business time: a draft past its expiry shows as expired.
fn view(catalog: &Catalog, order: &Order, now: NaiveDateTime) -> anyhow::Result<OrderDto> {
    let priced = catalog.priced(
        &order.plan,
        &order.mobile_package,
        order.data_sharing_cards,
        || format!("order {}", order.id),
    )?;
    let status = order.status_at(now);
    let port = order.number.port();
    let mut notices = Vec::new();
    if port.is_some() {
        notices.push(NoticeDto {
            code: "binding_period_may_apply".to_owned(),
            message: "Nummeret kan have binding hos det nuværende selskab; en eventuel binding betales der.".to_owned(),
        });
    }
    let expires_at = order.expires_at.and_utc();
    let e = &order.employee;
    Ok(OrderDto {
        id: order.id,
        status: status.as_str().to_owned(),
        version: order.version,
        summary: priced.summary,
        plan: priced.plan,
        mobile_package: priced.mobile_package,
        data_sharing_cards: order.data_sharing_cards,
        employee: EmployeeDto {
            name: e.name.as_str().to_owned(),
            initials: e.initials.as_str().to_owned(),
            title: e.title.as_str().to_owned(),
            email: e.email.as_str().to_owned(),
            cost_center: e.cost_center.as_ref().map(|c| c.as_str().to_owned()),
        },
        number: OrderNumberDto {
            kind: if port.is_some() { "port_in" } else { "new" }.to_owned(),
            number: order.number.number().as_str().to_owned(),
            reserved_until: (port.is_none()
                && matches!(status, OrderStatus::Draft | OrderStatus::AwaitingApproval))
            .then_some(expires_at),
            port: port.map(|p| PortDetails {
                owner_email: p.owner_email.as_str().to_owned(),
                owner_name: p.owner_name.as_str().to_owned(),
                requested_date: p.requested_date,
            }),
        },
        notices,
        expires_at,
        subscription_id: order.subscription,
        bulk_order_id: order.bulk_order,
        approval: order.approval.as_ref().map(ApprovalDto::from),
        created_at: order.created_at.and_utc(),
        updated_at: order.updated_at.and_utc(),
    })
}

crate::app::events::emit_errors_into!(OrderError);
