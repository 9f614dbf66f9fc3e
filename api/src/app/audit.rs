//! The audit log: who did what to which object, when.

use domain::user::Scope;
use persistence::audit::AuditEvent;
use persistence::{DbConnection, Page};
use uuid::Uuid;

/// Events, oldest first: one company's (`Some`) that `scope` sees, or all of them for the
/// operator.
pub fn list(
    conn: &mut DbConnection,
    (company, scope): (Option<Uuid>, &Scope),
    after: Option<Uuid>,
    limit: i64,
) -> persistence::Result<Page<AuditEvent>> {
    persistence::db::read(conn, |conn| {
        persistence::audit::list(conn, company, scope, after, limit)
    })
}
