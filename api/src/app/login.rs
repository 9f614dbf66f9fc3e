//! Logging in: a person's email and password, or an API client's id and secret, checked
//! against their argon2id hash. Failed attempts are counted in the database per username
//! or client and per client address: 5 in 15 minutes, then refused for a while.

use chrono::TimeDelta;
use domain::user::Role;
use persistence::DbConnection;
use uuid::Uuid;

use crate::metrics::Metrics;
use crate::secrets::verify_secret;

pub const MAX_FAILURES: i64 = 5;
pub const FAILURE_WINDOW_MINUTES: i64 = 15;

/// What the caller presents.
pub enum Credentials {
    Password { email: String, password: String },
    Client { id: String, secret: String },
}

impl Credentials {
    /// Whose failures count against these credentials. A client is counted by the UUID its
    /// id parses to, so every spelling of it (upper case, braces, no hyphens, `urn:uuid:`)
    /// shares one count; an id that is no UUID names no client, and all such ids share one.
    fn subject(&self) -> String {
        match self {
            Credentials::Password { email, .. } => format!("user:{email}"),
            Credentials::Client { id, .. } => match Uuid::try_parse(id) {
                Ok(id) => format!("client:{id}"),
                Err(_) => "client:malformed".to_owned(),
            },
        }
    }
}

/// Who logged in.
#[derive(Debug, Clone)]
pub struct LoggedIn {
    pub id: Uuid,
    pub role: Role,
    pub company: Option<Uuid>,
    pub scope: domain::user::Scope,
}

#[derive(Debug, thiserror::Error)]
pub enum LoginError {
    /// Too many failures for the username or the address; retry in `retry_after` seconds.
    #[error("too many failed logins")]
    TooManyFailures { retry_after: u64 },
    /// Wrong username or password (`client: false`) or client id or secret.
    #[error("the credentials were not accepted")]
    Refused { client: bool },
    #[error(transparent)]
    Storage(#[from] persistence::Error),
}

/// Checks `credentials` from `client_ip`. The attempt is counted before the password is
/// verified, in one transaction that takes turns with every other attempt on the same
/// username or address (in every process), so parallel guesses cannot all slip under the
/// limit; a successful attempt is taken back. An unknown user takes the same path as a
/// known one: a dummy hash is verified.
pub fn log_in(
    conn: &mut DbConnection,
    credentials: &Credentials,
    client_ip: &str,
    metrics: &Metrics,
) -> Result<LoggedIn, LoginError> {
    let subjects = [credentials.subject(), format!("ip:{client_ip}")];
    let refs: Vec<&str> = subjects.iter().map(String::as_str).collect();
    let now = persistence::machine_now();
    let window = TimeDelta::minutes(FAILURE_WINDOW_MINUTES);
    let (attempt, found) = persistence::db::write(conn, |conn| {
        persistence::login_failures::take_turns(conn, &refs)?;
        for subject in &refs {
            let (failures, oldest) =
                persistence::login_failures::since(conn, subject, now - window)?;
            if failures >= MAX_FAILURES {
                return Err(LoginError::TooManyFailures {
                    retry_after: super::retry_after(oldest, window, now),
                });
            }
        }
        for kind in ["user:", "client:", "ip:"] {
            persistence::login_failures::prune(conn, kind, now - window)?;
        }
        let attempt = persistence::login_failures::record(conn, &refs, now)?;
        Ok((attempt, owner(conn, credentials)?))
    })?;
    let secret = match credentials {
        Credentials::Password { password, .. } => password,
        Credentials::Client { secret, .. } => secret,
    };
    let accepted = verify_secret(secret, found.as_ref().map(|(_, hash)| hash.as_str()));
    metrics.password_checked(accepted);
    match found.filter(|_| accepted) {
        Some((owner, _)) => {
            persistence::db::write(conn, |conn| {
                // In turn with every other attempt on the subject, as above: two
                // successful logins clearing the same rows at once would otherwise lock
                // them in opposite orders (a deadlock on PostgreSQL).
                persistence::login_failures::take_turns(conn, &refs)?;
                persistence::login_failures::forget(conn, &attempt)?;
                persistence::login_failures::clear(conn, &subjects[0])
            })?;
            Ok(owner)
        }
        // The attempt stays counted: it failed.
        None => Err(LoginError::Refused {
            client: matches!(credentials, Credentials::Client { .. }),
        }),
    }
}

/// The credentials' owner and its stored hash, if there is one that may log in: a
/// disabled user, a revoked client and anyone of a disabled company are no one here, so
/// they take the unknown user's path.
fn owner(
    conn: &mut DbConnection,
    credentials: &Credentials,
) -> persistence::Result<Option<(LoggedIn, String)>> {
    let found = match credentials {
        Credentials::Password { email, .. } => persistence::users::find_by_email(conn, email)?
            .filter(|(user, _)| user.enabled)
            .map(|(user, hash)| {
                let who = LoggedIn {
                    id: user.id,
                    role: user.role,
                    company: user.company_id,
                    scope: user.scope,
                };
                (who, hash)
            }),
        Credentials::Client { id, .. } => match Uuid::parse_str(id) {
            Ok(id) => persistence::clients::find(conn, id)?.map(|(client, hash)| {
                let who = LoggedIn {
                    id: client.id,
                    role: client.role,
                    company: Some(client.company_id),
                    scope: domain::user::Scope::Company,
                };
                (who, hash)
            }),
            Err(_) => None,
        },
    };
    match found {
        Some((who, hash)) => match who.company {
            Some(company) if !persistence::companies::get(conn, company)?.enabled => Ok(None),
            _ => Ok(Some((who, hash))),
        },
        None => Ok(None),
    }
}
