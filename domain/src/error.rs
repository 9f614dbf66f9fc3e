//! The two ways a domain rule says no: a value that breaks a rule, and an event that
//! a lifecycle does not allow in its current state.

/// One value broke one rule. `code` is a stable snake_case machine code that clients
/// may branch on; `message` explains it to a person.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct ValueError {
    pub code: &'static str,
    pub message: String,
}

impl ValueError {
    pub fn new(code: &'static str, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }
}

/// An event that the lifecycle does not allow in its current state. It names the
/// machine (`"order"`, `"number"`, `"subscription"` or `"number port"`), the state
/// and the event, all in their snake_case names.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cannot {event} when the {machine} is {from}")]
pub struct TransitionError {
    pub machine: &'static str,
    pub from: &'static str,
    pub event: &'static str,
}

impl TransitionError {
    pub fn new(machine: &'static str, from: &'static str, event: &'static str) -> Self {
        Self {
            machine,
            from,
            event,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_value_error_displays_its_message() {
        let error = ValueError::new("required", "the name must not be empty");
        assert_eq!(error.to_string(), "the name must not be empty");
        assert_eq!(error.code, "required");
    }

    #[test]
    fn a_transition_error_names_the_machine_the_state_and_the_event() {
        let error = TransitionError::new("order", "confirmed", "edit");
        assert_eq!(error.to_string(), "cannot edit when the order is confirmed");
    }
}
