//! The order form's rules, checked all at once so every wrong field is named in one
//! answer: the values' own rules (the domain's parsers) and those that need the data
//! (the catalog, the numbers we have, the ports under way).

use chrono::{DateTime, Utc};
use domain::catalog::{MobilePackage, Plan, validate_data_sharing_cards};
use domain::email::EmailAddress;
use domain::employee::{EmployeeDetails, Initials};
use domain::number::DanishNumber;
use domain::order::PortRequest;
use domain::text::{CostCenter, PersonName, Title};
use domain::user::Scope;
use persistence::DbConnection;
use uuid::Uuid;

use super::OrderError;
use crate::app::catalog::Catalog;
use crate::fields::Fields;
use crate::wire::orders::{NumberChoice, OrderForm};
use crate::wire::text::CATALOG_CODE_MAX;

/// The number the form asks for.
pub(crate) enum Choice {
    /// A new number: this one, or the first free one.
    New(Option<DanishNumber>),
    PortIn(DanishNumber, PortRequest),
}

/// A form that obeys every rule.
pub(crate) struct Valid {
    pub plan: Plan,
    pub package: MobilePackage,
    pub cards: i32,
    pub employee: EmployeeDetails,
    pub choice: Choice,
}

/// Checks the whole form at once.
pub(crate) fn check(
    conn: &mut DbConnection,
    catalog: &Catalog,
    (company, scope): (Uuid, &Scope),
    now: DateTime<Utc>,
    form: &OrderForm,
) -> Result<Valid, OrderError> {
    let mut f = Fields::new();
    let plan = catalog.plan(&form.plan).cloned();
    if plan.is_none() && f.at_most("/plan", &form.plan, CATALOG_CODE_MAX) {
        f.push(
            "/plan",
            "unknown_plan",
            format!("there is no plan {:?}; see GET /catalog/plans", form.plan),
        );
    }
    let package = check_package(&mut f, catalog, &form.mobile_package);
    let cards = f.check(
        "/data_sharing_cards",
        validate_data_sharing_cards(form.data_sharing_cards),
    );
    let e = &form.employee;
    let name = f.check("/employee/name", PersonName::parse(&e.name));
    let initials = f.check("/employee/initials", Initials::parse(&e.initials));
    let title = f.check("/employee/title", Title::parse(&e.title));
    let email = f.check("/employee/email", EmailAddress::parse(&e.email));
    let cost_center = check_cost_center(&mut f, e.cost_center.as_deref());
    if let Some(center) = &cost_center {
        check_in_scope(&mut f, scope, center.as_ref());
    }
    let choice = check_number(&mut f, conn, company, now, form.number.as_ref())?;
    match (
        plan,
        package,
        cards,
        name,
        initials,
        title,
        email,
        cost_center,
        choice,
    ) {
        (
            Some(plan),
            Some(package),
            Some(cards),
            Some(name),
            Some(initials),
            Some(title),
            Some(email),
            Some(cost_center),
            Some(choice),
        ) if f.is_empty() => Ok(Valid {
            plan,
            package,
            cards,
            employee: EmployeeDetails {
                name,
                initials,
                title,
                email,
                cost_center,
            },
            choice,
        }),
        _ => Err(OrderError::Invalid(f.into_errors())),
    }
}

/// Refuses an employee in `cost_center` whom a user of `scope` may not order for: a
/// scoped admin drafts only for their own cost centres.
pub(crate) fn check_in_scope(f: &mut Fields, scope: &Scope, cost_center: Option<&CostCenter>) {
    if !scope.covers(cost_center.map(CostCenter::as_str)) {
        let centers = scope.centers().unwrap_or_default().join(", ");
        f.push(
            "/employee/cost_center",
            "cost_center_out_of_scope",
            format!("you may order only for the cost centres {centers}"),
        );
    }
}

/// The number the form asks for: a new one (given or the first free), or a port-in whose
/// number must be a mobile number that is neither ours nor on its way already.
fn check_number(
    f: &mut Fields,
    conn: &mut DbConnection,
    company: Uuid,
    now: DateTime<Utc>,
    number: Option<&NumberChoice>,
) -> persistence::Result<Option<Choice>> {
    Ok(match number {
        None | Some(NumberChoice::New { number: None }) => Some(Choice::New(None)),
        Some(NumberChoice::New { number: Some(n) }) => f
            .check("/number/number", DanishNumber::parse(n))
            .map(|n| Choice::New(Some(n))),
        Some(NumberChoice::PortIn {
            number,
            owner_email,
            owner_name,
            requested_date,
        }) => {
            let number = f.check("/number/number", DanishNumber::parse_mobile(number));
            if let Some(n) = &number {
                check_port_in_number(f, conn, company, "/number/number", n)?;
            }
            let owner_email = f.check("/number/owner_email", EmailAddress::parse(owner_email));
            let owner_name = f.check("/number/owner_name", PersonName::parse(owner_name));
            // The business clock's now, as the port's own dates are reckoned.
            let earliest = domain::calendar::earliest_port_date(now);
            let latest = earliest + chrono::Months::new(12);
            match requested_date {
                Some(date) if *date < earliest => f.push(
                    "/number/requested_date",
                    "too_early",
                    format!("the earliest possible port date is {earliest}"),
                ),
                // A port waits for a binding period at most a year; and the calendar's
                // dates stay in the range it can compute.
                Some(date) if *date > latest => f.push(
                    "/number/requested_date",
                    "too_late",
                    format!("a port date is at most a year ahead: {latest} at the latest"),
                ),
                _ => {}
            }
            match (number, owner_email, owner_name) {
                (Some(number), Some(owner_email), Some(owner_name)) => Some(Choice::PortIn(
                    number,
                    PortRequest {
                        owner_email,
                        owner_name,
                        requested_date: *requested_date,
                    },
                )),
                _ => None,
            }
        }
    })
}

/// A port-in number (at `pointer`) must be neither the company's already nor on its way to
/// it in another port: for a draft, and for a port's corrected number alike. Whether
/// another company has the number, or is porting it, is not this company's to learn: that
/// port goes ahead, and the donor (or, for a number of ours, the operator's check at
/// submission) answers it.
pub(crate) fn check_port_in_number(
    f: &mut Fields,
    conn: &mut DbConnection,
    company: Uuid,
    pointer: &str,
    n: &DanishNumber,
) -> persistence::Result<()> {
    if persistence::numbers::held_by(conn, company, n)? {
        f.push(
            pointer,
            "number_already_ours",
            format!(
                "{} is already one of the company's numbers; choose a new number instead",
                n.as_str()
            ),
        );
    } else if persistence::number_ports::is_live(conn, Some(company), n)? {
        f.push(
            pointer,
            "number_port_exists",
            format!("{} is already being ported", n.as_str()),
        );
    }
    Ok(())
}

/// The mobile package `code` names, or an error at `/mobile_package`.
pub fn check_package(f: &mut Fields, catalog: &Catalog, code: &str) -> Option<MobilePackage> {
    let package = catalog.package(code).cloned();
    if package.is_none() && f.at_most("/mobile_package", code, CATALOG_CODE_MAX) {
        f.push(
            "/mobile_package",
            "unknown_mobile_package",
            format!("there is no mobile package {code:?}; see GET /catalog/mobile-packages"),
        );
    }
    package
}

/// An optional cost centre: blank means none; `None` when it is invalid.
pub fn check_cost_center(f: &mut Fields, given: Option<&str>) -> Option<Option<CostCenter>> {
    match given.map(str::trim).filter(|c| !c.is_empty()) {
        None => Some(None),
        Some(c) => f
            .check("/employee/cost_center", CostCenter::parse(c))
            .map(Some),
    }
}
