//! A company's users on the wire: as the operator and the company's own admins see them.

use chrono::{DateTime, Utc};
use domain::user::Role;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::utc;

#[derive(Debug, Clone, Copy, Deserialize, Serialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum CompanyRole {
    Admin,
    Viewer,
}

impl From<CompanyRole> for Role {
    fn from(r: CompanyRole) -> Self {
        match r {
            CompanyRole::Admin => Role::Admin,
            CompanyRole::Viewer => Role::Viewer,
        }
    }
}

/// The new user, and whether an invitation went out.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"user": {"id": "01937a4e-9b10-7d2e-8f3a-1c2d3e4f5a6b", "email": "mette@nordlys.example", "role": "admin", "company_id": "01937a4e-8f2c-7cc3-9a51-3b1f0c9d2e47", "enabled": true, "version": 1, "created_at": "2026-11-25T09:31:00Z"}, "invitation_sent": true}))]
pub struct CreatedUser {
    pub user: UserDto,
    /// `true`: the user was emailed a link to choose their password.
    pub invitation_sent: bool,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": "01937a4e-9b10-7d2e-8f3a-1c2d3e4f5a6b", "email": "mette@nordlys.example", "role": "admin", "company_id": "01937a4e-8f2c-7cc3-9a51-3b1f0c9d2e47", "enabled": true, "version": 1, "created_at": "2026-11-25T09:31:00Z"}))]
pub struct UserDto {
    pub id: Uuid,
    pub email: String,
    pub role: String,
    pub company_id: Option<Uuid>,
    /// `false`: the user cannot log in, and their tokens are refused.
    pub enabled: bool,
    /// Send it back as `If-Match: "<version>"` to change exactly what you read.
    pub version: i32,
    pub created_at: DateTime<Utc>,
}

impl From<persistence::users::User> for UserDto {
    fn from(u: persistence::users::User) -> Self {
        UserDto {
            id: u.id,
            email: u.email.as_str().to_owned(),
            role: u.role.as_str().to_owned(),
            company_id: u.company_id,
            enabled: u.enabled,
            version: u.version,
            created_at: utc(u.created_at),
        }
    }
}
