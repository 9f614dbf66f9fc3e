//! Bulk onboarding: a spreadsheet of employees (or the same rows as JSON) becomes one
//! draft per row, reviewed as a whole and confirmed, or cancelled, as one job.

use chrono::NaiveDateTime;

use crate::TransitionError;

/// The most rows one job takes.
pub const MAX_ROWS: usize = 1_000;

/// The longest a CSV cell may be, in characters.
pub const MAX_CELL_CHARS: usize = 200;

string_enum! {
    /// Where a bulk job is. The first three and `confirming` are running: a company has at
    /// most one such job at a time.
    pub enum BulkStatus (code = "bulk_order_status_invalid", what = "bulk order status") {
        /// Every row is being checked by the order form's rules; nothing is written yet.
        Validating = "validating",
        /// Every row valid: one draft per row is being made, numbers reserved.
        Drafting = "drafting",
        /// Every row is a draft; the job waits to be reviewed and confirmed, or cancelled.
        Drafted = "drafted",
        /// Confirmed by an admin, waiting for another one to approve it (the company's
        /// approval rule caught it); its drafts are held until the approval expires.
        AwaitingApproval = "awaiting_approval",
        /// Confirmed: each draft is being confirmed as a single confirm would.
        Confirming = "confirming",
        /// Every row has had its confirm (a row that could not be confirmed says why).
        Completed = "completed",
        /// Some rows break the rules; every problem is listed and nothing was written.
        Invalid = "invalid",
        /// The job could not be drafted (e.g. too few free numbers); nothing is held.
        Failed = "failed",
        /// Withdrawn by an admin; its drafts are cancelled and their numbers free.
        Cancelled = "cancelled",
        /// Its drafts lapsed unconfirmed; their numbers are free again.
        Expired = "expired",
    }
}

string_enum! {
    /// What can happen to a bulk job.
    pub enum BulkEvent (code = "bulk_order_event_invalid", what = "bulk order event") {
        /// Every row obeys the rules.
        Validated = "validated",
        /// Some row breaks a rule.
        FoundProblems = "found_problems",
        /// Every row became a draft.
        Drafted = "drafted",
        /// The job cannot go on: too few numbers, a row's number or initials taken
        /// meanwhile, or a fault of ours.
        Fail = "fail",
        Confirm = "confirm",
        /// A confirm the approval rule caught: a second admin must approve the job.
        RequestApproval = "request_approval",
        /// The second admin's yes: the confirm happens now.
        Approve = "approve",
        /// The second admin's no: the job is drafted again.
        RejectApproval = "reject_approval",
        /// Every drafted row has had its confirm.
        Complete = "complete",
        Cancel = "cancel",
    }
}

impl BulkStatus {
    pub fn apply(self, event: BulkEvent) -> Result<BulkStatus, TransitionError> {
        use BulkEvent as E;
        use BulkStatus as S;
        match (self, event) {
            (S::Validating, E::Validated) => Ok(S::Drafting),
            (S::Validating, E::FoundProblems) => Ok(S::Invalid),
            (S::Validating, E::Fail) => Ok(S::Failed),
            (S::Drafting, E::Drafted) => Ok(S::Drafted),
            (S::Drafting, E::Fail) => Ok(S::Failed),
            (S::Drafted, E::Confirm) => Ok(S::Confirming),
            (S::Drafted, E::Cancel) => Ok(S::Cancelled),
            (S::Drafted, E::RequestApproval) => Ok(S::AwaitingApproval),
            (S::AwaitingApproval, E::Approve) => Ok(S::Confirming),
            (S::AwaitingApproval, E::RejectApproval) => Ok(S::Drafted),
            (S::AwaitingApproval, E::Cancel) => Ok(S::Cancelled),
            (S::Confirming, E::Complete) => Ok(S::Completed),
            _ => Err(TransitionError::new(
                "bulk order",
                self.as_str(),
                event.as_str(),
            )),
        }
    }

    /// Whether a process is (or should be) working on the job.
    pub fn is_running(self) -> bool {
        matches!(
            self,
            BulkStatus::Validating | BulkStatus::Drafting | BulkStatus::Confirming
        )
    }

    /// The status as of `now`: a drafted job whose drafts lapsed at `expires_at` has
    /// expired, whether or not anything has written that down.
    pub fn at(self, expires_at: Option<NaiveDateTime>, now: NaiveDateTime) -> BulkStatus {
        match (self, expires_at) {
            (BulkStatus::Drafted | BulkStatus::AwaitingApproval, Some(at)) if at <= now => {
                BulkStatus::Expired
            }
            (status, _) => status,
        }
    }
}

string_enum! {
    /// Where one row of a job is.
    pub enum RowStatus (code = "bulk_row_status_invalid", what = "bulk order row status") {
        /// Not yet drafted.
        Pending = "pending",
        /// Breaks a rule (its problems say which); the job is invalid.
        Invalid = "invalid",
        /// Its draft exists.
        Drafted = "drafted",
        /// Its subscription exists.
        Confirmed = "confirmed",
        /// Its draft could not be confirmed (its problems say why).
        Failed = "failed",
        /// Its draft was cancelled with the job.
        Cancelled = "cancelled",
    }
}

/// A problem with a job or one of its rows: the row (counted from 1, the CSV header not
/// a row), the CSV column, the field's pointer in the row's order form, and its code.
/// A problem of the whole job (e.g. `not_enough_numbers`) has no row.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Problem {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub row: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub column: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pointer: Option<String>,
    pub code: String,
    pub message: String,
    /// With `not_enough_numbers`: how many new numbers the rows need.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub needed: Option<i64>,
    /// With `not_enough_numbers`: how many the pools hold free.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub free: Option<i64>,
}

impl Problem {
    /// A problem of the whole job, or (with `row` set) of a row as a whole.
    pub fn of_job(code: impl Into<String>, message: impl Into<String>) -> Problem {
        Problem {
            row: None,
            column: None,
            pointer: None,
            code: code.into(),
            message: message.into(),
            needed: None,
            free: None,
        }
    }

    /// The job needs `needed` of something the company has `free` of.
    pub fn shortage(code: &str, message: String, needed: i64, free: i64) -> Problem {
        Problem {
            needed: Some(needed),
            free: Some(free),
            ..Problem::of_job(code, message)
        }
    }

    /// A problem of row `row` at `pointer` (and the CSV `column`, when the job is a file).
    pub fn at_row(
        row: u32,
        column: Option<String>,
        pointer: impl Into<String>,
        code: impl Into<String>,
        message: impl Into<String>,
    ) -> Problem {
        Problem {
            row: Some(row),
            column,
            pointer: Some(pointer.into()),
            code: code.into(),
            message: message.into(),
            needed: None,
            free: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_status_and_event_pair_has_a_decision() {
        for status in BulkStatus::ALL {
            for event in BulkEvent::ALL {
                let next = status.apply(event);
                let allowed = matches!(
                    (status, event),
                    (
                        BulkStatus::Validating,
                        BulkEvent::Validated | BulkEvent::FoundProblems | BulkEvent::Fail
                    ) | (BulkStatus::Drafting, BulkEvent::Drafted | BulkEvent::Fail)
                        | (
                            BulkStatus::Drafted,
                            BulkEvent::Confirm | BulkEvent::Cancel | BulkEvent::RequestApproval
                        )
                        | (
                            BulkStatus::AwaitingApproval,
                            BulkEvent::Approve | BulkEvent::RejectApproval | BulkEvent::Cancel
                        )
                        | (BulkStatus::Confirming, BulkEvent::Complete)
                );
                assert_eq!(next.is_ok(), allowed, "{status} + {event}");
            }
        }
    }

    #[test]
    fn a_finished_job_stays_finished() {
        for status in [
            BulkStatus::Completed,
            BulkStatus::Invalid,
            BulkStatus::Failed,
            BulkStatus::Cancelled,
            BulkStatus::Expired,
        ] {
            assert!(!status.is_running());
            for event in BulkEvent::ALL {
                assert!(status.apply(event).is_err(), "{status} + {event}");
            }
        }
    }

    #[test]
    fn a_drafted_job_expires_with_its_drafts() {
        let at = chrono::NaiveDate::from_ymd_opt(2026, 12, 7)
            .and_then(|d| d.and_hms_opt(12, 0, 0))
            .expect("a time");
        let before = at - chrono::Duration::seconds(1);
        assert_eq!(
            BulkStatus::Drafted.at(Some(at), before),
            BulkStatus::Drafted
        );
        assert_eq!(BulkStatus::Drafted.at(Some(at), at), BulkStatus::Expired);
        assert_eq!(
            BulkStatus::AwaitingApproval.at(Some(at), at),
            BulkStatus::Expired,
            "an unanswered approval lapses with the drafts it holds"
        );
        assert_eq!(
            BulkStatus::Completed.at(Some(at), at),
            BulkStatus::Completed
        );
    }
}
