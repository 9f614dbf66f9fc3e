//! The texts of the emails the service sends, in Danish, in one place.

use chrono::{DateTime, NaiveDate, Utc};
use domain::number::DanishNumber;
use domain::porting::{Rejection, RejectionCode};

/// An email's subject and plain-text body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email {
    pub subject: String,
    pub body: String,
}

/// To the company's other admins: a confirm waits for one of them to approve it. `what`
/// names what was ordered, `company` who ordered it.
pub fn approval_requested(
    what: &str,
    company: &str,
    link: &str,
    expires_at: DateTime<Utc>,
) -> Email {
    let denmark = expires_at.with_timezone(&domain::calendar::copenhagen_offset(expires_at));
    Email {
        subject: format!("Godkendelse ønsket: {what}"),
        body: format!(
            "Hej\n\n\
             {company} har bestilt {what}, og firmaets regler kræver, at en anden administrator \
             godkender bestillingen.\n\n\
             Se og godkend eller afvis den i Selvbetjening: {link}\n\n\
             Godkendes den ikke senest {expires}, bortfalder bestillingen, og et reserveret \
             nummer frigives.\n\n\
             Venlig hilsen\nSelvbetjening\n",
            expires = denmark.format("%d.%m.%Y kl. %H:%M"),
        ),
    }
}

/// The employee's welcome, with the number and the Skype for Business sign-in.
pub fn welcome(name: &str, number: &DanishNumber, uc_account: &str, company: &str) -> Email {
    Email {
        subject: "Velkommen – dit nye mobilabonnement er klar".to_owned(),
        body: format!(
            "Hej {name}\n\n\
             {company} har oprettet et mobilabonnement til dig.\n\n\
             Dit nummer: {number}\n\n\
             Du logger på Skype for Business med denne adresse: {uc_account}\n\
             Brug den adgangskode, din it-afdeling giver dig. Har du spørgsmål, så kontakt din administrator.\n\n\
             Dit SIM-kort sendes til dig, og nummeret virker, så snart kortet er sat i.\n\n\
             Venlig hilsen\nSelvbetjening\n",
            number = number.as_str()
        ),
    }
}

/// What the power-of-attorney request says.
pub struct PowerOfAttorney<'a> {
    pub owner: &'a str,
    pub company: &'a str,
    pub number: &'a DanishNumber,
    pub employee: &'a str,
    /// The single-use signing link.
    pub link: &'a str,
    pub expires_at: DateTime<Utc>,
}

/// The request to the number's owner to sign the power of attorney.
pub fn power_of_attorney(poa: &PowerOfAttorney<'_>) -> Email {
    let denmark = poa
        .expires_at
        .with_timezone(&domain::calendar::copenhagen_offset(poa.expires_at));
    Email {
        subject: format!("Fuldmagt til nummerflytning af {}", poa.number.as_str()),
        body: format!(
            "Hej {owner}\n\n\
             {company} vil flytte mobilnummeret {number} til et erhvervsabonnement for {employee}.\n\n\
             Du står som ejer af nummeret hos dit nuværende teleselskab, og nummeret flyttes kun, \
             hvis du giver fuldmagt til det. Læs og underskriv fuldmagten her:\n\n\
             {link}\n\n\
             Linket virker én gang og udløber {expires}. Dit navn på fuldmagten skal være det samme, \
             som dit nuværende teleselskab har registreret. Har du en bindingsperiode, gælder den \
             stadig hos dit nuværende teleselskab.\n\n\
             Kender du ikke til flytningen, kan du se bort fra denne mail.\n\n\
             Venlig hilsen\nSelvbetjening\n",
            owner = poa.owner,
            company = poa.company,
            number = poa.number.as_str(),
            employee = poa.employee,
            link = poa.link,
            expires = denmark.format("%d.%m.%Y kl. %H:%M"),
        ),
    }
}

/// The reminder to an owner who has not signed: a fresh link (the first one no longer
/// works).
pub fn power_of_attorney_reminder(poa: &PowerOfAttorney<'_>) -> Email {
    let first = power_of_attorney(poa);
    Email {
        subject: format!("Påmindelse: {}", first.subject),
        body: format!(
            "Vi har endnu ikke modtaget din underskrift. Her er et nyt link; \
             det første virker ikke længere.\n\n{}",
            first.body
        ),
    }
}

/// To the admins: the donor agreed to a port date.
pub fn port_accepted(number: &DanishNumber, company: &str, port_date: NaiveDate) -> Email {
    Email {
        subject: format!("Nummerflytning af {} er godkendt", number.as_str()),
        body: format!(
            "Det afgivende selskab har godkendt flytningen af {number} til {company}.\n\n\
             Nummeret flyttes den {date} kl. 02:00. Medarbejderen får besked, når nummeret er flyttet.\n\n\
             Venlig hilsen\nSelvbetjening\n",
            number = number.as_str(),
            date = port_date.format("%d.%m.%Y"),
        ),
    }
}

/// To the admins: the donor refused, and why; how to correct it.
pub fn port_rejected(number: &DanishNumber, rejection: &Rejection) -> Email {
    let reason = match rejection.code {
        RejectionCode::OwnerMismatch => {
            "navnet på fuldmagten svarer ikke til ejeren hos det nuværende selskab"
        }
        RejectionCode::NumberUnknown => "nummeret findes ikke hos det nuværende selskab",
        RejectionCode::NumberInactive => "nummeret er ikke aktivt hos det nuværende selskab",
        RejectionCode::Other => "en anden grund",
    };
    Email {
        subject: format!("Nummerflytning af {} er afvist", number.as_str()),
        body: format!(
            "Det afgivende selskab har afvist flytningen af {number}: {reason}.{text}\n\n\
             Ret ejerens navn, e-mail eller nummeret i Selvbetjening. Ændres navnet eller \
             nummeret, skal ejeren underskrive en ny fuldmagt.\n\n\
             Venlig hilsen\nSelvbetjening\n",
            number = number.as_str(),
            text = rejection
                .text
                .as_deref()
                .map(|t| format!("\n\nBegrundelse: {t}"))
                .unwrap_or_default(),
        ),
    }
}

/// To the admins: the owner never signed, so the port and its waiting subscription ended.
pub fn port_expired(number: &DanishNumber, owner: &str) -> Email {
    Email {
        subject: format!("Fuldmagten til {} er udløbet", number.as_str()),
        body: format!(
            "{owner} har ikke underskrevet fuldmagten til flytning af {number} inden for \
             fristen. Flytningen og det ventende abonnement er derfor afsluttet.\n\n\
             Opret en ny bestilling, hvis nummeret stadig skal flyttes.\n\n\
             Venlig hilsen\nSelvbetjening\n",
            number = number.as_str(),
        ),
    }
}

/// To the admins: the number is ours and the subscription active.
pub fn port_completed(number: &DanishNumber, employee: &str) -> Email {
    Email {
        subject: format!("{} er flyttet", number.as_str()),
        body: format!(
            "Nummeret {number} er flyttet, og {employee}s abonnement er nu aktivt.\n\n\
             Venlig hilsen\nSelvbetjening\n",
            number = number.as_str(),
        ),
    }
}

/// To the employee: the number they kept now works on the new subscription.
pub fn number_moved(name: &str, number: &DanishNumber) -> Email {
    Email {
        subject: "Dit nummer er flyttet".to_owned(),
        body: format!(
            "Hej {name}\n\n\
             Dit nummer {number} er nu flyttet til dit nye erhvervsabonnement. Sæt det nye \
             SIM-kort i, så virker nummeret.\n\n\
             Venlig hilsen\nSelvbetjening\n",
            number = number.as_str(),
        ),
    }
}

/// The paths of links whose last segment is a secret token: what the emails send, what
/// the logs redact, and whose pages ask browsers to send no `Referer`.
pub const SECRET_LINKS: [&str; 2] = ["/poa/", "/auth/password-reset/"];

/// An email's text as it may be kept after delivery: a link's token is a secret that acts
/// for its receiver (signs a power of attorney, sets a password), so `/poa/<token>` becomes
/// `/poa/{sendt}`, and the same for password links.
pub fn without_link_tokens(body: &str) -> Option<String> {
    let first = |text: &str| {
        SECRET_LINKS
            .iter()
            .filter_map(|path| text.find(path).map(|i| (i, path.len())))
            .min()
    };
    first(body)?;
    let mut kept = String::with_capacity(body.len());
    let mut rest = body;
    while let Some((i, len)) = first(rest) {
        kept.push_str(&rest[..i + len]);
        rest = &rest[i + len..];
        let end = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_'))
            .unwrap_or(rest.len());
        kept.push_str("{sendt}");
        rest = &rest[end..];
    }
    kept.push_str(rest);
    Some(kept)
}

/// To a user who asked for a new password: the single-use link.
pub fn password_reset(link: &str, expires_at: chrono::NaiveDateTime) -> Email {
    let at = expires_at.and_utc();
    let denmark = at.with_timezone(&domain::calendar::copenhagen_offset(at));
    Email {
        subject: "Vælg en ny adgangskode til Selvbetjening".to_owned(),
        body: format!(
            "Hej\n\n\
             Nogen – forhåbentlig dig – har bedt om en ny adgangskode til Selvbetjening. \
             Vælg den her:\n\n{link}\n\n\
             Linket virker én gang og udløber {expires}. Når du har valgt en ny adgangskode, \
             bliver du logget ud alle andre steder.\n\n\
             Har du ikke bedt om det, kan du se bort fra denne mail; din adgangskode er uændret.\n\n\
             Venlig hilsen\nSelvbetjening\n",
            expires = denmark.format("%d.%m.%Y kl. %H:%M"),
        ),
    }
}

/// To a new user: choose your first password.
pub fn invitation(company: &str, link: &str, expires_at: chrono::NaiveDateTime) -> Email {
    let at = expires_at.and_utc();
    let denmark = at.with_timezone(&domain::calendar::copenhagen_offset(at));
    Email {
        subject: format!("Du er inviteret til Selvbetjening for {company}"),
        body: format!(
            "Hej\n\n\
             Du har fået adgang til Selvbetjening for {company}. Vælg din adgangskode her:\n\n\
             {link}\n\n\
             Linket virker én gang og udløber {expires}. Derefter logger du ind med din \
             e-mailadresse og den adgangskode, du har valgt.\n\n\
             Venlig hilsen\nSelvbetjening\n",
            expires = denmark.format("%d.%m.%Y kl. %H:%M"),
        ),
    }
}

/// To a company's admins: a webhook endpoint failed for days and was disabled.
pub fn webhook_endpoint_disabled(url: &str) -> Email {
    Email {
        subject: "Et webhook-endpoint er slået fra".to_owned(),
        body: format!(
            "Alle leveringer til {url} er fejlet i fem dage, så endpointet er slået fra og \
             modtager ikke flere hændelser.\n\n\
             Ret fejlen, og slå det til igen under webhooks. Hændelser fra de seneste 30 dage \
             kan hentes med GET /events.\n\n\
             Venlig hilsen\nSelvbetjening\n"
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_delivered_link_keeps_no_token() {
        let body = "Læs her:\n\nhttp://x/poa/AbC-12_z9\n\nHilsen";
        assert_eq!(
            without_link_tokens(body).as_deref(),
            Some("Læs her:\n\nhttp://x/poa/{sendt}\n\nHilsen")
        );
        assert_eq!(without_link_tokens("no link"), None);
        assert_eq!(
            without_link_tokens("http://x/auth/password-reset/Zz_9-a and http://x/poa/Q1")
                .as_deref(),
            Some("http://x/auth/password-reset/{sendt} and http://x/poa/{sendt}")
        );
    }
}
