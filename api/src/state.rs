//! What every handler can reach, and the one way a handler runs a use case.

use std::sync::Arc;

use persistence::{DbConnection, Store};

use crate::app::Settings;
use crate::auth::Keys;
use crate::config::Config;
use crate::error::{ApiError, ApiResult};

/// What every handler can reach: the store, the token keys, the configuration.
#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub keys: Arc<Keys>,
    pub config: Arc<Config>,
    pub settings: Arc<Settings>,
    pub metrics: Arc<crate::metrics::Metrics>,
    pub revocations: Arc<crate::auth::Revocations>,
    /// Wakes this process's bulk order worker when a request has just given it work, so
    /// the job starts at once rather than at its next round. (A test clock's advance runs
    /// at its worker's next round, so an advance asked for while another runs is refused
    /// as such: 409 `clock_advancing`.)
    pub wake_bulk_orders: Arc<tokio::sync::Notify>,
}

impl AppState {
    /// Runs a use case on a pooled connection on a blocking thread; the use case owns its
    /// transaction.
    pub async fn run<T, E>(
        &self,
        f: impl FnOnce(&mut DbConnection) -> Result<T, E> + Send + 'static,
    ) -> ApiResult<T>
    where
        T: Send + 'static,
        E: Into<ApiError> + From<persistence::Error> + Send + 'static,
    {
        let store = self.store.clone();
        actix_web::web::block(move || store.run(f))
            .await?
            .map_err(Into::into)
    }
}
