//! Number ports ("nummerflytning"): an employee's existing number on its way to us. A
//! confirmed port-in order starts one; the owner then signs a power of attorney.

use base64::Engine;
use chrono::Duration;
use domain::number::DanishNumber;
use domain::order::PortRequest;
use domain::porting::{NumberPort, PortStatus};
use persistence::DbConnection;
use persistence::outbox::NewMessage;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::Settings;
use super::orders::OrderError;
use crate::wire::number_ports::{NumberPortDto, PortStepDto, RejectionDto};

/// How long the owner has to sign the power of attorney before the port expires.
pub const POA_VALID_DAYS: i64 = 14;

/// The port as the API shows it, with its history.
pub fn view(conn: &mut DbConnection, port: &NumberPort) -> persistence::Result<NumberPortDto> {
    let history = persistence::number_ports::history(conn, port.id)?
        .into_iter()
        .map(|(status, at)| PortStepDto {
            status: status.as_str().to_owned(),
            at: at.and_utc(),
        })
        .collect();
    Ok(NumberPortDto {
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
        history,
        created_at: port.created_at.and_utc(),
        updated_at: port.updated_at.and_utc(),
    })
}

/// The stored form of a power of attorney's token: only its hash is kept, so the
/// database alone cannot sign for anyone.
pub fn token_hash(token: &str) -> String {
    let digest = Sha256::digest(token.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

fn new_token() -> anyhow::Result<String> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| anyhow::anyhow!(e))?;
    Ok(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes))
}

/// What starting a port needs to know.
pub struct NewPort<'a> {
    pub company: Uuid,
    pub company_name: &'a str,
    pub subscription: Uuid,
    pub employee_name: &'a str,
    pub number: &'a DanishNumber,
    pub request: &'a PortRequest,
}

/// Starts a port in `awaiting_signature` and queues the power of attorney to its owner,
/// inside the caller's transaction. A number already on its way is
/// [`OrderError::PortExists`].
pub fn start(
    conn: &mut DbConnection,
    settings: &Settings,
    new: NewPort<'_>,
) -> Result<NumberPort, OrderError> {
    let now = persistence::now();
    let token = new_token()?;
    let expires_at = now + Duration::days(POA_VALID_DAYS);
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
        poa_token_hash: Some(token_hash(&token)),
        poa_expires_at: expires_at,
        created_at: now,
        updated_at: now,
    };
    persistence::number_ports::insert(conn, &port).map_err(|e| match e {
        persistence::Error::Conflict { .. } => OrderError::PortExists(new.number.clone()),
        other => other.into(),
    })?;
    let link = format!("{}/poa/{token}", settings.public_url.trim_end_matches('/'));
    let email = crate::emails::power_of_attorney(&crate::emails::PowerOfAttorney {
        owner: new.request.owner_name.as_str(),
        company: new.company_name,
        number: new.number,
        employee: new.employee_name,
        link: &link,
        expires_at: expires_at.and_utc(),
    });
    persistence::outbox::enqueue(
        conn,
        NewMessage {
            company_id: Some(new.company),
            kind: "power_of_attorney",
            recipient: new.request.owner_email.as_str(),
            subject: &email.subject,
            body: &email.body,
        },
    )?;
    Ok(port)
}
