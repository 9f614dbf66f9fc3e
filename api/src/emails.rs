//! The texts of the emails the service sends, in Danish, in one place.

use chrono::{DateTime, Utc};
use domain::number::DanishNumber;

/// An email's subject and plain-text body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email {
    pub subject: String,
    pub body: String,
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
