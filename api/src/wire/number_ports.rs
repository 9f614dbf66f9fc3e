//! Number ports on the wire.

use chrono::{DateTime, NaiveDate, Utc};
use domain::porting::{PortStatus, RejectionCode};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

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
    #[serde(serialize_with = "super::time::rfc3339")]
    pub at: DateTime<Utc>,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "01937a4f-1000-7cc3-9a51-3b1f0c9d2e47", "subscription_id": "01937a4f-0000-7cc3-9a51-3b1f0c9d2e47",
    "number": "+4522334455", "status": "awaiting_signature", "version": 1,
    "owner_email": "jens@privat.example", "owner_name": "Jens Hansen",
    "requested_date": null, "port_date": null, "rejection": null,
    "poa_expires_at": "2026-12-09T09:35:00Z", "signature": null,
    "deadline": null, "delayed_working_days": 0, "compensation_ore": 0,
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
    #[serde(serialize_with = "super::time::rfc3339")]
    pub poa_expires_at: DateTime<Utc>,
    /// The latest signature of the power of attorney, once given.
    pub signature: Option<SignatureDto>,
    /// Every state the port has been in, oldest first.
    pub history: Vec<PortStepDto>,
    /// When the number must have moved (Teleloven §27 stk. 1): the end (23:59 Danish time)
    /// of the first working day after the request reached the donor, or of the requested
    /// date if later. Set by each submission; `null` until the first.
    #[serde(serialize_with = "super::time::rfc3339_opt")]
    pub deadline: Option<DateTime<Utc>>,
    /// Working days the port was late past its deadline (the day it moved included): a
    /// fact beside its state. More than 0 is a delayed port.
    pub delayed_working_days: i32,
    /// What the delay owes the company, in øre: `PORT_DELAY_COMPENSATION_ORE` per late
    /// working day.
    pub compensation_ore: i64,
    #[serde(serialize_with = "super::time::rfc3339")]
    pub created_at: DateTime<Utc>,
    #[serde(serialize_with = "super::time::rfc3339")]
    pub updated_at: DateTime<Utc>,
}

/// What the owner signed: the evidence, without where it was signed from.
#[derive(Debug, Serialize, ToSchema)]
pub struct SignatureDto {
    /// The name the owner signed with.
    pub signer_name: String,
    #[serde(serialize_with = "super::time::rfc3339")]
    pub signed_at: DateTime<Utc>,
    /// SHA-256 (hex) of the power of attorney's text as it was shown.
    pub document_sha256: String,
}

super::state_schema!(
    /// A number port's state.
    PortStatusSchema => PortStatus
);

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PortListQuery {
    /// Only ports in this state.
    #[param(value_type = Option<PortStatusSchema>, inline, example = "submitted")]
    pub status: Option<String>,
    /// `next_cursor` of the previous page.
    #[param(value_type = Option<crate::wire::text::ListCursor>, inline)]
    pub cursor: Option<String>,
    /// Items per page, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200, example = 50)]
    pub limit: Option<i64>,
}

/// A merge patch (RFC 7396) correcting a port: send only what changes. Changing the
/// number or the owner's name needs the owner's signature again.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"owner_name": "Jens Peter Hansen"}))]
pub struct PortPatch {
    /// Where the power of attorney goes.
    #[serde(default)]
    #[schema(value_type = crate::wire::text::Email)]
    pub owner_email: Option<String>,
    /// As the donor operator has it.
    #[serde(default)]
    #[schema(value_type = crate::wire::text::Text100)]
    pub owner_name: Option<String>,
    /// The number to port, a Danish mobile number.
    #[serde(default)]
    #[schema(value_type = crate::wire::text::MobileNumber)]
    pub number: Option<String>,
}

/// What the owner is asked to sign, for a frontend to render.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "number": "+4522334455", "owner_name": "Jens Hansen", "company_name": "Nordlys Rådgivning ApS",
    "donor": null,
    "binding_period_note": "Har du en bindingsperiode hos dit nuværende teleselskab, gælder den stadig; en eventuel binding betales dér. Du kan bede om en senere dato, fx når bindingen udløber.",
    "requested_date": null, "earliest_port_date": "2026-11-26", "expires_at": "2026-12-09T09:35:00Z",
    "document": "Fuldmagt til nummerflytning\n\nJeg, Jens Hansen, ejer af mobilnummeret +4522334455, giver hermed Nordlys Rådgivning ApS fuldmagt til …",
    "document_sha256": "9f2c1e0b7a4d3c2b1a0f9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f1e0d9c8b"
}))]
pub struct PowerOfAttorneyDto {
    /// The number to move, E.164.
    pub number: String,
    /// The owner, as the company registered them.
    pub owner_name: String,
    /// Who takes the number over.
    pub company_name: String,
    /// The donor operator, when known.
    pub donor: Option<String>,
    pub binding_period_note: String,
    /// The date the owner asked for, if any.
    pub requested_date: Option<NaiveDate>,
    /// The earliest port date if signed now: the first Danish working day after the
    /// donor receives the request, or the requested date if later.
    pub earliest_port_date: NaiveDate,
    /// Until when the link can be signed.
    #[serde(serialize_with = "super::time::rfc3339")]
    pub expires_at: DateTime<Utc>,
    /// The text signed.
    pub document: String,
    /// SHA-256 (hex) of `document`.
    pub document_sha256: String,
}

/// The owner's signature.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"signer_name": "Jens Hansen", "consent": true}))]
pub struct SignRequest {
    /// The owner's name as they sign.
    #[schema(value_type = crate::wire::text::Text100)]
    pub signer_name: String,
    /// `true`: the owner consents to the port (Teleloven § 28 a).
    #[schema(value_type = Consent)]
    pub consent: bool,
    /// A later port date the owner asks for (e.g. when a binding period ends), no earlier
    /// than `earliest_port_date` and at most a year after it; it becomes part of the text
    /// signed. A date that is not a working day moves to the next one.
    #[serde(default)]
    pub requested_date: Option<NaiveDate>,
}

/// The owner's signature as the hosted page's form posts it
/// (`application/x-www-form-urlencoded`): the box is ticked (`consent=ja`) or the field is
/// absent.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"signer_name": "Jens Hansen", "consent": "ja"}))]
pub struct SignForm {
    /// The owner's name as they sign.
    #[schema(value_type = crate::wire::text::Text100)]
    pub signer_name: String,
    /// `ja` when the consent box is ticked; without it the power of attorney is not signed.
    /// A form field is present or absent, never null.
    #[schema(nullable = false)]
    pub consent: Option<Ticked>,
    /// A later port date (`YYYY-MM-DD`), or empty for the earliest.
    #[serde(default)]
    #[schema(value_type = String, format = Date, required = false)]
    pub requested_date: Option<String>,
}

/// A ticked checkbox's value.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Ticked {
    Ja,
}

impl SignForm {
    /// The signature the form posts; `Err` with the date as typed when it is not a date.
    pub fn into_request(self) -> Result<SignRequest, String> {
        let requested_date = match self.requested_date.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(text) => Some(text.parse().map_err(|_| text.to_owned())?),
        };
        Ok(SignRequest {
            signer_name: self.signer_name,
            consent: self.consent.is_some(),
            requested_date,
        })
    }
}

/// The signature is recorded and the request is with the donor.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"number": "+4522334455", "status": "submitted", "signed_at": "2026-11-25T10:02:00Z", "document_sha256": "9f2c1e0b7a4d3c2b1a0f9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f1e0d9c8b"}))]
pub struct SignedDto {
    pub number: String,
    /// `submitted`: the request went to the donor operator.
    pub status: String,
    #[serde(serialize_with = "super::time::rfc3339")]
    pub signed_at: DateTime<Utc>,
    pub document_sha256: String,
}

/// The donor operator's answer, as an operator records it.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(
    tag = "decision",
    rename_all = "snake_case",
    deny_unknown_fields,
    try_from = "serde_json::Value"
)]
#[schema(example = json!({"decision": "accepted", "port_date": "2026-11-27"}))]
pub enum DonorResponse {
    /// The donor agreed to a port date: a Danish working day no earlier than the
    /// earliest legal date.
    Accepted { port_date: NaiveDate },
    /// The donor refused.
    Rejected {
        #[schema(value_type = RejectionCodeSchema)]
        reason_code: RejectionCode,
        /// The donor's own words.
        #[serde(default)]
        #[schema(value_type = Option<crate::wire::text::Text500>)]
        reason: Option<String>,
    },
}

/// Read variant by variant, so that a wrong field is named by its own pointer
/// (`/port_date`), not by the whole body's.
impl TryFrom<serde_json::Value> for DonorResponse {
    type Error = serde_json::Error;

    fn try_from(value: serde_json::Value) -> Result<Self, Self::Error> {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Accepted {
            port_date: NaiveDate,
        }
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Rejected {
            reason_code: RejectionCode,
            #[serde(default)]
            reason: Option<String>,
        }
        crate::body::tagged(
            value,
            "decision",
            &["accepted", "rejected"],
            |variant, fields| {
                Ok(if variant == "accepted" {
                    let Accepted { port_date } = crate::body::located(fields)?;
                    DonorResponse::Accepted { port_date }
                } else {
                    let Rejected {
                        reason_code,
                        reason,
                    } = crate::body::located(fields)?;
                    DonorResponse::Rejected {
                        reason_code,
                        reason,
                    }
                })
            },
        )
    }
}

super::state_schema!(
    /// Why a donor refused.
    RejectionCodeSchema => RejectionCode
);

/// Consent is given or the power of attorney is not signed: only `true` is accepted.
pub struct Consent;

impl utoipa::PartialSchema for Consent {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::Schema> {
        utoipa::openapi::schema::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::Boolean)
            .enum_values(Some([true]))
            .description(Some("Only `true`: the owner consents to the port."))
            .into()
    }
}

impl ToSchema for Consent {}
