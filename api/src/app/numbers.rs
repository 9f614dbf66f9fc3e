//! Free numbers: what a new employee may get, the company's own first.

use persistence::numbers::{FreeCursor, FreeNumber};
use persistence::{DbConnection, Page};
use uuid::Uuid;

/// The company's free numbers, then the operator's; `contains` filters by digits.
pub fn available(
    conn: &mut DbConnection,
    company: Uuid,
    contains: Option<&str>,
    cursor: Option<&FreeCursor>,
    limit: i64,
) -> persistence::Result<Page<FreeNumber>> {
    persistence::db::read(conn, |conn| {
        persistence::numbers::free(conn, company, contains, cursor, limit)
    })
}
