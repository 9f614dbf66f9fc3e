//! The audit log: who did what to which object, and when.

use actix_web::{HttpResponse, get, web};
use chrono::{DateTime, Utc};
use persistence::audit::AuditEvent;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use crate::auth::Authenticated;
use crate::body::Query;
use crate::error::ApiResult;
use crate::state::AppState;
use crate::wire::{Page, PageQuery, utc};

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_audit_events);
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "01937a4e-8f2c-7cc3-9a51-3b1f0c9d2e47",
    "occurred_at": "2026-11-25T09:30:00Z",
    "actor": {"id": "01937a4e-0000-7cc3-9a51-3b1f0c9d2e47", "role": "admin"},
    "company_id": "01937a4e-1111-7cc3-9a51-3b1f0c9d2e47",
    "action": "order.confirmed",
    "object": {"type": "order", "id": "01937a4e-2222-7cc3-9a51-3b1f0c9d2e47"},
    "details": {"number": "+4520710001"}
}))]
pub struct AuditEventDto {
    pub id: Uuid,
    pub occurred_at: DateTime<Utc>,
    pub actor: Actor,
    /// The company the object belongs to; `null` for the operator's own objects.
    pub company_id: Option<Uuid>,
    /// What was done, as `object.verb`.
    pub action: String,
    pub object: AuditObject,
    /// What changed, by action.
    #[schema(value_type = Object)]
    pub details: serde_json::Value,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Actor {
    /// The user's or API client's id.
    pub id: String,
    pub role: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AuditObject {
    #[serde(rename = "type")]
    pub kind: String,
    pub id: String,
}

impl From<AuditEvent> for AuditEventDto {
    fn from(e: AuditEvent) -> Self {
        AuditEventDto {
            id: e.id,
            occurred_at: utc(e.occurred_at),
            actor: Actor {
                id: e.actor_id,
                role: e.actor_role,
            },
            company_id: e.company_id,
            action: e.action,
            object: AuditObject {
                kind: e.object_type,
                id: e.object_id,
            },
            details: e.details,
        }
    }
}

/// The audit log, oldest first: admins and viewers see their company's events, the
/// operator's staff everyone's.
#[utoipa::path(
    tag = "audit",
    operation_id = "list_audit_events",
    summary = "List audit events",
    security(("oauth2" = []), ("bearer" = [])),
    params(PageQuery),
    responses((status = 200, description = "A page of audit events", body = Page<AuditEventDto>))
)]
#[get("/audit-events")]
async fn list_audit_events(
    who: Authenticated,
    state: web::Data<AppState>,
    query: Query<PageQuery>,
) -> ApiResult<HttpResponse> {
    let (after, limit) = crate::http::page_params(&query)?;
    // Operators have no company and see all; company users only their own.
    let company = who.0.company;
    let scope = who.0.scope.clone();
    let page = state
        .run(move |conn| crate::app::audit::list(conn, (company, &scope), after, limit))
        .await?;
    Ok(HttpResponse::Ok().json(Page::<AuditEventDto>::from(page)))
}
