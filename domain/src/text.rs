//! Free text typed by people: names, titles, cost centres. All follow one rule:
//! composed (NFC), trimmed, not empty, not too long (counted in characters, so "Søren" is
//! five), and no control characters, which would break emails, CSV exports and log lines.

use std::borrow::Cow;

use unicode_normalization::{IsNormalized, UnicodeNormalization, is_nfc_quick};

use crate::ValueError;

/// `input` in Unicode's composed form (NFC). A Mac or a phone may send "Å" as `A` and a
/// combining ring (U+030A) where other systems send the one letter; composed, they are
/// the same text, so it is checked, stored and searched as one. Text that is already
/// composed (nearly all of it) is borrowed, not copied.
pub fn composed(input: &str) -> Cow<'_, str> {
    match is_nfc_quick(input.chars()) {
        IsNormalized::Yes => Cow::Borrowed(input),
        IsNormalized::No | IsNormalized::Maybe => Cow::Owned(input.nfc().collect()),
    }
}

/// The rule every free-text value follows; `what` names the field in the message.
fn parse_free_text(input: &str, what: &str, max_chars: usize) -> Result<String, ValueError> {
    let text = composed(input.trim());
    let text = text.as_ref();
    if text.is_empty() {
        return Err(ValueError::new(
            "required",
            format!("the {what} must not be empty"),
        ));
    }
    let chars = text.chars().count();
    if chars > max_chars {
        return Err(ValueError::new(
            "too_long",
            format!("the {what} must be at most {max_chars} characters, not {chars}"),
        ));
    }
    if text.chars().any(char::is_control) {
        return Err(ValueError::new(
            "control_characters",
            format!("the {what} must not contain control characters"),
        ));
    }
    Ok(text.to_owned())
}

macro_rules! free_text {
    ($(#[$meta:meta])* $name:ident, what = $what:literal, max = $max:literal) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        pub struct $name(String);

        impl $name {
            /// The most characters (not bytes) the value may have.
            pub const MAX_CHARS: usize = $max;

            pub fn parse(input: &str) -> Result<Self, ValueError> {
                parse_free_text(input, $what, Self::MAX_CHARS).map(Self)
            }
        }

        string_newtype!($name);
    };
}

free_text!(
    /// A person's name: the employee's, or the number owner's on a power of attorney.
    PersonName,
    what = "name",
    max = 100
);

free_text!(
    /// Why a second admin sent an order back to its maker.
    ApprovalReason,
    what = "reason",
    max = 500
);

free_text!(
    /// An employee's job title.
    Title,
    what = "title",
    max = 100
);

free_text!(
    /// A company's name as registered.
    CompanyName,
    what = "company name",
    max = 100
);

free_text!(
    /// The cost centre a subscription is billed to inside the company; kept short
    /// because it ends up as a column on the invoice specification.
    CostCenter,
    what = "cost centre",
    max = 50
);

free_text!(
    /// What a company calls one of its webhook endpoints.
    Description,
    what = "description",
    max = 500
);

free_text!(
    /// A donor operator's reason for refusing a port, in its own words.
    DonorReason,
    what = "reason",
    max = 500
);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::from_str_value;

    #[test]
    fn a_name_is_trimmed() {
        let name = PersonName::parse("  Mette Frederiksen \t").unwrap();
        assert_eq!(name.as_str(), "Mette Frederiksen");
    }

    #[test]
    fn an_empty_name_is_rejected() {
        assert_eq!(PersonName::parse("").unwrap_err().code, "required");
    }

    #[test]
    fn a_name_of_only_whitespace_is_rejected() {
        assert_eq!(PersonName::parse("   \n ").unwrap_err().code, "required");
    }

    #[test]
    fn a_name_of_100_characters_is_accepted() {
        assert!(PersonName::parse(&"a".repeat(100)).is_ok());
    }

    #[test]
    fn a_name_longer_than_100_characters_is_rejected() {
        assert_eq!(
            PersonName::parse(&"a".repeat(101)).unwrap_err().code,
            "too_long"
        );
    }

    #[test]
    fn length_is_counted_in_characters_not_bytes() {
        // 100 × 'Ø' is 200 bytes of UTF-8 but 100 characters.
        assert!(PersonName::parse(&"Ø".repeat(100)).is_ok());
    }

    #[test]
    fn a_name_with_a_control_character_inside_is_rejected() {
        assert_eq!(
            PersonName::parse("Anna\u{0}Jensen").unwrap_err().code,
            "control_characters"
        );
        assert_eq!(
            Title::parse("Chef\nSælger").unwrap_err().code,
            "control_characters"
        );
    }

    #[test]
    fn danish_letters_are_ordinary_text() {
        assert_eq!(
            Title::parse("Økonomiansvarlig på Ærø").unwrap().as_str(),
            "Økonomiansvarlig på Ærø"
        );
    }

    #[test]
    fn a_name_typed_with_combining_marks_is_kept_composed() {
        // "Åse Ærø" with Å as A + U+030A: the same name as the composed one.
        let decomposed = "A\u{30A}se \u{C6}ro\u{308}";
        let name = PersonName::parse(decomposed).unwrap();
        assert_eq!(name.as_str(), "\u{C5}se \u{C6}r\u{F6}");
        assert_eq!(name, PersonName::parse("Åse Ærö").unwrap());
    }

    #[test]
    fn length_is_counted_in_composed_characters() {
        // 100 × Å written as A + ring is 200 code points but 100 letters.
        let decomposed = "A\u{30A}".repeat(100);
        assert_eq!(
            PersonName::parse(&decomposed).unwrap().as_str(),
            "Å".repeat(100)
        );
        assert_eq!(
            PersonName::parse(&"A\u{30A}".repeat(101)).unwrap_err().code,
            "too_long"
        );
    }

    #[test]
    fn every_free_text_is_kept_composed() {
        let decomposed = "Sa\u{30A}dan";
        assert_eq!(Title::parse(decomposed).unwrap().as_str(), "Sådan");
        assert_eq!(CompanyName::parse(decomposed).unwrap().as_str(), "Sådan");
        assert_eq!(CostCenter::parse(decomposed).unwrap().as_str(), "Sådan");
        assert_eq!(Description::parse(decomposed).unwrap().as_str(), "Sådan");
        assert_eq!(DonorReason::parse(decomposed).unwrap().as_str(), "Sådan");
    }

    #[test]
    fn composed_text_is_borrowed_and_decomposed_text_is_composed() {
        assert!(matches!(composed("Søren Ågård"), Cow::Borrowed(_)));
        assert_eq!(composed("Sa\u{30A}ren"), "Såren");
        assert_eq!(composed("A\u{30A}"), "\u{C5}");
        // The ångström sign is Å by canonical equivalence.
        assert_eq!(composed("\u{212B}"), "\u{C5}");
    }

    #[test]
    fn a_title_longer_than_100_characters_is_rejected() {
        assert_eq!(Title::parse(&"t".repeat(101)).unwrap_err().code, "too_long");
    }

    #[test]
    fn a_company_name_follows_the_same_rules() {
        assert_eq!(
            CompanyName::parse(" Nordlys ApS ").unwrap().to_string(),
            "Nordlys ApS"
        );
        assert_eq!(CompanyName::parse(" ").unwrap_err().code, "required");
        assert_eq!(
            CompanyName::parse(&"c".repeat(101)).unwrap_err().code,
            "too_long"
        );
    }

    #[test]
    fn a_cost_centre_of_50_characters_is_accepted() {
        assert!(CostCenter::parse(&"9".repeat(50)).is_ok());
    }

    #[test]
    fn a_cost_centre_longer_than_50_characters_is_rejected() {
        assert_eq!(
            CostCenter::parse(&"9".repeat(51)).unwrap_err().code,
            "too_long"
        );
    }

    #[test]
    fn the_message_names_the_field() {
        assert_eq!(
            CostCenter::parse("").unwrap_err().message,
            "the cost centre must not be empty"
        );
    }

    #[test]
    fn into_inner_gives_back_the_trimmed_text() {
        assert_eq!(
            Title::parse(" Sælger ").unwrap().into_inner(),
            "Sælger".to_owned()
        );
    }

    #[test]
    fn deserializing_applies_the_same_rules() {
        assert_eq!(
            from_str_value::<PersonName>("  Jens  ").unwrap().as_str(),
            "Jens"
        );
        assert!(from_str_value::<PersonName>("   ").is_err());
    }
}
