//! Help articles and readers' feedback on them.

use chrono::NaiveDateTime;
use diesel::dsl::{count_star, min};
use diesel::prelude::*;

use crate::schema::{help_articles, help_feedback};
use crate::{DbConnection, Result};

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = help_articles)]
pub struct Article {
    pub slug: String,
    pub title: String,
    pub summary: String,
    pub body: String,
    pub updated_at: NaiveDateTime,
}

/// How many readers found an article useful, of how many who answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Rating {
    pub helpful: i64,
    pub total: i64,
}

pub struct NewFeedback<'a> {
    pub slug: &'a str,
    pub helpful: bool,
    pub comment: Option<&'a str>,
    pub email: Option<&'a str>,
    pub client_ip: &'a str,
}

/// Every article, by slug.
pub fn list(conn: &mut DbConnection) -> Result<Vec<Article>> {
    Ok(help_articles::table
        .select(Article::as_select())
        .order(help_articles::slug.asc())
        .load(conn)?)
}

pub fn get(conn: &mut DbConnection, slug: &str) -> Result<Option<Article>> {
    Ok(help_articles::table
        .find(slug)
        .select(Article::as_select())
        .first(conn)
        .optional()?)
}

pub fn rating(conn: &mut DbConnection, slug: &str) -> Result<Rating> {
    let answers: Vec<bool> = help_feedback::table
        .filter(help_feedback::article_slug.eq(slug))
        .select(help_feedback::helpful)
        .load(conn)?;
    let helpful = answers.iter().filter(|h| **h).count();
    Ok(Rating {
        helpful: i64::try_from(helpful).unwrap_or(i64::MAX),
        total: i64::try_from(answers.len()).unwrap_or(i64::MAX),
    })
}

/// Feedback from `client_ip` at or after `since`: how many, and the oldest.
pub fn from_ip_since(
    conn: &mut DbConnection,
    client_ip: &str,
    since: NaiveDateTime,
) -> Result<(i64, Option<NaiveDateTime>)> {
    Ok(help_feedback::table
        .filter(help_feedback::client_ip.eq(client_ip))
        .filter(help_feedback::created_at.ge(since))
        .select((count_star(), min(help_feedback::created_at)))
        .first(conn)?)
}

pub fn record(conn: &mut DbConnection, feedback: NewFeedback<'_>) -> Result<()> {
    diesel::insert_into(help_feedback::table)
        .values((
            help_feedback::id.eq(crate::new_id().to_string()),
            help_feedback::article_slug.eq(feedback.slug),
            help_feedback::helpful.eq(feedback.helpful),
            help_feedback::comment.eq(feedback.comment),
            help_feedback::email.eq(feedback.email),
            help_feedback::client_ip.eq(feedback.client_ip),
            help_feedback::created_at.eq(crate::machine_now()),
        ))
        .execute(conn)?;
    Ok(())
}
