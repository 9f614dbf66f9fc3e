//! A company's own users, run by its admins: list, invite (the invitation link of login
//! help), change role, disable and enable, send the invitation again. The company always
//! keeps an enabled admin, and nobody disables themself.

use domain::email::EmailAddress;
use domain::user::{Role, Scope};
use persistence::DbConnection;
use persistence::users::User;
use uuid::Uuid;

use super::login_help::LoginHelpError;
use super::operator::{FirstPassword, OperatorError};
use super::{IfMatch, Principal, Settings, audit};

/// Why a use case on a company's users did not do what was asked.
#[derive(Debug, thiserror::Error)]
pub enum UserError {
    #[error("no such user")]
    NotFound,
    /// `If-Match` names a version the user no longer has.
    #[error("the user changed since it was read")]
    Stale,
    /// The change would leave the company without an enabled admin.
    #[error("the company's last enabled admin")]
    LastAdmin,
    #[error("nobody disables themself")]
    CannotDisableSelf,
    #[error("the email is in use")]
    EmailTaken,
    /// The user chose a password: no invitation to send.
    #[error("the user has a password")]
    HasPassword,
    #[error(transparent)]
    Storage(#[from] persistence::Error),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl From<OperatorError> for UserError {
    fn from(err: OperatorError) -> Self {
        match err {
            OperatorError::EmailTaken => UserError::EmailTaken,
            OperatorError::Storage(e) => UserError::Storage(e),
            other => UserError::Internal(anyhow::anyhow!(other.to_string())),
        }
    }
}

impl From<LoginHelpError> for UserError {
    fn from(err: LoginHelpError) -> Self {
        match err {
            LoginHelpError::UserNotFound => UserError::NotFound,
            LoginHelpError::UserHasPassword => UserError::HasPassword,
            LoginHelpError::Storage(e) => UserError::Storage(e),
            other => UserError::Internal(anyhow::anyhow!(other.to_string())),
        }
    }
}

/// What an admin changes of a colleague; `None` leaves it as it is.
#[derive(Debug, Clone, Default)]
pub struct Change {
    pub role: Option<Role>,
    pub enabled: Option<bool>,
    pub scope: Option<Scope>,
}

/// `company`'s users, oldest first.
pub fn list(
    conn: &mut DbConnection,
    company: Uuid,
    after: Option<Uuid>,
    limit: i64,
) -> Result<persistence::Page<User>, UserError> {
    Ok(persistence::users::of_company(conn, company, after, limit)?)
}

/// One of `company`'s users.
pub fn get(conn: &mut DbConnection, company: Uuid, id: Uuid) -> Result<User, UserError> {
    persistence::users::in_company(conn, company, id)?.ok_or(UserError::NotFound)
}

/// Invites `email` to `company` as `role`: the user exists at once, without a password,
/// and is emailed a link to choose one.
pub fn invite(
    conn: &mut DbConnection,
    settings: &Settings,
    who: &Principal,
    company: Uuid,
    (email, role, scope): (&EmailAddress, Role, &Scope),
) -> Result<User, UserError> {
    Ok(super::operator::create_user(
        conn,
        Some(who),
        email,
        FirstPassword::Invitation(settings),
        role,
        (Some(company), scope),
    )?)
}

/// Sends `company`'s user `id`, who has no password yet, a new invitation.
pub fn reinvite(
    conn: &mut DbConnection,
    settings: &Settings,
    who: &Principal,
    company: Uuid,
    id: Uuid,
) -> Result<User, UserError> {
    get(conn, company, id)?;
    Ok(super::login_help::reinvite(conn, settings, who, id)?)
}

/// Changes `company`'s user `id` as `change` says, if it still has a version `expected`
/// names; answers the user and whether their tokens were revoked (a disabled user's, or
/// one whose role changed: the role is in the token).
pub fn change(
    conn: &mut DbConnection,
    who: &Principal,
    company: Uuid,
    id: Uuid,
    expected: &IfMatch,
    change: Change,
) -> Result<(User, bool), UserError> {
    persistence::db::write(conn, |conn| {
        persistence::users::take_turns(conn, company)?;
        let mut user = get(conn, company, id)?;
        if !expected.matches(user.version) {
            return Err(UserError::Stale);
        }
        let before = user.clone();
        if let Some(role) = change.role {
            user.role = role;
        }
        if let Some(enabled) = change.enabled {
            user.enabled = enabled;
        }
        if let Some(scope) = change.scope {
            user.scope = scope;
        }
        if user == before {
            return Ok((user, false));
        }
        if !user.enabled && who.subject == id.to_string() {
            return Err(UserError::CannotDisableSelf);
        }
        // The company keeps an enabled admin of all of it.
        let whole_admin =
            |u: &User| u.enabled && u.role == Role::Admin && u.scope == Scope::Company;
        let (was_admin, is_admin) = (whole_admin(&before), whole_admin(&user));
        if was_admin
            && !is_admin
            && persistence::users::other_enabled_admins(conn, company, id)? == 0
        {
            return Err(UserError::LastAdmin);
        }
        if !persistence::users::change(conn, &mut user)? {
            return Err(UserError::Stale);
        }
        // The role and the scope are in the token: a changed one must log in again.
        let revoked = !user.enabled || user.role != before.role || user.scope != before.scope;
        if revoked {
            persistence::revocations::revoke(conn, id, persistence::machine_now())?;
        }
        audit(
            conn,
            who,
            Some(company),
            "user.changed",
            ("user", id.to_string()),
            serde_json::json!({
                "email": user.email.as_str(),
                "role": user.role.as_str(),
                "enabled": user.enabled,
                "cost_centers": user.scope.centers(),
            }),
        )?;
        Ok((user, revoked))
    })
}
