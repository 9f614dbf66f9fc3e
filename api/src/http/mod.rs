//! What only HTTP knows: path ids, list parameters, preconditions, the client's address,
//! and how each use case's errors become problem documents.

use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use actix_web::http::header::{self, ContentType, Header};
use actix_web::mime;
use uuid::Uuid;

use crate::app::idempotency::{IdempotencyKey, Replayable};
use crate::error::{ApiError, ApiResult};
use crate::wire::{DEFAULT_LIMIT, MAX_LIMIT, PageQuery};

pub mod client;
pub mod preconditions;
pub mod problems;

/// A list's cursor, limit and optional `status` filter, checked together so every wrong
/// parameter is named in one answer. `states` lists the valid statuses for the message.
pub fn list_params<S: std::str::FromStr>(
    cursor: Option<&str>,
    limit: Option<i64>,
    status: Option<&str>,
    states: &str,
) -> ApiResult<(Option<Uuid>, i64, Option<S>)> {
    filtered_list_params(cursor, limit, "status", status, states)
}

/// Like [`list_params`], with a filter of another name (`type`).
pub fn filtered_list_params<S: std::str::FromStr>(
    cursor: Option<&str>,
    limit: Option<i64>,
    filter: &str,
    status: Option<&str>,
    states: &str,
) -> ApiResult<(Option<Uuid>, i64, Option<S>)> {
    let mut errors = crate::fields::Fields::new();
    let limit = limit.unwrap_or(DEFAULT_LIMIT);
    if !(1..=MAX_LIMIT).contains(&limit) {
        errors.push(
            "/query/limit",
            "out_of_range",
            format!("limit must be between 1 and {MAX_LIMIT}"),
        );
    }
    let cursor = match cursor {
        None | Some("") => None,
        Some(c) => Uuid::parse_str(c).ok().or_else(|| {
            errors.push(
                "/query/cursor",
                "invalid_cursor",
                "cursor must be a next_cursor from a previous page",
            );
            None
        }),
    };
    let status = status.and_then(|s| {
        s.parse::<S>().ok().or_else(|| {
            errors.push(
                format!("/query/{filter}"),
                "invalid_value",
                format!("{filter} is one of {states}"),
            );
            None
        })
    });
    if errors.is_empty() {
        Ok((cursor, limit, status))
    } else {
        Err(errors.into_error())
    }
}

/// The validated cursor and limit of a plain page.
pub fn page_params(query: &PageQuery) -> ApiResult<(Option<Uuid>, i64)> {
    let (cursor, limit, _) = list_params::<String>(query.cursor.as_deref(), query.limit, None, "")?;
    Ok((cursor, limit))
}

/// An answer already written as JSON, by the blocking thread that ran its use case (see
/// [`crate::state::AppState::run`]). A page's many small strings are then made, read and
/// freed by that one thread, while its memory is warm; only the finished bytes reach the
/// worker that sends them. Written by serde, so its bytes are what `.json()` would send.
pub struct JsonBody(actix_web::web::Bytes);

impl JsonBody {
    /// `value` as JSON; `capacity` is the expected size, so the buffer seldom grows.
    pub fn of<T: serde::Serialize>(value: &T, capacity: usize) -> anyhow::Result<JsonBody> {
        let mut bytes = Vec::with_capacity(capacity);
        serde_json::to_writer(&mut bytes, value)?;
        Ok(JsonBody(bytes.into()))
    }

    /// A 200 with this body.
    pub fn ok(self) -> HttpResponse {
        self.respond(HttpResponse::Ok())
    }

    /// `builder`'s answer with this body, as `application/json`.
    pub fn respond(self, mut builder: actix_web::HttpResponseBuilder) -> HttpResponse {
        builder.content_type(ContentType::json()).body(self.0)
    }
}

/// A path id that is not a UUID names nothing: 404, like any unknown id.
pub fn path_id(raw: &str, what: &str) -> ApiResult<Uuid> {
    Uuid::parse_str(raw).map_err(|_| ApiError::not_found(what))
}

/// The request's `Idempotency-Key` (1 to 255 visible ASCII characters), or none, with
/// what identifies the request in `company`.
pub fn idempotency_key(
    req: &actix_web::HttpRequest,
    company: Uuid,
    fingerprint: String,
) -> ApiResult<Option<IdempotencyKey>> {
    let Some(value) = req.headers().get("idempotency-key") else {
        return Ok(None);
    };
    match value.to_str() {
        Ok(text)
            if (1..=255).contains(&text.len()) && text.chars().all(|c| c.is_ascii_graphic()) =>
        {
            Ok(Some(IdempotencyKey {
                company,
                key: text.to_owned(),
                fingerprint,
            }))
        }
        _ => Err(ApiError::field(
            "/header/Idempotency-Key",
            "invalid_value",
            "Idempotency-Key is 1 to 255 visible ASCII characters, e.g. a UUID",
        )),
    }
}

/// The answer of a keyed write; a replayed one says so in `Idempotent-Replayed`.
pub fn replayable(outcome: Replayable) -> HttpResponse {
    let (answer, replayed) = match outcome {
        Replayable::Fresh(answer) => (answer, false),
        Replayable::Replayed(answer) => (answer, true),
    };
    let mut response =
        HttpResponse::build(StatusCode::from_u16(answer.status).unwrap_or(StatusCode::OK));
    response.content_type(ContentType::json());
    if let Some(location) = answer.location {
        response.insert_header((header::LOCATION, location));
    }
    if let Some(etag) = answer.etag {
        response.insert_header((header::ETAG, etag));
    }
    if replayed {
        response.insert_header(("idempotent-replayed", "true"));
    }
    response.body(answer.body)
}

/// Whether the client's `Accept` (RFC 9110 §12.5.1) weighs `text/csv` above JSON, each
/// at the weight of the most specific range that names it. JSON wins a tie, and when
/// `Accept` is absent or unreadable.
pub fn prefers_csv(req: &actix_web::HttpRequest) -> bool {
    let Ok(accept) = header::Accept::parse(req) else {
        return false;
    };
    let weight = |type_: mime::Name<'_>, subtype: mime::Name<'_>| {
        let specificity = |range: &mime::Mime| match (range.type_(), range.subtype()) {
            (t, s) if t == type_ && s == subtype => Some(2),
            (t, mime::STAR) if t == type_ => Some(1),
            (mime::STAR, mime::STAR) => Some(0),
            _ => None,
        };
        accept
            .iter()
            .filter_map(|range| specificity(&range.item).map(|s| (s, range.quality)))
            .max_by_key(|(s, _)| *s)
            .map(|(_, quality)| quality)
    };
    let csv = weight(mime::TEXT, mime::CSV);
    let json = weight(mime::APPLICATION, mime::JSON);
    csv.is_some_and(|csv| csv > header::Quality::ZERO && json.is_none_or(|json| csv > json))
}

/// What a keyed step on one object (a confirm, an approval) reads from its request: the
/// object's id, the `If-Match` it expects, and the `Idempotency-Key`, fingerprinted by the
/// step's path (`path` of the id) and the `If-Match`.
pub struct KeyedStep {
    pub id: Uuid,
    pub expected: Option<crate::app::IfMatch>,
    pub key: Option<IdempotencyKey>,
}

/// Reads a [`KeyedStep`] of `company`'s object `raw` (`what` names it in a 404).
pub fn keyed_step(
    req: &actix_web::HttpRequest,
    company: Uuid,
    (raw, what): (&str, &str),
    path: impl FnOnce(Uuid) -> String,
) -> ApiResult<KeyedStep> {
    let id = path_id(raw, what)?;
    let expected = preconditions::if_match(req)?;
    let fingerprint = format!("POST {} {expected:?}", path(id));
    let key = idempotency_key(req, company, fingerprint)?;
    Ok(KeyedStep { id, expected, key })
}
