//! `Idempotency-Key` for the writes a client may retry blindly (`POST /orders`,
//! confirm): the same key and request replay the first answer; the same key with another
//! request is 422; a key whose first request is still running is 409. Keys are per
//! company and kept for 48 hours.

use std::future::Future;

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse};
use chrono::Duration;
use persistence::idempotency::Claim;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

pub const HEADER: &str = "idempotency-key";
pub const KEEP_HOURS: i64 = 48;

/// A successful answer, in a form that can be kept and replayed.
#[derive(Debug, Serialize, Deserialize)]
pub struct Answer {
    pub status: u16,
    pub location: Option<String>,
    pub etag: Option<String>,
    pub body: serde_json::Value,
}

impl Answer {
    pub fn new(status: StatusCode, body: &impl Serialize) -> ApiResult<Answer> {
        Ok(Answer {
            status: status.as_u16(),
            location: None,
            etag: None,
            body: serde_json::to_value(body).map_err(ApiError::internal)?,
        })
    }

    pub fn location(mut self, location: String) -> Self {
        self.location = Some(location);
        self
    }

    pub fn etag(mut self, etag: String) -> Self {
        self.etag = Some(etag);
        self
    }

    fn into_response(self, replayed: bool) -> HttpResponse {
        let mut response =
            HttpResponse::build(StatusCode::from_u16(self.status).unwrap_or(StatusCode::OK));
        if let Some(location) = self.location {
            response.insert_header((header::LOCATION, location));
        }
        if let Some(etag) = self.etag {
            response.insert_header((header::ETAG, etag));
        }
        if replayed {
            response.insert_header(("idempotent-replayed", "true"));
        }
        response.json(self.body)
    }
}

/// The request's key: 1 to 255 visible ASCII characters, or none.
pub fn key(req: &HttpRequest) -> ApiResult<Option<String>> {
    let Some(value) = req.headers().get(HEADER) else {
        return Ok(None);
    };
    match value.to_str() {
        Ok(text)
            if (1..=255).contains(&text.len()) && text.chars().all(|c| c.is_ascii_graphic()) =>
        {
            Ok(Some(text.to_owned()))
        }
        _ => Err(ApiError::field(
            "/header/Idempotency-Key",
            "invalid_value",
            "Idempotency-Key is 1 to 255 visible ASCII characters, e.g. a UUID",
        )),
    }
}

/// Runs `work` at most once per key and request.
pub async fn run<F>(
    state: &AppState,
    company: Uuid,
    key: Option<String>,
    fingerprint: String,
    work: F,
) -> ApiResult<HttpResponse>
where
    F: Future<Output = ApiResult<Answer>>,
{
    let Some(key) = key else {
        return Ok(work.await?.into_response(false));
    };
    let claim_key = key.clone();
    let claim = state
        .write(move |conn| {
            let forget = persistence::now() - Duration::hours(KEEP_HOURS);
            persistence::idempotency::claim(conn, company, &claim_key, &fingerprint, forget)
                .map_err(|e| match e {
                    persistence::Error::Conflict { .. } => in_flight(),
                    other => other.into(),
                })
        })
        .await?;
    match claim {
        Claim::Mismatch => Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "idempotency_key_reused",
            "Idempotency key reused",
            "this Idempotency-Key was used for a different request; use a new key",
        )),
        Claim::InFlight => Err(in_flight()),
        Claim::Replay(_, stored) => {
            let answer: Answer = serde_json::from_str(&stored).map_err(ApiError::internal)?;
            Ok(answer.into_response(true))
        }
        Claim::Fresh => match work.await {
            Ok(answer) => {
                let stored = serde_json::to_string(&answer).map_err(ApiError::internal)?;
                let status = answer.status;
                let done_key = key.clone();
                state
                    .write(move |conn| {
                        Ok(persistence::idempotency::complete(
                            conn, company, &done_key, status, &stored,
                        )?)
                    })
                    .await?;
                Ok(answer.into_response(false))
            }
            Err(err) => {
                // Nothing happened: let the client retry with the same key.
                state
                    .write(move |conn| Ok(persistence::idempotency::abandon(conn, company, &key)?))
                    .await?;
                Err(err)
            }
        },
    }
}

fn in_flight() -> ApiError {
    ApiError::conflict(
        "idempotency_key_in_flight",
        "a request with this Idempotency-Key is still running; retry shortly",
    )
    .with_header(header::RETRY_AFTER, "1")
}
