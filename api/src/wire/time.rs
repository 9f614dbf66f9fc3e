//! Instants on the wire, as chrono's serde writes them (RFC 3339, `Z`, as many fraction
//! digits as the instant needs), written to the serializer in one piece.
//!
//! chrono hands its formatter to `collect_str`, and serde_json escapes every fragment the
//! formatter writes as a string of its own: a timestamp became some twenty escaped writes of
//! one or two characters, a tenth of the time a page of subscriptions took to serialise.
//! Here chrono formats into one string (the same `write_rfc3339` with the same options), and
//! that string is written and escaped once.

use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serializer;

/// `#[serde(serialize_with = "…")]` for a `DateTime<Utc>`.
pub fn rfc3339<S: Serializer>(at: &DateTime<Utc>, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&format_rfc3339(at))
}

/// The instant as the JSON writes it, for other formats (a CSV cell).
pub fn format_rfc3339(at: &DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

/// `#[serde(serialize_with = "…")]` for an `Option<DateTime<Utc>>`: `null` when absent.
pub fn rfc3339_opt<S: Serializer>(
    at: &Option<DateTime<Utc>>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match at {
        Some(at) => rfc3339(at, serializer),
        None => serializer.serialize_none(),
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;
    use proptest::prelude::*;
    use serde::Serialize;

    use super::*;

    #[derive(Serialize)]
    struct Ours {
        #[serde(serialize_with = "rfc3339")]
        at: DateTime<Utc>,
        #[serde(serialize_with = "rfc3339_opt")]
        maybe: Option<DateTime<Utc>>,
    }

    #[derive(Serialize)]
    struct Chronos {
        at: DateTime<Utc>,
        maybe: Option<DateTime<Utc>>,
    }

    fn same_json(at: DateTime<Utc>, maybe: Option<DateTime<Utc>>) {
        let ours = serde_json::to_string(&Ours { at, maybe }).unwrap();
        let chronos = serde_json::to_string(&Chronos { at, maybe }).unwrap();
        assert_eq!(ours, chronos);
    }

    #[test]
    fn whole_seconds_milliseconds_microseconds_and_nanoseconds_read_as_chrono_writes_them() {
        let second = Utc.with_ymd_and_hms(2026, 11, 25, 9, 35, 0).unwrap();
        for nanos in [0, 120_000_000, 123_456_000, 123_456_789, 1] {
            let at = second + chrono::Duration::nanoseconds(nanos);
            same_json(at, Some(at));
        }
        same_json(second, None);
        assert_eq!(
            serde_json::to_string(&Ours {
                at: second + chrono::Duration::microseconds(123_456),
                maybe: None
            })
            .unwrap(),
            r#"{"at":"2026-11-25T09:35:00.123456Z","maybe":null}"#
        );
    }

    proptest! {
        #[test]
        fn any_instant_reads_as_chrono_writes_it(
            seconds in -62_135_596_800i64..253_402_300_799,
            nanos in 0u32..1_000_000_000,
            scale in 0usize..4,
        ) {
            // Whole seconds, and fractions that are whole milli- and microseconds, are the
            // shapes chrono shortens; draw them as often as arbitrary nanoseconds.
            let nanos = nanos - nanos % [1_000_000_000, 1_000_000, 1_000, 1][scale];
            let at = DateTime::from_timestamp(seconds, nanos).unwrap();
            same_json(at, Some(at));
        }
    }
}
