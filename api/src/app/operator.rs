//! The operator's back office: companies, their users and API clients, number pools,
//! and the outbox.

use domain::email::EmailAddress;
use domain::message::MessageStatus;
use domain::number::DanishNumber;
use domain::user::{Role, Scope};
use persistence::clients::ApiClient;
use persistence::companies::{Company, NewCompany};
use persistence::numbers::PoolNumber;
use persistence::outbox::Message;
use persistence::users::User;
use persistence::{DbConnection, Page};
use uuid::Uuid;

use super::{Principal, audit};
use crate::error::FieldError;

/// Why a back-office use case did not do what was asked.
#[derive(Debug, thiserror::Error)]
pub enum OperatorError {
    #[error("no such company")]
    CompanyNotFound,
    #[error("a company with CVR {0} exists")]
    CvrTaken(String),
    #[error("a user with this email exists")]
    EmailTaken,
    /// Numbers already in a pool, each named at its place in the request.
    #[error("some numbers are already in a pool")]
    NumbersTaken(Vec<FieldError>),
    /// A number was added by someone else at the same time.
    #[error("a number was added meanwhile")]
    NumberAddedMeanwhile,
    #[error("no such user")]
    UserNotFound,
    #[error("no such API client")]
    ClientNotFound,
    /// An operator cannot lock themselves out.
    #[error("you cannot disable yourself")]
    DisablingYourself,
    #[error(transparent)]
    Storage(#[from] persistence::Error),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

/// Registers a company.
pub fn create_company(
    conn: &mut DbConnection,
    who: &Principal,
    new: &NewCompany,
) -> Result<Company, OperatorError> {
    persistence::db::write(conn, |conn| {
        let company = persistence::companies::insert(conn, new, persistence::machine_now())
            .map_err(|e| match e {
                persistence::Error::Conflict { .. } => OperatorError::CvrTaken(new.cvr.to_string()),
                other => other.into(),
            })?;
        audit(
            conn,
            who,
            Some(company.id),
            "company.created",
            ("company", company.id.to_string()),
            serde_json::json!({"cvr": company.cvr.as_str()}),
        )?;
        Ok(company)
    })
}

/// All companies, oldest first.
pub fn list_companies(
    conn: &mut DbConnection,
    after: Option<Uuid>,
    limit: i64,
) -> Result<Page<Company>, OperatorError> {
    Ok(persistence::db::read(conn, |conn| {
        persistence::companies::list(conn, after, limit)
    })?)
}

/// One company.
pub fn get_company(conn: &mut DbConnection, id: Uuid) -> Result<Company, OperatorError> {
    persistence::db::read(conn, |conn| find_company(conn, id))
}

fn find_company(conn: &mut DbConnection, id: Uuid) -> Result<Company, OperatorError> {
    persistence::companies::get(conn, id).map_err(|e| match e {
        persistence::Error::NotFound => OperatorError::CompanyNotFound,
        other => other.into(),
    })
}

/// How a new user gets a password.
pub enum FirstPassword<'a> {
    /// The argon2id hash of the one the operator chose.
    Hash(&'a str),
    /// An emailed invitation to choose it (with the settings that make the link).
    Invitation(&'a super::Settings),
}

/// Creates a login: a company's admin or viewer (`company` given) or one of the
/// operator's staff. Used by the API (audited as `who`) and the CLI.
pub fn create_user(
    conn: &mut DbConnection,
    who: Option<&Principal>,
    email: &EmailAddress,
    password: FirstPassword<'_>,
    role: Role,
    (company, scope): (Option<Uuid>, &Scope),
) -> Result<User, OperatorError> {
    persistence::db::write(conn, |conn| {
        let company_name = match company {
            Some(company) => find_company(conn, company)?.name.as_str().to_owned(),
            None => "Selvbetjening".to_owned(),
        };
        let hash = match password {
            FirstPassword::Hash(hash) => hash,
            FirstPassword::Invitation(_) => persistence::users::NO_PASSWORD,
        };
        let user = persistence::users::insert(conn, email, hash, role, company, scope).map_err(
            |e| match e {
                persistence::Error::Conflict { .. } => OperatorError::EmailTaken,
                other => other.into(),
            },
        )?;
        if let FirstPassword::Invitation(settings) = password {
            super::login_help::invite(conn, settings, &user, &company_name).map_err(
                |e| match e {
                    super::login_help::LoginHelpError::Storage(e) => OperatorError::Storage(e),
                    other => OperatorError::Internal(anyhow::anyhow!(other.to_string())),
                },
            )?;
        }
        if let Some(who) = who {
            audit(
                conn,
                who,
                company,
                "user.created",
                ("user", user.id.to_string()),
                serde_json::json!({
                    "email": user.email.as_str(),
                    "role": role.as_str(),
                    "cost_centers": scope.centers(),
                }),
            )?;
        }
        Ok(user)
    })
}

/// Creates API credentials for a company's integration; only the secret's `hash` is kept.
pub fn create_client(
    conn: &mut DbConnection,
    who: &Principal,
    company: Uuid,
    name: &str,
    role: Role,
    hash: &str,
) -> Result<ApiClient, OperatorError> {
    persistence::db::write(conn, |conn| {
        find_company(conn, company)?;
        let client = persistence::clients::insert(conn, company, name, role, hash)?;
        audit(
            conn,
            who,
            Some(company),
            "client.created",
            ("api_client", client.id.to_string()),
            serde_json::json!({"name": client.name, "role": role.as_str()}),
        )?;
        Ok(client)
    })
}

/// Adds free numbers to a company's pool (`company` given) or the operator's. Numbers
/// already in any pool are refused, each named at its index.
pub fn add_numbers(
    conn: &mut DbConnection,
    who: &Principal,
    company: Option<Uuid>,
    numbers: &[DanishNumber],
) -> Result<Vec<PoolNumber>, OperatorError> {
    persistence::db::write(conn, |conn| {
        if let Some(company) = company {
            find_company(conn, company)?;
        }
        let taken = persistence::numbers::existing(conn, numbers)?;
        let mut errors = Vec::new();
        for (i, n) in numbers.iter().enumerate() {
            if taken.iter().any(|t| t == n.as_str()) {
                errors.push(FieldError::new(
                    format!("/numbers/{i}"),
                    "number_taken",
                    format!("{n} is already in a pool"),
                ));
            } else if persistence::number_ports::is_live(conn, None, n)? {
                // It is on its way to a company that ported it in: it becomes theirs.
                errors.push(FieldError::new(
                    format!("/numbers/{i}"),
                    "number_taken",
                    format!("{n} is being ported in by a company"),
                ));
            }
        }
        if !errors.is_empty() {
            return Err(OperatorError::NumbersTaken(errors));
        }
        let added =
            persistence::numbers::add_to_pool(conn, company, numbers).map_err(|e| match e {
                persistence::Error::Conflict { .. } => OperatorError::NumberAddedMeanwhile,
                other => other.into(),
            })?;
        let pool = if company.is_some() {
            "company"
        } else {
            "operator"
        };
        audit(
            conn,
            who,
            company,
            "numbers.added",
            (
                "number_pool",
                company.map_or_else(|| "operator".to_owned(), |c| c.to_string()),
            ),
            serde_json::json!({"pool": pool, "count": added.len()}),
        )?;
        Ok(added)
    })
}

/// The emails queued and sent, oldest first.
pub fn outbox(
    conn: &mut DbConnection,
    status: Option<MessageStatus>,
    after: Option<Uuid>,
    limit: i64,
) -> Result<Page<Message>, OperatorError> {
    Ok(persistence::db::read(conn, |conn| {
        persistence::outbox::list(conn, status, after, limit)
    })?)
}

/// How many messages are in each delivery state (the backlog is `pending`).
pub fn outbox_counts(conn: &mut DbConnection) -> persistence::Result<Vec<(MessageStatus, i64)>> {
    persistence::db::read(conn, persistence::outbox::counts)
}

/// Webhook deliveries not yet delivered, and when the oldest of them was made.
pub fn webhook_backlog(
    conn: &mut DbConnection,
) -> persistence::Result<(i64, Option<chrono::NaiveDateTime>)> {
    persistence::db::read(conn, persistence::webhook_deliveries::backlog)
}

/// `company`'s users, oldest first.
pub fn users(
    conn: &mut DbConnection,
    company: Uuid,
    after: Option<Uuid>,
    limit: i64,
) -> Result<Page<User>, OperatorError> {
    persistence::db::read(conn, |conn| {
        find_company(conn, company)?;
        Ok(persistence::users::of_company(conn, company, after, limit)?)
    })
}

/// Enables or disables the user `id`. Disabling also ends every token issued to them
/// so far, in every process within the revocation refresh.
pub fn set_user_enabled(
    conn: &mut DbConnection,
    who: &Principal,
    id: Uuid,
    enabled: bool,
) -> Result<User, OperatorError> {
    if !enabled && who.subject == id.to_string() {
        return Err(OperatorError::DisablingYourself);
    }
    persistence::db::write(conn, |conn| {
        let user = persistence::users::set_enabled(conn, id, enabled)?
            .ok_or(OperatorError::UserNotFound)?;
        if !enabled {
            persistence::revocations::revoke(conn, id, persistence::machine_now())?;
        }
        audit(
            conn,
            who,
            user.company_id,
            if enabled {
                "user.enabled"
            } else {
                "user.disabled"
            },
            ("user", id.to_string()),
            serde_json::json!({"email": user.email.as_str()}),
        )?;
        Ok(user)
    })
}

/// `company`'s API clients that are not revoked, oldest first (never their secrets).
pub fn clients(
    conn: &mut DbConnection,
    company: Uuid,
    after: Option<Uuid>,
    limit: i64,
) -> Result<Page<ApiClient>, OperatorError> {
    persistence::db::read(conn, |conn| {
        find_company(conn, company)?;
        Ok(persistence::clients::of_company(
            conn, company, after, limit,
        )?)
    })
}

/// Revokes the API client `id`: it can no longer log in, and its tokens stop working.
pub fn revoke_client(
    conn: &mut DbConnection,
    who: &Principal,
    id: Uuid,
) -> Result<(), OperatorError> {
    persistence::db::write(conn, |conn| {
        let now = persistence::machine_now();
        let client =
            persistence::clients::revoke(conn, id, now)?.ok_or(OperatorError::ClientNotFound)?;
        persistence::revocations::revoke(conn, id, now)?;
        audit(
            conn,
            who,
            Some(client.company_id),
            "client.revoked",
            ("api_client", id.to_string()),
            serde_json::json!({"name": client.name}),
        )?;
        Ok(())
    })
}

/// Enables or disables a company: while disabled its people and clients cannot log in,
/// and disabling ends every token issued to any of them so far.
pub fn set_company_enabled(
    conn: &mut DbConnection,
    who: &Principal,
    id: Uuid,
    enabled: bool,
) -> Result<Company, OperatorError> {
    persistence::db::write(conn, |conn| {
        find_company(conn, id)?;
        let company = persistence::companies::set_enabled(conn, id, enabled)?;
        if !enabled {
            persistence::revocations::revoke(conn, id, persistence::machine_now())?;
        }
        audit(
            conn,
            who,
            Some(id),
            if enabled {
                "company.enabled"
            } else {
                "company.disabled"
            },
            ("company", id.to_string()),
            serde_json::json!({"cvr": company.cvr.as_str()}),
        )?;
        Ok(company)
    })
}

/// Every revocation, for the per-process copy the token check reads.
pub fn revocations(
    conn: &mut DbConnection,
) -> persistence::Result<Vec<(Uuid, chrono::NaiveDateTime)>> {
    persistence::db::read(conn, persistence::revocations::all)
}
