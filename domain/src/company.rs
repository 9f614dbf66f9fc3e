//! A customer company: its CVR number and the email domain its employees use.

use crate::ValueError;

/// Weights of the CVR modulus 11 control: the weighted digit sum of a valid CVR
/// number is divisible by 11.
const CVR_WEIGHTS: [u32; 8] = [2, 7, 6, 5, 4, 3, 2, 1];

/// A Danish company registration number (CVR-nummer): exactly 8 digits, not
/// starting with 0, passing the modulus 11 control.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Cvr(String);

impl Cvr {
    /// Accepts the 8 digits with surrounding whitespace; a number written with
    /// spaces inside ("2425 6790") is refused rather than guessed at.
    pub fn parse(input: &str) -> Result<Self, ValueError> {
        let digits = input.trim();
        if digits.len() != 8 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(ValueError::new(
                "cvr_format",
                "a CVR number is exactly 8 digits",
            ));
        }
        if digits.starts_with('0') {
            return Err(ValueError::new(
                "cvr_format",
                "a CVR number never starts with 0",
            ));
        }
        let weighted_sum: u32 = digits
            .bytes()
            .zip(CVR_WEIGHTS)
            .map(|(digit, weight)| u32::from(digit - b'0') * weight)
            .sum();
        if !weighted_sum.is_multiple_of(11) {
            return Err(ValueError::new(
                "cvr_checksum",
                "the CVR number fails the modulus 11 control; check for a typing error",
            ));
        }
        Ok(Self(digits.to_owned()))
    }
}

string_newtype!(Cvr);

/// The email domain a company's employees use ("nordlys.dk"). Kept lower-case, since
/// domains are case-insensitive and we compare them.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct EmailDomain(String);

impl EmailDomain {
    pub fn parse(input: &str) -> Result<Self, ValueError> {
        let domain = input.trim().to_ascii_lowercase();
        if is_valid_domain(&domain) {
            Ok(Self(domain))
        } else {
            Err(ValueError::new(
                "email_domain_invalid",
                format!("{:?} is not a valid email domain", input.trim()),
            ))
        }
    }
}

string_newtype!(EmailDomain);

/// The shape of a lower-case host name (RFC 1035 labels): at most 253 characters,
/// at least two labels, each 1 to 63 of `a-z`, `0-9` and `-` and not starting or
/// ending with `-`; the top-level label is letters only, so a bare IP address is not
/// a domain.
pub(crate) fn is_valid_domain(domain: &str) -> bool {
    if domain.is_empty() || domain.len() > 253 {
        return false;
    }
    // One pass over the bytes, label by label: this runs twice for every subscription read
    // back (its email and sign-in addresses), fifty times a page.
    let mut labels = 0;
    let mut tld: &[u8] = &[];
    for label in domain.as_bytes().split(|&b| b == b'.') {
        if !is_valid_label(label) {
            return false;
        }
        labels += 1;
        tld = label;
    }
    labels > 1 && tld.iter().all(u8::is_ascii_lowercase)
}

fn is_valid_label(label: &[u8]) -> bool {
    let allowed = |b: &u8| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'-';
    (1..=63).contains(&label.len())
        && label.iter().all(allowed)
        && label.first() != Some(&b'-')
        && label.last() != Some(&b'-')
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::from_str_value;
    use rstest::rstest;

    #[rstest]
    #[case::novo_nordisk("24256790")]
    #[case::carlsberg("61056416")]
    #[case::danske_bank("61126228")]
    #[case::smallest_shape("10000009")]
    fn a_real_cvr_number_is_accepted(#[case] input: &str) {
        assert_eq!(Cvr::parse(input).unwrap().as_str(), input);
    }

    #[test]
    fn surrounding_whitespace_is_trimmed() {
        assert_eq!(Cvr::parse(" 24256790\n").unwrap().as_str(), "24256790");
    }

    #[rstest]
    #[case::last_digit_off_by_one("24256791")]
    #[case::two_digits_swapped("42256790")]
    #[case::all_ones("11111111")]
    fn a_cvr_with_a_wrong_check_digit_is_rejected(#[case] input: &str) {
        assert_eq!(Cvr::parse(input).unwrap_err().code, "cvr_checksum");
    }

    #[rstest]
    #[case::seven_digits("2425679")]
    #[case::nine_digits("242567900")]
    #[case::empty("")]
    #[case::space_inside("2425 6790")]
    #[case::country_prefix("DK24256790")]
    #[case::letters("2425679O")]
    #[case::non_ascii_digits("２４２５６７９０")]
    fn a_cvr_that_is_not_eight_digits_is_rejected(#[case] input: &str) {
        assert_eq!(Cvr::parse(input).unwrap_err().code, "cvr_format");
    }

    #[test]
    fn a_cvr_starting_with_zero_is_rejected_even_with_a_valid_checksum() {
        // 0·2 + … sums to 0, which is divisible by 11, yet no CVR starts with 0.
        assert_eq!(Cvr::parse("00000000").unwrap_err().code, "cvr_format");
    }

    #[test]
    fn a_cvr_deserializes_through_parse() {
        assert!(from_str_value::<Cvr>("24256790").is_ok());
        assert!(from_str_value::<Cvr>("24256791").is_err());
    }

    #[rstest]
    #[case("nordlys.dk", "nordlys.dk")]
    #[case("Nordlys.DK", "nordlys.dk")]
    #[case(" mail.nordlys-energi.dk ", "mail.nordlys-energi.dk")]
    #[case("a1.b2.example.com", "a1.b2.example.com")]
    fn a_valid_email_domain_is_kept_in_lower_case(#[case] input: &str, #[case] expected: &str) {
        assert_eq!(EmailDomain::parse(input).unwrap().as_str(), expected);
    }

    #[rstest]
    #[case::single_label("localhost")]
    #[case::empty("")]
    #[case::empty_label("nordlys..dk")]
    #[case::leading_dot(".nordlys.dk")]
    #[case::trailing_dot("nordlys.dk.")]
    #[case::label_starts_with_hyphen("-nordlys.dk")]
    #[case::label_ends_with_hyphen("nordlys-.dk")]
    #[case::underscore("nord_lys.dk")]
    #[case::non_ascii("nørdlys.dk")]
    #[case::digits_in_top_level("nordlys.d4")]
    #[case::ip_address("192.168.1.1")]
    #[case::with_at("anna@nordlys.dk")]
    #[case::space_inside("nord lys.dk")]
    fn an_invalid_email_domain_is_rejected(#[case] input: &str) {
        assert_eq!(
            EmailDomain::parse(input).unwrap_err().code,
            "email_domain_invalid"
        );
    }

    #[test]
    fn a_label_of_63_characters_is_accepted_and_64_rejected() {
        assert!(EmailDomain::parse(&format!("{}.dk", "a".repeat(63))).is_ok());
        assert!(EmailDomain::parse(&format!("{}.dk", "a".repeat(64))).is_err());
    }

    #[test]
    fn a_domain_longer_than_253_characters_is_rejected() {
        let label = "a".repeat(49);
        // 5 × 50 + "dk" = 252 characters: the longest shape under the limit here.
        let fits = format!("{label}.{label}.{label}.{label}.{label}.dk");
        assert_eq!(fits.len(), 252);
        assert!(EmailDomain::parse(&fits).is_ok());
        let too_long = format!("{label}.{label}.{label}.{label}.{label}.dkk.dk");
        assert!(too_long.len() > 253);
        assert!(EmailDomain::parse(&too_long).is_err());
    }
}
