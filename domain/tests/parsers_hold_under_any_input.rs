//! Promise: bad input never breaks a domain parser. Every parser takes any string
//! without panicking, and what it accepts is kept in one normal form that parses back to
//! itself; the calendar and VAT rules hold for any date or amount, not only the examples.
#![allow(clippy::unwrap_used)]

use chrono::{DateTime, Datelike, Days, NaiveDate, Utc};
use domain::calendar::{
    date_in_denmark, earliest_port_date, is_working_day, next_working_day_after, port_date,
    port_moment, previous_working_day_before,
};
use domain::company::{Cvr, EmailDomain};
use domain::email::EmailAddress;
use domain::employee::Initials;
use domain::money::Ore;
use domain::number::DanishNumber;
use domain::text::PersonName;
use proptest::prelude::*;
use unicode_normalization::UnicodeNormalization;

/// Strings people and attackers type: anything, digits with spacing and prefixes, and
/// characters that break queries and JSON.
fn hostile() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[ +0-9]{0,20}",
        "[a-zA-ZæøåÆØÅ .@'\";%_\\\\-]{0,40}",
        "(\\+45|0045)? ?[2-9][0-9 ]{7,12}",
        "[a-z0-9._%+-]{1,20}@[a-z0-9-]{1,20}\\.[a-z]{2,6}",
    ]
}

/// The host-name rules as the documentation states them, written plainly: the oracle
/// the parser's one-pass check is held to.
fn is_host_name_as_documented(domain: &str) -> bool {
    let labels: Vec<&str> = domain.split('.').collect();
    let label_ok = |label: &&str| {
        (1..=63).contains(&label.len())
            && label
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && !label.starts_with('-')
            && !label.ends_with('-')
    };
    !domain.is_empty()
        && domain.len() <= 253
        && labels.len() >= 2
        && labels.iter().all(label_ok)
        && labels
            .last()
            .is_some_and(|tld| tld.bytes().all(|b| b.is_ascii_lowercase()))
}

fn dates() -> impl Strategy<Value = NaiveDate> {
    (1990i32..2200, 1u32..=366).prop_filter_map("a real day", |(y, d)| NaiveDate::from_yo_opt(y, d))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2_000))]

    #[test]
    fn an_email_domain_is_accepted_exactly_when_it_is_a_host_name_as_documented(
        input in prop_oneof![
            hostile(),
            "[a-z0-9.-]{0,24}",
            "([a-z0-9-]{0,64}\\.){1,4}[a-zA-Z0-9-]{0,6}",
            "([a-z]{63}\\.){3,4}[a-z]{1,70}",
        ],
    ) {
        let normal = input.trim().to_ascii_lowercase();
        let expected = is_host_name_as_documented(&normal);
        prop_assert_eq!(EmailDomain::parse(&input).is_ok(), expected, "{:?}", input);
        // An address holds at most 254 characters (RFC 5321), its domain included.
        let address = format!("someone@{normal}");
        let fits = address.len() <= 254;
        prop_assert_eq!(EmailAddress::parse(&address).is_ok(), expected && fits, "{:?}", address);
    }

    #[test]
    fn a_danish_number_is_kept_in_one_form_that_parses_to_itself(input in hostile()) {
        if let Ok(number) = DanishNumber::parse(&input) {
            let text = number.as_str();
            prop_assert!(text.starts_with("+45") && text.len() == 11, "{text}");
            prop_assert!(text[3..].bytes().all(|b| b.is_ascii_digit()));
            prop_assert_eq!(DanishNumber::parse(text).unwrap(), number.clone());
            prop_assert_eq!(DanishNumber::parse(number.national()).unwrap(), number);
        }
    }

    #[test]
    fn every_eight_digits_from_2_to_9_are_a_number_however_written(
        digits in "[2-9][0-9]{7}",
        prefix in prop_oneof![Just(""), Just("+45"), Just("0045"), Just("+45 ")],
    ) {
        let spaced: String = digits.chars().flat_map(|c| [c, ' ']).collect();
        let number = DanishNumber::parse(&format!("{prefix}{spaced}")).unwrap();
        prop_assert_eq!(number.national(), digits.as_str());
    }

    #[test]
    fn a_cvr_is_accepted_exactly_when_its_modulus_11_control_holds(digits in "[0-9]{8}") {
        let weights = [2u32, 7, 6, 5, 4, 3, 2, 1];
        let sum: u32 = digits.bytes().zip(weights).map(|(d, w)| u32::from(d - b'0') * w).sum();
        let valid = !digits.starts_with('0') && sum.is_multiple_of(11);
        prop_assert_eq!(Cvr::parse(&digits).is_ok(), valid, "{}", digits);
        prop_assert_eq!(Cvr::parse(&format!("  {digits}\t")).is_ok(), valid);
    }

    #[test]
    fn any_string_is_a_cvr_or_a_cvr_error(input in hostile()) {
        match Cvr::parse(&input) {
            Ok(cvr) => prop_assert_eq!(Cvr::parse(cvr.as_str()).unwrap(), cvr),
            Err(e) => prop_assert!(e.code == "cvr_format" || e.code == "cvr_checksum"),
        }
    }

    #[test]
    fn initials_are_kept_upper_case_whatever_case_they_were_typed_in(input in hostile()) {
        match Initials::parse(&input) {
            Ok(initials) => {
                let text = initials.as_str();
                prop_assert!((2..=6).contains(&text.chars().count()));
                prop_assert_eq!(text.to_uppercase(), text);
                prop_assert_eq!(Initials::parse(&input.to_lowercase()).unwrap(), initials.clone());
                prop_assert_eq!(Initials::parse(text).unwrap(), initials);
            }
            Err(e) => prop_assert_eq!(e.code, "initials_format"),
        }
    }

    #[test]
    fn an_email_address_is_one_lower_case_address_that_parses_to_itself(input in hostile()) {
        match EmailAddress::parse(&input) {
            Ok(address) => {
                let text = address.as_str();
                prop_assert!(text.len() <= 254);
                prop_assert_eq!(text.matches('@').count(), 1);
                prop_assert_eq!(text.to_ascii_lowercase(), text);
                prop_assert_eq!(EmailAddress::parse(text).unwrap(), address.clone());
                prop_assert_eq!(EmailAddress::parse(&input.to_ascii_uppercase()).unwrap(), address);
            }
            Err(e) => prop_assert_eq!(e.code, "email_invalid"),
        }
    }

    #[test]
    fn an_email_domain_parses_to_itself(input in hostile()) {
        if let Ok(domain) = EmailDomain::parse(&input) {
            prop_assert_eq!(EmailDomain::parse(domain.as_str()).unwrap(), domain);
        }
    }

    #[test]
    fn a_name_is_trimmed_and_at_most_100_characters(input in any::<String>()) {
        if let Ok(name) = PersonName::parse(&input) {
            let text = name.as_str();
            prop_assert!(!text.is_empty() && text.chars().count() <= PersonName::MAX_CHARS);
            prop_assert_eq!(text.trim(), text);
            prop_assert_eq!(PersonName::parse(text).unwrap(), name);
        }
    }

    #[test]
    fn a_name_is_the_same_name_in_either_unicode_form(input in hostile()) {
        let decomposed: String = input.nfd().collect();
        prop_assert_eq!(PersonName::parse(&decomposed).ok(), PersonName::parse(&input).ok());
    }

    #[test]
    fn initials_are_the_same_initials_in_either_unicode_form(input in hostile()) {
        let decomposed: String = input.nfd().collect();
        prop_assert_eq!(Initials::parse(&decomposed).ok(), Initials::parse(&input).ok());
    }

    #[test]
    fn vat_is_a_quarter_rounded_half_away_from_zero(ore in -(1i64 << 60)..(1i64 << 60)) {
        let amount = Ore::new(ore);
        let vat = amount.vat().value();
        // |4·vat − ore| ≤ 2: within half an øre of a quarter.
        prop_assert!((i128::from(vat) * 4 - i128::from(ore)).abs() <= 2, "{ore} -> {vat}");
        prop_assert_eq!(Ore::new(-ore).vat().value(), -vat, "a credit rounds like its charge");
        prop_assert_eq!(amount.incl_vat().value(), ore + vat);
    }

    #[test]
    fn the_next_and_previous_working_days_skip_exactly_the_days_off(date in dates()) {
        let next = next_working_day_after(date);
        prop_assert!(next > date && is_working_day(next));
        let mut day = date + Days::new(1);
        while day < next {
            prop_assert!(!is_working_day(day), "{day} was skipped");
            day = day + Days::new(1);
        }
        let previous = previous_working_day_before(date);
        prop_assert!(previous < date && is_working_day(previous));
        prop_assert!((next - previous).num_days() <= 12, "no run of days off is that long");
    }

    #[test]
    fn a_port_date_is_a_legal_working_day_and_moves_at_two_in_the_night(
        received in 631_152_000i64..7_258_118_400,
        requested in proptest::option::of(dates()),
    ) {
        let received = DateTime::<Utc>::from_timestamp(received, 0).unwrap();
        let date = port_date(received, requested);
        prop_assert!(is_working_day(date));
        prop_assert!(date >= earliest_port_date(received));
        prop_assert!(earliest_port_date(received) > date_in_denmark(received));
        if let Some(requested) = requested {
            prop_assert!(date >= requested);
        }
        let moment = port_moment(date);
        prop_assert_eq!(date_in_denmark(moment), date);
        let local = moment.with_timezone(&domain::calendar::copenhagen_offset(moment));
        prop_assert_eq!(local.format("%H:%M").to_string(), "02:00");
        prop_assert!(local.year() == date.year());
    }
}
