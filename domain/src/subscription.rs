//! A mobile subscription: an employee's plan, package, number and SIM, and the
//! Skype for Business sign-in that comes with it.

use chrono::{NaiveDate, NaiveDateTime};
use uuid::Uuid;

use crate::company::EmailDomain;
use crate::email::EmailAddress;
use crate::employee::{EmployeeDetails, Initials};
use crate::number::DanishNumber;
use crate::sim::Iccid;
use crate::{TransitionError, ValueError};

/// A subscription: what a confirmed order created.
#[derive(Debug, Clone, PartialEq)]
pub struct Subscription {
    pub id: Uuid,
    pub company: Uuid,
    pub order: Uuid,
    pub status: SubscriptionStatus,
    pub version: i32,
    pub plan: String,
    pub mobile_package: String,
    pub data_sharing_cards: i32,
    pub employee: EmployeeDetails,
    pub uc_account: UcAccount,
    pub number: DanishNumber,
    pub iccid: Iccid,
    /// When it ends (or ended).
    pub terminates_on: Option<NaiveDate>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

string_enum! {
    /// Where a subscription is.
    pub enum SubscriptionStatus (code = "subscription_status_invalid", what = "subscription status") {
        /// Created from a port-in order; waiting for the number to arrive.
        PendingPort = "pending_port",
        /// In use.
        Active = "active",
        /// Ended; its number has gone back to the company's pool.
        Terminated = "terminated",
    }
}

string_enum! {
    /// What can happen to a subscription.
    pub enum SubscriptionEvent (code = "subscription_event_invalid", what = "subscription event") {
        /// The number arrived from the donor operator.
        PortCompleted = "port_completed",
        /// The port was cancelled, so the subscription never gets its number.
        PortCancelled = "port_cancelled",
        /// Package, data-sharing cards or employee details changed.
        Change = "change",
        Terminate = "terminate",
    }
}

impl SubscriptionStatus {
    pub fn apply(self, event: SubscriptionEvent) -> Result<SubscriptionStatus, TransitionError> {
        use SubscriptionEvent as E;
        use SubscriptionStatus as S;
        match (self, event) {
            (S::PendingPort, E::PortCompleted) => Ok(S::Active),
            // Without its number the subscription has nothing to be.
            (S::PendingPort, E::PortCancelled) => Ok(S::Terminated),
            // Details may be corrected while the number is on its way.
            (S::PendingPort, E::Change) => Ok(S::PendingPort),
            (S::PendingPort, E::Terminate) => Ok(S::Terminated),
            (S::Active, E::Change) => Ok(S::Active),
            (S::Active, E::Terminate) => Ok(S::Terminated),
            (S::Active, E::PortCompleted | E::PortCancelled) | (S::Terminated, _) => Err(
                TransitionError::new("subscription", self.as_str(), event.as_str()),
            ),
        }
    }
}

/// The employee's Skype for Business sign-in address, sent in the welcome email.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct UcAccount(String);

impl UcAccount {
    /// `<initials>@<company domain>`, the initials lower-cased and spelled in ASCII
    /// (æ → ae, ø → oe, å → aa, the Danish transliteration) because sign-in
    /// addresses are ASCII.
    pub fn for_employee(initials: &Initials, domain: &EmailDomain) -> UcAccount {
        let mut local = String::with_capacity(initials.as_str().len() + 2);
        for letter in initials.as_str().chars() {
            match letter {
                'Æ' | 'æ' => local.push_str("ae"),
                'Ø' | 'ø' => local.push_str("oe"),
                'Å' | 'å' => local.push_str("aa"),
                other => local.push(other.to_ascii_lowercase()),
            }
        }
        UcAccount(format!("{local}@{domain}"))
    }

    /// Reads back a stored sign-in address; it has the shape of an email address.
    pub fn parse(input: &str) -> Result<Self, ValueError> {
        EmailAddress::parse(input)
            .map(|address| Self(address.into_inner()))
            .map_err(|_| {
                ValueError::new(
                    "uc_account_invalid",
                    format!("{:?} is not a valid sign-in address", input.trim()),
                )
            })
    }
}

string_newtype!(UcAccount);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{assert_every_pair, from_str_value};
    use rstest::rstest;

    const ALLOWED: [(SubscriptionStatus, SubscriptionEvent, SubscriptionStatus); 6] = [
        (
            SubscriptionStatus::PendingPort,
            SubscriptionEvent::PortCompleted,
            SubscriptionStatus::Active,
        ),
        (
            SubscriptionStatus::PendingPort,
            SubscriptionEvent::PortCancelled,
            SubscriptionStatus::Terminated,
        ),
        (
            SubscriptionStatus::PendingPort,
            SubscriptionEvent::Change,
            SubscriptionStatus::PendingPort,
        ),
        (
            SubscriptionStatus::PendingPort,
            SubscriptionEvent::Terminate,
            SubscriptionStatus::Terminated,
        ),
        (
            SubscriptionStatus::Active,
            SubscriptionEvent::Change,
            SubscriptionStatus::Active,
        ),
        (
            SubscriptionStatus::Active,
            SubscriptionEvent::Terminate,
            SubscriptionStatus::Terminated,
        ),
    ];

    #[rstest]
    #[case::a_completed_port_activates(
        SubscriptionStatus::PendingPort,
        SubscriptionEvent::PortCompleted,
        SubscriptionStatus::Active
    )]
    #[case::a_cancelled_port_terminates(
        SubscriptionStatus::PendingPort,
        SubscriptionEvent::PortCancelled,
        SubscriptionStatus::Terminated
    )]
    #[case::a_pending_subscription_can_be_changed(
        SubscriptionStatus::PendingPort,
        SubscriptionEvent::Change,
        SubscriptionStatus::PendingPort
    )]
    #[case::a_pending_subscription_can_be_terminated(
        SubscriptionStatus::PendingPort,
        SubscriptionEvent::Terminate,
        SubscriptionStatus::Terminated
    )]
    #[case::an_active_subscription_can_be_changed(
        SubscriptionStatus::Active,
        SubscriptionEvent::Change,
        SubscriptionStatus::Active
    )]
    #[case::an_active_subscription_can_be_terminated(
        SubscriptionStatus::Active,
        SubscriptionEvent::Terminate,
        SubscriptionStatus::Terminated
    )]
    fn an_allowed_subscription_event_leads_to_the_next_state(
        #[case] from: SubscriptionStatus,
        #[case] event: SubscriptionEvent,
        #[case] to: SubscriptionStatus,
    ) {
        assert_eq!(from.apply(event), Ok(to));
    }

    #[test]
    fn every_other_state_and_event_pair_is_refused_naming_both() {
        assert_every_pair(
            "subscription",
            &SubscriptionStatus::ALL,
            &SubscriptionEvent::ALL,
            &ALLOWED,
            SubscriptionStatus::apply,
            SubscriptionStatus::as_str,
            SubscriptionEvent::as_str,
        );
    }

    #[test]
    fn a_terminated_subscription_cannot_be_changed() {
        assert_eq!(
            SubscriptionStatus::Terminated
                .apply(SubscriptionEvent::Change)
                .unwrap_err()
                .to_string(),
            "cannot change when the subscription is terminated"
        );
    }

    #[test]
    fn every_subscription_status_and_event_reads_back_from_its_name() {
        for status in SubscriptionStatus::ALL {
            assert_eq!(status.as_str().parse::<SubscriptionStatus>(), Ok(status));
            assert_eq!(
                from_str_value::<SubscriptionStatus>(status.as_str()).unwrap(),
                status
            );
        }
        for event in SubscriptionEvent::ALL {
            assert_eq!(event.as_str().parse::<SubscriptionEvent>(), Ok(event));
            assert_eq!(
                from_str_value::<SubscriptionEvent>(event.as_str()).unwrap(),
                event
            );
        }
        assert_eq!(SubscriptionStatus::PendingPort.as_str(), "pending_port");
        assert_eq!(SubscriptionEvent::PortCompleted.as_str(), "port_completed");
    }

    #[rstest]
    #[case("MF", "mf@nordlys.dk")]
    #[case("SØRN", "soern@nordlys.dk")]
    #[case("ÆØÅ", "aeoeaa@nordlys.dk")]
    fn the_sign_in_address_is_the_initials_in_ascii_at_the_company_domain(
        #[case] initials: &str,
        #[case] expected: &str,
    ) {
        let initials = Initials::parse(initials).unwrap();
        let domain = EmailDomain::parse("Nordlys.dk").unwrap();
        let account = UcAccount::for_employee(&initials, &domain);
        assert_eq!(account.as_str(), expected);
        assert_eq!(UcAccount::parse(expected), Ok(account));
    }

    #[test]
    fn a_stored_sign_in_address_that_is_not_an_address_is_rejected() {
        assert_eq!(
            UcAccount::parse("mf").unwrap_err().code,
            "uc_account_invalid"
        );
    }
}
