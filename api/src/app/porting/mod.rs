//! Number porting ("nummerflytning"): an employee's existing number on its way to us. A
//! confirmed port-in order starts a port; the owner signs a power of attorney by link
//! (`poa`), the request goes to the donor operator (`donor`), the admin follows and
//! corrects it (`manage`), and the porting worker reminds, expires, fetches the donor's
//! answers and moves the number at 02:00 on the port date (`worker`).

use chrono::{Duration, NaiveDate, NaiveDateTime};
use domain::event::EventType;
use domain::number::DanishNumber;
use domain::order::PortRequest;
use domain::porting::{NumberPort, PortEvent, PortStatus};
use domain::subscription::SubscriptionEvent;
use persistence::DbConnection;
use persistence::outbox::NewMessage;
use uuid::Uuid;

use super::Settings;
use super::orders::OrderError;
use crate::app::catalog::Catalog;
use crate::emails::Email;
use crate::error::FieldError;
use crate::wire::number_ports::{NumberPortDto, PortStepDto, RejectionDto, SignatureDto};

pub mod donor;
pub mod manage;
pub mod poa;
pub mod report;
pub mod worker;

pub use worker::Round;

/// How long the owner has to sign the power of attorney before the port expires.
pub const POA_VALID_DAYS: i64 = 14;

/// Why a porting use case did not do what was asked.
#[derive(Debug, thiserror::Error)]
pub enum PortError {
    #[error("no such number port")]
    NotFound,
    /// The signing link is not live: used, replaced, expired or never issued.
    #[error("the link is no longer valid")]
    LinkGone,
    #[error("the port changed since it was read")]
    Stale,
    /// Only a port waiting for its signature can have its link sent again.
    #[error("the port is {0}, not awaiting a signature")]
    NotAwaitingSignature(PortStatus),
    /// Only a port waiting for its signature, or rejected, can be corrected.
    #[error("the port is {0}; it can no longer be corrected")]
    NotCorrectable(PortStatus),
    /// From the working day before the port date on, and once completed.
    #[error("the port can no longer be cancelled")]
    TooLateToCancel,
    /// Expired or cancelled: nothing more happens to it.
    #[error("the port has ended ({0})")]
    Ended(PortStatus),
    /// A donor's answer is for a request the donor has.
    #[error("the port is {0}, not with the donor")]
    NotSubmitted(PortStatus),
    #[error("the port is {0}, not accepted")]
    NotAccepted(PortStatus),
    #[error("invalid request")]
    Invalid(Vec<FieldError>),
    /// The lifecycle does not allow the step in the state the port (or its subscription)
    /// is in.
    #[error(transparent)]
    Transition(#[from] domain::error::TransitionError),
    #[error(transparent)]
    Storage(#[from] persistence::Error),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

/// The port as the API shows it: its history, and the latest signature without the
/// signer's address.
/// Emits the event of the step `port` has just taken, if partners hear of it, with the
/// port as `GET /number-ports/{id}` answers it.
pub fn emit_step(
    conn: &mut DbConnection,
    port: &NumberPort,
) -> Result<(), crate::app::events::EmitError> {
    let Some(kind) = EventType::of_port(port.status) else {
        return Ok(());
    };
    let data = view(conn, port)?;
    crate::app::events::emit(conn, port.company, port.updated_at, kind, &data)
}

crate::app::events::emit_errors_into!(PortError);

pub fn view(conn: &mut DbConnection, port: &NumberPort) -> persistence::Result<NumberPortDto> {
    let history = persistence::number_ports::history(conn, port.id)?
        .into_iter()
        .map(|(status, at)| PortStepDto {
            status: status.as_str().to_owned(),
            at: at.and_utc(),
        })
        .collect();
    let signature =
        persistence::number_ports::latest_signature(conn, port.id)?.map(|s| SignatureDto {
            signer_name: s.signer_name,
            signed_at: s.signed_at.and_utc(),
            document_sha256: s.document_sha256,
        });
    let deadline = persistence::port_deadlines::deadline(conn, port.id)?;
    Ok(NumberPortDto {
        deadline: deadline.map(|d| domain::calendar::end_of_day(d.deadline_on)),
        delayed_working_days: deadline.map_or(0, |d| d.delayed_working_days),
        compensation_ore: deadline.map_or(0, |d| d.compensation_ore),
        id: port.id,
        subscription_id: port.subscription,
        number: port.number.as_str().to_owned(),
        status: port.status.as_str().to_owned(),
        version: port.version,
        owner_email: port.owner_email.as_str().to_owned(),
        owner_name: port.owner_name.as_str().to_owned(),
        requested_date: port.requested_date,
        port_date: port.port_date,
        rejection: port.rejection.as_ref().map(|r| RejectionDto {
            code: r.code.as_str().to_owned(),
            text: r.text.clone(),
        }),
        poa_expires_at: port.poa_expires_at.and_utc(),
        signature,
        history,
        created_at: port.created_at.and_utc(),
        updated_at: port.updated_at.and_utc(),
    })
}

pub use crate::secrets::token_hash;

/// A SHA-256 as lower-case hex.
fn sha256_hex(text: &str) -> String {
    token_hash(text)
}

/// A fresh signing link: the hash to keep, and the address to send.
fn mint_link(settings: &Settings) -> Result<(String, String), PortError> {
    let token = crate::secrets::link_token()?;
    let link = format!("{}/poa/{token}", settings.public_url.trim_end_matches('/'));
    Ok((token_hash(&token), link))
}

/// Gives `port` a fresh signing link (the one before it dies) and returns its address.
/// The caller writes the port and sends the link.
fn issue_link(
    conn: &mut DbConnection,
    settings: &Settings,
    port: &mut NumberPort,
    now: NaiveDateTime,
    reminder: bool,
) -> Result<String, PortError> {
    let (hash, link) = mint_link(settings)?;
    persistence::number_ports::record_link(conn, port.id, &hash, now, reminder)?;
    port.poa_token_hash = Some(hash);
    Ok(link)
}

/// Emails the owner of `port` its signing `link` at `now`.
fn send_link(
    conn: &mut DbConnection,
    port: &NumberPort,
    link: &str,
    reminder: bool,
    now: NaiveDateTime,
) -> Result<(), PortError> {
    let company = persistence::companies::get(conn, port.company)?;
    let employee = persistence::subscriptions::get(conn, port.company, port.subscription)?
        .map(|s| s.employee.name.as_str().to_owned())
        .unwrap_or_default();
    let poa = crate::emails::PowerOfAttorney {
        owner: port.owner_name.as_str(),
        company: company.name.as_str(),
        number: &port.number,
        employee: &employee,
        link,
        expires_at: port.poa_expires_at.and_utc(),
    };
    let (kind, email) = if reminder {
        (
            "power_of_attorney_reminder",
            crate::emails::power_of_attorney_reminder(&poa),
        )
    } else {
        ("power_of_attorney", crate::emails::power_of_attorney(&poa))
    };
    let to = (port.owner_email.as_str(), now);
    queue(conn, port.company, kind, to, &email)
}

/// Queues `email` to a recipient at a time (`to`), in the caller's transaction.
fn queue(
    conn: &mut DbConnection,
    company: Uuid,
    kind: &str,
    (recipient, now): (&str, NaiveDateTime),
    email: &Email,
) -> Result<(), PortError> {
    persistence::outbox::enqueue(
        conn,
        NewMessage {
            company_id: Some(company),
            kind,
            recipient,
            subject: &email.subject,
            body: &email.body,
            created_at: now,
        },
    )?;
    Ok(())
}

/// Queues `email` to every admin of `port`'s company, at the time of the port's last step.
fn tell_admins(
    conn: &mut DbConnection,
    port: &NumberPort,
    kind: &str,
    email: &Email,
) -> Result<(), PortError> {
    for admin in persistence::users::admin_emails(conn, port.company)? {
        queue(
            conn,
            port.company,
            kind,
            (admin.as_str(), port.updated_at),
            email,
        )?;
    }
    Ok(())
}

/// Starts the deadline of `port`'s submission to the donor at `now` (Teleloven §27 stk. 1):
/// each submission sets its own; a rejection or cancellation stops it.
fn start_deadline(
    conn: &mut DbConnection,
    port: &NumberPort,
    now: NaiveDateTime,
) -> Result<(), PortError> {
    let day = domain::porting::deadline(now.and_utc(), port.requested_date);
    persistence::port_deadlines::set_deadline(conn, port, day)?;
    Ok(())
}

/// Moves `port` by `event` and writes it as the next version; the history notes the step.
fn advance(
    conn: &mut DbConnection,
    port: &mut NumberPort,
    event: PortEvent,
    now: NaiveDateTime,
) -> Result<(), PortError> {
    let was = port.status;
    port.status = was.apply(event)?;
    write(conn, port, was, now)
}

/// Writes `port` as the next version (`was`: its status as read).
fn write(
    conn: &mut DbConnection,
    port: &mut NumberPort,
    was: PortStatus,
    now: NaiveDateTime,
) -> Result<(), PortError> {
    if !persistence::number_ports::update(conn, port, was, now)? {
        return Err(PortError::Stale);
    }
    if port.status != was {
        emit_step(conn, port)?;
    }
    Ok(())
}

/// Cancels `port` for its company, inside the caller's transaction: the one place a port
/// is cancelled, whether the admin cancels the port or terminates the subscription that
/// waits for it. Refused once completed, and from the working day before the port date on
/// (the donor is moving the number); an expired or cancelled port has ended. The signing
/// link dies, `number_port.cancelled` is emitted and audited. The waiting subscription is
/// the caller's to end.
pub(crate) fn cancel_port(
    conn: &mut DbConnection,
    who: &super::Principal,
    port: &mut NumberPort,
    today: NaiveDate,
    now: NaiveDateTime,
) -> Result<(), PortError> {
    match port.status {
        PortStatus::Completed => return Err(PortError::TooLateToCancel),
        PortStatus::Expired | PortStatus::Cancelled => return Err(PortError::Ended(port.status)),
        _ if !domain::porting::may_cancel(today, port.port_date) => {
            return Err(PortError::TooLateToCancel);
        }
        _ => {}
    }
    port.poa_token_hash = None;
    advance(conn, port, PortEvent::Cancel, now)?;
    super::audit(
        conn,
        who,
        Some(port.company),
        "number_port.cancelled",
        ("number_port", port.id.to_string()),
        serde_json::json!({"number": port.number.as_str()}),
    )?;
    Ok(())
}

/// Ends the subscription that waited for `port`'s number, which will never come:
/// terminated on `today`, its initials free, nothing returned to any pool.
fn end_waiting_subscription(
    conn: &mut DbConnection,
    catalog: &Catalog,
    port: &NumberPort,
    today: NaiveDate,
    now: NaiveDateTime,
) -> Result<(), PortError> {
    let Some(mut subscription) =
        persistence::subscriptions::lock(conn, port.company, port.subscription)?
    else {
        return Ok(());
    };
    if let Ok(next) = subscription.status.apply(SubscriptionEvent::PortCancelled) {
        subscription.status = next;
        subscription.terminates_on = Some(today);
        if !persistence::subscriptions::update(conn, &mut subscription, now)? {
            return Err(PortError::Stale);
        }
        crate::app::subscriptions::view::emit(
            conn,
            catalog,
            &subscription,
            EventType::SubscriptionTerminated,
        )?;
        persistence::orders::release_initials(conn, subscription.id)?;
    }
    Ok(())
}

/// What starting a port needs to know.
pub struct NewPort<'a> {
    pub company: Uuid,
    pub subscription: Uuid,
    pub number: &'a DanishNumber,
    pub request: &'a PortRequest,
    /// The company's business time.
    pub now: NaiveDateTime,
}

/// Starts a port in `awaiting_signature` and queues the power of attorney to its owner,
/// inside the caller's transaction. A number already on its way is
/// [`OrderError::PortExists`].
pub fn start(
    conn: &mut DbConnection,
    settings: &Settings,
    new: NewPort<'_>,
) -> Result<NumberPort, OrderError> {
    let now = new.now;
    // At most so many unsigned ports per company: each one emails a stranger a link.
    // Counted under a lock of the company's port starts, so two confirmations at once
    // cannot both take the last place (SQLite runs one writer at a time anyway).
    persistence::number_ports::lock_port_starts(conn, new.company)?;
    let waiting = persistence::number_ports::awaiting_signature(conn, new.company)?;
    if waiting >= i64::from(settings.max_unsigned_ports) {
        return Err(OrderError::TooManyUnsignedPorts(
            settings.max_unsigned_ports,
        ));
    }
    let (hash, link) = mint_link(settings).map_err(|e| anyhow::anyhow!(e.to_string()))?;
    let port = NumberPort {
        id: persistence::new_id(),
        company: new.company,
        subscription: new.subscription,
        number: new.number.clone(),
        status: PortStatus::AwaitingSignature,
        version: 1,
        owner_name: new.request.owner_name.clone(),
        owner_email: new.request.owner_email.clone(),
        requested_date: new.request.requested_date,
        port_date: None,
        rejection: None,
        poa_token_hash: Some(hash.clone()),
        poa_expires_at: now + Duration::days(POA_VALID_DAYS),
        created_at: now,
        updated_at: now,
        submitted_at: None,
    };
    persistence::number_ports::insert(conn, &port).map_err(|e| match e {
        persistence::Error::Conflict { .. } => OrderError::PortExists(new.number.clone()),
        other => other.into(),
    })?;
    persistence::number_ports::record_link(conn, port.id, &hash, now, false)?;
    send_link(conn, &port, &link, false, now).map_err(|e| match e {
        PortError::Storage(e) => OrderError::Storage(e),
        other => OrderError::Internal(anyhow::anyhow!(other.to_string())),
    })?;
    Ok(port)
}
