//! SIM cards, identified by their ICCID (ITU-T E.118).

use crate::ValueError;

/// Major industry identifier 89 (telecommunications) and country code 45 (Denmark).
const DANISH_TELECOM_PREFIX: &str = "8945";
const LARGEST_SERIAL: u64 = 999_999_999_999;

/// A Danish SIM card number: 19 digits, `89` + `45` + a 2-digit issuer + a 12-digit
/// serial + a Luhn check digit that catches a mistyped digit.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Iccid(String);

impl Iccid {
    /// The ICCID of a newly issued card.
    pub fn issue(issuer: u8, serial: u64) -> Result<Iccid, ValueError> {
        if issuer > 99 {
            return Err(ValueError::new(
                "iccid_issuer_out_of_range",
                format!("an ICCID issuer has 2 digits, not {issuer}"),
            ));
        }
        if serial > LARGEST_SERIAL {
            return Err(ValueError::new(
                "iccid_serial_out_of_range",
                format!("an ICCID serial has at most 12 digits, not {serial}"),
            ));
        }
        let body = format!("{DANISH_TELECOM_PREFIX}{issuer:02}{serial:012}");
        match luhn_check_digit(&body) {
            Some(check) => Ok(Iccid(format!("{body}{check}"))),
            None => Err(ValueError::new(
                "iccid_format",
                "an ICCID body is made of digits",
            )),
        }
    }

    /// Reads an ICCID as printed on the card or stored: 19 digits starting with
    /// `8945`, whose last digit is the Luhn check digit of the others.
    pub fn parse(input: &str) -> Result<Self, ValueError> {
        let digits = input.trim();
        if digits.len() != 19
            || !digits.bytes().all(|b| b.is_ascii_digit())
            || !digits.starts_with(DANISH_TELECOM_PREFIX)
        {
            return Err(ValueError::new(
                "iccid_format",
                "an ICCID is 19 digits starting with 8945",
            ));
        }
        let (body, check) = digits.split_at(18);
        if luhn_check_digit(body)
            .map(|digit| digit.to_string())
            .as_deref()
            != Some(check)
        {
            return Err(ValueError::new(
                "iccid_checksum",
                "the ICCID's check digit does not match; check for a typing error",
            ));
        }
        Ok(Self(digits.to_owned()))
    }
}

string_newtype!(Iccid);

/// The Luhn (modulus 10) check digit to append to `digits`; `None` unless `digits`
/// is one or more ASCII digits.
pub fn luhn_check_digit(digits: &str) -> Option<u8> {
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    // Counting from the right, the digit that will sit next to the check digit is
    // doubled, then every second one; a doubled digit above 9 counts its digit sum.
    let sum: u32 = digits
        .bytes()
        .rev()
        .enumerate()
        .map(|(position, b)| {
            let digit = u32::from(b - b'0');
            if position % 2 == 0 {
                let doubled = digit * 2;
                if doubled > 9 { doubled - 9 } else { doubled }
            } else {
                digit
            }
        })
        .sum();
    u8::try_from((10 - sum % 10) % 10).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::from_str_value;
    use rstest::rstest;

    #[rstest]
    #[case::textbook_example("7992739871", 3)]
    #[case::single_zero("0", 0)]
    #[case::single_digit("5", 9)]
    #[case::credit_card_body("401288888888188", 1)]
    fn the_luhn_check_digit_matches_known_examples(#[case] digits: &str, #[case] check: u8) {
        assert_eq!(luhn_check_digit(digits), Some(check));
    }

    #[rstest]
    #[case("")]
    #[case("12a4")]
    #[case("12 34")]
    fn a_luhn_check_digit_needs_digits(#[case] digits: &str) {
        assert_eq!(luhn_check_digit(digits), None);
    }

    #[test]
    fn an_issued_iccid_is_19_digits_and_reads_back() {
        let iccid = Iccid::issue(1, 123_456_789).unwrap();
        assert_eq!(iccid.as_str().len(), 19);
        assert!(iccid.as_str().starts_with("894501000123456789"));
        assert_eq!(Iccid::parse(iccid.as_str()), Ok(iccid));
    }

    #[test]
    fn the_largest_issuer_and_serial_fit() {
        let iccid = Iccid::issue(99, LARGEST_SERIAL).unwrap();
        assert!(iccid.as_str().starts_with("894599999999999999"));
    }

    #[test]
    fn an_issuer_above_99_is_refused() {
        assert_eq!(
            Iccid::issue(100, 1).unwrap_err().code,
            "iccid_issuer_out_of_range"
        );
    }

    #[test]
    fn a_serial_longer_than_12_digits_is_refused() {
        assert_eq!(
            Iccid::issue(1, LARGEST_SERIAL + 1).unwrap_err().code,
            "iccid_serial_out_of_range"
        );
    }

    #[test]
    fn an_iccid_with_a_wrong_check_digit_is_rejected() {
        let iccid = Iccid::issue(7, 42).unwrap();
        let (body, check) = iccid.as_str().split_at(18);
        let wrong = (check.parse::<u8>().unwrap() + 1) % 10;
        assert_eq!(
            Iccid::parse(&format!("{body}{wrong}")).unwrap_err().code,
            "iccid_checksum"
        );
    }

    #[test]
    fn an_iccid_with_two_neighbouring_digits_swapped_is_rejected() {
        // "12" → "21" inside the serial: Luhn catches most transpositions.
        let iccid = Iccid::issue(7, 120_000_000_000).unwrap();
        let swapped = iccid.as_str().replacen("8945071200", "8945072100", 1);
        assert_eq!(Iccid::parse(&swapped).unwrap_err().code, "iccid_checksum");
    }

    #[rstest]
    #[case::eighteen_digits("894501000123456789")]
    #[case::twenty_digits("89450100012345678901")]
    #[case::letters("8945010001234567a9X")]
    #[case::foreign_country("8946010001234567890")]
    #[case::not_telecom("1245010001234567890")]
    #[case::empty("")]
    fn an_iccid_that_is_not_19_danish_telecom_digits_is_rejected(#[case] input: &str) {
        assert_eq!(Iccid::parse(input).unwrap_err().code, "iccid_format");
    }

    #[test]
    fn an_iccid_deserializes_through_parse() {
        let iccid = Iccid::issue(1, 1).unwrap();
        assert_eq!(from_str_value::<Iccid>(iccid.as_str()).unwrap(), iccid);
        assert!(from_str_value::<Iccid>("8945").is_err());
    }
}
