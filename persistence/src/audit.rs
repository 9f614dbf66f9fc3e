use chrono::NaiveDateTime;
use diesel::prelude::*;
use domain::user::Scope;
use uuid::Uuid;

use crate::scopes::within;

use crate::error::uuid;
use crate::schema::audit_events;
use crate::{DbConnection, Error, Page, Result};

/// Who did what to which object, and when.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditEvent {
    pub id: Uuid,
    pub occurred_at: NaiveDateTime,
    pub actor_id: String,
    pub actor_role: String,
    pub company_id: Option<Uuid>,
    pub action: String,
    pub object_type: String,
    pub object_id: String,
    pub details: serde_json::Value,
}

#[derive(Debug, Clone)]
pub struct NewAuditEvent<'a> {
    pub actor_id: &'a str,
    pub actor_role: &'a str,
    pub company_id: Option<Uuid>,
    pub action: &'a str,
    pub object_type: &'a str,
    pub object_id: String,
    pub details: serde_json::Value,
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = audit_events, treat_none_as_default_value = false)]
struct AuditRow {
    id: String,
    occurred_at: NaiveDateTime,
    actor_id: String,
    actor_role: String,
    company_id: Option<String>,
    action: String,
    object_type: String,
    object_id: String,
    details: String,
}

impl TryFrom<AuditRow> for AuditEvent {
    type Error = Error;
    fn try_from(row: AuditRow) -> Result<Self> {
        Ok(AuditEvent {
            id: uuid("audit_events.id", &row.id)?,
            occurred_at: row.occurred_at,
            actor_id: row.actor_id,
            actor_role: row.actor_role,
            company_id: row
                .company_id
                .as_deref()
                .map(|c| uuid("audit_events.company_id", c))
                .transpose()?,
            action: row.action,
            object_type: row.object_type,
            object_id: row.object_id,
            details: serde_json::from_str(&row.details)
                .map_err(|_| Error::corrupt("audit_events.details", &row.details))?,
        })
    }
}

/// Writes an audit event; call it inside the transaction of the change it records.
pub fn record(conn: &mut DbConnection, event: NewAuditEvent<'_>) -> Result<()> {
    let row = AuditRow {
        id: crate::new_id().to_string(),
        occurred_at: crate::machine_now(),
        actor_id: event.actor_id.to_owned(),
        actor_role: event.actor_role.to_owned(),
        company_id: event.company_id.map(|c| c.to_string()),
        action: event.action.to_owned(),
        object_type: event.object_type.to_owned(),
        object_id: event.object_id,
        details: event.details.to_string(),
    };
    diesel::insert_into(audit_events::table)
        .values(&row)
        .execute(conn)?;
    Ok(())
}

/// Events, oldest first; `company: None` lists every company's (for operators).
pub fn list(
    conn: &mut DbConnection,
    company: Option<Uuid>,
    scope: &Scope,
    after: Option<Uuid>,
    limit: i64,
) -> Result<Page<AuditEvent>> {
    let mut query = audit_events::table
        .select(AuditRow::as_select())
        .order(audit_events::id.asc())
        .into_boxed();
    if let Some(company) = company {
        query = query.filter(audit_events::company_id.eq(company.to_string()));
        if let Some(centers) = scope.centers() {
            // Entries about the company's users, endpoints or rule are the whole company's.
            query = query.filter(within!(audit_events::object_id, company, centers));
        }
    }
    if let Some(after) = after {
        query = query.filter(audit_events::id.gt(after.to_string()));
    }
    let rows = query.limit(limit + 1).load(conn)?;
    Page::from_overfetch(rows, limit, |r| r.id.clone()).try_map(AuditEvent::try_from)
}
