//! The donor operator: where a signed request goes, and what it answers. A real
//! integration plugs in behind [`DonorGateway`]; until then the simulated donor answers
//! by itself (so the whole journey completes locally), or operators record the answers a
//! donor gave them (`manual`).

use chrono::{Duration, NaiveDate, NaiveDateTime};
use domain::porting::{
    NumberPort, PortDateError, PortEvent, PortStatus, Rejection, RejectionCode, check_port_date,
};
use persistence::DbConnection;
use uuid::Uuid;

use super::{PortError, advance, tell_admins, view};
use crate::app::catalog::Catalog;
use crate::app::{Principal, Settings, audit, audit_as};
use crate::config::DonorGatewayKind;
use crate::error::FieldError;
use crate::wire::number_ports::NumberPortDto;

impl DonorGatewayKind {
    pub fn gateway(self) -> std::sync::Arc<dyn DonorGateway> {
        match self {
            DonorGatewayKind::Simulated => std::sync::Arc::new(SimulatedDonor),
            DonorGatewayKind::Manual => std::sync::Arc::new(ManualDonor),
        }
    }
}

/// A donor's answer to a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DonorAnswer {
    Accepted { port_date: NaiveDate },
    Rejected(Rejection),
}

/// The donor operator behind a port. Requests reach it when the owner has signed; its
/// answers are fetched by the porting worker, never inside the signing request.
pub trait DonorGateway: Send + Sync {
    /// How long after submission this donor's answer can be fetched; `None` when
    /// operators record the answers (`POST /operator/number-ports/{id}/donor-response`).
    fn answers_after(&self) -> Option<Duration>;

    /// The donor's answer to `port`, which it has refused `rejections` times before.
    fn answer(&self, port: &NumberPort, rejections: i64) -> Option<DonorAnswer>;
}

/// Waits for the operators to record what the donor answered.
pub struct ManualDonor;

impl DonorGateway for ManualDonor {
    fn answers_after(&self) -> Option<Duration> {
        None
    }

    fn answer(&self, _: &NumberPort, _: i64) -> Option<DonorAnswer> {
        None
    }
}

/// Answers two seconds after submission: accepts with the earliest legal port date, and
/// refuses the first request for a number of its test range, one reason each, so every
/// path can be tried (README, "Number porting"):
/// `+45 29 99 00 01` owner_mismatch, `…02` number_unknown, `…03` number_inactive,
/// `…04` other. After a correction it accepts. [`SIMULATED_LATE`] is accepted late.
pub struct SimulatedDonor;

/// The simulated donor's number that it accepts with a port date three working days after
/// the deadline, so a delayed port and its compensation can be tried.
pub const SIMULATED_LATE: &str = "+4529990005";

/// How many working days past its deadline the simulated donor moves [`SIMULATED_LATE`].
pub const SIMULATED_LATE_DAYS: usize = 3;

/// The simulated donor's test range and the rejection each number gets.
pub const SIMULATED_REJECTIONS: [(&str, RejectionCode, &str); 4] = [
    (
        "+4529990001",
        RejectionCode::OwnerMismatch,
        "Navnet på fuldmagten svarer ikke til nummerets ejer hos os.",
    ),
    (
        "+4529990002",
        RejectionCode::NumberUnknown,
        "Nummeret findes ikke hos os.",
    ),
    (
        "+4529990003",
        RejectionCode::NumberInactive,
        "Nummeret er ikke aktivt hos os.",
    ),
    (
        "+4529990004",
        RejectionCode::Other,
        "Nummeret er spærret hos afgivende selskab.",
    ),
];

impl DonorGateway for SimulatedDonor {
    fn answers_after(&self) -> Option<Duration> {
        Some(Duration::seconds(2))
    }

    fn answer(&self, port: &NumberPort, rejections: i64) -> Option<DonorAnswer> {
        let submitted = port.submitted_at?.and_utc();
        let refusal = SIMULATED_REJECTIONS
            .iter()
            .find(|(number, ..)| *number == port.number.as_str())
            .filter(|_| rejections == 0);
        Some(match refusal {
            Some((_, code, text)) => DonorAnswer::Rejected(Rejection {
                code: *code,
                text: Some((*text).to_owned()),
            }),
            None if port.number.as_str() == SIMULATED_LATE => {
                let deadline = domain::porting::deadline(submitted, port.requested_date);
                let port_date = (0..SIMULATED_LATE_DAYS).fold(deadline, |day, _| {
                    domain::calendar::next_working_day_after(day)
                });
                DonorAnswer::Accepted { port_date }
            }
            None => DonorAnswer::Accepted {
                port_date: domain::calendar::port_date(submitted, port.requested_date),
            },
        })
    }
}

/// Records the donor's `answer` to the port `id`, as an operator heard it.
pub fn record_answer(
    conn: &mut DbConnection,
    settings: &Settings,
    who: &Principal,
    id: Uuid,
    answer: &DonorAnswer,
) -> Result<NumberPortDto, PortError> {
    persistence::db::write(conn, |conn| {
        let mut port =
            persistence::number_ports::lock(conn, None, id)?.ok_or(PortError::NotFound)?;
        let now = settings.now_for(conn, port.company)?;
        apply_answer(conn, &mut port, answer, now)?;
        audit(
            conn,
            who,
            Some(port.company),
            "number_port.donor_answered",
            ("number_port", id.to_string()),
            serde_json::json!({"status": port.status.as_str(), "port_date": port.port_date}),
        )?;
        Ok(view(conn, &port)?)
    })
}

/// The operator's own check of a request that has just gone to the donor, in the
/// caller's transaction: a number that is already ours (in a company's pool or the
/// operator's) is not another operator's to give, so the request is refused at once as a
/// donor refuses a number it does not have. The company learns no more than a donor's
/// answer would tell it.
pub(super) fn check_submitted(
    conn: &mut DbConnection,
    port: &mut NumberPort,
    now: NaiveDateTime,
) -> Result<(), PortError> {
    if persistence::numbers::existing(conn, std::slice::from_ref(&port.number))?.is_empty() {
        return Ok(());
    }
    let refusal = DonorAnswer::Rejected(Rejection {
        code: RejectionCode::NumberUnknown,
        text: Some("the donor operator does not have this number".to_owned()),
    });
    apply_answer(conn, port, &refusal, now)
}

/// Applies a donor's answer to a submitted port, in the caller's transaction: accepted
/// with a legal port date, or rejected with its reason; the admins are told either way.
pub(super) fn apply_answer(
    conn: &mut DbConnection,
    port: &mut NumberPort,
    answer: &DonorAnswer,
    now: NaiveDateTime,
) -> Result<(), PortError> {
    if port.status != PortStatus::Submitted {
        return Err(PortError::NotSubmitted(port.status));
    }
    let company = persistence::companies::get(conn, port.company)?;
    match answer {
        DonorAnswer::Accepted { port_date } => {
            let submitted = port.submitted_at.unwrap_or(port.updated_at).and_utc();
            let date =
                check_port_date(*port_date, submitted, port.requested_date).map_err(|e| {
                    let code = match e {
                        PortDateError::NotAWorkingDay(_) => "not_a_working_day",
                        PortDateError::TooEarly { .. } => "too_early",
                        PortDateError::TooLate { .. } => "too_late",
                    };
                    PortError::Invalid(vec![FieldError::new("/port_date", code, e.to_string())])
                })?;
            port.port_date = Some(date);
            advance(conn, port, PortEvent::Accept, now)?;
            let email = crate::emails::port_accepted(&port.number, company.name.as_str(), date);
            tell_admins(conn, port, "port_accepted", &email)?;
        }
        DonorAnswer::Rejected(rejection) => {
            port.rejection = Some(rejection.clone());
            advance(conn, port, PortEvent::Reject, now)?;
            let email = crate::emails::port_rejected(&port.number, rejection);
            tell_admins(conn, port, "port_rejected", &email)?;
        }
    }
    Ok(())
}

/// Completes the accepted port `id` at once, as an operator does when the donor has
/// released the number before the worker's 02:00 run.
pub fn complete(
    conn: &mut DbConnection,
    settings: &Settings,
    who: &Principal,
    id: Uuid,
) -> Result<NumberPortDto, PortError> {
    persistence::db::write(conn, |conn| {
        let mut port =
            persistence::number_ports::lock(conn, None, id)?.ok_or(PortError::NotFound)?;
        let now = settings.now_for(conn, port.company)?;
        complete_port(conn, &settings.catalog, &mut port, now)?;
        audit(
            conn,
            who,
            Some(port.company),
            "number_port.completed",
            ("number_port", id.to_string()),
            serde_json::json!({"number": port.number.as_str()}),
        )?;
        Ok(view(conn, &port)?)
    })
}

/// The number moves, in the caller's transaction: the port is completed, the waiting
/// subscription active with the number assigned in the company's pool, the employee told
/// the number has moved and the admins noted.
pub(super) fn complete_port(
    conn: &mut DbConnection,
    catalog: &Catalog,
    port: &mut NumberPort,
    now: NaiveDateTime,
) -> Result<(), PortError> {
    if port.status != PortStatus::Accepted {
        return Err(PortError::NotAccepted(port.status));
    }
    advance(conn, port, PortEvent::Complete, now)?;
    let mut subscription = persistence::subscriptions::lock(conn, port.company, port.subscription)?
        .ok_or_else(|| anyhow::anyhow!("port {} has no subscription", port.id))?;
    subscription.status = subscription
        .status
        .apply(domain::subscription::SubscriptionEvent::PortCompleted)?;
    subscription.number = port.number.clone();
    if !persistence::subscriptions::update(conn, &mut subscription, now)? {
        return Err(PortError::Stale);
    }
    crate::app::subscriptions::view::emit(
        conn,
        catalog,
        &subscription,
        domain::event::EventType::SubscriptionActivated,
    )?;
    persistence::numbers::add_ported(conn, port.company, &port.number)?;
    let moved = crate::emails::number_moved(subscription.employee.name.as_str(), &port.number);
    super::queue(
        conn,
        port.company,
        "number_moved",
        (subscription.employee.email.as_str(), now),
        &moved,
    )?;
    let note = crate::emails::port_completed(&port.number, subscription.employee.name.as_str());
    tell_admins(conn, port, "port_completed", &note)?;
    Ok(())
}

/// The worker's use of the gateway: fetches and applies the donor's answer to a port
/// submitted long enough ago, in the caller's transaction; false when there is none yet.
pub(super) fn fetch_answer(
    conn: &mut DbConnection,
    donor: &dyn DonorGateway,
    port: &mut NumberPort,
    now: NaiveDateTime,
) -> Result<bool, PortError> {
    let rejections = persistence::number_ports::rejections(conn, port.id)?;
    let Some(answer) = donor.answer(port, rejections) else {
        return Ok(false);
    };
    apply_answer(conn, port, &answer, now)?;
    audit_as(
        conn,
        ("donor", "system"),
        Some(port.company),
        "number_port.donor_answered",
        ("number_port", port.id.to_string()),
        serde_json::json!({"status": port.status.as_str(), "port_date": port.port_date}),
    )?;
    Ok(true)
}
