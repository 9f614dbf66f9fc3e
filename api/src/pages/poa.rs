//! The power of attorney's pages: what the owner is asked to sign, with the form, and the
//! receipt once signed.

use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use maud::{Markup, html};

use super::{Errors, date, layout, moment, respond};
use crate::wire::number_ports::{PowerOfAttorneyDto, SignedDto};

/// What the owner typed, to show again beside its errors.
#[derive(Default)]
pub struct Typed {
    pub signer_name: String,
    pub consent: bool,
    /// The later date as typed (`YYYY-MM-DD`), or empty.
    pub requested_date: String,
}

/// The document's paragraphs, as the text separates them.
fn document(text: &str) -> Markup {
    html! {
        div class="document" {
            @for paragraph in text.split("\n\n").map(str::trim).filter(|p| !p.is_empty()) {
                p { (paragraph) }
            }
        }
    }
}

/// The power of attorney and its form; `errors` under their fields (then status 422).
pub fn form(token: &str, poa: &PowerOfAttorneyDto, typed: &Typed, errors: &Errors) -> HttpResponse {
    let name_error = errors.for_field("signer_name").is_some();
    let consent_error = errors.for_field("consent").is_some();
    let date_error = errors.for_field("requested_date").is_some();
    let date_described = if date_error {
        "requested_date-hjaelp requested_date-fejl"
    } else {
        "requested_date-hjaelp"
    };
    let name_described = if name_error {
        "signer_name-hjaelp signer_name-fejl"
    } else {
        "signer_name-hjaelp"
    };
    let status = if name_error || consent_error || date_error {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let content = html! {
        p {
            (poa.company_name) " beder om din fuldmagt til at flytte mobilnummeret "
            strong { (poa.number) } " til " (poa.company_name) "."
        }
        dl class="facts" {
            dt { "Nummer" } dd { (poa.number) }
            dt { "Nummerets ejer" } dd { (poa.owner_name) }
            dt { "Flyttes til" } dd { (poa.company_name) }
            @if let Some(donor) = &poa.donor {
                dt { "Flyttes fra" } dd { (donor) }
            }
            dt { "Ønsket dato" }
            dd {
                @match poa.requested_date {
                    Some(day) => { (date(day)) }
                    None => { "Hurtigst muligt" }
                }
            }
            dt { "Tidligste flyttedato" } dd { (date(poa.earliest_port_date)) }
            dt { "Linket virker til" } dd { (moment(poa.expires_at)) }
        }
        h2 { "Fuldmagten" }
        (document(&poa.document))
        h2 { "Bindingsperiode" }
        p { (poa.binding_period_note) }
        p class="hint" { "Dokumentets SHA-256: " span class="hash" { (poa.document_sha256) } }
        h2 { "Underskriv" }
        form method="post" action={ "/poa/" (token) "/sign" } novalidate {
            (errors.summary())
            div class="field" {
                label for="signer_name" { "Dit fulde navn" }
                p class="hint" id="signer_name-hjaelp" { "Som det står i dit pas eller på dit sygesikringskort." }
                input type="text" id="signer_name" name="signer_name" autocomplete="name"
                    maxlength="100" value=(typed.signer_name)
                    aria-invalid=[name_error.then_some("true")]
                    aria-describedby=(name_described);
                (errors.under("signer_name"))
            }
            div class="field" {
                div class="check" {
                    input type="checkbox" id="consent" name="consent" value="ja" checked[typed.consent]
                        aria-invalid=[consent_error.then_some("true")]
                        aria-describedby=[consent_error.then_some("consent-fejl")];
                    label for="consent" {
                        "Jeg giver " (poa.company_name) " fuldmagt til at flytte nummeret "
                        (poa.number) " som beskrevet ovenfor."
                    }
                }
                (errors.under("consent"))
            }
            div class="field" {
                label for="requested_date" { "Senere flyttedato (valgfri)" }
                p class="hint" id="requested_date-hjaelp" {
                    "Tom: nummeret flyttes hurtigst muligt, tidligst "
                    (date(poa.earliest_port_date))
                    ". Vælger du en senere dato, fx når en binding udløber, står den i fuldmagten, du underskriver."
                }
                input type="date" id="requested_date" name="requested_date"
                    min=(poa.earliest_port_date.to_string()) value=(typed.requested_date)
                    aria-invalid=[date_error.then_some("true")]
                    aria-describedby=(date_described);
                (errors.under("requested_date"))
            }
            button type="submit" { "Underskriv fuldmagten" }
        }
    };
    respond(status, layout("Fuldmagt til nummerflytning", content))
}

/// The receipt: what was signed, by whom, when, and the document's SHA-256.
pub fn receipt(signed: &SignedDto, signer_name: &str, text: &str) -> HttpResponse {
    let content = html! {
        p role="status" {
            "Tak. Anmodningen om at flytte " strong { (signed.number) }
            " er sendt til dit nuværende teleselskab. Du får en e-mail, når datoen er fastsat."
        }
        dl class="facts" {
            dt { "Nummer" } dd { (signed.number) }
            dt { "Underskrevet af" } dd { (signer_name) }
            dt { "Tidspunkt" } dd { (moment(signed.signed_at)) }
            dt { "Dokumentets SHA-256" } dd class="hash" { (signed.document_sha256) }
        }
        h2 { "Det underskrevne dokument" }
        (document(text))
        p class="hint" { "Gem eller udskriv siden, hvis du vil have en kvittering. Linket virker ikke længere." }
    };
    respond(
        StatusCode::OK,
        layout("Fuldmagten er underskrevet", content),
    )
}
