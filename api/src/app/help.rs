//! Help articles ("find hjælp her"), their rating, and public feedback, limited per
//! client address in the database.

use chrono::Duration;
use domain::email::EmailAddress;
use persistence::DbConnection;
use persistence::help::{Article, NewFeedback, Rating};

/// Feedback answers one client address may send per window.
pub const FEEDBACK_PER_WINDOW: i64 = 10;
pub const FEEDBACK_WINDOW_MINUTES: i64 = 60;

#[derive(Debug, thiserror::Error)]
pub enum HelpError {
    #[error("no such article")]
    NotFound,
    /// Too much feedback from this address; another is taken in `retry_after` seconds.
    #[error("too much feedback")]
    TooMuchFeedback { retry_after: u64 },
    #[error(transparent)]
    Storage(#[from] persistence::Error),
}

/// Every article.
pub fn list(conn: &mut DbConnection) -> Result<Vec<Article>, HelpError> {
    Ok(persistence::db::read(conn, persistence::help::list)?)
}

/// Whether `slug` has the shape every article's slug has (lower-case letters, digits
/// and hyphens, at most 100): anything else names no article and is not looked up.
fn is_slug(slug: &str) -> bool {
    (1..=100).contains(&slug.len())
        && slug
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// One article with its rating.
pub fn get(conn: &mut DbConnection, slug: &str) -> Result<(Article, Rating), HelpError> {
    if !is_slug(slug) {
        return Err(HelpError::NotFound);
    }
    persistence::db::read(conn, |conn| {
        let article = persistence::help::get(conn, slug)?.ok_or(HelpError::NotFound)?;
        Ok((article, persistence::help::rating(conn, slug)?))
    })
}

/// What a reader says about an article.
pub struct Feedback {
    pub helpful: bool,
    pub comment: Option<String>,
    pub email: Option<EmailAddress>,
}

/// Records `feedback` on `slug` from `client_ip`, and answers the new rating.
pub fn send(
    conn: &mut DbConnection,
    slug: &str,
    feedback: &Feedback,
    client_ip: &str,
) -> Result<Rating, HelpError> {
    if !is_slug(slug) {
        return Err(HelpError::NotFound);
    }
    persistence::db::write(conn, |conn| {
        persistence::help::get(conn, slug)?.ok_or(HelpError::NotFound)?;
        let window = Duration::minutes(FEEDBACK_WINDOW_MINUTES);
        let now = persistence::machine_now();
        let (count, oldest) = persistence::help::from_ip_since(conn, client_ip, now - window)?;
        if count >= FEEDBACK_PER_WINDOW {
            return Err(HelpError::TooMuchFeedback {
                retry_after: super::retry_after(oldest, window, now),
            });
        }
        persistence::help::record(
            conn,
            NewFeedback {
                slug,
                helpful: feedback.helpful,
                comment: feedback.comment.as_deref(),
                email: feedback.email.as_ref().map(EmailAddress::as_str),
                client_ip,
            },
        )?;
        Ok(persistence::help::rating(conn, slug)?)
    })
}
