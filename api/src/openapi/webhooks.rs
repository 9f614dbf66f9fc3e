//! The events partners receive, described with OpenAPI 3.1 `webhooks`, so that clients
//! generate their types: one POST per event type, its body the event with the object it
//! carries, its headers the Standard Webhooks signature.

use domain::event::EventType;
use serde_json::{Value, json};
use utoipa::Modify;
use utoipa::openapi::OpenApi;

pub(super) struct PartnerWebhooks;

/// The schema of the object an event type carries.
fn data_schema(kind: Option<EventType>) -> Value {
    let name = match kind {
        Some(
            EventType::OrderConfirmed
            | EventType::OrderApprovalRequested
            | EventType::OrderApproved
            | EventType::OrderApprovalRejected,
        ) => "OrderDto",
        Some(
            EventType::SubscriptionActivated
            | EventType::SubscriptionChanged
            | EventType::SubscriptionTerminated,
        ) => "SubscriptionDto",
        Some(
            EventType::NumberPortSubmitted
            | EventType::NumberPortAccepted
            | EventType::NumberPortRejected
            | EventType::NumberPortCompleted
            | EventType::NumberPortExpired
            | EventType::NumberPortCancelled
            | EventType::NumberPortDelayed,
        ) => "NumberPortDto",
        Some(EventType::BulkOrderDrafted | EventType::BulkOrderCompleted) => "BulkOrderDto",
        Some(EventType::TestClockAdvancing | EventType::TestClockReady) => "TestClockDto",
        None => {
            return json!({
                "type": "object",
                "required": ["endpoint_id"],
                "properties": {"endpoint_id": {"type": "string", "format": "uuid"}},
                "additionalProperties": false,
            });
        }
    };
    json!({"$ref": format!("#/components/schemas/{name}")})
}

fn header(name: &str, description: &str, example: &str) -> Value {
    json!({
        "name": name, "in": "header", "required": true, "description": description,
        "schema": {"type": "string"}, "example": example,
    })
}

fn webhook(name: &str, kind: Option<EventType>) -> Value {
    let summary = match kind {
        Some(_) => format!("The `{name}` event"),
        None => "A test sent by `POST /webhook-endpoints/{id}/test`".to_owned(),
    };
    json!({
        "post": {
            "tags": ["events"],
            "summary": summary,
            "description": "Sent to every enabled endpoint that receives this type. Verify the \
                signature with a Standard Webhooks library and the endpoint's secret; the same \
                `webhook-id` comes on every retry.",
            "operationId": format!("webhook_{}", name.replace('.', "_")),
            "parameters": [
                header("webhook-id", "The event's id: the same on every attempt.", "01937a4e-3333-7cc3-9a51-3b1f0c9d2e47"),
                header("webhook-timestamp", "When this attempt was signed, in Unix seconds.", "1764064800"),
                header("webhook-signature", "`v1,` and the base64 HMAC-SHA256 of `id.timestamp.body`; during a secret rotation two, space-separated.", "v1,K5oZfzN95Z9UVu1EsfQmfVNQhnkZ2pj9o9NDN/H/pI4="),
            ],
            "requestBody": {
                "required": true,
                "content": {"application/json": {"schema": {
                    "type": "object",
                    "required": ["id", "type", "created_at", "company_id", "data"],
                    "additionalProperties": false,
                    "properties": {
                        "id": {"type": "string", "format": "uuid"},
                        "type": {"type": "string", "enum": [name]},
                        "created_at": {"type": "string", "format": "date-time"},
                        "company_id": {"type": "string", "format": "uuid"},
                        "data": data_schema(kind),
                    },
                }}},
            },
            "responses": {
                "2XX": {"description": "Received: any 2xx answer delivers the event."},
                "default": {"description": "Anything else (or no answer in 10 seconds) is retried: 5 s, 5 min, 30 min, 2 h, 5 h, then every 10 h until 72 h after the event. Redirects are not followed."},
            },
            "security": [],
        }
    })
}

impl Modify for PartnerWebhooks {
    fn modify(&self, openapi: &mut OpenApi) {
        let mut all = serde_json::Map::new();
        for kind in EventType::ALL {
            all.insert(kind.as_str().to_owned(), webhook(kind.as_str(), Some(kind)));
        }
        all.insert("ping".to_owned(), webhook("ping", None));
        match serde_json::from_value(Value::Object(all)) {
            Ok(paths) => openapi.webhooks = Some(paths),
            Err(e) => tracing::error!(error = %e, "the webhooks could not be described"),
        }
    }
}
