//! The employee a subscription is for ("Brugeroplysninger" in the portal).

use crate::ValueError;
use crate::email::EmailAddress;
use crate::text::{CostCenter, PersonName, Title};

/// An employee's initials, the short name Danish workplaces use ("MF", "SØRN"):
/// 2 to 6 letters from the Danish alphabet, kept upper-case so "mf" and "MF" are the
/// same initials (they must be unique within a company).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Initials(String);

impl Initials {
    pub fn parse(input: &str) -> Result<Self, ValueError> {
        let letters = input.trim();
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
