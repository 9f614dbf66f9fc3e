//! An order: the admin's "create new subscription" form, first a priced draft to
//! review ("Gå til ordrebekræftelse"), then approved ("Godkend og opret").

use chrono::{NaiveDate, NaiveDateTime};
use uuid::Uuid;

use crate::TransitionError;
use crate::approval::Approval;
use crate::email::EmailAddress;
use crate::employee::EmployeeDetails;
use crate::number::DanishNumber;
use crate::text::PersonName;

string_enum! {
    /// Where an order is. Only a draft can change; one awaiting approval waits for a
    /// second admin; every other state is final.
    pub enum OrderStatus (code = "order_status_invalid", what = "order status") {
        /// Being reviewed; holds its number's reservation.
        Draft = "draft",
        /// Confirmed by an admin, waiting for another one to approve (the company's
        /// approval rule caught it); still holds its number until the approval expires.
        AwaitingApproval = "awaiting_approval",
        /// Approved: the subscription exists.
        Confirmed = "confirmed",
        /// Withdrawn by the admin; its number is released.
        Cancelled = "cancelled",
        /// Left unconfirmed too long; its number is released.
        Expired = "expired",
        /// Left unapproved too long; its number is released.
        ApprovalExpired = "approval_expired",
    }
}

string_enum! {
    /// What can happen to an order.
    pub enum OrderEvent (code = "order_event_invalid", what = "order event") {
        /// "Jeg ønsker at rette i min bestilling": correct the draft.
        Edit = "edit",
        /// "Godkend og opret": approve and create.
        Confirm = "confirm",
        Cancel = "cancel",
        Expire = "expire",
        /// A confirm the approval rule caught: a second admin must approve it.
        RequestApproval = "request_approval",
        /// The second admin's yes: the confirm happens now.
        Approve = "approve",
        /// The second admin's no: the order is a draft again.
        RejectApproval = "reject_approval",
    }
}

impl OrderStatus {
    pub fn apply(self, event: OrderEvent) -> Result<OrderStatus, TransitionError> {
        use OrderEvent as E;
        use OrderStatus as S;
        match (self, event) {
            (S::Draft, E::Edit) => Ok(S::Draft),
            (S::Draft, E::Confirm) => Ok(S::Confirmed),
            (S::Draft, E::Cancel) => Ok(S::Cancelled),
            (S::Draft, E::Expire) => Ok(S::Expired),
            (S::Draft, E::RequestApproval) => Ok(S::AwaitingApproval),
            (S::AwaitingApproval, E::Approve) => Ok(S::Confirmed),
            (S::AwaitingApproval, E::RejectApproval) => Ok(S::Draft),
            (S::AwaitingApproval, E::Cancel) => Ok(S::Cancelled),
            (S::AwaitingApproval, E::Expire) => Ok(S::ApprovalExpired),
            // What was approved, withdrawn or lapsed stays so: a change is a new order.
            _ => Err(TransitionError::new("order", self.as_str(), event.as_str())),
        }
    }

    /// Whether the order can still change.
    pub fn is_draft(&self) -> bool {
        matches!(self, OrderStatus::Draft)
    }
}

/// A port-in's request: who owns the number, as the donor has it, and when it should move.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PortRequest {
    /// Receives the power of attorney to sign.
    pub owner_email: EmailAddress,
    pub owner_name: PersonName,
    /// The wished port date; the earliest legal date when `None`.
    pub requested_date: Option<NaiveDate>,
}

/// The number an order gives the employee.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OrderNumber {
    /// One of ours, reserved while the order is a draft.
    New(DanishNumber),
    /// The employee's existing number, ported in from another operator.
    PortIn(DanishNumber, PortRequest),
}

impl OrderNumber {
    pub fn number(&self) -> &DanishNumber {
        match self {
            OrderNumber::New(n) | OrderNumber::PortIn(n, _) => n,
        }
    }

    pub fn port(&self) -> Option<&PortRequest> {
        match self {
            OrderNumber::New(_) => None,
            OrderNumber::PortIn(_, port) => Some(port),
        }
    }
}

/// An order: the form the admin filled in, priced by its plan and package codes.
#[derive(Debug, Clone, PartialEq)]
pub struct Order {
    pub id: Uuid,
    pub company: Uuid,
    /// As written down; see [`Order::status_at`] for the status at a moment.
    pub status: OrderStatus,
    pub version: i32,
    pub plan: String,
    pub mobile_package: String,
    pub data_sharing_cards: i32,
    pub employee: EmployeeDetails,
    pub number: OrderNumber,
    pub expires_at: NaiveDateTime,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// The subscription a confirmed order created.
    pub subscription: Option<Uuid>,
    /// The bulk job that drafted the order: it is confirmed or cancelled with the job.
    pub bulk_order: Option<Uuid>,
    /// The latest approval asked for it (the company's approval rule caught its confirm).
    pub approval: Option<Approval>,
}

impl Order {
    /// The status as of `now`: a draft (or an approval) past `expires_at` has expired,
    /// whether or not anything has written that down yet.
    pub fn status_at(&self, now: NaiveDateTime) -> OrderStatus {
        match self.status {
            OrderStatus::Draft if self.expires_at <= now => OrderStatus::Expired,
            OrderStatus::AwaitingApproval if self.expires_at <= now => OrderStatus::ApprovalExpired,
            status => status,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{assert_every_pair, from_str_value};
    use rstest::rstest;

    const ALLOWED: [(OrderStatus, OrderEvent, OrderStatus); 9] = [
        (OrderStatus::Draft, OrderEvent::Edit, OrderStatus::Draft),
        (
            OrderStatus::Draft,
            OrderEvent::Confirm,
            OrderStatus::Confirmed,
        ),
        (
            OrderStatus::Draft,
            OrderEvent::Cancel,
            OrderStatus::Cancelled,
        ),
        (OrderStatus::Draft, OrderEvent::Expire, OrderStatus::Expired),
        (
            OrderStatus::Draft,
            OrderEvent::RequestApproval,
            OrderStatus::AwaitingApproval,
        ),
        (
            OrderStatus::AwaitingApproval,
            OrderEvent::Approve,
            OrderStatus::Confirmed,
        ),
        (
            OrderStatus::AwaitingApproval,
            OrderEvent::RejectApproval,
            OrderStatus::Draft,
        ),
        (
            OrderStatus::AwaitingApproval,
            OrderEvent::Cancel,
            OrderStatus::Cancelled,
        ),
        (
            OrderStatus::AwaitingApproval,
            OrderEvent::Expire,
            OrderStatus::ApprovalExpired,
        ),
    ];

    #[rstest]
    #[case::an_edited_draft_stays_a_draft(OrderEvent::Edit, OrderStatus::Draft)]
    #[case::a_confirmed_draft_is_confirmed(OrderEvent::Confirm, OrderStatus::Confirmed)]
    #[case::a_cancelled_draft_is_cancelled(OrderEvent::Cancel, OrderStatus::Cancelled)]
    #[case::a_lapsed_draft_is_expired(OrderEvent::Expire, OrderStatus::Expired)]
    #[case::a_caught_confirm_awaits_approval(
        OrderEvent::RequestApproval,
        OrderStatus::AwaitingApproval
    )]
    fn a_draft_moves_on(#[case] event: OrderEvent, #[case] to: OrderStatus) {
        assert_eq!(OrderStatus::Draft.apply(event), Ok(to));
    }

    #[test]
    fn an_approval_cannot_be_approved_twice_nor_a_draft_approved() {
        assert!(OrderStatus::Confirmed.apply(OrderEvent::Approve).is_err());
        assert!(OrderStatus::Draft.apply(OrderEvent::Approve).is_err());
        assert!(
            OrderStatus::AwaitingApproval
                .apply(OrderEvent::Edit)
                .is_err()
        );
    }

    #[test]
    fn every_event_on_a_non_draft_is_refused_naming_the_state_and_the_event() {
        assert_every_pair(
            "order",
            &OrderStatus::ALL,
            &OrderEvent::ALL,
            &ALLOWED,
            OrderStatus::apply,
            OrderStatus::as_str,
            OrderEvent::as_str,
        );
    }

    #[test]
    fn confirming_twice_is_refused() {
        assert_eq!(
            OrderStatus::Confirmed
                .apply(OrderEvent::Confirm)
                .unwrap_err()
                .to_string(),
            "cannot confirm when the order is confirmed"
        );
    }

    #[test]
    fn only_a_draft_is_a_draft() {
        let drafts: Vec<OrderStatus> = OrderStatus::ALL
            .into_iter()
            .filter(OrderStatus::is_draft)
            .collect();
        assert_eq!(drafts, [OrderStatus::Draft]);
    }

    #[test]
    fn every_order_status_and_event_reads_back_from_its_name() {
        for status in OrderStatus::ALL {
            assert_eq!(status.as_str().parse::<OrderStatus>(), Ok(status));
            assert_eq!(
                from_str_value::<OrderStatus>(status.as_str()).unwrap(),
                status
            );
        }
        for event in OrderEvent::ALL {
            assert_eq!(event.as_str().parse::<OrderEvent>(), Ok(event));
            assert_eq!(from_str_value::<OrderEvent>(event.as_str()).unwrap(), event);
        }
        assert_eq!(
            "Draft".parse::<OrderStatus>().unwrap_err().code,
            "order_status_invalid"
        );
    }
}
