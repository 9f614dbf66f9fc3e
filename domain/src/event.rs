//! What partners are told of: the kinds of events a company's objects go through.

use chrono::{NaiveDateTime, TimeDelta};

use crate::ValueError;
use crate::porting::PortStatus;

/// A kind of event, named `object.what_happened` on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EventType {
    /// A draft became a subscription ("Godkend og opret").
    OrderConfirmed,
    /// The company's approval rule caught a confirm: the order waits for a second admin.
    OrderApprovalRequested,
    /// A second admin approved the order: it is confirmed.
    OrderApproved,
    /// A second admin rejected the order: it is a draft again.
    OrderApprovalRejected,
    /// A subscription is in use: at once for a new number, on the port date for a ported one.
    SubscriptionActivated,
    /// An admin changed a subscription (its mobile package, its data-sharing cards).
    SubscriptionChanged,
    /// A subscription ended.
    SubscriptionTerminated,
    /// The request went to the donor operator (again, after a correction).
    NumberPortSubmitted,
    NumberPortAccepted,
    NumberPortRejected,
    NumberPortCompleted,
    /// The owner never signed the power of attorney.
    NumberPortExpired,
    NumberPortCancelled,
    /// A port passed its deadline without moving (once per port; Teleloven §27).
    NumberPortDelayed,
    /// Every row of a bulk job became a draft: the job waits to be reviewed.
    BulkOrderDrafted,
    /// Every drafted row of a bulk job has had its confirm.
    BulkOrderCompleted,
    /// A sandbox company's test clock began to advance.
    TestClockAdvancing,
    /// A sandbox company's test clock reached its new time.
    TestClockReady,
}

impl EventType {
    /// Every kind, in the order the design lists them.
    pub const ALL: [EventType; 18] = [
        EventType::OrderConfirmed,
        EventType::SubscriptionActivated,
        EventType::SubscriptionChanged,
        EventType::SubscriptionTerminated,
        EventType::NumberPortSubmitted,
        EventType::NumberPortAccepted,
        EventType::NumberPortRejected,
        EventType::NumberPortCompleted,
        EventType::NumberPortExpired,
        EventType::NumberPortCancelled,
        EventType::NumberPortDelayed,
        EventType::BulkOrderDrafted,
        EventType::BulkOrderCompleted,
        EventType::OrderApprovalRequested,
        EventType::OrderApproved,
        EventType::OrderApprovalRejected,
        EventType::TestClockAdvancing,
        EventType::TestClockReady,
    ];

    /// The wire and database name.
    pub const fn as_str(&self) -> &'static str {
        match self {
            EventType::OrderConfirmed => "order.confirmed",
            EventType::SubscriptionActivated => "subscription.activated",
            EventType::SubscriptionChanged => "subscription.changed",
            EventType::SubscriptionTerminated => "subscription.terminated",
            EventType::NumberPortSubmitted => "number_port.submitted",
            EventType::NumberPortAccepted => "number_port.accepted",
            EventType::NumberPortRejected => "number_port.rejected",
            EventType::NumberPortCompleted => "number_port.completed",
            EventType::NumberPortExpired => "number_port.expired",
            EventType::NumberPortCancelled => "number_port.cancelled",
            EventType::NumberPortDelayed => "number_port.delayed",
            EventType::BulkOrderDrafted => "bulk_order.drafted",
            EventType::BulkOrderCompleted => "bulk_order.completed",
            EventType::OrderApprovalRequested => "order.approval_requested",
            EventType::OrderApproved => "order.approved",
            EventType::OrderApprovalRejected => "order.approval_rejected",
            EventType::TestClockAdvancing => "test_clock.advancing",
            EventType::TestClockReady => "test_clock.ready",
        }
    }

    /// The event a port entering `status` is, if partners hear of that step.
    pub const fn of_port(status: PortStatus) -> Option<EventType> {
        match status {
            PortStatus::Submitted => Some(EventType::NumberPortSubmitted),
            PortStatus::Accepted => Some(EventType::NumberPortAccepted),
            PortStatus::Rejected => Some(EventType::NumberPortRejected),
            PortStatus::Completed => Some(EventType::NumberPortCompleted),
            PortStatus::Expired => Some(EventType::NumberPortExpired),
            PortStatus::Cancelled => Some(EventType::NumberPortCancelled),
            PortStatus::AwaitingSignature | PortStatus::Signed => None,
        }
    }
}

impl std::fmt::Display for EventType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for EventType {
    type Err = ValueError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        EventType::ALL
            .into_iter()
            .find(|t| t.as_str() == s)
            .ok_or_else(|| {
                ValueError::new(
                    "event_type_invalid",
                    format!(
                        "{s:?} is not an event type; expected one of: {}",
                        EventType::ALL.map(|t| t.as_str()).join(", ")
                    ),
                )
            })
    }
}

/// When to try a failed webhook delivery again, after `attempts` tries of an event made
/// at `event_at`: 5 s, 5 min, 30 min, 2 h and 5 h after the last try, then every 10 h —
/// until 72 h after the event; `None` then (the delivery has failed).
pub fn next_attempt(
    attempts: i32,
    event_at: NaiveDateTime,
    now: NaiveDateTime,
) -> Option<NaiveDateTime> {
    let wait = match attempts {
        ..=1 => TimeDelta::seconds(5),
        2 => TimeDelta::minutes(5),
        3 => TimeDelta::minutes(30),
        4 => TimeDelta::hours(2),
        5 => TimeDelta::hours(5),
        _ => TimeDelta::hours(10),
    };
    let at = now + wait;
    (at <= event_at + TimeDelta::hours(72)).then_some(at)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failing_delivery_is_retried_on_the_schedule_until_72_hours_have_passed() {
        let start = chrono::NaiveDate::from_ymd_opt(2026, 12, 1)
            .and_then(|d| d.and_hms_opt(12, 0, 0))
            .unwrap_or_default();
        let mut now = start;
        let mut waits = Vec::new();
        let mut attempts = 1;
        while let Some(at) = next_attempt(attempts, start, now) {
            waits.push((at - now).num_seconds());
            now = at;
            attempts += 1;
        }
        assert_eq!(
            waits,
            [
                5, 300, 1800, 7200, 18000, 36000, 36000, 36000, 36000, 36000, 36000
            ]
        );
        assert!(now - start <= TimeDelta::hours(72));
    }

    #[test]
    fn every_name_reads_back_as_its_type() {
        for t in EventType::ALL {
            assert_eq!(t.as_str().parse::<EventType>(), Ok(t));
        }
        assert!("order.cancelled".parse::<EventType>().is_err());
    }

    #[test]
    fn every_step_a_partner_hears_of_is_an_event_and_no_other() {
        let told: Vec<_> = PortStatus::ALL
            .into_iter()
            .filter_map(EventType::of_port)
            .collect();
        assert_eq!(told.len(), 6);
        assert_eq!(EventType::of_port(PortStatus::Signed), None);
    }
}
