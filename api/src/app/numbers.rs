//! Free numbers: what a new employee may get, the company's own first.

use persistence::numbers::{FreeCursor, FreeNumber};
use persistence::{DbConnection, Page};
use uuid::Uuid;

/// The company's free numbers, then the operator's; `contains` filters by digits.
pub fn available(
    conn: &mut DbConnection,
    settings: &crate::app::Settings,
    company: Uuid,
    contains: Option<&str>,
    cursor: Option<&FreeCursor>,
    limit: i64,
) -> persistence::Result<Page<FreeNumber>> {
    persistence::db::read(conn, |conn| {
        let pools = settings.pools_for(conn, company)?;
        persistence::numbers::free(conn, &pools, contains, cursor, limit)
    })
}
