//! Number ports ("nummerflytning"): an employee's existing number on its way to us. A
//! confirmed port-in order starts one; the owner then signs a power of attorney.

use base64::Engine;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use domain::number::DanishNumber;
use domain::porting::PortStatus;
use persistence::DbConnection;
use persistence::number_ports::PortRecord;
use persistence::outbox::NewMessage;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::ToSchema;
use uuid::Uuid;

use super::orders::PortDetails;
use super::utc;
use crate::error::{ApiError, ApiResult};

/// How long the owner has to sign the power of attorney before the port expires.
pub const POA_VALID_DAYS: i64 = 14;

/// Why the donor refused, while the port is rejected.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct RejectionDto {
    /// `owner_mismatch`, `number_unknown`, `number_inactive` or `other`.
    pub code: String,
    pub text: Option<String>,
}

/// One step of a port's history.
#[derive(Debug, Serialize, ToSchema)]
pub struct PortStepDto {
    pub status: String,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "01937a4f-1000-7cc3-9a51-3b1f0c9d2e47", "subscription_id": "01937a4f-0000-7cc3-9a51-3b1f0c9d2e47",
    "number": "+4522334455", "status": "awaiting_signature", "version": 1,
    "owner_email": "jens@privat.example", "owner_name": "Jens Hansen",
    "requested_date": null, "port_date": null, "rejection": null,
    "poa_expires_at": "2026-12-09T09:35:00Z",
    "history": [{"status": "awaiting_signature", "at": "2026-11-25T09:35:00Z"}],
    "created_at": "2026-11-25T09:35:00Z", "updated_at": "2026-11-25T09:35:00Z"
}))]
pub struct NumberPortDto {
    pub id: Uuid,
    pub subscription_id: Uuid,
    /// E.164.
    pub number: String,
    /// `awaiting_signature`, `signed`, `submitted`, `accepted`, `rejected`, `completed`,
    /// `expired` or `cancelled`.
    pub status: String,
    pub version: i32,
    /// Who signs the power of attorney.
    pub owner_email: String,
    /// As the donor operator has it.
    pub owner_name: String,
    /// The date the owner asked for, if any.
    pub requested_date: Option<NaiveDate>,
    /// The agreed port date, once the donor accepted.
    pub port_date: Option<NaiveDate>,
    pub rejection: Option<RejectionDto>,
    /// Until when the owner may sign.
    pub poa_expires_at: DateTime<Utc>,
    /// Every state the port has been in, oldest first.
    pub history: Vec<PortStepDto>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// The port as the API shows it, with its history.
pub fn to_dto(conn: &mut DbConnection, port: PortRecord) -> ApiResult<NumberPortDto> {
    let history = persistence::number_ports::history(conn, &port.id)?
        .into_iter()
        .map(|step| PortStepDto {
            status: step.status,
            at: utc(step.at),
        })
        .collect();
    let rejection = port
        .rejection
        .as_deref()
        .map(serde_json::from_str)
        .transpose()
        .map_err(ApiError::internal)?;
    Ok(NumberPortDto {
        id: Uuid::parse_str(&port.id).map_err(ApiError::internal)?,
        subscription_id: Uuid::parse_str(&port.subscription_id).map_err(ApiError::internal)?,
        number: port.number,
        status: port.status,
        version: port.version,
        owner_email: port.owner_email,
        owner_name: port.owner_name,
        requested_date: port.requested_date,
        port_date: port.port_date,
        rejection,
        poa_expires_at: utc(port.poa_expires_at),
        history,
        created_at: utc(port.created_at),
        updated_at: utc(port.updated_at),
    })
}

/// The stored form of a power of attorney's token: only its hash is kept, so the
/// database alone cannot sign for anyone.
pub fn token_hash(token: &str) -> String {
    let digest = Sha256::digest(token.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

fn new_token() -> ApiResult<String> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| ApiError::internal(anyhow::anyhow!(e)))?;
    Ok(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes))
}

/// What starting a port needs to know.
pub struct NewPort<'a> {
    pub company: Uuid,
    pub company_name: &'a str,
    pub subscription: Uuid,
    pub employee_name: &'a str,
    pub number: &'a DanishNumber,
    pub details: &'a PortDetails,
    /// Where the signing link points (`PUBLIC_URL`).
    pub public_url: &'a str,
}

/// Starts a port in `awaiting_signature` and queues the power of attorney to its owner,
/// inside the caller's transaction. A number already on its way is a 409.
pub fn start(conn: &mut DbConnection, new: NewPort<'_>) -> ApiResult<PortRecord> {
    let now = persistence::now();
    let token = new_token()?;
    let expires_at = now + Duration::days(POA_VALID_DAYS);
    let port = PortRecord {
        id: persistence::new_id().to_string(),
        company_id: new.company.to_string(),
        subscription_id: new.subscription.to_string(),
        number: new.number.as_str().to_owned(),
        status: PortStatus::AwaitingSignature.as_str().to_owned(),
        version: 1,
        owner_name: new.details.owner_name.clone(),
        owner_email: new.details.owner_email.clone(),
        requested_date: new.details.requested_date,
        port_date: None,
        rejection: None,
        poa_token_hash: Some(token_hash(&token)),
        poa_expires_at: expires_at,
        created_at: now,
        updated_at: now,
    };
    persistence::number_ports::insert(conn, &port).map_err(|e| match e {
        persistence::Error::Conflict { .. } => port_exists(new.number),
        other => other.into(),
    })?;
    let link = format!("{}/poa/{token}", new.public_url.trim_end_matches('/'));
    let (subject, body) = power_of_attorney_email(&new, &link, utc(expires_at));
    persistence::outbox::enqueue(
        conn,
        NewMessage {
            company_id: Some(new.company),
            kind: "power_of_attorney",
            recipient: &new.details.owner_email,
            subject: &subject,
            body: &body,
        },
    )?;
    Ok(port)
}

pub fn port_exists(number: &DanishNumber) -> ApiError {
    ApiError::conflict(
        "number_port_exists",
        format!(
            "{} is already on its way to us in another port",
            number.as_str()
        ),
    )
    .with_errors(vec![crate::error::FieldError::new(
        "/number/number",
        "number_port_exists",
        format!("{} is already being ported", number.as_str()),
    )])
}

/// The request to the number's owner to sign the power of attorney, in Danish.
fn power_of_attorney_email(
    new: &NewPort<'_>,
    link: &str,
    expires_at: DateTime<Utc>,
) -> (String, String) {
    let denmark = expires_at.with_timezone(&domain::calendar::copenhagen_offset(expires_at));
    let subject = format!("Fuldmagt til nummerflytning af {}", new.number.as_str());
    let body = format!(
        "Hej {owner}\n\n\
         {company} vil flytte mobilnummeret {number} til et erhvervsabonnement for {employee}.\n\n\
         Du står som ejer af nummeret hos dit nuværende teleselskab, og nummeret flyttes kun, \
         hvis du giver fuldmagt til det. Læs og underskriv fuldmagten her:\n\n\
         {link}\n\n\
         Linket virker én gang og udløber {expires}. Dit navn på fuldmagten skal være det samme, \
         som dit nuværende teleselskab har registreret. Har du en bindingsperiode, gælder den \
         stadig hos dit nuværende teleselskab.\n\n\
         Kender du ikke til flytningen, kan du se bort fra denne mail.\n\n\
         Venlig hilsen\nSelvbetjening\n",
        owner = new.details.owner_name,
        company = new.company_name,
        number = new.number.as_str(),
        employee = new.employee_name,
        expires = denmark.format("%d.%m.%Y kl. %H:%M"),
    );
    (subject, body)
}
