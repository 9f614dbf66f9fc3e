//! Each use case's errors as problem documents: the one place that decides the status
//! and `code` of every situation (docs/decisions.md, "One answer per situation").

use actix_web::http::{StatusCode, header};
use domain::bulk::BulkStatus;
use domain::order::OrderStatus;

use super::preconditions::stale;
use crate::app::bulk::BulkError;
use crate::app::company::CompanyError;
use crate::app::company_users::UserError;
use crate::app::help::{FEEDBACK_PER_WINDOW, HelpError};
use crate::app::idempotency::KeyError;
use crate::app::login::LoginError;
use crate::app::login_help::LoginHelpError;
use crate::app::operator::OperatorError;
use crate::app::orders::OrderError;
use crate::app::porting::PortError;
use crate::app::subscriptions::SubscriptionError;
use crate::app::test_clock::{ClockError, MAX_ADVANCE_DAYS};
use crate::app::webhooks::WebhookError;
use crate::error::{ApiError, FieldError};

impl From<KeyError> for ApiError {
    fn from(err: KeyError) -> Self {
        match err {
            KeyError::Reused => ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "idempotency_key_reused",
                "Idempotency key reused",
                "this Idempotency-Key was used for a different request; use a new key",
            ),
            KeyError::InFlight => ApiError::conflict(
                "idempotency_key_in_flight",
                "a request with this Idempotency-Key is still running; retry shortly",
            )
            .with_header(header::RETRY_AFTER, "1"),
            KeyError::InjectedFault => ApiError::internal(err),
        }
    }
}

impl From<ClockError> for ApiError {
    fn from(err: ClockError) -> Self {
        let invalid = |code: &str, message: String| ApiError::field("/frozen_time", code, message);
        match err {
            ClockError::NotASandbox => ApiError::new(
                StatusCode::NOT_FOUND,
                "not_a_sandbox",
                "Not found",
                "the company is not a sandbox; only a sandbox has a test clock",
            ),
            ClockError::Backwards(at) => invalid(
                "clock_backwards",
                format!(
                    "the clock stands at {}; it only moves forward",
                    at.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)
                ),
            ),
            ClockError::TooFar => invalid(
                "advance_too_far",
                format!("an advance moves the clock at most {MAX_ADVANCE_DAYS} days"),
            ),
            ClockError::Advancing => ApiError::conflict(
                "clock_advancing",
                "the clock is advancing; wait until it is ready",
            ),
            ClockError::Storage(err) => err.into(),
            ClockError::Internal(err) => ApiError::internal(err),
        }
    }
}

/// The maker of an order or a bulk job approving it.
fn self_approval() -> ApiError {
    ApiError::forbidden_because(
        "self_approval",
        "you asked for this approval; another admin must give it",
    )
}

/// An API client approving.
fn client_cannot_approve() -> ApiError {
    ApiError::forbidden_because(
        "api_client_cannot_approve",
        "an approval is given by a person: log in as an admin of the company",
    )
}

impl From<CompanyError> for ApiError {
    fn from(err: CompanyError) -> Self {
        match err {
            CompanyError::Stale => stale(),
            CompanyError::Invalid(errors) => ApiError::validation(errors),
            CompanyError::Storage(err) => err.into(),
        }
    }
}

impl From<OrderError> for ApiError {
    fn from(err: OrderError) -> Self {
        match err {
            OrderError::NotFound => ApiError::not_found("the order"),
            OrderError::Stale => stale(),
            OrderError::NotDraft(OrderStatus::Expired) => ApiError::conflict(
                "order_expired",
                "the draft expired and let its number go; create a new order",
            ),
            OrderError::NotDraft(status) => ApiError::conflict(
                "order_not_draft",
                format!("the order is {}; only a draft can change", status.as_str()),
            ),
            OrderError::NotAwaitingApproval(OrderStatus::ApprovalExpired) => ApiError::conflict(
                "approval_expired",
                "nobody approved the order in time and its number went free; create a new order",
            ),
            OrderError::NotAwaitingApproval(status) => ApiError::conflict(
                "order_not_awaiting_approval",
                format!(
                    "the order is {}; only an order awaiting approval is approved or rejected",
                    status.as_str()
                ),
            ),
            OrderError::SelfApproval => self_approval(),
            OrderError::ClientCannotApprove => client_cannot_approve(),
            OrderError::NumberUnavailable(number) => ApiError::conflict(
                "number_unavailable",
                format!("{number} is not free; pick another from GET /numbers/available"),
            )
            .with_errors(vec![FieldError::new(
                "/number/number",
                "number_unavailable",
                format!("{number} is not free"),
            )]),
            OrderError::TooManyUnsignedPorts(max) => ApiError::conflict(
                "too_many_unsigned_ports",
                format!(
                    "the company already has {max} number ports waiting for their owners' \
                     signatures; wait for them to be signed, or cancel some"
                ),
            ),
            OrderError::NoNumbersAvailable => ApiError::conflict(
                "no_numbers_available",
                "neither the company's pool nor the operator's has a free number",
            ),
            OrderError::PortExists(number) => ApiError::conflict(
                "number_port_exists",
                format!("{number} is already on its way to us in another port"),
            )
            .with_errors(vec![FieldError::new(
                "/number/number",
                "number_port_exists",
                format!("{number} is already being ported"),
            )]),
            OrderError::InBulkOrder(job) => ApiError::conflict(
                "order_in_bulk_order",
                format!(
                    "the draft is one row of bulk order {job}; confirm or cancel the job \
                     (POST /bulk-orders/{job}/confirm, DELETE /bulk-orders/{job})"
                ),
            ),
            OrderError::Invalid(errors) => ApiError::validation(errors),
            OrderError::Key(err) => err.into(),
            OrderError::Storage(err) => err.into(),
            OrderError::Internal(err) => ApiError::internal(err),
        }
    }
}

impl From<BulkError> for ApiError {
    fn from(err: BulkError) -> Self {
        match err {
            BulkError::NotFound => ApiError::not_found("the bulk order"),
            BulkError::Stale => stale(),
            BulkError::NotDrafted(BulkStatus::Expired) => ApiError::conflict(
                "bulk_order_expired",
                "the bulk order's drafts expired and let their numbers go; upload the file again",
            ),
            BulkError::NotAwaitingApproval(BulkStatus::Expired) => ApiError::conflict(
                "bulk_order_expired",
                "the bulk order's drafts expired and let their numbers go; upload the file again",
            ),
            BulkError::NotAwaitingApproval(status) => ApiError::conflict(
                "bulk_order_not_awaiting_approval",
                format!(
                    "the bulk order is {}; only a bulk order awaiting approval is approved or rejected",
                    status.as_str()
                ),
            ),
            BulkError::SelfApproval => self_approval(),
            BulkError::ClientCannotApprove => client_cannot_approve(),
            BulkError::Invalid(errors) => ApiError::validation(errors),
            BulkError::NotDrafted(status) => ApiError::conflict(
                "bulk_order_not_drafted",
                format!(
                    "the bulk order is {}; only a drafted one can be confirmed or cancelled",
                    status.as_str()
                ),
            ),
            BulkError::Running => ApiError::conflict(
                "bulk_order_running",
                "the company has a bulk order running; wait until it is drafted or completed",
            ),
            BulkError::Key(err) => err.into(),
            BulkError::Storage(err) => err.into(),
            BulkError::Internal(err) => ApiError::internal(err),
        }
    }
}

impl From<UserError> for ApiError {
    fn from(err: UserError) -> Self {
        match err {
            UserError::NotFound => ApiError::not_found("the user"),
            UserError::Stale => stale(),
            UserError::LastAdmin => ApiError::conflict(
                "last_admin",
                "the company would have no enabled admin left; make another user an admin first",
            ),
            UserError::CannotDisableSelf => ApiError::conflict(
                "cannot_disable_self",
                "you cannot disable your own login; ask another admin",
            ),
            UserError::EmailTaken => {
                ApiError::conflict("email_taken", "a user with this email exists")
            }
            UserError::HasPassword => ApiError::conflict(
                "user_has_password",
                "the user has chosen a password; they can reset it themselves",
            ),
            UserError::Storage(err) => err.into(),
            UserError::Internal(err) => ApiError::internal(err),
        }
    }
}

impl From<SubscriptionError> for ApiError {
    fn from(err: SubscriptionError) -> Self {
        match err {
            SubscriptionError::NotFound => ApiError::not_found("the subscription"),
            SubscriptionError::Stale => stale(),
            SubscriptionError::Terminated => ApiError::conflict(
                "subscription_terminated",
                "the subscription is terminated; it can no longer change",
            ),
            SubscriptionError::DateInPast { today } => ApiError::field(
                "/effective_date",
                "date_in_past",
                format!("a subscription ends today ({today}) at the earliest"),
            ),
            SubscriptionError::PendingPort { today } => ApiError::conflict(
                "subscription_pending_port",
                "a subscription waiting for its ported number ends at once, by cancelling \
                 the port: terminate it with today's date",
            )
            .with_errors(vec![FieldError::new(
                "/effective_date",
                "subscription_pending_port",
                format!("only today ({today}) is possible while the number is being ported"),
            )]),
            SubscriptionError::PortTooLateToCancel => ApiError::conflict(
                "port_too_late_to_cancel",
                "the donor is already moving the number (from the working day before the \
                 port date on); terminate the subscription after the port completes",
            ),
            SubscriptionError::Invalid(errors) => ApiError::validation(errors),
            SubscriptionError::Transition(err) => transition_refused(&err),
            SubscriptionError::Storage(err) => err.into(),
            SubscriptionError::Internal(err) => ApiError::internal(err),
        }
    }
}

impl From<OperatorError> for ApiError {
    fn from(err: OperatorError) -> Self {
        match err {
            OperatorError::CompanyNotFound => ApiError::not_found("the company"),
            OperatorError::CvrTaken(cvr) => ApiError::conflict(
                "cvr_taken",
                format!("a company with CVR {cvr} is already registered"),
            ),
            OperatorError::EmailTaken => {
                ApiError::conflict("email_taken", "a user with this email exists")
            }
            OperatorError::NumbersTaken(errors) => {
                ApiError::conflict("number_taken", "some numbers are already in a pool")
                    .with_errors(errors)
            }
            OperatorError::NumberAddedMeanwhile => ApiError::conflict(
                "number_taken",
                "a number was added by someone else at the same time",
            ),
            OperatorError::UserNotFound => ApiError::not_found("the user"),
            OperatorError::ClientNotFound => ApiError::not_found("the API client"),
            OperatorError::DisablingYourself => ApiError::conflict(
                "cannot_disable_yourself",
                "you cannot disable your own login; ask another operator",
            ),
            OperatorError::Storage(err) => err.into(),
            OperatorError::Internal(err) => ApiError::internal(err),
        }
    }
}

impl From<LoginError> for ApiError {
    fn from(err: LoginError) -> Self {
        match err {
            LoginError::TooManyFailures { retry_after } => ApiError::too_many_requests(
                retry_after,
                format!("too many failed logins; try again in {retry_after} seconds"),
            ),
            // RFC 6749 §5.2: a wrong password is the grant's fault, wrong client
            // credentials the client's.
            LoginError::Refused { client: false } => ApiError::new(
                StatusCode::BAD_REQUEST,
                "invalid_grant",
                "The credentials were not accepted",
                "wrong username or password",
            ),
            LoginError::Refused { client: true } => ApiError::new(
                StatusCode::UNAUTHORIZED,
                "invalid_client",
                "The client credentials were not accepted",
                "wrong client id or secret",
            )
            .with_header(header::WWW_AUTHENTICATE, "Basic realm=\"selvbetjening\""),
            LoginError::Storage(err) => err.into(),
        }
    }
}

impl From<HelpError> for ApiError {
    fn from(err: HelpError) -> Self {
        match err {
            HelpError::NotFound => ApiError::not_found("the article"),
            HelpError::TooMuchFeedback { retry_after } => ApiError::too_many_requests(
                retry_after,
                format!("at most {FEEDBACK_PER_WINDOW} answers an hour from one address"),
            ),
            HelpError::Storage(err) => err.into(),
        }
    }
}

impl From<PortError> for ApiError {
    fn from(err: PortError) -> Self {
        match err {
            PortError::NotFound => ApiError::not_found("the number port"),
            PortError::LinkGone => ApiError::new(
                StatusCode::GONE,
                "link_gone",
                "Gone",
                "this link no longer works; ask the company for a new one",
            ),
            PortError::Stale => stale(),
            PortError::NotAwaitingSignature(status) => ApiError::conflict(
                "port_not_awaiting_signature",
                format!(
                    "the port is {}; the link goes out only while it awaits a signature",
                    status.as_str()
                ),
            ),
            PortError::NotCorrectable(status) => ApiError::conflict(
                "port_not_correctable",
                format!(
                    "the port is {}; only a port awaiting its signature or rejected can be corrected",
                    status.as_str()
                ),
            ),
            PortError::TooLateToCancel => ApiError::conflict(
                "port_too_late_to_cancel",
                "the donor is already moving the number (from the working day before the \
                 port date on), or it has moved",
            ),
            PortError::Ended(status) => ApiError::conflict(
                "port_ended",
                format!(
                    "the port is {}; nothing more can happen to it",
                    status.as_str()
                ),
            ),
            PortError::NotSubmitted(status) => ApiError::conflict(
                "port_not_submitted",
                format!(
                    "the port is {}; the donor answers a submitted request",
                    status.as_str()
                ),
            ),
            PortError::NotAccepted(status) => ApiError::conflict(
                "port_not_accepted",
                format!(
                    "the port is {}; only an accepted port completes",
                    status.as_str()
                ),
            ),
            PortError::Invalid(errors) => ApiError::validation(errors),
            PortError::Transition(err) => transition_refused(&err),
            PortError::Storage(err) => err.into(),
            PortError::Internal(err) => ApiError::internal(err),
        }
    }
}

impl From<LoginHelpError> for ApiError {
    fn from(err: LoginHelpError) -> Self {
        match err {
            LoginHelpError::LinkGone => ApiError::new(
                StatusCode::GONE,
                "link_gone",
                "Gone",
                "this link no longer works; ask for a new one",
            ),
            LoginHelpError::TooManyRequests { retry_after } => ApiError::too_many_requests(
                retry_after,
                format!("too many requests for a new password; try again in {retry_after} seconds"),
            ),
            LoginHelpError::UserNotFound => ApiError::not_found("the user"),
            LoginHelpError::UserHasPassword => ApiError::conflict(
                "user_has_password",
                "the user has chosen a password; they can reset it themselves",
            ),
            LoginHelpError::Storage(err) => err.into(),
            LoginHelpError::Internal(err) => ApiError::internal(err),
        }
    }
}

impl From<WebhookError> for ApiError {
    fn from(err: WebhookError) -> Self {
        match err {
            WebhookError::NotFound => ApiError::not_found("the webhook endpoint"),
            WebhookError::DeliveryNotFound => ApiError::not_found("the delivery"),
            WebhookError::Stale => stale(),
            WebhookError::Invalid(errors) => ApiError::validation(errors),
            WebhookError::Storage(e) => e.into(),
            WebhookError::Internal(e) => ApiError::internal(e),
        }
    }
}

/// A step the lifecycle does not allow in the object's current state: the client asked
/// for it at the wrong time, which is a conflict with that state, never a server error.
fn transition_refused(err: &domain::error::TransitionError) -> ApiError {
    ApiError::conflict("invalid_state_transition", format!("{err}"))
}
