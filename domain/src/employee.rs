//! The employee a subscription is for ("Brugeroplysninger" in the portal).

use crate::ValueError;
use crate::email::EmailAddress;
use crate::text::{CostCenter, PersonName, Title, composed};

/// An employee's initials, the short name Danish workplaces use ("MF", "SØRN"):
/// 2 to 6 letters from the Danish alphabet, kept composed and upper-case so "mf" and
/// "MF", or "Å" and "A" with a combining ring, are the same initials (they must be unique
/// within a company).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Initials(String);

impl Initials {
    pub fn parse(input: &str) -> Result<Self, ValueError> {
        let letters = composed(input.trim());
        let count = letters.chars().count();
        if !(2..=6).contains(&count) || !letters.chars().all(is_danish_letter) {
            return Err(ValueError::new(
                "initials_format",
                "initials are 2 to 6 letters (A–Z, Æ, Ø, Å)",
            ));
        }
        Ok(Self(letters.to_uppercase()))
    }
}

string_newtype!(Initials);

/// A–Z and the three extra letters of the Danish alphabet, in either case.
fn is_danish_letter(c: char) -> bool {
    c.is_ascii_alphabetic() || matches!(c, 'æ' | 'ø' | 'å' | 'Æ' | 'Ø' | 'Å')
}

/// Who the subscription is for, as the admin fills it in.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct EmployeeDetails {
    pub name: PersonName,
    pub initials: Initials,
    pub title: Title,
    pub email: EmailAddress,
    pub cost_center: Option<CostCenter>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::from_str_value;
    use rstest::rstest;

    #[rstest]
    #[case("MF", "MF")]
    #[case("mf", "MF")]
    #[case(" sørn ", "SØRN")]
    #[case("æøå", "ÆØÅ")]
    #[case("ABCDEF", "ABCDEF")]
    fn initials_are_kept_upper_case(#[case] input: &str, #[case] expected: &str) {
        assert_eq!(Initials::parse(input).unwrap().as_str(), expected);
    }

    #[rstest]
    #[case::one_letter("M")]
    #[case::seven_letters("ABCDEFG")]
    #[case::empty("")]
    #[case::digit("M1")]
    #[case::space_inside("M F")]
    #[case::dot("M.F")]
    #[case::german_letter("MÜ")]
    #[case::swedish_letter("ÄB")]
    fn initials_that_are_not_2_to_6_danish_letters_are_rejected(#[case] input: &str) {
        assert_eq!(Initials::parse(input).unwrap_err().code, "initials_format");
    }

    #[rstest]
    #[case::a_ring("A\u{30A}B", "ÅB")]
    #[case::small_a_ring("a\u{30A}se", "ÅSE")]
    #[case::six_decomposed("A\u{30A}A\u{30A}A\u{30A}A\u{30A}A\u{30A}A\u{30A}", "ÅÅÅÅÅÅ")]
    #[case::angstrom_sign("\u{212B}B", "ÅB")]
    fn initials_typed_with_combining_marks_are_the_composed_letters(
        #[case] input: &str,
        #[case] expected: &str,
    ) {
        assert_eq!(Initials::parse(input).unwrap().as_str(), expected);
    }

    #[test]
    fn a_combining_mark_that_makes_no_danish_letter_is_rejected() {
        // U+0308 on A is Ä: Swedish, not Danish.
        assert_eq!(
            Initials::parse("A\u{308}B").unwrap_err().code,
            "initials_format"
        );
        // A ring on B composes to nothing: a letter and a mark are not a letter.
        assert_eq!(
            Initials::parse("B\u{30A}A").unwrap_err().code,
            "initials_format"
        );
    }

    #[test]
    fn six_danish_letters_count_as_six_even_though_they_are_more_bytes() {
        assert_eq!(Initials::parse("ÆØÅæøå").unwrap().as_str(), "ÆØÅÆØÅ");
    }

    #[test]
    fn initials_deserialize_through_parse() {
        assert_eq!(from_str_value::<Initials>("ab").unwrap().as_str(), "AB");
        assert!(from_str_value::<Initials>("a").is_err());
    }
}
