//! The operator reads the outbox: every email queued, and how its delivery went.

use actix_web::{HttpResponse, get, web};
use chrono::{DateTime, Utc};
use domain::message::MessageStatus;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::auth::OperatorStaff;
use crate::body::Query;
use crate::error::ApiResult;
use crate::http::list_params;
use crate::state::AppState;
use crate::wire::{Page, utc};

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_outbox);
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "01937a50-0000-7cc3-9a51-3b1f0c9d2e47", "company_id": "01937a4e-8f2c-7cc3-9a51-3b1f0c9d2e47",
    "kind": "welcome", "recipient": "mette@nordlys.example", "subject": "Velkommen – dit nye mobilabonnement er klar",
    "status": "sent", "attempts": 1, "next_attempt_at": "2026-11-25T09:35:00Z", "last_error": null,
    "created_at": "2026-11-25T09:35:00Z", "sent_at": "2026-11-25T09:35:01Z"
}))]
pub struct OutboxMessageDto {
    pub id: String,
    pub company_id: Option<String>,
    /// `welcome`, `poa_request`, …
    pub kind: String,
    pub recipient: String,
    pub subject: String,
    /// `pending`, `sent` or `failed` (given up after 10 attempts).
    pub status: String,
    pub attempts: i32,
    pub next_attempt_at: DateTime<Utc>,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
}

impl From<persistence::outbox::Message> for OutboxMessageDto {
    fn from(m: persistence::outbox::Message) -> Self {
        OutboxMessageDto {
            id: m.id.to_string(),
            company_id: m.company_id.map(|c| c.to_string()),
            kind: m.kind,
            recipient: m.recipient,
            subject: m.subject,
            status: m.status.as_str().to_owned(),
            attempts: m.attempts,
            next_attempt_at: utc(m.next_attempt_at),
            last_error: m.last_error,
            created_at: utc(m.created_at),
            sent_at: m.sent_at.map(utc),
        }
    }
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct OutboxQuery {
    /// Only messages in this state: `pending`, `sent` or `failed`.
    #[param(value_type = Option<OutboxStatus>, inline, example = "pending")]
    pub status: Option<String>,
    /// `next_cursor` of the previous page.
    #[param(value_type = Option<crate::wire::text::ListCursor>, inline)]
    pub cursor: Option<String>,
    /// Items per page, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200, example = 50)]
    pub limit: Option<i64>,
}

/// The emails the service has queued and sent, oldest first.
#[utoipa::path(
    tag = "operator",
    operation_id = "list_outbox",
    summary = "List outgoing email",
    security(("oauth2" = []), ("bearer" = [])),
    params(OutboxQuery),
    responses((status = 200, description = "A page of messages", body = Page<OutboxMessageDto>))
)]
#[get("/outbox")]
async fn list_outbox(
    _who: OperatorStaff,
    state: web::Data<AppState>,
    query: Query<OutboxQuery>,
) -> ApiResult<HttpResponse> {
    let (after, limit, status) = list_params::<MessageStatus>(
        query.cursor.as_deref(),
        query.limit,
        query.status.as_deref(),
        "pending, sent, failed",
    )?;
    let page = state
        .run(move |conn| crate::app::operator::outbox(conn, status, after, limit))
        .await?;
    Ok(HttpResponse::Ok().json(Page::<OutboxMessageDto>::from(page)))
}

/// A delivery state of an outbox message.
// The names of `MessageStatus`; a test holds the two together.
#[derive(ToSchema)]
#[schema(rename_all = "lowercase")]
#[allow(dead_code)]
pub enum OutboxStatus {
    Pending,
    Sent,
    Failed,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_documented_outbox_states_are_the_message_states() {
        let schema =
            serde_json::to_value(<OutboxStatus as utoipa::PartialSchema>::schema()).unwrap();
        let documented: Vec<&str> = schema["enum"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        let states: Vec<&str> = MessageStatus::ALL.iter().map(|s| s.as_str()).collect();
        assert_eq!(documented, states);
    }
}
