//! The hosted pages: the two links this service emails to people who are not API clients
//! (the number owner's power of attorney, a user's password link) answer a browser with a
//! Danish HTML page at the same URL the JSON clients use, chosen by `Accept`. The routes
//! call the same use cases for both; this module only renders.
//!
//! Pages are plain HTML forms (no script), escaped by maud, with one stylesheet served by
//! the service. A form post is refused unless it comes from the service's own pages
//! ([`same_origin`]): the defence against cross-site posts needs no cookie.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpMessage, HttpRequest, HttpResponse, web};
use chrono::{DateTime, NaiveDate, Utc};
use maud::{DOCTYPE, Markup, html};

use crate::error::{ApiError, FieldError};

pub mod password;
pub mod poa;

/// Where the stylesheet is served.
pub const STYLESHEET_PATH: &str = "/assets/pages.css";
const STYLESHEET: &str = include_str!("pages.css");

/// No script at all, styles only from the service, forms only to the service, never
/// framed.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; style-src 'self'; \
    img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// The stylesheet's route (outside the API document: it is not an operation).
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route(STYLESHEET_PATH, web::get().to(stylesheet));
}

async fn stylesheet() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/css; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "public, max-age=86400"))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .body(STYLESHEET)
}

/// Whether the client asks for a page: `text/html` named in `Accept` with a quality at
/// least that of JSON (`application/json`, `application/*`, `*/*`). A browser's
/// `text/html,…,*/*;q=0.8` gets the page; no `Accept`, `*/*` or `application/json` gets
/// JSON as before.
pub fn wants_html(req: &HttpRequest) -> bool {
    let Some(accept) = req
        .headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let mut html = 0.0_f32;
    let mut json = 0.0_f32;
    for range in accept.split(',') {
        let mut parts = range.split(';');
        let media = parts.next().unwrap_or("").trim().to_ascii_lowercase();
        let quality = parts
            .filter_map(|p| p.trim().strip_prefix("q="))
            .find_map(|q| q.trim().parse::<f32>().ok())
            .unwrap_or(1.0);
        match media.as_str() {
            "text/html" => html = html.max(quality),
            "application/json" | "application/*" | "*/*" => json = json.max(quality),
            _ => {}
        }
    }
    html > 0.0 && html >= json
}

/// A form post is accepted only from the service's own pages: its `Origin` is the
/// service's public origin, or the browser says the post is `Sec-Fetch-Site:
/// same-origin`. (Under `Referrer-Policy: no-referrer` browsers send `Origin: null` with
/// form posts, so the fetch metadata is what a real page's post carries.) Anything else
/// is a cross-site post and is refused with 403 before anything happens.
pub fn same_origin(req: &HttpRequest, public_url: &str) -> Result<(), ApiError> {
    let headers = req.headers();
    let fetch_site = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok());
    let origin = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok());
    let ours = url::Url::parse(public_url)
        .ok()
        .map(|u| u.origin().ascii_serialization());
    let same = fetch_site == Some("same-origin")
        || (origin.is_some() && origin.map(str::to_owned) == ours);
    if same {
        Ok(())
    } else {
        Err(ApiError::forbidden(
            "a form is accepted only from this service's own page (Origin or Sec-Fetch-Site)",
        ))
    }
}

/// A page answer with the headers every page carries. `Referrer-Policy` is set for these
/// paths by the request-id middleware (`telemetry::request_id`); it is set here too, so a
/// page never goes out without it.
pub fn respond(status: StatusCode, page: Markup) -> HttpResponse {
    HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .insert_header((
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CONTENT_SECURITY_POLICY),
        ))
        .insert_header((header::REFERRER_POLICY, "no-referrer"))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .body(page.into_string())
}

/// Every page: Danish, the service's stylesheet, landmarks for the banner, the content
/// and the footer.
pub fn layout(title: &str, content: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="da" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta name="robots" content="noindex";
                title { (title) " · Selvbetjening" }
                link rel="stylesheet" href=(STYLESHEET_PATH);
            }
            body {
                header class="brand" { p { "Selvbetjening" } }
                main {
                    h1 { (title) }
                    (content)
                }
                footer {
                    p { "Siden er sendt til dig fra et link i en e-mail. Del ikke linket med andre." }
                }
            }
        }
    }
}

/// What to do with a dead link, per link kind.
pub enum LinkKind {
    PowerOfAttorney,
    Password,
}

/// The page for a failed request: a dead link (410) says what to do, a cross-site post
/// (403) says nothing happened, anything else asks to try again. A server error's cause
/// is logged with the request id, as the problem document's would be.
pub fn error_page(req: &HttpRequest, kind: LinkKind, err: &ApiError) -> HttpResponse {
    let request_id = req
        .extensions()
        .get::<crate::telemetry::RequestId>()
        .map(|r| r.0.clone());
    err.log_cause(request_id.as_deref());
    // A token no link could have is a dead link like any other.
    let status = if err.errors().iter().any(|e| e.pointer == "/path/token") {
        StatusCode::GONE
    } else {
        err.status()
    };
    let (title, content) = match status {
        StatusCode::GONE => (
            "Linket virker ikke længere",
            html! {
                p { "Linket er allerede brugt, er udløbet eller er erstattet af et nyere link. Der er ikke sket noget ved at åbne det." }
                @match kind {
                    LinkKind::PowerOfAttorney => {
                        p { "Bed virksomheden, der vil flytte dit nummer, om at sende dig et nyt link. Har du allerede underskrevet, skal du ikke gøre mere: du får besked, når nummeret flyttes." }
                    }
                    LinkKind::Password => {
                        p { "Bed om et nyt link med »Glemt adgangskode« ved login, eller bed din administrator om en ny invitation. Har du allerede valgt en adgangskode, kan du logge ind med den." }
                    }
                }
            },
        ),
        StatusCode::FORBIDDEN => (
            "Formularen blev ikke modtaget",
            html! {
                p { "Af sikkerhedshensyn tager vi kun imod formularen fra vores egen side. Der er ikke sket noget." }
                p { "Åbn linket fra e-mailen igen, og udfyld formularen dér." }
            },
        ),
        StatusCode::TOO_MANY_REQUESTS => (
            "For mange forsøg",
            html! { p { "Vent lidt, og prøv så igen." } },
        ),
        _ => (
            "Noget gik galt",
            html! {
                p { "Siden kunne ikke vises lige nu. Prøv igen om lidt." }
                @if let Some(id) = &request_id {
                    p { "Kontakter du support, så oplys denne kode: " span class="hash" { (id) } }
                }
            },
        ),
    };
    let mut response = respond(status, layout(title, content));
    if let Some(retry) = err.header(&header::RETRY_AFTER)
        && let Ok(value) = HeaderValue::from_str(retry)
    {
        response.headers_mut().insert(header::RETRY_AFTER, value);
    }
    response
}

/// A field's error message in Danish, by the field and the error's code.
fn message(error: &FieldError) -> String {
    match (error.pointer.as_str(), error.code.as_str()) {
        ("/signer_name", "required") => "Skriv dit fulde navn.".to_owned(),
        ("/signer_name", "too_long") => "Navnet må højst være 100 tegn.".to_owned(),
        ("/signer_name", _) => "Skriv navnet med almindelige bogstaver.".to_owned(),
        ("/consent", _) => {
            "Sæt kryds, hvis du giver fuldmagt. Uden dit samtykke flyttes nummeret ikke.".to_owned()
        }
        ("/password", "password_too_short") => "Adgangskoden skal være mindst 12 tegn.".to_owned(),
        ("/password", "password_too_long") => "Adgangskoden må højst være 128 tegn.".to_owned(),
        ("/password_again", _) => {
            "De to adgangskoder er ikke ens. Skriv den samme to gange.".to_owned()
        }
        _ => "Feltet er ikke udfyldt rigtigt.".to_owned(),
    }
}

/// A form's errors, field by field: the id of each field with a problem and its message.
pub struct Errors(Vec<(String, String)>);

impl Errors {
    pub fn none() -> Self {
        Errors(Vec::new())
    }

    /// From a validation error's fields (`/signer_name` is the field `signer_name`).
    pub fn of(err: &ApiError) -> Self {
        Errors(
            err.errors()
                .iter()
                .map(|e| (e.pointer.trim_start_matches('/').to_owned(), message(e)))
                .collect(),
        )
    }

    pub fn for_field(&self, field: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(f, _)| f == field)
            .map(|(_, m)| m.as_str())
    }

    /// At the top of the form, announced when the page opens: every problem, each a link
    /// to its field.
    pub fn summary(&self) -> Markup {
        html! {
            @if !self.0.is_empty() {
                div class="summary" role="alert" aria-labelledby="fejl-overskrift" {
                    h2 id="fejl-overskrift" { "Ret venligst dette" }
                    ul {
                        @for (field, text) in &self.0 {
                            li { a href={ "#" (field) } { (text) } }
                        }
                    }
                }
            }
        }
    }

    /// The message under a field, which the field names with `aria-describedby`.
    pub fn under(&self, field: &str) -> Markup {
        html! {
            @if let Some(text) = self.for_field(field) {
                p class="error" id={ (field) "-fejl" } { (text) }
            }
        }
    }
}

/// `23.11.2026 kl. 14:05`, in Danish time.
pub fn moment(at: DateTime<Utc>) -> String {
    at.with_timezone(&domain::calendar::copenhagen_offset(at))
        .format("%d.%m.%Y kl. %H:%M")
        .to_string()
}

/// `23.11.2026`.
pub fn date(day: NaiveDate) -> String {
    day.format("%d.%m.%Y").to_string()
}

#[cfg(test)]
mod tests {
    use actix_web::test::TestRequest;

    use super::*;

    fn accepting(accept: &str) -> HttpRequest {
        TestRequest::default()
            .insert_header((header::ACCEPT, accept))
            .to_http_request()
    }

    #[test]
    fn a_browsers_accept_gets_the_page() {
        assert!(wants_html(&accepting(
            "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
        )));
        assert!(wants_html(&accepting("text/html, application/json")));
    }

    #[test]
    fn no_accept_any_type_or_json_first_gets_json() {
        assert!(!wants_html(&TestRequest::default().to_http_request()));
        assert!(!wants_html(&accepting("*/*")));
        assert!(!wants_html(&accepting("application/json")));
        assert!(!wants_html(&accepting("application/json, text/html;q=0.5")));
        assert!(!wants_html(&accepting("text/html;q=0")));
    }

    const PUBLIC: &str = "https://selvbetjening.example/";

    fn posted(headers: &[(&str, &str)]) -> HttpRequest {
        let mut request = TestRequest::post();
        for (name, value) in headers {
            request = request.insert_header((*name, *value));
        }
        request.to_http_request()
    }

    #[test]
    fn a_form_post_from_the_services_own_page_is_accepted() {
        assert!(
            same_origin(
                &posted(&[("origin", "https://selvbetjening.example")]),
                PUBLIC
            )
            .is_ok()
        );
        assert!(
            same_origin(
                &posted(&[("origin", "null"), ("sec-fetch-site", "same-origin")]),
                PUBLIC
            )
            .is_ok()
        );
    }

    #[test]
    fn a_form_post_from_elsewhere_or_of_unknown_origin_is_refused() {
        for headers in [
            vec![("origin", "https://elsewhere.example")],
            vec![("origin", "null")],
            vec![("sec-fetch-site", "cross-site")],
            vec![("origin", "https://selvbetjening.example.evil")],
            vec![],
        ] {
            let refused = same_origin(&posted(&headers), PUBLIC).unwrap_err();
            assert_eq!(refused.status(), StatusCode::FORBIDDEN, "{headers:?}");
        }
    }

    #[test]
    fn text_from_people_is_escaped() {
        let page = layout("<script>alert(1)</script>", html! { p { "\"&<>" } }).into_string();
        assert!(page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
        assert!(page.contains("&quot;&amp;&lt;&gt;"));
        assert!(!page.contains("<script>"));
    }
}
