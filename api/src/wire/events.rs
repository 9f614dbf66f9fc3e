//! Events as partners read them (`GET /events`) and receive them (webhook bodies).

use chrono::{DateTime, Utc};
use domain::event::EventType;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

/// Something that happened to one of the company's objects. `data` is the object as
/// `GET` on it answered at that moment; order events by `created_at`.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "01937a4e-3333-7cc3-9a51-3b1f0c9d2e47",
    "type": "subscription.changed",
    "created_at": "2026-11-25T09:45:00Z",
    "company_id": "01937a4e-1111-7cc3-9a51-3b1f0c9d2e47",
    "data": {"id": "01937a4e-2222-7cc3-9a51-3b1f0c9d2e47", "status": "active", "number": "+4520710001"}
}))]
pub struct EventDto {
    /// The event's id; a webhook carries it as `webhook-id`, the same on every retry.
    pub id: Uuid,
    #[serde(rename = "type")]
    #[schema(value_type = EventTypeSchema)]
    pub event_type: String,
    #[serde(serialize_with = "super::time::rfc3339")]
    pub created_at: DateTime<Utc>,
    pub company_id: Uuid,
    /// The order, subscription or number port, as `GET` on it answered then.
    #[schema(value_type = Object)]
    pub data: serde_json::Value,
    /// `true` in a webhook from a sandbox company (its times are its test clock's);
    /// absent otherwise.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    #[schema(required = false)]
    pub sandbox: bool,
}

impl EventDto {
    /// The event as a webhook from a sandbox company carries it, when `sandbox`.
    pub fn in_sandbox(self, sandbox: bool) -> EventDto {
        EventDto { sandbox, ..self }
    }
}

impl From<persistence::events::Event> for EventDto {
    fn from(e: persistence::events::Event) -> Self {
        EventDto {
            id: e.id,
            event_type: e.event_type,
            created_at: super::utc(e.created_at),
            company_id: e.company_id,
            data: e.data,
            sandbox: false,
        }
    }
}

super::state_schema!(
    /// A kind of event.
    EventTypeSchema => EventType
);

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct EventListQuery {
    /// Only events of this type.
    #[serde(rename = "type")]
    #[param(rename = "type", value_type = Option<EventTypeSchema>, inline, example = "order.confirmed")]
    pub event_type: Option<String>,
    /// `next_cursor` of the previous page.
    #[param(value_type = Option<crate::wire::text::ListCursor>, inline)]
    pub cursor: Option<String>,
    /// Items per page, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200, example = 50)]
    pub limit: Option<i64>,
}

/// The event types an endpoint receives: at least one, each once.
pub struct EventTypeList;

impl utoipa::PartialSchema for EventTypeList {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::Schema> {
        utoipa::openapi::schema::ArrayBuilder::new()
            .items(EventTypeSchema::schema())
            .min_items(Some(1))
            .unique_items(true)
            .description(Some("Event types: at least one, each once."))
            .into()
    }
}

impl ToSchema for EventTypeList {}
