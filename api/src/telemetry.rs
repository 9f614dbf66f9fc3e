//! Logs and request ids: one place sets up tracing, accepts or generates `X-Request-Id`,
//! echoes it, and puts it into every problem document and log line of the request.

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue, REFERRER_POLICY};
use actix_web::middleware::Next;
use actix_web::{Error, HttpMessage};
use tracing::Span;
use tracing_actix_web::{DefaultRootSpanBuilder, RootSpanBuilder};
use tracing_subscriber::EnvFilter;

use crate::config::LogFormat;
use crate::emails::SECRET_LINKS;
use crate::error::ApiError;

pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The request's id, as accepted from the client or generated.
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

/// Starts logging once per process: JSON lines when asked, readable text otherwise.
/// `RUST_LOG` filters; the default is `info`.
pub fn init(format: LogFormat) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false);
    let _ = match format {
        LogFormat::Json => builder.json().flatten_event(true).try_init(),
        LogFormat::Text => builder.try_init(),
    };
}

/// A client's id is kept when it is short, visible ASCII; anything else is replaced.
fn accepted(value: &HeaderValue) -> Option<String> {
    let text = value.to_str().ok()?;
    let ok = !text.is_empty() && text.len() <= 128 && text.bytes().all(|b| b.is_ascii_graphic());
    ok.then(|| text.to_owned())
}

/// Middleware: the request id, echoed in `X-Request-Id` and written into problem documents.
/// Here the answer is final, so the emailed links' pages get their `Referrer-Policy` here
/// too (see [`is_link_page`]).
pub async fn request_id(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, Error> {
    let id = req
        .headers()
        .get(&REQUEST_ID)
        .and_then(accepted)
        .unwrap_or_else(|| uuid::Uuid::now_v7().to_string());
    req.extensions_mut().insert(RequestId(id.clone()));
    let link = is_link_page(req.path());
    let response = next.call(req).await?;
    let api_error = response
        .response()
        .error()
        .and_then(|e| e.as_error::<ApiError>());
    let mut response = match api_error {
        Some(err) => {
            let rendered = err.render(Some(&id));
            response.into_response(rendered).map_into_right_body()
        }
        None => response.map_into_left_body(),
    };
    if let Ok(value) = HeaderValue::from_str(&id) {
        response.headers_mut().insert(REQUEST_ID, value);
    }
    if link {
        response
            .headers_mut()
            .insert(REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    }
    Ok(response)
}

/// Whether `path` is one of the public link routes: the emailed links (`/poa/*`,
/// `/auth/password-reset/*`) and the reset request. Their URL carries the secret, so every
/// answer under them, refusals included, tells the browser never to pass that URL on as a
/// `Referer` to whatever the page links to or loads.
pub fn is_link_page(path: &str) -> bool {
    path == "/auth/password-reset" || SECRET_LINKS.iter().any(|link| path.starts_with(link))
}

/// The root span of each request carries our request id, not a second one.
pub struct RequestSpan;

impl RootSpanBuilder for RequestSpan {
    fn on_request_start(request: &ServiceRequest) -> Span {
        // Nothing to build when requests are not logged (`RUST_LOG=warn`): the route is
        // found by matching the path against every route's pattern once more.
        if !tracing::enabled!(tracing::Level::INFO) {
            return Span::none();
        }
        let id = request
            .extensions()
            .get::<RequestId>()
            .map(|r| r.0.clone())
            .unwrap_or_default();
        let route = request
            .match_pattern()
            .unwrap_or_else(|| "unmatched".to_owned());
        tracing::info_span!(
            "request",
            method = %request.method(),
            route = %route,
            path = %redacted(request.path()),
            request_id = %id,
            status = tracing::field::Empty,
        )
    }

    fn on_request_end<B: MessageBody>(span: Span, outcome: &Result<ServiceResponse<B>, Error>) {
        DefaultRootSpanBuilder::on_request_end(span.clone(), outcome);
        if let Ok(response) = outcome {
            let status = response.status().as_u16();
            span.record("status", status);
            span.in_scope(|| tracing::info!(status, "request finished"));
        }
    }
}

/// The path as logs may show it: a link's token is a secret that acts for its receiver
/// (a power of attorney's signature, a new password), so `/poa/<token>` becomes
/// `/poa/{redacted}`, and the same for password links.
pub fn redacted(path: &str) -> std::borrow::Cow<'_, str> {
    for prefix in SECRET_LINKS {
        if let Some(rest) = path.strip_prefix(prefix) {
            let tail = rest.find('/').map_or("", |i| &rest[i..]);
            return std::borrow::Cow::Owned(format!("{prefix}{{redacted}}{tail}"));
        }
    }
    std::borrow::Cow::Borrowed(path)
}

#[cfg(test)]
mod tests {
    use super::{is_link_page, redacted};

    #[test]
    fn the_link_routes_are_the_emailed_links_and_the_reset_request() {
        assert!(is_link_page("/poa/abc"));
        assert!(is_link_page("/poa/abc/sign"));
        assert!(is_link_page("/auth/password-reset"));
        assert!(is_link_page("/auth/password-reset/abc"));
        assert!(!is_link_page("/auth/token"));
        assert!(!is_link_page("/auth/password-resets"));
        assert!(!is_link_page("/poa"));
    }

    #[test]
    fn a_signing_links_token_never_reaches_the_log() {
        assert_eq!(redacted("/poa/abcDEF-123_x"), "/poa/{redacted}");
        assert_eq!(redacted("/poa/abcDEF-123_x/sign"), "/poa/{redacted}/sign");
        assert_eq!(redacted("/orders/1"), "/orders/1");
        assert_eq!(
            redacted("/auth/password-reset/x1_Y"),
            "/auth/password-reset/{redacted}"
        );
        assert_eq!(redacted("/auth/password-reset"), "/auth/password-reset");
    }
}
