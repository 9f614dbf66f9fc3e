//! Help articles, public, and readers' feedback on them.

use actix_web::{HttpRequest, HttpResponse, get, post, web};
use chrono::{DateTime, Utc};
use domain::email::EmailAddress;
use persistence::help::{Article, Rating};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::openapi::schema::{
    AdditionalProperties, AllOfBuilder, AnyOfBuilder, ObjectBuilder, OneOfBuilder, SchemaType, Type,
};
use utoipa::openapi::{Ref, RefOr, Schema};
use utoipa::{PartialSchema, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::app::help::Feedback;
use crate::body::Json;
use crate::error::ApiResult;
use crate::fields::Fields;
use crate::state::AppState;
use crate::wire::text::Email;
use crate::wire::{Page, utc};

/// Feedback a client address may leave per window.
const MAX_COMMENT: usize = 2000;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_help_articles)
        .service(get_help_article)
        .service(send_help_feedback);
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"helpful": 7, "total": 9, "text": "7 af 9 fandt denne artikel nyttig"}))]
pub struct RatingDto {
    /// Readers who found the article useful.
    pub helpful: i64,
    /// Readers who answered.
    pub total: i64,
    /// The rating as shown under the article.
    pub text: String,
}

impl From<Rating> for RatingDto {
    fn from(r: Rating) -> Self {
        RatingDto {
            helpful: r.helpful,
            total: r.total,
            text: format!("{} af {} fandt denne artikel nyttig", r.helpful, r.total),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"slug": "opret-ny-medarbejder", "title": "Opret en ny medarbejder med mobilabonnement", "summary": "Sådan giver du en ny kollega et mobilabonnement.", "updated_at": "2026-11-25T00:00:00Z"}))]
pub struct ArticleSummaryDto {
    pub slug: String,
    pub title: String,
    pub summary: String,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "slug": "opret-ny-medarbejder",
    "title": "Opret en ny medarbejder med mobilabonnement",
    "summary": "Sådan giver du en ny kollega et mobilabonnement.",
    "body": "## Før du starter\n\nDu skal være administrator…",
    "updated_at": "2026-11-25T00:00:00Z",
    "rating": {"helpful": 7, "total": 9, "text": "7 af 9 fandt denne artikel nyttig"}
}))]
pub struct ArticleDto {
    pub slug: String,
    pub title: String,
    pub summary: String,
    /// Markdown.
    pub body: String,
    pub updated_at: DateTime<Utc>,
    pub rating: RatingDto,
}

impl From<Article> for ArticleSummaryDto {
    fn from(a: Article) -> Self {
        ArticleSummaryDto {
            slug: a.slug,
            title: a.title,
            summary: a.summary,
            updated_at: utc(a.updated_at),
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FeedbackRequest {
    /// Did the article help?
    pub helpful: bool,
    /// Up to 2000 characters; needs `email`, so we can answer.
    pub comment: Option<String>,
    /// Where to answer a comment.
    pub email: Option<String>,
}

/// Written by hand, because the schema says what the derive cannot: a comment (any
/// value but `null`) needs an email.
impl PartialSchema for FeedbackRequest {
    fn schema() -> RefOr<Schema> {
        let nullable = |schema: RefOr<Schema>| {
            OneOfBuilder::new()
                .item(schema)
                .item(ObjectBuilder::new().schema_type(Type::Null))
        };
        let fields = ObjectBuilder::new()
            .schema_type(Type::Object)
            .property(
                "helpful",
                ObjectBuilder::new()
                    .schema_type(Type::Boolean)
                    .description(Some("Did the article help?")),
            )
            .required("helpful")
            .property(
                "comment",
                ObjectBuilder::new()
                    .schema_type(SchemaType::from_iter([Type::String, Type::Null]))
                    .max_length(Some(MAX_COMMENT))
                    .description(Some(
                        "Up to 2000 characters; needs `email`, so we can answer. A blank comment \
                         counts as none.",
                    )),
            )
            .property(
                "email",
                nullable(Ref::from_schema_name(Email::name()).into())
                    .description(Some("Where to answer a comment.")),
            )
            .additional_properties(Some(AdditionalProperties::FreeForm(false)));
        let comment_needs_email = AnyOfBuilder::new()
            .item(
                ObjectBuilder::new()
                    .description(Some("no comment"))
                    .property("comment", ObjectBuilder::new().schema_type(Type::Null)),
            )
            .item(
                ObjectBuilder::new()
                    .description(Some("a comment with an email"))
                    .property("email", Ref::from_schema_name(Email::name()))
                    .required("email"),
            );
        AllOfBuilder::new()
            .item(fields)
            .item(comment_needs_email)
            .examples([json!({"helpful": false, "comment": "Hvor finder jeg fuldmagten?", "email": "mette@nordlys.example"})])
            .into()
    }
}

impl ToSchema for FeedbackRequest {
    fn schemas(schemas: &mut Vec<(String, RefOr<Schema>)>) {
        schemas.push((Email::name().into_owned(), Email::schema()));
    }
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"rating": {"helpful": 8, "total": 10, "text": "8 af 10 fandt denne artikel nyttig"}}))]
pub struct FeedbackReceipt {
    /// The article's rating, this answer included.
    pub rating: RatingDto,
}

/// Every help article.
#[utoipa::path(
    tag = "help",
    operation_id = "list_help_articles",
    summary = "List help articles",
    security(()),
    responses((status = 200, description = "All articles", body = Page<ArticleSummaryDto>))
)]
#[get("/help/articles")]
async fn list_help_articles(state: web::Data<AppState>) -> ApiResult<HttpResponse> {
    let articles = state.run(crate::app::help::list).await?;
    Ok(HttpResponse::Ok().json(Page::all(
        articles.into_iter().map(ArticleSummaryDto::from).collect(),
    )))
}

/// One article with its rating ("7 af 9 fandt denne artikel nyttig").
#[utoipa::path(
    tag = "help",
    operation_id = "get_help_article",
    summary = "Get a help article",
    security(()),
    params(("slug" = String, Path, pattern = "^[a-z0-9-]{1,100}$", description = "The article's slug: lower-case letters, digits and hyphens, at most 100; any other names no article (404)", example = "opret-ny-medarbejder")),
    responses((status = 200, description = "The article", body = ArticleDto))
)]
#[get("/help/articles/{slug}")]
async fn get_help_article(
    state: web::Data<AppState>,
    slug: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let slug = slug.into_inner();
    let (article, rating) = state
        .run(move |conn| crate::app::help::get(conn, &slug))
        .await?;
    Ok(HttpResponse::Ok().json(ArticleDto {
        slug: article.slug,
        title: article.title,
        summary: article.summary,
        body: article.body,
        updated_at: utc(article.updated_at),
        rating: rating.into(),
    }))
}

/// Says whether the article helped, optionally with a comment. Public; each client
/// address may send 10 an hour.
#[utoipa::path(
    tag = "help",
    operation_id = "send_help_feedback",
    summary = "Rate a help article",
    security(()),
    params(("slug" = String, Path, pattern = "^[a-z0-9-]{1,100}$", description = "The article's slug: lower-case letters, digits and hyphens, at most 100; any other names no article (404)", example = "opret-ny-medarbejder")),
    request_body = FeedbackRequest,
    responses(
        (status = 201, description = "Thank you; the new rating", body = FeedbackReceipt),
        (status = 429, description = "Too much feedback from this address; retry after `Retry-After` seconds",
            body = crate::error::Problem, content_type = "application/problem+json",
            headers(("Retry-After" = u64, description = "Seconds until another answer is accepted")),
            example = json!({"type": "urn:selvbetjening:problem:too_many_requests", "title": "Too many requests", "status": 429, "detail": "at most 10 answers an hour from one address", "code": "too_many_requests", "request_id": "01937a4e-8f2c-7cc3-9a51-3b1f0c9d2e47"})),
    )
)]
#[post("/help/articles/{slug}/feedback")]
async fn send_help_feedback(
    req: HttpRequest,
    state: web::Data<AppState>,
    slug: web::Path<String>,
    body: Json<FeedbackRequest>,
) -> ApiResult<HttpResponse> {
    let slug = slug.into_inner();
    let feedback = feedback_of(body.0)?;
    let ip = crate::http::client::client_key(&req);
    let rating = state
        .run(move |conn| crate::app::help::send(conn, &slug, &feedback, &ip))
        .await?;
    Ok(HttpResponse::Created().json(FeedbackReceipt {
        rating: rating.into(),
    }))
}

/// The feedback as sent, checked: a comment of at most `MAX_COMMENT` characters needs a
/// valid email address (so we can answer); a blank comment is kept as none.
fn feedback_of(body: FeedbackRequest) -> ApiResult<Feedback> {
    let mut fields = Fields::new();
    // The limit counts the comment as sent.
    if body
        .comment
        .as_ref()
        .is_some_and(|c| c.chars().count() > MAX_COMMENT)
    {
        fields.push(
            "/comment",
            "too_long",
            format!("a comment may be at most {MAX_COMMENT} characters"),
        );
    }
    let email = match body.email.as_deref() {
        None => None,
        Some(raw) => fields.check("/email", EmailAddress::parse(raw)),
    };
    if body.comment.is_some() && body.email.is_none() {
        fields.push(
            "/email",
            "required",
            "a comment needs an email address, so we can answer",
        );
    }
    if !fields.is_empty() {
        return Err(fields.into_error());
    }
    Ok(Feedback {
        helpful: body.helpful,
        comment: body
            .comment
            .as_deref()
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .map(str::to_owned),
        email,
    })
}
