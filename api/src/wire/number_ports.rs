//! Number ports on the wire.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
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
