//! Wire types: what requests and responses look like on the wire, with their OpenAPI
//! schemas. Routes and use cases both speak them; they import nothing of either.

use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

pub mod bulk_orders;
pub mod bulk_upload;
pub mod catalog;
pub mod company;
pub mod events;
pub mod json_integers;
pub mod late_ports;
pub mod number_ports;
pub mod orders;
pub mod pricing;
pub mod rendered;
pub mod spreadsheet;
pub mod subscriptions;
pub mod test_clock;
pub mod text;
pub mod time;
pub mod users;
pub mod webhooks;

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
    #[param(value_type = Option<crate::wire::text::ListCursor>, inline)]
    pub cursor: Option<String>,
    /// Items per page, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200, example = 50)]
    pub limit: Option<i64>,
}

/// A stored time (UTC) as the wire shows it.
pub fn utc(at: chrono::NaiveDateTime) -> chrono::DateTime<chrono::Utc> {
    at.and_utc()
}
