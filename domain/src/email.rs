//! Email addresses: employees', the number owner's, and login names.

use crate::ValueError;
use crate::company::is_valid_domain;

/// Characters RFC 5322 reserves outside quoted strings; a quoted local part is legal
/// but no mail system we send through handles it well, so it is refused.
fn forbidden_in_local_part(b: u8) -> bool {
    matches!(
        b,
        b'(' | b')' | b',' | b':' | b';' | b'<' | b'>' | b'[' | b']' | b'\\' | b'"'
    )
}

/// An email address, trimmed and lower-cased as a whole so that the same person is
/// found however the address was typed.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct EmailAddress(String);

impl EmailAddress {
    pub fn parse(input: &str) -> Result<Self, ValueError> {
        let address = input.trim().to_ascii_lowercase();
        let invalid = |why: &str| {
            ValueError::new(
                "email_invalid",
                format!("{:?} is not a valid email address: {why}", input.trim()),
            )
        };
        // RFC 5321 §4.5.3.1.3: a path holds at most 256 octets, so an address at most 254.
        if address.len() > 254 {
            return Err(invalid("it is longer than 254 characters"));
        }
        let Some((local, domain)) = address.split_once('@') else {
            return Err(invalid("it has no '@'"));
        };
        if domain.contains('@') {
            return Err(invalid("it has more than one '@'"));
        }
        // RFC 5321 §4.5.3.1.1: the local part is at most 64 octets.
        if local.is_empty() || local.len() > 64 {
            return Err(invalid("the part before '@' must be 1 to 64 characters"));
        }
        let allowed = |b: u8| b.is_ascii_graphic() && !forbidden_in_local_part(b);
        if !local.bytes().all(allowed) {
            return Err(invalid(
                "the part before '@' contains a space or a character that is not allowed",
            ));
        }
        if !is_valid_domain(domain) {
            return Err(invalid("the part after '@' is not a valid domain"));
        }
        Ok(Self(address))
    }

    /// The part after the '@'.
    pub fn domain(&self) -> &str {
        self.0.split_once('@').map_or("", |(_, domain)| domain)
    }
}

string_newtype!(EmailAddress);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::from_str_value;
    use rstest::rstest;

    #[rstest]
    #[case("anna@nordlys.dk", "anna@nordlys.dk")]
    #[case("  Anna.Jensen@Nordlys.DK ", "anna.jensen@nordlys.dk")]
    #[case("anna+mobil@mail.nordlys.dk", "anna+mobil@mail.nordlys.dk")]
    #[case("o'brien@example.com", "o'brien@example.com")]
    fn a_valid_address_is_trimmed_and_lower_cased(#[case] input: &str, #[case] expected: &str) {
        assert_eq!(EmailAddress::parse(input).unwrap().as_str(), expected);
    }

    #[test]
    fn the_domain_is_the_part_after_the_at_sign() {
        let address = EmailAddress::parse("Anna@Nordlys.dk").unwrap();
        assert_eq!(address.domain(), "nordlys.dk");
    }

    #[rstest]
    #[case::no_at("anna.nordlys.dk")]
    #[case::two_ats("anna@jensen@nordlys.dk")]
    #[case::empty_local_part("@nordlys.dk")]
    #[case::empty_domain("anna@")]
    #[case::empty("")]
    #[case::space_in_local_part("anna jensen@nordlys.dk")]
    #[case::comma("anna,jensen@nordlys.dk")]
    #[case::angle_brackets("<anna>@nordlys.dk")]
    #[case::quoted("\"anna\"@nordlys.dk")]
    #[case::backslash("an\\na@nordlys.dk")]
    #[case::non_ascii_local_part("søren@nordlys.dk")]
    #[case::single_label_domain("anna@localhost")]
    #[case::bad_domain("anna@nordlys..dk")]
    fn an_invalid_address_is_rejected(#[case] input: &str) {
        assert_eq!(
            EmailAddress::parse(input).unwrap_err().code,
            "email_invalid"
        );
    }

    #[test]
    fn a_local_part_of_64_characters_is_accepted_and_65_rejected() {
        assert!(EmailAddress::parse(&format!("{}@nordlys.dk", "a".repeat(64))).is_ok());
        assert!(EmailAddress::parse(&format!("{}@nordlys.dk", "a".repeat(65))).is_err());
    }

    #[test]
    fn an_address_longer_than_254_characters_is_rejected() {
        let domain = format!("{0}.{0}.{0}.{0}.dk", "d".repeat(60)); // 246 characters
        let fits = format!("{}@{domain}", "a".repeat(254 - 1 - domain.len()));
        assert_eq!(fits.len(), 254);
        assert!(EmailAddress::parse(&fits).is_ok());
        let too_long = format!("a{fits}");
        assert_eq!(
            EmailAddress::parse(&too_long).unwrap_err().code,
            "email_invalid"
        );
    }

    #[test]
    fn an_address_deserializes_through_parse() {
        assert_eq!(
            from_str_value::<EmailAddress>("ANNA@nordlys.dk")
                .unwrap()
                .as_str(),
            "anna@nordlys.dk"
        );
        assert!(from_str_value::<EmailAddress>("anna").is_err());
    }
}
