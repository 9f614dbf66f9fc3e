//! The emailed links (a power of attorney, a password link) carry their secret token in
//! the URL. Every answer under them, refusals included, tells the browser never to pass
//! that URL on as a `Referer` to whatever the page links to or loads.

use actix_web::Error;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderValue, REFERRER_POLICY};
use actix_web::middleware::Next;

/// Whether `path` is one of the public link routes: `/poa/*` and `/auth/password-reset*`.
pub fn is_link_page(path: &str) -> bool {
    path.starts_with("/poa/")
        || path == "/auth/password-reset"
        || path.starts_with("/auth/password-reset/")
}

/// Adds `Referrer-Policy: no-referrer` to every answer of a link route. Wrapped outside
/// the middleware that renders problem documents, so it sees the final response.
pub async fn no_referrer(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let link = is_link_page(req.path());
    let mut response = next.call(req).await?;
    if link {
        response
            .headers_mut()
            .insert(REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    }
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::is_link_page;

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
}
