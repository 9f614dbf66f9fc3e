//! Webhook endpoints and their deliveries, as company admins see them.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::events::{EventTypeList, EventTypeSchema};

/// A URL that receives the company's events, signed as Standard Webhooks describes.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "01937a4e-4444-7cc3-9a51-3b1f0c9d2e47",
    "url": "https://hr.nordlys.example/webhooks/selvbetjening",
    "description": "HR-systemet",
    "events": ["order.confirmed", "subscription.activated"],
    "enabled": true,
    "previous_secret_expires_at": null,
    "version": 1,
    "created_at": "2026-11-25T09:00:00Z",
    "updated_at": "2026-11-25T09:00:00Z"
}))]
pub struct EndpointDto {
    pub id: Uuid,
    pub url: String,
    pub description: Option<String>,
    /// The event types it receives.
    #[schema(value_type = Vec<EventTypeSchema>)]
    pub events: Vec<String>,
    /// A disabled endpoint receives nothing; one failing for 5 days is disabled.
    pub enabled: bool,
    /// After a rotation: when the old secret stops signing beside the new one.
    #[serde(serialize_with = "super::time::rfc3339_opt")]
    pub previous_secret_expires_at: Option<DateTime<Utc>>,
    pub version: i32,
    #[serde(serialize_with = "super::time::rfc3339")]
    pub created_at: DateTime<Utc>,
    #[serde(serialize_with = "super::time::rfc3339")]
    pub updated_at: DateTime<Utc>,
}

/// A new endpoint, or a rotated one, with its signing secret: shown this once only.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "endpoint": {
        "id": "01937a4e-4444-7cc3-9a51-3b1f0c9d2e47",
        "url": "https://hr.nordlys.example/webhooks/selvbetjening",
        "description": "HR-systemet",
        "events": ["order.confirmed"],
        "enabled": true,
        "previous_secret_expires_at": null,
        "version": 1,
        "created_at": "2026-11-25T09:00:00Z",
        "updated_at": "2026-11-25T09:00:00Z"
    },
    "secret": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
}))]
pub struct EndpointWithSecret {
    pub endpoint: EndpointDto,
    /// `whsec_` and the base64 of 32 random bytes; verify deliveries with it.
    pub secret: String,
}

/// What a new endpoint receives, and where.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "url": "https://hr.nordlys.example/webhooks/selvbetjening",
    "events": ["order.confirmed", "subscription.activated"],
    "description": "HR-systemet"
}))]
pub struct NewEndpoint {
    #[schema(value_type = crate::wire::text::WebhookUrl)]
    pub url: String,
    /// The event types it receives: at least one, each once.
    #[schema(value_type = EventTypeList)]
    pub events: Vec<String>,
    #[serde(default)]
    #[schema(value_type = Option<crate::wire::text::Text500>)]
    pub description: Option<String>,
}

/// A merge patch (RFC 7396) of an endpoint: send only what changes; `null` removes the
/// description.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"events": ["order.confirmed"], "enabled": false}))]
pub struct EndpointPatch {
    #[serde(default)]
    #[schema(value_type = crate::wire::text::WebhookUrl)]
    pub url: Option<String>,
    #[serde(default)]
    #[schema(value_type = EventTypeList)]
    pub events: Option<Vec<String>>,
    #[serde(default)]
    #[schema(value_type = Option<crate::wire::text::Text500>)]
    pub description: Option<String>,
    #[serde(default)]
    #[schema(value_type = bool)]
    pub enabled: Option<bool>,
}

/// One event on its way to the endpoint, with every attempt so far.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "01937a4e-5555-7cc3-9a51-3b1f0c9d2e47",
    "event_id": "01937a4e-3333-7cc3-9a51-3b1f0c9d2e47",
    "event_type": "order.confirmed",
    "status": "pending",
    "next_attempt_at": "2026-11-25T09:05:05Z",
    "attempts": [{"at": "2026-11-25T09:05:00Z", "status_code": 500, "error": null, "duration_ms": 84}],
    "created_at": "2026-11-25T09:05:00Z"
}))]
pub struct DeliveryDto {
    pub id: Uuid,
    /// The event's id, sent as `webhook-id` on every attempt.
    pub event_id: Uuid,
    /// The event's type, or `ping` for a test.
    pub event_type: String,
    /// `pending` (another attempt will follow), `delivered` (a 2xx answer), or `failed`
    /// (given up after 72 hours).
    #[schema(value_type = DeliveryStatusSchema)]
    pub status: String,
    /// When the next attempt is due, while pending.
    #[serde(serialize_with = "super::time::rfc3339_opt")]
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub attempts: Vec<AttemptDto>,
    #[serde(serialize_with = "super::time::rfc3339")]
    pub created_at: DateTime<Utc>,
}

/// Where a delivery is.
#[derive(ToSchema)]
#[schema(as = DeliveryStatus)]
#[allow(dead_code)]
pub enum DeliveryStatusSchema {
    #[schema(rename = "pending")]
    Pending,
    #[schema(rename = "delivered")]
    Delivered,
    #[schema(rename = "failed")]
    Failed,
}

/// One try: the answer's status code, or why there was none.
#[derive(Debug, Serialize, ToSchema)]
pub struct AttemptDto {
    #[serde(serialize_with = "super::time::rfc3339")]
    pub at: DateTime<Utc>,
    /// The HTTP status the endpoint answered; `null` when it did not answer.
    pub status_code: Option<i32>,
    /// Why there was no answer (a timeout, a refused connection), if there was none.
    pub error: Option<String>,
    pub duration_ms: i32,
}

impl From<&persistence::webhook_endpoints::Endpoint> for EndpointDto {
    fn from(e: &persistence::webhook_endpoints::Endpoint) -> Self {
        EndpointDto {
            id: e.id,
            url: e.url.clone(),
            description: e.description.clone(),
            events: e.event_types.clone(),
            enabled: e.enabled,
            previous_secret_expires_at: e
                .previous_secret_until
                .filter(|_| e.previous_secret.is_some())
                .map(super::utc),
            version: e.version,
            created_at: super::utc(e.created_at),
            updated_at: super::utc(e.updated_at),
        }
    }
}

impl
    From<(
        persistence::webhook_deliveries::Delivery,
        Vec<persistence::webhook_deliveries::Attempt>,
    )> for DeliveryDto
{
    fn from(
        (d, attempts): (
            persistence::webhook_deliveries::Delivery,
            Vec<persistence::webhook_deliveries::Attempt>,
        ),
    ) -> Self {
        let pending = d.status == persistence::webhook_deliveries::DeliveryStatus::Pending;
        DeliveryDto {
            id: d.id,
            event_id: d.event_id,
            event_type: d.event_type,
            status: d.status.as_str().to_owned(),
            next_attempt_at: pending.then(|| super::utc(d.next_attempt_at)),
            attempts: attempts
                .into_iter()
                .map(|a| AttemptDto {
                    at: super::utc(a.attempted_at),
                    status_code: a.status_code,
                    error: a.error,
                    duration_ms: a.duration_ms,
                })
                .collect(),
            created_at: super::utc(d.created_at),
        }
    }
}
