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
#[schema(example = json!({"user": {"id": "01937a4e-9b10-7d2e-8f3a-1c2d3e4f5a6b", "email": "mette@nordlys.example", "role": "admin", "company_id": "01937a4e-8f2c-7cc3-9a51-3b1f0c9d2e47", "enabled": true, "version": 1, "cost_centers": null, "created_at": "2026-11-25T09:31:00Z"}, "invitation_sent": true}))]
pub struct CreatedUser {
    pub user: UserDto,
    /// `true`: the user was emailed a link to choose their password.
    pub invitation_sent: bool,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": "01937a4e-9b10-7d2e-8f3a-1c2d3e4f5a6b", "email": "mette@nordlys.example", "role": "admin", "company_id": "01937a4e-8f2c-7cc3-9a51-3b1f0c9d2e47", "enabled": true, "version": 1, "cost_centers": null, "created_at": "2026-11-25T09:31:00Z"}))]
pub struct UserDto {
    pub id: Uuid,
    pub email: String,
    pub role: String,
    pub company_id: Option<Uuid>,
    /// `false`: the user cannot log in, and their tokens are refused.
    pub enabled: bool,
    /// Send it back as `If-Match: "<version>"` to change exactly what you read.
    pub version: i32,
    /// The cost centres the user is limited to; `null`: the whole company.
    pub cost_centers: Option<Vec<String>>,
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
            cost_centers: u.scope.centers().map(<[String]>::to_vec),
            created_at: utc(u.created_at),
        }
    }
}

/// The cost centres a user is to be limited to, as sent: each one checked as an employee's
/// cost centre is, at `/cost_centers/<i>`; `None` (or `null`) is the whole company.
pub fn scope_of(
    fields: &mut crate::fields::Fields,
    centers: Option<&[String]>,
) -> Option<domain::user::Scope> {
    let Some(centers) = centers else {
        return Some(domain::user::Scope::Company);
    };
    if centers.is_empty() {
        fields.push(
            "/cost_centers",
            "required",
            "name at least one cost centre, or send null for the whole company",
        );
        return None;
    }
    if centers.len() > domain::user::MAX_COST_CENTERS {
        fields.push(
            "/cost_centers",
            "too_many",
            format!("at most {} cost centres", domain::user::MAX_COST_CENTERS),
        );
        return None;
    }
    let parsed: Vec<Option<String>> = centers
        .iter()
        .enumerate()
        .map(|(i, c)| {
            fields
                .check(
                    &format!("/cost_centers/{i}"),
                    domain::text::CostCenter::parse(c),
                )
                .map(|c| c.as_str().to_owned())
        })
        .collect();
    let parsed: Option<Vec<String>> = parsed.into_iter().collect();
    parsed.map(|centers| domain::user::Scope::of(Some(centers)))
}

/// A field that may be absent (`None`), `null` (`Some(None)`) or a value: for `PATCH`
/// bodies where `null` means something of its own.
pub fn present<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}
