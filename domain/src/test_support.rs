//! Helpers shared by the unit tests.

use serde::de::{DeserializeOwned, IntoDeserializer, value::Error};

/// Deserializes `T` from a bare string, the way serde would read a JSON string.
pub(crate) fn from_str_value<T: DeserializeOwned>(value: &str) -> Result<T, Error> {
    T::deserialize(IntoDeserializer::<Error>::into_deserializer(value))
}

/// Walks every (state, event) pair of a lifecycle: a pair listed in `allowed` must
/// lead to its listed state, every other pair must be refused with a
/// `TransitionError` naming the machine, the state and the event.
pub(crate) fn assert_every_pair<S, E>(
    machine: &'static str,
    states: &[S],
    events: &[E],
    allowed: &[(S, E, S)],
    apply: impl Fn(S, E) -> Result<S, crate::TransitionError>,
    state_name: impl Fn(&S) -> &'static str,
    event_name: impl Fn(&E) -> &'static str,
) where
    S: Copy + PartialEq + std::fmt::Debug,
    E: Copy + PartialEq + std::fmt::Debug,
{
    for &from in states {
        for &event in events {
            let expected = allowed
                .iter()
                .find(|(state, e, _)| *state == from && *e == event)
                .map(|&(_, _, to)| to)
                .ok_or_else(|| {
                    crate::TransitionError::new(machine, state_name(&from), event_name(&event))
                });
            assert_eq!(apply(from, event), expected, "{from:?} + {event:?}");
        }
    }
}
