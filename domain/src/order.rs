//! An order: the admin's "create new subscription" form, first a priced draft to
//! review ("Gå til ordrebekræftelse"), then approved ("Godkend og opret").

use chrono::{NaiveDate, NaiveDateTime};
use uuid::Uuid;

use crate::TransitionError;
use crate::email::EmailAddress;
use crate::employee::EmployeeDetails;
use crate::number::DanishNumber;
use crate::text::PersonName;

string_enum! {
    /// Where an order is. Only a draft can change; every other state is final.
    pub enum OrderStatus (code = "order_status_invalid", what = "order status") {
        /// Being reviewed; holds its number's reservation.
        Draft = "draft",
        /// Approved: the subscription exists.
        Confirmed = "confirmed",
        /// Withdrawn by the admin; its number is released.
        Cancelled = "cancelled",
        /// Left unconfirmed too long; its number is released.
        Expired = "expired",
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
            // What was approved, withdrawn or lapsed stays so: a change is a new order.
            (S::Confirmed | S::Cancelled | S::Expired, _) => {
                Err(TransitionError::new("order", self.as_str(), event.as_str()))
            }
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
}

impl Order {
    /// The status as of `now`: a draft past `expires_at` has expired, whether or not
    /// anything has written that down yet.
    pub fn status_at(&self, now: NaiveDateTime) -> OrderStatus {
        if self.status == OrderStatus::Draft && self.expires_at <= now {
            OrderStatus::Expired
        } else {
            self.status
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{assert_every_pair, from_str_value};
    use rstest::rstest;

    const ALLOWED: [(OrderStatus, OrderEvent, OrderStatus); 4] = [
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
    ];

    #[rstest]
    #[case::an_edited_draft_stays_a_draft(OrderEvent::Edit, OrderStatus::Draft)]
    #[case::a_confirmed_draft_is_confirmed(OrderEvent::Confirm, OrderStatus::Confirmed)]
    #[case::a_cancelled_draft_is_cancelled(OrderEvent::Cancel, OrderStatus::Cancelled)]
    #[case::a_lapsed_draft_is_expired(OrderEvent::Expire, OrderStatus::Expired)]
    fn every_event_is_allowed_on_a_draft(#[case] event: OrderEvent, #[case] to: OrderStatus) {
        assert_eq!(OrderStatus::Draft.apply(event), Ok(to));
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
