//! The one place that knows HTTP errors: every failure becomes an RFC 9457
//! `application/problem+json` document with a stable `code` and the request's id.

use std::fmt;

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use utoipa::ToSchema;

pub const PROBLEM_JSON: &str = "application/problem+json";

/// One field's problem, located by a JSON pointer into the request body (or
/// `/query/<name>`, `/path/<name>`, `/header/<name>` for other parts of the request).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
#[schema(example = json!({"pointer": "/cvr", "code": "cvr_checksum", "message": "the CVR number's check digit is wrong"}))]
pub struct FieldError {
    /// JSON pointer (RFC 6901) to the offending value.
    pub pointer: String,
    /// Stable machine code, e.g. `required`, `cvr_checksum`, `unknown_field`.
    pub code: String,
    /// Human-readable explanation.
    pub message: String,
}

impl FieldError {
    pub fn new(
        pointer: impl Into<String>,
        code: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        FieldError {
            pointer: pointer.into(),
            code: code.into(),
            message: message.into(),
        }
    }
}

/// An RFC 9457 problem document.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({
    "type": "urn:selvbetjening:problem:validation_failed",
    "title": "The request has invalid fields",
    "status": 422,
    "detail": "2 fields are invalid",
    "code": "validation_failed",
    "request_id": "01937a4e-8f2c-7cc3-9a51-3b1f0c9d2e47",
    "errors": [
        {"pointer": "/cvr", "code": "cvr_checksum", "message": "the CVR number's check digit is wrong"},
        {"pointer": "/email_domain", "code": "email_domain_invalid", "message": "not a valid email domain"}
    ]
}))]
pub struct Problem {
    /// A URN naming the kind of problem: `urn:selvbetjening:problem:<code>`.
    #[serde(rename = "type")]
    pub type_: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    /// Stable machine code; the same as the last part of `type`.
    pub code: String,
    /// The request's id (the `X-Request-Id` response header); quote it when reporting a problem.
    pub request_id: Option<String>,
    /// Field errors, all at once, for validation problems.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[schema(nullable = false)]
    pub errors: Vec<FieldError>,
}

/// The API's error: a status, a code, a message for the client, and (for 5xx) a cause
/// that is logged, never shown.
pub struct ApiError {
    status: StatusCode,
    code: &'static str,
    title: &'static str,
    detail: String,
    errors: Vec<FieldError>,
    headers: Vec<(header::HeaderName, String)>,
    source: Option<anyhow::Error>,
}

impl fmt::Debug for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ApiError")
            .field("status", &self.status)
            .field("code", &self.code)
            .field("detail", &self.detail)
            .field("errors", &self.errors)
            .field("source", &self.source)
            .finish()
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}: {}", self.status.as_u16(), self.code, self.detail)
    }
}

impl ApiError {
    pub fn new(
        status: StatusCode,
        code: &'static str,
        title: &'static str,
        detail: impl Into<String>,
    ) -> Self {
        ApiError {
            status,
            code,
            title,
            detail: detail.into(),
            errors: Vec::new(),
            headers: Vec::new(),
            source: None,
        }
    }

    pub fn with_header(mut self, name: header::HeaderName, value: impl Into<String>) -> Self {
        self.headers.push((name, value.into()));
        self
    }

    pub fn with_errors(mut self, errors: Vec<FieldError>) -> Self {
        self.errors = errors;
        self
    }

    pub fn status(&self) -> StatusCode {
        self.status
    }

    pub fn code(&self) -> &'static str {
        self.code
    }

    /// The field errors of a validation problem.
    pub fn errors(&self) -> &[FieldError] {
        &self.errors
    }

    /// The value of a header this error answers with (`Retry-After`, …).
    pub fn header(&self, name: &header::HeaderName) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// Logs the cause chain, if any, with the request id; never shown to the client.
    pub fn log_cause(&self, request_id: Option<&str>) {
        if let Some(source) = &self.source {
            tracing::error!(request_id = request_id.unwrap_or("-"), error = ?source, status = self.status.as_u16(), "request failed");
        }
    }

    pub fn validation(errors: Vec<FieldError>) -> Self {
        let detail = match errors.len() {
            1 => "1 field is invalid".to_owned(),
            n => format!("{n} fields are invalid"),
        };
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
            "The request has invalid fields",
            detail,
        )
        .with_errors(errors)
    }

    pub fn field(pointer: &str, code: &str, message: impl Into<String>) -> Self {
        ApiError::validation(vec![FieldError::new(pointer, code, message)])
    }

    pub fn bad_request(code: &'static str, detail: impl Into<String>) -> Self {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            code,
            "The request is malformed",
            detail,
        )
    }

    pub fn unauthorized(detail: impl Into<String>) -> Self {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "Authentication is required",
            detail,
        )
        .with_header(header::WWW_AUTHENTICATE, "Bearer realm=\"selvbetjening\"")
    }

    pub fn forbidden(detail: impl Into<String>) -> Self {
        ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            "Your role may not do this",
            detail,
        )
    }

    /// 403 with a code of its own: the caller's role may do this, but not here (e.g. the
    /// maker of an order approving it).
    pub fn forbidden_because(code: &'static str, detail: impl Into<String>) -> Self {
        ApiError::new(
            StatusCode::FORBIDDEN,
            code,
            "Your role may not do this",
            detail,
        )
    }

    pub fn not_found(what: &str) -> Self {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "not_found",
            "Not found",
            format!("{what} was not found"),
        )
    }

    pub fn conflict(code: &'static str, detail: impl Into<String>) -> Self {
        ApiError::new(
            StatusCode::CONFLICT,
            code,
            "The request conflicts with the current state",
            detail,
        )
    }

    pub fn too_many_requests(retry_after_seconds: u64, detail: impl Into<String>) -> Self {
        ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "too_many_requests",
            "Too many requests",
            detail,
        )
        .with_header(header::RETRY_AFTER, retry_after_seconds.to_string())
    }

    pub fn unavailable(source: impl Into<anyhow::Error>) -> Self {
        let mut err = ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "service_unavailable",
            "The service is unavailable",
            "the service cannot reach its database; try again shortly",
        )
        .with_header(header::RETRY_AFTER, "5");
        err.source = Some(source.into());
        err
    }

    pub fn internal(source: impl Into<anyhow::Error>) -> Self {
        let mut err = ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal_error",
            "Internal error",
            "something went wrong on our side; quote the request_id when reporting it",
        );
        err.source = Some(source.into());
        err
    }

    /// The problem document for this error.
    pub fn problem(&self, request_id: Option<&str>) -> Problem {
        Problem {
            type_: format!("urn:selvbetjening:problem:{}", self.code),
            title: self.title.to_owned(),
            status: self.status.as_u16(),
            detail: self.detail.clone(),
            code: self.code.to_owned(),
            request_id: request_id.map(str::to_owned),
            errors: self.errors.clone(),
        }
    }

    /// Renders the response; the request-id middleware calls this again with the id.
    pub fn render(&self, request_id: Option<&str>) -> HttpResponse {
        // The cause chain goes to the log with the request id, never to the client.
        self.log_cause(request_id);
        let mut response = HttpResponse::build(self.status);
        response.content_type(PROBLEM_JSON);
        for (name, value) in &self.headers {
            if let Ok(value) = HeaderValue::from_str(value) {
                response.insert_header((name.clone(), value));
            }
        }
        response.json(self.problem(request_id))
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        // Rendered without the id here; the request-id middleware renders it again with it.
        let mut response = HttpResponse::build(self.status);
        response.content_type(PROBLEM_JSON);
        for (name, value) in &self.headers {
            if let Ok(value) = HeaderValue::from_str(value) {
                response.insert_header((name.clone(), value));
            }
        }
        response.json(self.problem(None))
    }
}

impl From<persistence::Error> for ApiError {
    fn from(err: persistence::Error) -> Self {
        match err {
            persistence::Error::NotFound => ApiError::not_found("the object"),
            persistence::Error::Conflict { what } => ApiError::conflict(
                "conflict",
                format!("the {what} conflicts with existing data"),
            ),
            persistence::Error::Unavailable(_) => ApiError::unavailable(err),
            other => ApiError::internal(other),
        }
    }
}

impl From<actix_web::error::BlockingError> for ApiError {
    fn from(err: actix_web::error::BlockingError) -> Self {
        ApiError::internal(err)
    }
}

pub type ApiResult<T> = Result<T, ApiError>;
