//! A sandbox company's test clock on the wire.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A sandbox company's business time: it stands still until an admin advances it.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({
    "frozen_time": "2026-12-07T09:00:00Z", "status": "advancing",
    "advancing_to": "2026-12-09T01:00:00Z", "updated_at": "2026-12-06T14:03:11Z"
}))]
pub struct TestClockDto {
    /// The company's business time now. While advancing, it moves from one due instant to
    /// the next until it reaches `advancing_to`.
    #[serde(serialize_with = "super::time::rfc3339")]
    pub frozen_time: DateTime<Utc>,
    /// `ready`, `advancing` or `internal_failure` (advancing again retries).
    #[schema(value_type = ClockStatusSchema)]
    pub status: String,
    /// Where the advance on its way goes; `null` when none is.
    #[serde(serialize_with = "super::time::rfc3339_opt")]
    pub advancing_to: Option<DateTime<Utc>>,
    /// When the clock last changed state (the system's time).
    #[serde(serialize_with = "super::time::rfc3339")]
    pub updated_at: DateTime<Utc>,
}

/// Where a test clock is.
pub struct ClockStatusSchema;

impl utoipa::PartialSchema for ClockStatusSchema {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::Schema> {
        utoipa::openapi::schema::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .enum_values(Some(["ready", "advancing", "internal_failure"]))
            .into()
    }
}

impl ToSchema for ClockStatusSchema {}

/// Where to move the clock: later than it stands, at most 365 days on.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"frozen_time": "2026-12-09T01:00:00Z"}))]
pub struct AdvanceTestClock {
    /// An instant (RFC 3339, with its offset).
    pub frozen_time: DateTime<Utc>,
}
