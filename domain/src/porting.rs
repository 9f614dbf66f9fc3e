//! Number porting ("nummerflytning"): moving an employee's existing number from the
//! donor operator to us. No number is ported without its owner's explicit consent
//! (Teleloven §28 a): the owner signs a power of attorney, which goes to the donor.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use uuid::Uuid;

use crate::TransitionError;
use crate::calendar::{
    is_working_day, next_working_day_after, port_date, previous_working_day_before,
};
use crate::email::EmailAddress;
use crate::number::DanishNumber;
use crate::text::PersonName;

/// A number port: an existing number on its way to us from the donor operator.
#[derive(Debug, Clone, PartialEq)]
pub struct NumberPort {
    pub id: Uuid,
    pub company: Uuid,
    pub subscription: Uuid,
    pub number: DanishNumber,
    pub status: PortStatus,
    pub version: i32,
    pub owner_name: PersonName,
    pub owner_email: EmailAddress,
    pub requested_date: Option<NaiveDate>,
    /// The agreed port date, once the donor accepted.
    pub port_date: Option<NaiveDate>,
    pub rejection: Option<Rejection>,
    /// The SHA-256 of the live signing link's token; `None` once no link is live.
    pub poa_token_hash: Option<String>,
    pub poa_expires_at: NaiveDateTime,
    /// When the request last went to the donor.
    pub submitted_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// Why the donor refused, while the port is rejected.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Rejection {
    pub code: RejectionCode,
    /// The donor's own words, if any.
    pub text: Option<String>,
}

string_enum! {
    /// Where a number port is.
    pub enum PortStatus (code = "port_status_invalid", what = "port status") {
        /// The owner has been asked to sign the power of attorney.
        AwaitingSignature = "awaiting_signature",
        /// The owner signed; the request can go to the donor.
        Signed = "signed",
        /// The donor has the request and has not answered.
        Submitted = "submitted",
        /// The donor agreed to a port date.
        Accepted = "accepted",
        /// The donor refused; see its [`RejectionCode`].
        Rejected = "rejected",
        /// The number is ours.
        Completed = "completed",
        /// The owner never signed.
        Expired = "expired",
        /// Withdrawn by the admin.
        Cancelled = "cancelled",
    }
}

string_enum! {
    /// What can happen to a number port.
    pub enum PortEvent (code = "port_event_invalid", what = "port event") {
        Sign = "sign",
        Submit = "submit",
        Accept = "accept",
        Reject = "reject",
        /// The admin corrected what the owner signed (the number or the owner's name)
        /// after a rejection: the owner must sign again.
        Correct = "correct",
        /// The admin corrected something else (the owner's email) after a rejection: the
        /// request goes to the donor again under the signature already given.
        Resubmit = "resubmit",
        Complete = "complete",
        Expire = "expire",
        Cancel = "cancel",
    }
}

string_enum! {
    /// Why a donor operator refused a port.
    pub enum RejectionCode (code = "rejection_code_invalid", what = "rejection code") {
        /// The name on the power of attorney is not the owner the donor has on
        /// record: the commonest rejection.
        OwnerMismatch = "owner_mismatch",
        /// The donor has no such number.
        NumberUnknown = "number_unknown",
        /// The number is not in service at the donor.
        NumberInactive = "number_inactive",
        /// Anything else; the donor's text says what.
        Other = "other",
    }
}

impl PortStatus {
    pub fn apply(self, event: PortEvent) -> Result<PortStatus, TransitionError> {
        use PortEvent as E;
        use PortStatus as S;
        let refused = || {
            Err(TransitionError::new(
                "number port",
                self.as_str(),
                event.as_str(),
            ))
        };
        match (self, event) {
            (S::AwaitingSignature, E::Sign) => Ok(S::Signed),
            (S::AwaitingSignature, E::Expire) => Ok(S::Expired),
            (S::Signed, E::Submit) => Ok(S::Submitted),
            (S::Submitted, E::Accept) => Ok(S::Accepted),
            (S::Submitted, E::Reject) => Ok(S::Rejected),
            // A corrected request is a different request: the owner's consent
            // (Teleloven §28 a) must cover it, so it needs a fresh signature.
            (S::Rejected, E::Correct) => Ok(S::AwaitingSignature),
            (S::Rejected, E::Resubmit) => Ok(S::Submitted),
            (S::Accepted, E::Complete) => Ok(S::Completed),
            // Whether the port date still allows it is `may_cancel`'s question.
            (
                S::AwaitingSignature | S::Signed | S::Submitted | S::Rejected | S::Accepted,
                E::Cancel,
            ) => Ok(S::Cancelled),
            (
                S::AwaitingSignature,
                E::Submit | E::Accept | E::Reject | E::Correct | E::Resubmit | E::Complete,
            )
            | (
                S::Signed,
                E::Sign
                | E::Accept
                | E::Reject
                | E::Correct
                | E::Resubmit
                | E::Complete
                | E::Expire,
            )
            | (
                S::Submitted,
                E::Sign | E::Submit | E::Correct | E::Resubmit | E::Complete | E::Expire,
            )
            | (
                S::Accepted,
                E::Sign | E::Submit | E::Accept | E::Reject | E::Correct | E::Resubmit | E::Expire,
            )
            | (
                S::Rejected,
                E::Sign | E::Submit | E::Accept | E::Reject | E::Complete | E::Expire,
            )
            | (S::Completed | S::Expired | S::Cancelled, _) => refused(),
        }
    }

    /// Whether the port has ended, one way or the other.
    pub fn is_final(&self) -> bool {
        matches!(
            self,
            PortStatus::Completed | PortStatus::Expired | PortStatus::Cancelled
        )
    }
}

/// Why a donor's port date is not legal.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PortDateError {
    #[error("{0} is not a Danish working day")]
    NotAWorkingDay(NaiveDate),
    #[error("the earliest legal port date is {earliest}")]
    TooEarly { earliest: NaiveDate },
    #[error("a port date is at most a year ahead: {latest} at the latest")]
    TooLate { latest: NaiveDate },
}

/// Whether `given` may be the port date of a request the donor received at `submitted`
/// for `requested`: a Danish working day, no earlier than the earliest legal date
/// (`calendar::port_date`), so a donor can neither rush nor ignore the owner's wish.
pub fn check_port_date(
    given: NaiveDate,
    submitted: DateTime<Utc>,
    requested: Option<NaiveDate>,
) -> Result<NaiveDate, PortDateError> {
    let earliest = port_date(submitted, requested);
    let latest = earliest + chrono::Months::new(12);
    if given > latest {
        return Err(PortDateError::TooLate { latest });
    }
    if !is_working_day(given) {
        return Err(PortDateError::NotAWorkingDay(given));
    }
    if given < earliest {
        return Err(PortDateError::TooEarly { earliest });
    }
    Ok(given)
}

/// The porting deadline (Teleloven §27 stk. 1) of a request submitted to the donor at
/// `submitted`: the Danish date at whose end (23:59) the number must have moved — the
/// first working day after the submission, or the owner's `requested` date if later.
pub fn deadline(submitted: DateTime<Utc>, requested: Option<NaiveDate>) -> NaiveDate {
    port_date(submitted, requested)
}

/// The first working day a port with `deadline` would be late on that is not counted
/// yet (`counted_to`: the last day counted). It counts from its start, 00:00 Danish
/// time, so the day the number moves (at 02:00) is a late day too.
pub fn next_late_day(deadline: NaiveDate, counted_to: Option<NaiveDate>) -> NaiveDate {
    next_working_day_after(counted_to.map_or(deadline, |c| c.max(deadline)))
}

/// The working days a port still not moved on `today` is late by, past `deadline`, that
/// are not counted yet (after `counted_to`), in order: each owes a compensation entry
/// (Teleloven §27 stk. 4).
pub fn late_days(
    deadline: NaiveDate,
    counted_to: Option<NaiveDate>,
    today: NaiveDate,
) -> Vec<NaiveDate> {
    let mut days = Vec::new();
    let mut day = next_late_day(deadline, counted_to);
    while day <= today {
        days.push(day);
        day = next_working_day_after(day);
    }
    days
}

/// Whether the admin may still cancel a port today (a Danish calendar date). From
/// the Danish working day before the port date on, the donor is already moving the
/// number, so a cancellation is refused. Before a port date is agreed it is allowed.
pub fn may_cancel(today_in_denmark: NaiveDate, port_date: Option<NaiveDate>) -> bool {
    match port_date {
        None => true,
        Some(port_date) => today_in_denmark < previous_working_day_before(port_date),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{assert_every_pair, from_str_value};
    use rstest::rstest;

    use PortEvent as E;
    use PortStatus as S;

    const ALLOWED: [(PortStatus, PortEvent, PortStatus); 13] = [
        (S::AwaitingSignature, E::Sign, S::Signed),
        (S::Signed, E::Submit, S::Submitted),
        (S::Submitted, E::Accept, S::Accepted),
        (S::Submitted, E::Reject, S::Rejected),
        (S::Rejected, E::Correct, S::AwaitingSignature),
        (S::Rejected, E::Resubmit, S::Submitted),
        (S::AwaitingSignature, E::Expire, S::Expired),
        (S::Accepted, E::Complete, S::Completed),
        (S::AwaitingSignature, E::Cancel, S::Cancelled),
        (S::Signed, E::Cancel, S::Cancelled),
        (S::Submitted, E::Cancel, S::Cancelled),
        (S::Rejected, E::Cancel, S::Cancelled),
        (S::Accepted, E::Cancel, S::Cancelled),
    ];

    #[rstest]
    #[case::the_owner_signs(S::AwaitingSignature, E::Sign, S::Signed)]
    #[case::a_signed_request_goes_to_the_donor(S::Signed, E::Submit, S::Submitted)]
    #[case::the_donor_accepts(S::Submitted, E::Accept, S::Accepted)]
    #[case::the_donor_rejects(S::Submitted, E::Reject, S::Rejected)]
    #[case::a_corrected_request_needs_a_fresh_signature(
        S::Rejected,
        E::Correct,
        S::AwaitingSignature
    )]
    #[case::a_correction_the_owner_did_not_sign_goes_to_the_donor_again(
        S::Rejected,
        E::Resubmit,
        S::Submitted
    )]
    #[case::an_unsigned_request_expires(S::AwaitingSignature, E::Expire, S::Expired)]
    #[case::an_accepted_port_completes(S::Accepted, E::Complete, S::Completed)]
    fn an_allowed_port_event_leads_to_the_next_state(
        #[case] from: PortStatus,
        #[case] event: PortEvent,
        #[case] to: PortStatus,
    ) {
        assert_eq!(from.apply(event), Ok(to));
    }

    #[rstest]
    #[case(S::AwaitingSignature)]
    #[case(S::Signed)]
    #[case(S::Submitted)]
    #[case(S::Rejected)]
    #[case(S::Accepted)]
    fn a_port_that_has_not_ended_can_be_cancelled(#[case] from: PortStatus) {
        assert_eq!(from.apply(E::Cancel), Ok(S::Cancelled));
    }

    #[rstest]
    #[case(S::Completed)]
    #[case(S::Expired)]
    #[case(S::Cancelled)]
    fn a_port_that_has_ended_cannot_be_cancelled(#[case] from: PortStatus) {
        assert_eq!(
            from.apply(E::Cancel),
            Err(TransitionError::new("number port", from.as_str(), "cancel"))
        );
    }

    #[test]
    fn every_other_state_and_event_pair_is_refused_naming_both() {
        assert_every_pair(
            "number port",
            &PortStatus::ALL,
            &PortEvent::ALL,
            &ALLOWED,
            PortStatus::apply,
            PortStatus::as_str,
            PortEvent::as_str,
        );
    }

    #[test]
    fn a_refusal_reads_as_a_sentence() {
        assert_eq!(
            S::Completed.apply(E::Cancel).unwrap_err().to_string(),
            "cannot cancel when the number port is completed"
        );
    }

    #[test]
    fn completed_expired_and_cancelled_are_the_final_states() {
        let finals: Vec<PortStatus> = PortStatus::ALL
            .into_iter()
            .filter(PortStatus::is_final)
            .collect();
        assert_eq!(finals, [S::Completed, S::Expired, S::Cancelled]);
    }

    #[test]
    fn every_port_status_event_and_rejection_code_reads_back_from_its_name() {
        for status in PortStatus::ALL {
            assert_eq!(status.as_str().parse::<PortStatus>(), Ok(status));
            assert_eq!(
                from_str_value::<PortStatus>(status.as_str()).unwrap(),
                status
            );
        }
        for event in PortEvent::ALL {
            assert_eq!(event.as_str().parse::<PortEvent>(), Ok(event));
            assert_eq!(from_str_value::<PortEvent>(event.as_str()).unwrap(), event);
        }
        for code in RejectionCode::ALL {
            assert_eq!(code.as_str().parse::<RejectionCode>(), Ok(code));
            assert_eq!(
                from_str_value::<RejectionCode>(code.as_str()).unwrap(),
                code
            );
        }
        let names: Vec<&str> = RejectionCode::ALL
            .iter()
            .map(RejectionCode::as_str)
            .collect();
        assert_eq!(
            names,
            [
                "owner_mismatch",
                "number_unknown",
                "number_inactive",
                "other"
            ]
        );
        assert_eq!(
            "busy".parse::<RejectionCode>().unwrap_err().code,
            "rejection_code_invalid"
        );
    }

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn at_hm(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
        date(y, m, d).and_hms_opt(h, min, 0).unwrap().and_utc()
    }

    /// The deadline table: submission time (UTC) and requested date → the deadline day.
    #[rstest]
    // Wednesday morning: Thursday.
    #[case(at_hm(2026, 3, 11, 9, 0), None, date(2026, 3, 12))]
    // Friday: the next working day is Monday.
    #[case(at_hm(2026, 3, 13, 9, 0), None, date(2026, 3, 16))]
    // Friday 23:30 Danish time is still Friday there: Monday.
    #[case(at_hm(2026, 3, 13, 22, 30), None, date(2026, 3, 16))]
    // 00:30 on Saturday in Denmark (23:30 UTC on Friday): Monday as well.
    #[case(at_hm(2026, 3, 13, 23, 30), None, date(2026, 3, 16))]
    // The day before Maundy Thursday: Maundy Thursday, Good Friday, the weekend and Easter
    // Monday are not working days, so Tuesday after Easter.
    #[case(at_hm(2026, 4, 1, 10, 0), None, date(2026, 4, 7))]
    // The owner asked for a later date: that date.
    #[case(at_hm(2026, 3, 11, 9, 0), Some(date(2026, 3, 19)), date(2026, 3, 19))]
    // A later date on a Saturday: the working day on or after it.
    #[case(at_hm(2026, 3, 11, 9, 0), Some(date(2026, 3, 21)), date(2026, 3, 23))]
    // An earlier requested date than the law's: the law's.
    #[case(at_hm(2026, 3, 11, 9, 0), Some(date(2026, 3, 1)), date(2026, 3, 12))]
    fn the_deadline_is_the_end_of_the_first_working_day_after_submission_or_the_requested_date(
        #[case] submitted: DateTime<Utc>,
        #[case] requested: Option<NaiveDate>,
        #[case] expected: NaiveDate,
    ) {
        assert_eq!(deadline(submitted, requested), expected);
    }

    #[test]
    fn a_deadline_ends_at_23_59_danish_time() {
        assert_eq!(
            crate::calendar::end_of_day(date(2026, 3, 16)),
            at_hm(2026, 3, 16, 22, 59) + chrono::TimeDelta::seconds(59)
        );
        assert_eq!(
            crate::calendar::end_of_day(date(2026, 6, 15)),
            at_hm(2026, 6, 15, 21, 59) + chrono::TimeDelta::seconds(59)
        );
        assert_eq!(
            crate::calendar::start_of_day(date(2026, 6, 15)),
            at_hm(2026, 6, 14, 22, 0)
        );
    }

    #[rstest]
    // Three working days past a Monday deadline, the third the day it moves.
    #[case(date(2026, 3, 16), None, date(2026, 3, 19), vec![date(2026, 3, 17), date(2026, 3, 18), date(2026, 3, 19)])]
    // A weekend in between counts nothing.
    #[case(date(2026, 3, 13), None, date(2026, 3, 16), vec![date(2026, 3, 16)])]
    // Nor do Easter's holidays: past a Wednesday deadline, Tuesday after Easter is day one.
    #[case(date(2026, 4, 1), None, date(2026, 4, 7), vec![date(2026, 4, 7)])]
    // What was counted is not counted again.
    #[case(date(2026, 3, 16), Some(date(2026, 3, 17)), date(2026, 3, 19), vec![date(2026, 3, 18), date(2026, 3, 19)])]
    // On the deadline day itself, nothing is late.
    #[case(date(2026, 3, 16), None, date(2026, 3, 16), vec![])]
    fn late_days_are_the_working_days_past_the_deadline(
        #[case] deadline_on: NaiveDate,
        #[case] counted_to: Option<NaiveDate>,
        #[case] today: NaiveDate,
        #[case] expected: Vec<NaiveDate>,
    ) {
        assert_eq!(late_days(deadline_on, counted_to, today), expected);
    }

    #[test]
    fn a_port_without_a_port_date_may_be_cancelled() {
        assert!(may_cancel(date(2026, 3, 10), None));
    }

    #[test]
    fn a_port_may_be_cancelled_until_the_working_day_before_its_date() {
        // Port on Thursday 12 March 2026; the working day before is Wednesday 11.
        assert!(may_cancel(date(2026, 3, 10), Some(date(2026, 3, 12))));
    }

    #[test]
    fn cancelling_is_refused_on_the_working_day_before_the_port_date() {
        assert!(!may_cancel(date(2026, 3, 11), Some(date(2026, 3, 12))));
    }

    #[test]
    fn cancelling_is_refused_on_and_after_the_port_date() {
        assert!(!may_cancel(date(2026, 3, 12), Some(date(2026, 3, 12))));
        assert!(!may_cancel(date(2026, 3, 13), Some(date(2026, 3, 12))));
    }

    #[test]
    fn the_working_day_before_a_monday_port_is_the_friday() {
        // Port on Monday 16 March 2026: refused from Friday 13 March, so the weekend
        // before does not count either.
        assert!(may_cancel(date(2026, 3, 12), Some(date(2026, 3, 16))));
        assert!(!may_cancel(date(2026, 3, 13), Some(date(2026, 3, 16))));
        assert!(!may_cancel(date(2026, 3, 14), Some(date(2026, 3, 16))));
    }

    #[test]
    fn the_working_day_before_the_port_date_skips_easter() {
        // Port on Tuesday 7 April 2026, after Easter Monday: the working day before
        // is Wednesday 1 April (Maundy Thursday to Easter Monday are holidays).
        assert!(may_cancel(date(2026, 3, 31), Some(date(2026, 4, 7))));
        assert!(!may_cancel(date(2026, 4, 1), Some(date(2026, 4, 7))));
    }

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn at(y: i32, m: u32, d: u32, h: u32) -> DateTime<Utc> {
        day(y, m, d).and_hms_opt(h, 0, 0).unwrap().and_utc()
    }

    #[rstest]
    #[case::christmas_day(day(2026, 12, 25))]
    #[case::easter_monday(day(2027, 3, 29))]
    #[case::whit_monday(day(2027, 5, 17))]
    #[case::a_sunday(day(2026, 12, 27))]
    fn a_port_date_on_a_holiday_or_weekend_is_refused(#[case] given: NaiveDate) {
        assert_eq!(
            check_port_date(given, at(2026, 12, 1, 9), None),
            Err(PortDateError::NotAWorkingDay(given))
        );
    }

    #[test]
    fn a_port_date_before_the_next_working_day_after_receipt_is_refused() {
        // Received on the Wednesday before Christmas: 24, 25 and 26 are holidays, 27 a Sunday.
        assert_eq!(
            check_port_date(day(2026, 12, 23), at(2026, 12, 23, 9), None),
            Err(PortDateError::TooEarly {
                earliest: day(2026, 12, 28)
            })
        );
        assert_eq!(
            check_port_date(day(2026, 12, 28), at(2026, 12, 23, 9), None),
            Ok(day(2026, 12, 28))
        );
    }

    #[test]
    fn a_port_date_more_than_a_year_ahead_is_refused_before_the_calendar_is_asked() {
        assert_eq!(
            check_port_date(NaiveDate::MAX, at(2026, 12, 1, 9), None),
            Err(PortDateError::TooLate {
                latest: day(2027, 12, 2)
            })
        );
    }

    #[test]
    fn a_port_date_before_the_owners_requested_date_is_refused() {
        assert_eq!(
            check_port_date(day(2027, 1, 4), at(2026, 12, 1, 9), Some(day(2027, 1, 15))),
            Err(PortDateError::TooEarly {
                earliest: day(2027, 1, 15)
            })
        );
    }
}
