//! Danish phone numbers and the lifecycle of a number in a pool.

use crate::{TransitionError, ValueError};

/// A Danish phone number, always kept in E.164 form: `+45` and 8 digits.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DanishNumber(String);

impl DanishNumber {
    /// Accepts the ways people write a Danish number: `20123456`, `+4520123456`,
    /// `004520123456`, with spaces anywhere (`+45 20 12 34 56`).
    pub fn parse(input: &str) -> Result<Self, ValueError> {
        let compact: std::borrow::Cow<'_, str> = if input.contains(char::is_whitespace) {
            input.chars().filter(|c| !c.is_whitespace()).collect()
        } else {
            input.into()
        };
        let national = compact
            .strip_prefix("+45")
            .or_else(|| compact.strip_prefix("0045"))
            .unwrap_or(&compact);
        if national.len() != 8 || !national.bytes().all(|b| b.is_ascii_digit()) {
            return Err(ValueError::new(
                "number_format",
                format!(
                    "{:?} is not a Danish number: expected 8 digits, optionally after +45 or 0045",
                    input.trim()
                ),
            ));
        }
        // The Danish numbering plan has no subscriber numbers in the 0 and 1 series
        // (they hold prefixes and short codes such as 112 and 1818).
        if national.starts_with(['0', '1']) {
            return Err(ValueError::new(
                "number_format",
                format!(
                    "{:?} is not a Danish subscriber number: they never start with 0 or 1",
                    input.trim()
                ),
            ));
        }
        let mut number = String::with_capacity("+45".len() + national.len());
        number.push_str("+45");
        number.push_str(national);
        Ok(Self(number))
    }

    /// Parses, then requires a mobile number: only those can be ported in as a
    /// mobile subscription.
    pub fn parse_mobile(input: &str) -> Result<Self, ValueError> {
        let number = Self::parse(input)?;
        if number.is_mobile() {
            Ok(number)
        } else {
            Err(ValueError::new(
                "number_not_mobile",
                format!("{number} is not a Danish mobile number"),
            ))
        }
    }

    /// Whether the number lies in a Danish mobile range: the first two digits after
    /// +45 are 20–31, 40–42, 50–53, 60–61, 71, 81 or 91–93.
    pub fn is_mobile(&self) -> bool {
        self.national()
            .get(..2)
            .and_then(|series| series.parse::<u8>().ok())
            .is_some_and(|series| {
                matches!(series, 20..=31 | 40..=42 | 50..=53 | 60..=61 | 71 | 81 | 91..=93)
            })
    }

    /// The 8 digits without `+45`, as Danes read them.
    pub fn national(&self) -> &str {
        self.0.strip_prefix("+45").unwrap_or(&self.0)
    }
}

string_newtype!(DanishNumber);

string_enum! {
    /// Where a number in a pool (the company's or the operator's) is in its life.
    pub enum NumberState (code = "number_state_invalid", what = "number state") {
        /// Free to pick.
        Available = "available",
        /// Held by a draft order until it is confirmed, cancelled or expires.
        Reserved = "reserved",
        /// In use by a subscription.
        Assigned = "assigned",
    }
}

string_enum! {
    /// What can happen to a number.
    pub enum NumberEvent (code = "number_event_invalid", what = "number event") {
        /// A draft picks the number.
        Reserve = "reserve",
        /// The draft is cancelled, expires or picks another number.
        Release = "release",
        /// A subscription takes the number.
        Assign = "assign",
        /// The subscription is terminated and the number goes back to the pool.
        Return = "return",
    }
}

impl NumberState {
    pub fn apply(self, event: NumberEvent) -> Result<NumberState, TransitionError> {
        use NumberEvent as E;
        use NumberState as S;
        match (self, event) {
            (S::Available, E::Reserve) => Ok(S::Reserved),
            (S::Reserved, E::Release) => Ok(S::Available),
            (S::Reserved, E::Assign) => Ok(S::Assigned),
            // A ported-in number arrives straight into use, and an operator may
            // assign a free number directly without a draft.
            (S::Available, E::Assign) => Ok(S::Assigned),
            (S::Assigned, E::Return) => Ok(S::Available),
            // Spelled out per state, so a new event must be decided for each.
            (S::Available, E::Release | E::Return)
            | (S::Reserved, E::Reserve | E::Return)
            | (S::Assigned, E::Reserve | E::Release | E::Assign) => Err(TransitionError::new(
                "number",
                self.as_str(),
                event.as_str(),
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{assert_every_pair, from_str_value};
    use rstest::rstest;

    #[rstest]
    #[case::national("20123456")]
    #[case::e164("+4520123456")]
    #[case::international_prefix("004520123456")]
    #[case::grouped_e164("+45 20 12 34 56")]
    #[case::grouped_national("20 12 34 56")]
    #[case::grouped_international("0045 2012 3456")]
    #[case::surrounding_whitespace("  20123456 ")]
    fn every_common_way_of_writing_a_number_gives_the_same_e164_form(#[case] input: &str) {
        let number = DanishNumber::parse(input).unwrap();
        assert_eq!(number.as_str(), "+4520123456");
        assert_eq!(number.national(), "20123456");
        assert_eq!(number.to_string(), "+4520123456");
    }

    #[rstest]
    #[case::seven_digits("2012345")]
    #[case::nine_digits("201234567")]
    #[case::foreign_country_code("+4620123456")]
    #[case::country_code_without_plus("4520123456")]
    #[case::letters("2012345a")]
    #[case::dashes("20-12-34-56")]
    #[case::empty("")]
    #[case::only_prefix("+45")]
    fn a_number_that_is_not_eight_danish_digits_is_rejected(#[case] input: &str) {
        assert_eq!(
            DanishNumber::parse(input).unwrap_err().code,
            "number_format"
        );
    }

    #[rstest]
    #[case("01234567")]
    #[case("+4512345678")]
    fn a_number_starting_with_0_or_1_is_rejected(#[case] input: &str) {
        assert_eq!(
            DanishNumber::parse(input).unwrap_err().code,
            "number_format"
        );
    }

    #[rstest]
    #[case("20000000")]
    #[case("31999999")]
    #[case("40123456")]
    #[case("42123456")]
    #[case("50123456")]
    #[case("53123456")]
    #[case("60123456")]
    #[case("61123456")]
    #[case("71123456")]
    #[case("81123456")]
    #[case("91123456")]
    #[case("93123456")]
    fn a_number_in_a_mobile_range_is_mobile(#[case] input: &str) {
        let number = DanishNumber::parse(input).unwrap();
        assert!(number.is_mobile());
        assert_eq!(DanishNumber::parse_mobile(input), Ok(number));
    }

    #[rstest]
    #[case::copenhagen_landline("33123456")]
    #[case::just_above_20_31("32123456")]
    #[case::just_above_40_42("43123456")]
    #[case::just_above_50_53("54123456")]
    #[case::just_above_60_61("62123456")]
    #[case::seventy("70123456")]
    #[case::eighty("80123456")]
    #[case::ninety("90123456")]
    #[case::ninety_four("94123456")]
    fn a_number_outside_the_mobile_ranges_is_not_mobile(#[case] input: &str) {
        let number = DanishNumber::parse(input).unwrap();
        assert!(!number.is_mobile());
        assert_eq!(
            DanishNumber::parse_mobile(input).unwrap_err().code,
            "number_not_mobile"
        );
    }

    #[test]
    fn parse_mobile_reports_a_malformed_number_as_a_format_error() {
        assert_eq!(
            DanishNumber::parse_mobile("2012").unwrap_err().code,
            "number_format"
        );
    }

    #[test]
    fn a_number_deserializes_to_its_e164_form() {
        assert_eq!(
            from_str_value::<DanishNumber>("20 12 34 56")
                .unwrap()
                .as_str(),
            "+4520123456"
        );
    }

    const ALLOWED: [(NumberState, NumberEvent, NumberState); 5] = [
        (
            NumberState::Available,
            NumberEvent::Reserve,
            NumberState::Reserved,
        ),
        (
            NumberState::Reserved,
            NumberEvent::Release,
            NumberState::Available,
        ),
        (
            NumberState::Reserved,
            NumberEvent::Assign,
            NumberState::Assigned,
        ),
        (
            NumberState::Available,
            NumberEvent::Assign,
            NumberState::Assigned,
        ),
        (
            NumberState::Assigned,
            NumberEvent::Return,
            NumberState::Available,
        ),
    ];

    #[rstest]
    #[case::a_draft_reserves_a_free_number(
        NumberState::Available,
        NumberEvent::Reserve,
        NumberState::Reserved
    )]
    #[case::a_released_number_is_free_again(
        NumberState::Reserved,
        NumberEvent::Release,
        NumberState::Available
    )]
    #[case::a_confirmed_order_assigns_its_reserved_number(
        NumberState::Reserved,
        NumberEvent::Assign,
        NumberState::Assigned
    )]
    #[case::a_ported_in_number_is_assigned_directly(
        NumberState::Available,
        NumberEvent::Assign,
        NumberState::Assigned
    )]
    #[case::a_terminated_subscription_returns_its_number(
        NumberState::Assigned,
        NumberEvent::Return,
        NumberState::Available
    )]
    fn an_allowed_number_event_leads_to_the_next_state(
        #[case] from: NumberState,
        #[case] event: NumberEvent,
        #[case] to: NumberState,
    ) {
        assert_eq!(from.apply(event), Ok(to));
    }

    #[test]
    fn every_other_state_and_event_pair_is_refused_naming_both() {
        assert_every_pair(
            "number",
            &NumberState::ALL,
            &NumberEvent::ALL,
            &ALLOWED,
            NumberState::apply,
            NumberState::as_str,
            NumberEvent::as_str,
        );
    }

    #[test]
    fn a_reserved_number_cannot_be_reserved_twice() {
        assert_eq!(
            NumberState::Reserved
                .apply(NumberEvent::Reserve)
                .unwrap_err()
                .to_string(),
            "cannot reserve when the number is reserved"
        );
    }

    #[test]
    fn every_number_state_and_event_reads_back_from_its_name() {
        for state in NumberState::ALL {
            assert_eq!(state.as_str().parse::<NumberState>(), Ok(state));
            assert_eq!(
                from_str_value::<NumberState>(state.as_str()).unwrap(),
                state
            );
        }
        for event in NumberEvent::ALL {
            assert_eq!(event.as_str().parse::<NumberEvent>(), Ok(event));
            assert_eq!(
                from_str_value::<NumberEvent>(event.as_str()).unwrap(),
                event
            );
        }
        assert_eq!(
            "gone".parse::<NumberState>().unwrap_err().code,
            "number_state_invalid"
        );
    }
}
