//! JSON rendered once and sent as it is: the catalog's part of every priced view.

use std::sync::Arc;

use serde::{Serialize, Serializer};
use serde_json::value::RawValue;

/// A value already rendered as JSON. Serialising it copies its bytes; cloning it counts a
/// reference. The catalog renders each plan, package and priced combination once per
/// process (it changes only by migration), so a page of fifty subscriptions neither prices
/// nor serialises them fifty times.
#[derive(Debug, Clone)]
pub struct Rendered(Arc<RawValue>);

impl Rendered {
    pub fn of<T: Serialize>(value: &T) -> serde_json::Result<Rendered> {
        Ok(Rendered(Arc::from(serde_json::value::to_raw_value(value)?)))
    }
}

impl Serialize for Rendered {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(serializer)
    }
}
