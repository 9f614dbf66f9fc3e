//! The password link's pages: whose account, the form with the password twice and its
//! rules, and the confirmation.

use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use chrono::{DateTime, Utc};
use maud::html;

use super::{Errors, layout, moment, respond};

/// What the link is for, as the page shows it.
pub struct Link<'a> {
    pub email: &'a str,
    pub invitation: bool,
    pub expires_at: DateTime<Utc>,
}

fn title(invitation: bool) -> &'static str {
    if invitation {
        "Vælg din adgangskode"
    } else {
        "Vælg en ny adgangskode"
    }
}

/// The form; `errors` under their fields (then status 422). Passwords are never shown
/// again.
pub fn form(token: &str, link: &Link<'_>, errors: &Errors) -> HttpResponse {
    let password_error = errors.for_field("password").is_some();
    let again_error = errors.for_field("password_again").is_some();
    let password_described = if password_error {
        "password-regler password-fejl"
    } else {
        "password-regler"
    };
    let status = if password_error || again_error {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let content = html! {
        @if link.invitation {
            p { "Du er inviteret til Selvbetjening. Vælg den adgangskode, du vil logge ind med." }
        } @else {
            p { "Du har bedt om at vælge en ny adgangskode til Selvbetjening." }
        }
        dl class="facts" {
            dt { "Konto" } dd { (link.email) }
            dt { "Linket virker til" } dd { (moment(link.expires_at)) }
        }
        form method="post" action={ "/auth/password-reset/" (token) } novalidate {
            (errors.summary())
            div class="field" {
                label for="password" { "Ny adgangskode" }
                p class="hint" id="password-regler" {
                    "Mindst 12 og højst 128 tegn. Mellemrum tæller med; en sætning af flere ord er en god adgangskode."
                }
                input type="password" id="password" name="password" autocomplete="new-password"
                    maxlength="128"
                    aria-invalid=[password_error.then_some("true")]
                    aria-describedby=(password_described);
                (errors.under("password"))
            }
            div class="field" {
                label for="password_again" { "Gentag adgangskoden" }
                input type="password" id="password_again" name="password_again"
                    autocomplete="new-password" maxlength="128"
                    aria-invalid=[again_error.then_some("true")]
                    aria-describedby=[again_error.then_some("password_again-fejl")];
                (errors.under("password_again"))
            }
            button type="submit" { "Gem adgangskoden" }
        }
    };
    respond(status, layout(title(link.invitation), content))
}

/// The password is set.
pub fn confirmation() -> HttpResponse {
    let content = html! {
        p role="status" { "Du kan nu logge ind i Selvbetjening med din e-mailadresse og den nye adgangskode." }
        p { "Linket virker ikke længere, og er du logget ind andre steder, skal du logge ind igen dér." }
    };
    respond(StatusCode::OK, layout("Din adgangskode er gemt", content))
}
