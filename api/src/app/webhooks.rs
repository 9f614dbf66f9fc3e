//! Webhook endpoints, company admins' own: register a URL for some event types (the
//! signing secret shown once), change, disable or delete it, rotate its secret (the old
//! one keeps signing beside the new one for 24 hours), send it a test `ping`, read its
//! deliveries and retry one. Where a URL may point is checked before a use case runs
//! (`crate::webhooks::targets`), since that takes name resolution.

use chrono::{Duration, NaiveDateTime};
use domain::event::EventType;
use persistence::webhook_endpoints::Endpoint;
use persistence::{DbConnection, Page};
use uuid::Uuid;

use super::{IfMatch, Principal, audit};
use crate::error::FieldError;
use crate::fields::Fields;
use crate::wire::webhooks::{DeliveryDto, EndpointDto, EndpointPatch, EndpointWithSecret};

/// How long a rotated-out secret keeps signing.
pub const ROTATION_OVERLAP_HOURS: i64 = 24;

#[derive(Debug, thiserror::Error)]
pub enum WebhookError {
    #[error("no such webhook endpoint")]
    NotFound,
    #[error("no such delivery")]
    DeliveryNotFound,
    #[error("the endpoint changed since it was read")]
    Stale,
    #[error("invalid fields")]
    Invalid(Vec<FieldError>),
    #[error(transparent)]
    Storage(#[from] persistence::Error),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

/// What a new endpoint is: its URL already checked against the allowed targets.
pub struct NewEndpoint {
    pub url: String,
    pub events: Vec<String>,
    pub description: Option<String>,
}

/// The event types named in `events` (at `pointer`): at least one, each once, each known.
pub fn check_events(f: &mut Fields, pointer: &str, events: &[String]) -> Option<Vec<String>> {
    if events.is_empty() {
        f.push(pointer, "required", "name at least one event type");
        return None;
    }
    let mut seen = Vec::new();
    for (i, name) in events.iter().enumerate() {
        match name.parse::<EventType>() {
            Ok(t) if seen.contains(&t.as_str().to_owned()) => f.push(
                format!("{pointer}/{i}"),
                "duplicate_event_type",
                format!("{t} is named twice"),
            ),
            Ok(t) => seen.push(t.as_str().to_owned()),
            Err(e) => f.push(format!("{pointer}/{i}"), e.code, e.message),
        }
    }
    (seen.len() == events.len()).then_some(seen)
}

/// A description: trimmed, at most 500 characters, no control characters; blank is none.
fn check_description(f: &mut Fields, text: Option<&str>) -> Option<Option<String>> {
    let Some(text) = text else {
        return Some(None);
    };
    match domain::text::Description::parse(text) {
        Ok(valid) => Some(Some(valid.into_inner())),
        Err(e) => {
            f.push("/description", e.code, e.message);
            None
        }
    }
}

/// A new signing secret: `whsec_` and the base64 of 32 random bytes.
pub fn new_secret() -> anyhow::Result<String> {
    use base64::Engine;
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| anyhow::anyhow!("no randomness: {e}"))?;
    Ok(format!(
        "whsec_{}",
        base64::engine::general_purpose::STANDARD.encode(bytes)
    ))
}

pub fn create(
    conn: &mut DbConnection,
    who: &Principal,
    company: Uuid,
    new: NewEndpoint,
) -> Result<EndpointWithSecret, WebhookError> {
    let mut f = Fields::new();
    let events = check_events(&mut f, "/events", &new.events);
    let description = check_description(&mut f, new.description.as_deref());
    let (Some(events), Some(description)) = (events, description) else {
        return Err(WebhookError::Invalid(f.into_errors()));
    };
    let secret = new_secret()?;
    let now = persistence::machine_now();
    let endpoint = Endpoint {
        id: persistence::new_id(),
        company_id: company,
        url: new.url,
        description,
        event_types: events,
        enabled: true,
        secret: secret.clone(),
        previous_secret: None,
        previous_secret_until: None,
        failing_since: None,
        version: 1,
        created_at: now,
        updated_at: now,
    };
    persistence::db::write(conn, |conn| {
        persistence::webhook_endpoints::insert(conn, &endpoint)?;
        audit(
            conn,
            who,
            Some(company),
            "webhook_endpoint.created",
            ("webhook_endpoint", endpoint.id.to_string()),
            serde_json::json!({"url": endpoint.url, "events": endpoint.event_types}),
        )?;
        Ok::<_, WebhookError>(())
    })?;
    Ok(EndpointWithSecret {
        endpoint: EndpointDto::from(&endpoint),
        secret,
    })
}

pub fn list(
    conn: &mut DbConnection,
    company: Uuid,
    after: Option<Uuid>,
    limit: i64,
) -> Result<Page<EndpointDto>, WebhookError> {
    let page = persistence::db::read(conn, |conn| {
        persistence::webhook_endpoints::list(conn, company, after, limit)
    })?;
    Ok(page.map(|e| EndpointDto::from(&e)))
}

pub fn get(conn: &mut DbConnection, company: Uuid, id: Uuid) -> Result<EndpointDto, WebhookError> {
    persistence::db::read(conn, |conn| {
        persistence::webhook_endpoints::get(conn, company, id)
    })?
    .map(|e| EndpointDto::from(&e))
    .ok_or(WebhookError::NotFound)
}

fn lock(conn: &mut DbConnection, company: Uuid, id: Uuid) -> Result<Endpoint, WebhookError> {
    persistence::webhook_endpoints::lock(conn, company, id)?.ok_or(WebhookError::NotFound)
}

/// Applies a merge patch (its URL, if any, already checked) to the endpoint.
pub fn change(
    conn: &mut DbConnection,
    who: &Principal,
    company: Uuid,
    id: Uuid,
    expected: &IfMatch,
    patch: EndpointPatch,
    description_removed: bool,
) -> Result<EndpointDto, WebhookError> {
    persistence::db::write(conn, |conn| {
        let mut endpoint = lock(conn, company, id)?;
        if !expected.matches(endpoint.version) {
            return Err(WebhookError::Stale);
        }
        let mut f = Fields::new();
        let events = match &patch.events {
            Some(events) => check_events(&mut f, "/events", events),
            None => Some(endpoint.event_types.clone()),
        };
        let description = if description_removed {
            Some(None)
        } else {
            match &patch.description {
                Some(text) => check_description(&mut f, Some(text)),
                None => Some(endpoint.description.clone()),
            }
        };
        let (Some(events), Some(description)) = (events, description) else {
            return Err(WebhookError::Invalid(f.into_errors()));
        };
        if let Some(url) = patch.url {
            endpoint.url = url;
        }
        endpoint.event_types = events;
        endpoint.description = description;
        if let Some(enabled) = patch.enabled {
            if enabled && !endpoint.enabled {
                // Enabled again: its failing streak starts over.
                endpoint.failing_since = None;
            }
            endpoint.enabled = enabled;
        }
        if !persistence::webhook_endpoints::update(conn, &mut endpoint, persistence::machine_now())?
        {
            return Err(WebhookError::Stale);
        }
        audit(
            conn,
            who,
            Some(company),
            "webhook_endpoint.changed",
            ("webhook_endpoint", id.to_string()),
            serde_json::json!({"url": endpoint.url, "events": endpoint.event_types, "enabled": endpoint.enabled}),
        )?;
        Ok(EndpointDto::from(&endpoint))
    })
}

pub fn delete(
    conn: &mut DbConnection,
    who: &Principal,
    company: Uuid,
    id: Uuid,
) -> Result<(), WebhookError> {
    persistence::db::write(conn, |conn| {
        if !persistence::webhook_endpoints::delete(conn, company, id)? {
            return Err(WebhookError::NotFound);
        }
        audit(
            conn,
            who,
            Some(company),
            "webhook_endpoint.deleted",
            ("webhook_endpoint", id.to_string()),
            serde_json::json!({}),
        )?;
        Ok(())
    })
}

/// A new secret; the current one keeps signing beside it for 24 hours.
pub fn rotate(
    conn: &mut DbConnection,
    who: &Principal,
    company: Uuid,
    id: Uuid,
) -> Result<EndpointWithSecret, WebhookError> {
    let secret = new_secret()?;
    persistence::db::write(conn, |conn| {
        let mut endpoint = lock(conn, company, id)?;
        let now = persistence::machine_now();
        endpoint.previous_secret = Some(std::mem::replace(&mut endpoint.secret, secret.clone()));
        endpoint.previous_secret_until = Some(now + Duration::hours(ROTATION_OVERLAP_HOURS));
        if !persistence::webhook_endpoints::update(conn, &mut endpoint, now)? {
            return Err(WebhookError::Stale);
        }
        audit(
            conn,
            who,
            Some(company),
            "webhook_endpoint.secret_rotated",
            ("webhook_endpoint", id.to_string()),
            serde_json::json!({}),
        )?;
        Ok(EndpointWithSecret {
            endpoint: EndpointDto::from(&endpoint),
            secret: secret.clone(),
        })
    })
}

/// Queues a `ping` to the endpoint; answers the delivery's id.
pub fn ping(conn: &mut DbConnection, company: Uuid, id: Uuid) -> Result<Uuid, WebhookError> {
    persistence::db::write(conn, |conn| {
        let endpoint = lock(conn, company, id)?;
        let now = persistence::machine_now();
        let ping_id = persistence::new_id();
        let payload = serde_json::json!({
            "id": ping_id,
            "type": "ping",
            "created_at": crate::wire::utc(now),
            "company_id": company,
            "data": {"endpoint_id": endpoint.id},
        });
        Ok(persistence::webhook_deliveries::queue_one(
            conn,
            endpoint.id,
            ping_id,
            "ping",
            &payload.to_string(),
            now,
        )?)
    })
}

pub fn deliveries(
    conn: &mut DbConnection,
    company: Uuid,
    id: Uuid,
    after: Option<Uuid>,
    limit: i64,
) -> Result<Page<DeliveryDto>, WebhookError> {
    persistence::db::read(conn, |conn| {
        persistence::webhook_endpoints::get(conn, company, id)?.ok_or(WebhookError::NotFound)?;
        Ok(
            persistence::webhook_deliveries::deliveries(conn, id, after, limit)?
                .map(DeliveryDto::from),
        )
    })
}

/// Makes a delivery due again now, whatever became of it.
pub fn retry(
    conn: &mut DbConnection,
    company: Uuid,
    id: Uuid,
    delivery: Uuid,
    now: NaiveDateTime,
) -> Result<(), WebhookError> {
    persistence::db::write(conn, |conn| {
        persistence::webhook_endpoints::get(conn, company, id)?.ok_or(WebhookError::NotFound)?;
        if persistence::webhook_deliveries::retry(conn, id, delivery, now)? {
            Ok(())
        } else {
            Err(WebhookError::DeliveryNotFound)
        }
    })
}
