//! Login help ("glemt adgangskode?"): a forgotten password is reset through a single-use
//! emailed link, and a new user chooses a first password through an invitation of the
//! same kind. Asking for a reset answers the same for known and unknown addresses, along
//! the same path, and is limited per address and per client in the database.

use chrono::{Duration, NaiveDateTime};
use domain::email::EmailAddress;
use persistence::DbConnection;
use persistence::login_links::Purpose;
use persistence::outbox::NewMessage;
use persistence::users::User;
use uuid::Uuid;

use super::{Principal, Settings, audit, audit_as};
use crate::emails::Email;
use crate::secrets::token_hash;

/// How long a reset link works.
pub const RESET_VALID_MINUTES: i64 = 60;
/// How long an invitation works.
pub const INVITATION_VALID_DAYS: i64 = 7;
/// Resets one address may ask for per window, and one client address.
pub const RESETS_PER_ADDRESS: i64 = 3;
pub const RESETS_PER_CLIENT: i64 = 10;
pub const RESET_WINDOW_MINUTES: i64 = 60;

#[derive(Debug, thiserror::Error)]
pub enum LoginHelpError {
    /// The link is used, replaced, expired or was never issued.
    #[error("the link is no longer valid")]
    LinkGone,
    #[error("too many reset requests")]
    TooManyRequests { retry_after: u64 },
    #[error("no such user")]
    UserNotFound,
    /// An invitation is for a user who has not chosen a password yet.
    #[error("the user has a password")]
    UserHasPassword,
    #[error(transparent)]
    Storage(#[from] persistence::Error),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

/// What a link shows before the password is chosen.
#[derive(Debug, Clone)]
pub struct LinkView {
    /// The address, half hidden: `m***@nordlys.example`.
    pub email: String,
    pub invitation: bool,
    pub expires_at: NaiveDateTime,
}

fn masked(email: &EmailAddress) -> String {
    let text = email.as_str();
    match text.split_once('@') {
        Some((local, domain)) => {
            let first: String = local.chars().take(1).collect();
            format!("{first}***@{domain}")
        }
        None => "***".to_owned(),
    }
}

/// Asks for a reset of the password of `email` from `client`: always the same answer;
/// a known, enabled user of an enabled company gets the link by email.
pub fn request_reset(
    conn: &mut DbConnection,
    settings: &Settings,
    email: &str,
    client: &str,
) -> Result<(), LoginHelpError> {
    let email = email.trim().to_lowercase();
    let subjects = [format!("reset:{email}"), format!("reset-ip:{client}")];
    let refs: Vec<&str> = subjects.iter().map(String::as_str).collect();
    let now = settings.clock.stamp();
    let window = Duration::minutes(RESET_WINDOW_MINUTES);
    persistence::db::write(conn, |conn| {
        persistence::login_failures::take_turns(conn, &refs)?;
        for (subject, limit) in refs.iter().zip([RESETS_PER_ADDRESS, RESETS_PER_CLIENT]) {
            let (asked, oldest) = persistence::login_failures::since(conn, subject, now - window)?;
            if asked >= limit {
                return Err(LoginHelpError::TooManyRequests {
                    retry_after: super::retry_after(oldest, window, now),
                });
            }
        }
        persistence::login_failures::prune(conn, "reset", now - window)?;
        persistence::login_failures::record(conn, &refs, now)?;
        let user = persistence::users::find_by_email(conn, &email)?
            .map(|(user, _)| user)
            .filter(|user| user.enabled);
        let Some(user) = user else {
            return Ok(());
        };
        if let Some(company) = user.company_id
            && !persistence::companies::get(conn, company)?.enabled
        {
            return Ok(());
        }
        let link = issue(conn, settings, &user, Purpose::Reset, now)?;
        let email =
            crate::emails::password_reset(&link, now + Duration::minutes(RESET_VALID_MINUTES));
        queue(conn, &user, "password_reset", &email)?;
        audit_as(
            conn,
            ("login_help", "system"),
            user.company_id,
            "user.password_reset_requested",
            ("user", user.id.to_string()),
            serde_json::json!({}),
        )?;
        Ok(())
    })
}

/// A fresh link of `purpose` for `user`, stored as its hash; returns its address.
fn issue(
    conn: &mut DbConnection,
    settings: &Settings,
    user: &User,
    purpose: Purpose,
    now: NaiveDateTime,
) -> Result<String, LoginHelpError> {
    let token = crate::secrets::link_token()?;
    let expires_at = match purpose {
        Purpose::Reset => now + Duration::minutes(RESET_VALID_MINUTES),
        Purpose::Invitation => now + Duration::days(INVITATION_VALID_DAYS),
    };
    persistence::login_links::insert(conn, &token_hash(&token), user.id, purpose, now, expires_at)?;
    Ok(format!(
        "{}/auth/password-reset/{token}",
        settings.public_url.trim_end_matches('/')
    ))
}

fn queue(
    conn: &mut DbConnection,
    user: &User,
    kind: &str,
    email: &Email,
) -> Result<(), LoginHelpError> {
    persistence::outbox::enqueue(
        conn,
        NewMessage {
            company_id: user.company_id,
            kind,
            recipient: user.email.as_str(),
            subject: &email.subject,
            body: &email.body,
            created_at: persistence::machine_now(),
        },
    )?;
    Ok(())
}

/// What the link `token` is for, while it still opens.
pub fn open(
    conn: &mut DbConnection,
    settings: &Settings,
    token: &str,
) -> Result<LinkView, LoginHelpError> {
    let now = settings.clock.stamp();
    persistence::db::read(conn, |conn| {
        let link = persistence::login_links::live(conn, &token_hash(token), now)?
            .ok_or(LoginHelpError::LinkGone)?;
        let user = persistence::users::get(conn, link.user_id)?;
        Ok(LinkView {
            email: masked(&user.email),
            invitation: link.purpose == Purpose::Invitation,
            expires_at: link.expires_at,
        })
    })
}

/// Sets the password (its argon2id `hash`) of the user whose live link `token` is: the
/// link and every other open one of the user end, and the user's earlier tokens stop
/// working. Returns the user's id.
pub fn choose_password(
    conn: &mut DbConnection,
    settings: &Settings,
    token: &str,
    hash: &str,
) -> Result<Uuid, LoginHelpError> {
    let now = settings.clock.stamp();
    persistence::db::write(conn, |conn| {
        let hash_of_token = token_hash(token);
        let link = persistence::login_links::live(conn, &hash_of_token, now)?
            .ok_or(LoginHelpError::LinkGone)?;
        // Ending the link is the claim: of two requests with it, one ends it, the other
        // finds it gone.
        if !persistence::login_links::end(conn, &hash_of_token, now)? {
            return Err(LoginHelpError::LinkGone);
        }
        persistence::users::set_password(conn, link.user_id, hash)?;
        persistence::login_links::end_open(conn, link.user_id, None, now)?;
        persistence::revocations::revoke(conn, link.user_id, persistence::machine_now())?;
        let user = persistence::users::get(conn, link.user_id)?;
        audit_as(
            conn,
            ("login_help", "system"),
            user.company_id,
            match link.purpose {
                Purpose::Reset => "user.password_reset",
                Purpose::Invitation => "user.invitation_accepted",
            },
            ("user", user.id.to_string()),
            serde_json::json!({}),
        )?;
        Ok(user.id)
    })
}

/// Invites `user` (who has no password yet) to choose one, in the caller's transaction.
pub fn invite(
    conn: &mut DbConnection,
    settings: &Settings,
    user: &User,
    company_name: &str,
) -> Result<(), LoginHelpError> {
    let now = settings.clock.stamp();
    persistence::login_links::end_open(conn, user.id, Some(Purpose::Invitation), now)?;
    let link = issue(conn, settings, user, Purpose::Invitation, now)?;
    let email = crate::emails::invitation(
        company_name,
        &link,
        now + Duration::days(INVITATION_VALID_DAYS),
    );
    queue(conn, user, "invitation", &email)
}

/// Sends the user `id` a new invitation; the old one stops working.
pub fn reinvite(
    conn: &mut DbConnection,
    settings: &Settings,
    who: &Principal,
    id: Uuid,
) -> Result<User, LoginHelpError> {
    persistence::db::write(conn, |conn| {
        match persistence::users::has_password(conn, id)? {
            None => return Err(LoginHelpError::UserNotFound),
            Some(true) => return Err(LoginHelpError::UserHasPassword),
            Some(false) => {}
        }
        let user = persistence::users::get(conn, id)?;
        let company = match user.company_id {
            Some(company) => persistence::companies::get(conn, company)?
                .name
                .as_str()
                .to_owned(),
            None => "Selvbetjening".to_owned(),
        };
        invite(conn, settings, &user, &company)?;
        audit(
            conn,
            who,
            user.company_id,
            "user.invited",
            ("user", id.to_string()),
            serde_json::json!({"email": user.email.as_str()}),
        )?;
        Ok(user)
    })
}
