//! The HTTP resources; each module offers its handlers to [`configure`].

use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use crate::error::{ApiError, ApiResult};

pub mod audit;
pub mod catalog;
pub mod health;
pub mod help;
pub mod metrics;
pub mod number_ports;
pub mod numbers;
pub mod operator;
pub mod orders;
pub mod preconditions;
pub mod subscriptions;
pub mod token;

pub fn configure(cfg: &mut ServiceConfig) {
    token::configure(cfg);
    health::configure(cfg);
    metrics::configure(cfg);
    catalog::configure(cfg);
    operator::configure(cfg);
    numbers::configure(cfg);
    audit::configure(cfg);
    help::configure(cfg);
    orders::configure(cfg);
    subscriptions::configure(cfg);
}

/// The OpenAPI schema of a domain state enum, as a list filter: its values come from
/// the domain's `ALL`, so the document names exactly the states the server accepts.
macro_rules! state_schema {
    ($(#[$meta:meta])* $name:ident => $state:ty) => {
        $(#[$meta])*
        pub struct $name;

        impl utoipa::PartialSchema for $name {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::Schema> {
                utoipa::openapi::schema::ObjectBuilder::new()
                    .schema_type(utoipa::openapi::schema::Type::String)
                    .enum_values(Some(<$state>::ALL.iter().map(|s| s.as_str())))
                    .into()
            }
        }

        impl utoipa::ToSchema for $name {}
    };
}
pub(crate) use state_schema;

/// One page of a list. Pass `next_cursor` as `cursor` to get the next; `null` means the end.
#[derive(Debug, Serialize, ToSchema)]
pub struct Page<T: ToSchema> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}

impl<T: ToSchema> Page<T> {
    pub fn all(items: Vec<T>) -> Self {
        Page {
            items,
            next_cursor: None,
        }
    }
}

impl<T: ToSchema, U> From<persistence::Page<U>> for Page<T>
where
    T: From<U>,
{
    fn from(page: persistence::Page<U>) -> Self {
        Page {
            items: page.items.into_iter().map(T::from).collect(),
            next_cursor: page.next_cursor,
        }
    }
}

pub const DEFAULT_LIMIT: i64 = 50;
pub const MAX_LIMIT: i64 = 200;

/// Keyset pagination.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// `next_cursor` of the previous page.
    #[param(value_type = Option<crate::openapi::text::ListCursor>, inline)]
    pub cursor: Option<String>,
    /// Items per page, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200, example = 50)]
    pub limit: Option<i64>,
}

impl PageQuery {
    /// The validated cursor and limit.
    pub fn parse(&self) -> ApiResult<(Option<Uuid>, i64)> {
        let (cursor, limit, _) =
            list_params::<String>(self.cursor.as_deref(), self.limit, None, "")?;
        Ok((cursor, limit))
    }
}

/// A list's cursor, limit and optional `status` filter, checked together so every wrong
/// parameter is named in one answer. `states` lists the valid statuses for the message.
pub fn list_params<S: std::str::FromStr>(
    cursor: Option<&str>,
    limit: Option<i64>,
    status: Option<&str>,
    states: &str,
) -> ApiResult<(Option<Uuid>, i64, Option<S>)> {
    let mut errors = crate::fields::Fields::new();
    let limit = limit.unwrap_or(DEFAULT_LIMIT);
    if !(1..=MAX_LIMIT).contains(&limit) {
        errors.push(
            "/query/limit",
            "out_of_range",
            format!("limit must be between 1 and {MAX_LIMIT}"),
        );
    }
    let cursor = match cursor {
        None | Some("") => None,
        Some(c) => Uuid::parse_str(c).ok().or_else(|| {
            errors.push(
                "/query/cursor",
                "invalid_cursor",
                "cursor must be a next_cursor from a previous page",
            );
            None
        }),
    };
    let status = status.and_then(|s| {
        s.parse::<S>().ok().or_else(|| {
            errors.push(
                "/query/status",
                "invalid_value",
                format!("status is one of {states}"),
            );
            None
        })
    });
    if errors.is_empty() {
        Ok((cursor, limit, status))
    } else {
        Err(errors.into_error())
    }
}

/// A path id that is not a UUID names nothing: 404, like any unknown id.
pub fn path_id(raw: &str, what: &str) -> ApiResult<Uuid> {
    Uuid::parse_str(raw).map_err(|_| ApiError::not_found(what))
}

pub fn utc(at: chrono::NaiveDateTime) -> chrono::DateTime<chrono::Utc> {
    at.and_utc()
}

/// Writes the audit event of a change, in the change's transaction: who (`who`) did
/// `action` to which object (`(type, id)`), in which company (`None`: the operator's own).
pub fn audit(
    conn: &mut persistence::DbConnection,
    who: &crate::auth::Principal,
    company: Option<Uuid>,
    action: &str,
    object: (&str, impl Into<String>),
    details: serde_json::Value,
) -> ApiResult<()> {
    persistence::audit::record(
        conn,
        persistence::audit::NewAuditEvent {
            actor_id: &who.subject,
            actor_role: who.role.as_str(),
            company_id: company,
            action,
            object_type: object.0,
            object_id: object.1.into(),
            details,
        },
    )?;
    Ok(())
}

/// The client's address, as rate limits count it.
pub fn client_ip(req: &actix_web::HttpRequest) -> String {
    req.peer_addr()
        .map(|a| a.ip().to_string())
        .unwrap_or_else(|| "unknown".to_owned())
}

/// Seconds until the oldest attempt counted in a sliding `window` leaves it (at least 1).
pub fn retry_after(
    oldest: Option<chrono::NaiveDateTime>,
    window: chrono::Duration,
    now: chrono::NaiveDateTime,
) -> u64 {
    let wait = oldest.map_or(window, |o| o + window - now);
    u64::try_from(wait.num_seconds().max(1)).unwrap_or(1)
}
