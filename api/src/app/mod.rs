//! The use cases: what the service does, one module per group, between the HTTP routes
//! and storage. A use case takes who acts, its input and a connection, owns its
//! transaction (the idempotency record included), and returns a typed answer or its own
//! error enum; `crate::http::problems` turns those errors into problem documents. Routes,
//! the scheduler and the CLI call use cases; nothing here knows HTTP.

use std::sync::Arc;

use chrono::{Duration, NaiveDateTime};
use domain::user::{Role, Scope};
use persistence::DbConnection;
use uuid::Uuid;

pub mod approvals;
pub mod audit;
pub mod bulk;
pub mod catalog;
pub mod company;
pub mod company_users;
pub mod events;
pub mod help;
pub mod idempotency;
pub mod login;
pub mod login_help;
pub mod numbers;
pub mod operator;
pub mod orders;
pub mod porting;
pub mod subscriptions;
pub mod test_clock;
pub mod webhooks;

/// The clock and the injected faults the use cases read, chosen in the configuration.
pub use crate::config::{Clock, Faults};

/// Who is acting: a person or API client from a valid token.
#[derive(Debug, Clone)]
pub struct Principal {
    pub subject: String,
    pub role: Role,
    pub company: Option<Uuid>,
    /// What of the company a company user sees and acts on.
    pub scope: Scope,
}

impl Principal {
    /// The scheduler, acting on dates that have come.
    pub fn scheduler() -> Principal {
        Principal {
            subject: "scheduler".to_owned(),
            role: Role::Operator,
            company: None,
            scope: Scope::Company,
        }
    }

    fn audit_role(&self) -> &str {
        if self.subject == "scheduler" {
            "system"
        } else {
            self.role.as_str()
        }
    }
}

/// What a write expects of the object's version (`If-Match`, RFC 9110 §13.1.1): any
/// current version, or one of the listed ones.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IfMatch {
    Any,
    Versions(Vec<i32>),
}

impl IfMatch {
    pub fn matches(&self, version: i32) -> bool {
        match self {
            IfMatch::Any => true,
            IfMatch::Versions(versions) => versions.contains(&version),
        }
    }
}

/// The configuration the use cases read, built once at start.
#[derive(Clone)]
pub struct Settings {
    /// How long an untouched draft keeps its number.
    pub draft_ttl: Duration,
    /// How many of a company's ports may wait for a signature at once.
    pub max_unsigned_ports: u32,
    /// The base of links in emails.
    pub public_url: String,
    /// How long a request waits for another one with the same Idempotency-Key.
    pub idempotency_wait: std::time::Duration,
    pub faults: Faults,
    /// Real companies' business time; a sandbox's is its test clock ([`Settings::now_for`]).
    pub clock: Clock,
    /// Which companies are known not to be sandboxes.
    pub sandboxes: Arc<Sandboxes>,
    /// What a port owes per working day late, in øre.
    pub port_delay_compensation_ore: i64,
    /// Where signed port requests go.
    pub donor: Arc<dyn porting::donor::DonorGateway>,
    /// The plans and packages orders and subscriptions are priced by. Only a migration
    /// changes them (no route edits them), so each process reads them once at start.
    pub catalog: Arc<catalog::Catalog>,
}

impl Settings {
    /// `company`'s business time now: its test clock for a sandbox, [`Settings::clock`]
    /// for a real company.
    pub fn now_for(
        &self,
        conn: &mut DbConnection,
        company: Uuid,
    ) -> persistence::Result<NaiveDateTime> {
        Ok(self.time_for(conn, company)?.at)
    }

    /// `company`'s business time now, and whether it is a sandbox's.
    pub fn time_for(
        &self,
        conn: &mut DbConnection,
        company: Uuid,
    ) -> persistence::Result<BusinessTime> {
        self.sandboxes.time_for(conn, &self.clock, company)
    }

    /// The pools `company` picks numbers from, at its business time.
    pub fn pools_for(
        &self,
        conn: &mut DbConnection,
        company: Uuid,
    ) -> persistence::Result<persistence::numbers::Pools> {
        let time = self.time_for(conn, company)?;
        Ok(persistence::numbers::Pools {
            company,
            operator: !time.sandbox,
            now: time.at,
        })
    }
}

/// A company's business time at one moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BusinessTime {
    pub at: NaiveDateTime,
    pub sandbox: bool,
}

/// Remembers the companies that are not sandboxes: whether a company is one is fixed when
/// it is created, so a real company's time is the clock's without asking the database.
#[derive(Debug, Default)]
pub struct Sandboxes {
    real: std::sync::RwLock<std::collections::HashSet<Uuid>>,
}

impl Sandboxes {
    fn time_for(
        &self,
        conn: &mut DbConnection,
        clock: &Clock,
        company: Uuid,
    ) -> persistence::Result<BusinessTime> {
        let known_real = self
            .real
            .read()
            .map(|r| r.contains(&company))
            .unwrap_or(false);
        if !known_real {
            if let Some(at) = persistence::test_clocks::frozen_time(conn, company)? {
                return Ok(BusinessTime { at, sandbox: true });
            }
            if let Ok(mut real) = self.real.write() {
                real.insert(company);
            }
        }
        Ok(BusinessTime {
            at: clock.stamp(),
            sandbox: false,
        })
    }
}

/// Writes the audit event of a change, in the change's transaction: who did `action` to
/// which object (`(type, id)`), in which company (`None`: the operator's own).
pub fn audit(
    conn: &mut DbConnection,
    who: &Principal,
    company: Option<Uuid>,
    action: &str,
    object: (&str, impl Into<String>),
    details: serde_json::Value,
) -> persistence::Result<()> {
    audit_as(
        conn,
        (&who.subject, who.audit_role()),
        company,
        action,
        object,
        details,
    )
}

/// [`audit`] for an actor without a login, e.g. a number's owner signing by link:
/// `actor` is its (id, role).
pub fn audit_as(
    conn: &mut DbConnection,
    actor: (&str, &str),
    company: Option<Uuid>,
    action: &str,
    object: (&str, impl Into<String>),
    details: serde_json::Value,
) -> persistence::Result<()> {
    persistence::audit::record(
        conn,
        persistence::audit::NewAuditEvent {
            actor_id: actor.0,
            actor_role: actor.1,
            company_id: company,
            action,
            object_type: object.0,
            object_id: object.1.into(),
            details,
        },
    )?;
    Ok(())
}

/// Seconds until the oldest attempt counted in a sliding `window` leaves it (at least 1):
/// when a limited client may try again.
pub fn retry_after(
    oldest: Option<chrono::NaiveDateTime>,
    window: Duration,
    now: chrono::NaiveDateTime,
) -> u64 {
    let wait = oldest.map_or(window, |o| o + window - now);
    u64::try_from(wait.num_seconds().max(1)).unwrap_or(1)
}
