//! The power of attorney (Teleloven § 28 a): the owner opens the emailed link, reads what
//! they sign, and signs. The signature is the owner's consent and its evidence is kept;
//! the request goes to the donor in the same transaction.

use chrono::{NaiveDate, NaiveDateTime};
use domain::porting::{NumberPort, PortEvent, PortStatus};
use domain::text::PersonName;
use persistence::DbConnection;
use persistence::number_ports::Signature;

use super::{PortError, advance, sha256_hex, token_hash};
use crate::app::{Settings, audit_as};
use crate::error::FieldError;
use crate::wire::number_ports::{PowerOfAttorneyDto, SignedDto};

/// The binding-period note every power of attorney carries.
const BINDING_PERIOD_NOTE: &str = "Har du en bindingsperiode hos dit nuværende teleselskab, \
    gælder den stadig; en eventuel binding betales dér. Du kan bede om en senere dato, fx når \
    bindingen udløber.";

/// Where the signing request came from: kept as evidence, never shown to the company.
pub struct Client {
    pub ip: String,
    pub user_agent: String,
}

/// The port whose live link `token` is, locked: awaiting a signature, and not past the
/// signing deadline at its company's business time (answered with it). Anything else is
/// gone, so a token cannot be probed.
fn live(
    conn: &mut DbConnection,
    settings: &Settings,
    token: &str,
) -> Result<(NumberPort, NaiveDateTime), PortError> {
    let hash = token_hash(token);
    // Read again under the lock: a correction or reminder that replaced the link while
    // this request waited has made it dead.
    let port = persistence::number_ports::lock_by_link(conn, &hash)?
        .filter(|p| p.poa_token_hash.as_deref() == Some(hash.as_str()))
        .filter(|p| p.status == PortStatus::AwaitingSignature)
        .ok_or(PortError::LinkGone)?;
    let now = settings.now_for(conn, port.company)?;
    if now < port.poa_expires_at {
        Ok((port, now))
    } else {
        Err(PortError::LinkGone)
    }
}

/// The text the owner signs, in Danish. Its SHA-256 is the evidence of what was shown.
fn document(port: &NumberPort, company: &str) -> String {
    let when = match port.requested_date {
        Some(date) => format!("tidligst den {}", date.format("%d.%m.%Y")),
        None => "hurtigst muligt".to_owned(),
    };
    format!(
        "Fuldmagt til nummerflytning\n\n\
         Jeg, {owner}, ejer af mobilnummeret {number}, giver hermed {company} fuldmagt til at \
         opsige nummeret hos mit nuværende teleselskab og flytte det til {company} {when}.\n\n\
         {BINDING_PERIOD_NOTE}\n",
        owner = port.owner_name.as_str(),
        number = port.number.as_str(),
    )
}

/// What the owner is asked to sign.
pub fn open(
    conn: &mut DbConnection,
    settings: &Settings,
    token: &str,
) -> Result<PowerOfAttorneyDto, PortError> {
    persistence::db::read(conn, |conn| {
        let (port, now) = live(conn, settings, token)?;
        let company = persistence::companies::get(conn, port.company)?;
        let document = document(&port, company.name.as_str());
        Ok(PowerOfAttorneyDto {
            number: port.number.as_str().to_owned(),
            owner_name: port.owner_name.as_str().to_owned(),
            company_name: company.name.as_str().to_owned(),
            donor: None,
            binding_period_note: BINDING_PERIOD_NOTE.to_owned(),
            requested_date: port.requested_date,
            earliest_port_date: domain::calendar::port_date(now.and_utc(), port.requested_date),
            expires_at: port.poa_expires_at.and_utc(),
            document_sha256: sha256_hex(&document),
            document,
        })
    })
}

/// A later port date the owner asks for at signing: no earlier than the earliest port date
/// a request submitted `now` can have, and at most a year after it.
fn check_later_date(
    port: &NumberPort,
    now: NaiveDateTime,
    later: NaiveDate,
) -> Result<NaiveDate, PortError> {
    let earliest = domain::calendar::port_date(now.and_utc(), port.requested_date);
    let invalid = |code: &str, message: String| {
        PortError::Invalid(vec![FieldError::new("/requested_date", code, message)])
    };
    if later < earliest {
        return Err(invalid(
            "date_too_early",
            format!("the number can move on {earliest} at the earliest"),
        ));
    }
    if later > earliest + chrono::Months::new(12) {
        return Err(invalid(
            "date_too_late",
            format!("a later date is at most a year after {earliest}"),
        ));
    }
    Ok(later)
}

/// A signature as recorded, and the text it signed (which the hosted page's receipt
/// shows; the JSON answer is `receipt` alone).
pub struct Signed {
    pub receipt: SignedDto,
    pub document: String,
}

/// The owner signs (`signer`, optionally asking for a later port date): the evidence is
/// kept, the link dies, and the request goes to the donor (`signed → submitted`), all in
/// one transaction. A later date becomes part of the text signed.
pub fn sign(
    conn: &mut DbConnection,
    settings: &Settings,
    token: &str,
    (signer, later): (&PersonName, Option<NaiveDate>),
    client: &Client,
) -> Result<Signed, PortError> {
    persistence::db::write(conn, |conn| {
        let (mut port, now) = live(conn, settings, token)?;
        if let Some(later) = later {
            port.requested_date = Some(check_later_date(&port, now, later)?);
        }
        let company = persistence::companies::get(conn, port.company)?;
        let document = document(&port, company.name.as_str());
        let document_sha256 = sha256_hex(&document);
        persistence::number_ports::record_signature(
            conn,
            &Signature {
                id: persistence::new_id().to_string(),
                port_id: port.id.to_string(),
                signer_name: signer.as_str().to_owned(),
                signed_at: now,
                client_ip: client.ip.clone(),
                user_agent: client.user_agent.chars().take(500).collect(),
                document_sha256: document_sha256.clone(),
            },
        )?;
        port.poa_token_hash = None;
        advance(conn, &mut port, PortEvent::Sign, now)?;
        port.submitted_at = Some(now);
        super::start_deadline(conn, &port, now)?;
        advance(conn, &mut port, PortEvent::Submit, now)?;
        super::donor::check_submitted(conn, &mut port, now)?;
        audit_as(
            conn,
            ("owner", "owner"),
            Some(port.company),
            "number_port.signed",
            ("number_port", port.id.to_string()),
            serde_json::json!({"signer_name": signer.as_str(), "document_sha256": document_sha256}),
        )?;
        Ok(Signed {
            receipt: SignedDto {
                number: port.number.as_str().to_owned(),
                status: port.status.as_str().to_owned(),
                signed_at: now.and_utc(),
                document_sha256,
            },
            document,
        })
    })
}
