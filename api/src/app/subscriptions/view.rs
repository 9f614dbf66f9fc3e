//! A subscription as the API shows it, and as the events about it carry it.

use domain::event::EventType;
use domain::subscription::Subscription;
use domain::text::CostCenter;
use persistence::DbConnection;

use crate::app::catalog::Catalog;
use crate::app::events;
use crate::wire::subscriptions::{SimDto, SubscriptionDto, SubscriptionEmployeeDto};

/// Emits `kind` with the subscription as `GET /subscriptions/{id}` answers it.
pub fn emit(
    conn: &mut DbConnection,
    catalog: &Catalog,
    s: &Subscription,
    kind: EventType,
) -> Result<(), events::EmitError> {
    emit_priced(conn, catalog, s, kind).map(|_| ())
}

/// [`emit`] with the catalog the caller already has; answers the view it sent, so a use
/// case answers with the very object its event carries.
pub fn emit_priced(
    conn: &mut DbConnection,
    catalog: &Catalog,
    s: &Subscription,
    kind: EventType,
) -> Result<SubscriptionDto, events::EmitError> {
    let shown = view(catalog, s.clone())?;
    events::emit(conn, s.company, s.updated_at, kind, &shown)?;
    Ok(shown)
}

/// The subscription as the API shows it, priced by the catalog as it is now. Takes the
/// subscription, so its strings move into the view instead of being copied.
pub fn view(catalog: &Catalog, s: Subscription) -> anyhow::Result<SubscriptionDto> {
    let priced = catalog.priced(&s.plan, &s.mobile_package, s.data_sharing_cards, || {
        format!("subscription {}", s.id)
    })?;
    let e = s.employee;
    Ok(SubscriptionDto {
        id: s.id,
        order_id: s.order,
        status: s.status.as_str().to_owned(),
        version: s.version,
        number: s.number.into_inner(),
        summary: priced.summary,
        plan: priced.plan,
        mobile_package: priced.mobile_package,
        data_sharing_cards: s.data_sharing_cards,
        employee: SubscriptionEmployeeDto {
            name: e.name.into_inner(),
            initials: e.initials.into_inner(),
            title: e.title.into_inner(),
            email: e.email.into_inner(),
            cost_center: e.cost_center.map(CostCenter::into_inner),
        },
        uc_account: s.uc_account.into_inner(),
        sim: SimDto {
            iccid: s.iccid.into_inner(),
        },
        terminates_on: s.terminates_on,
        created_at: s.created_at.and_utc(),
        updated_at: s.updated_at.and_utc(),
    })
}
