use std::path::Path;
use std::time::{Duration, Instant};

use diesel::connection::{AnsiTransactionManager, SimpleConnection, TransactionManager};
use diesel::prelude::*;
use diesel::r2d2::{Pool, PooledConnection};
use diesel::{PgConnection, SqliteConnection};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

use crate::{Error, Result};

const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("../migrations/sqlite");
const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("../migrations/postgres");

/// One connection type for both backends: queries are written once against it.
#[derive(diesel::MultiConnection)]
pub enum DbConnection {
    Postgres(PgConnection),
    Sqlite(SqliteConnection),
}

/// Runs `$body` with `$c` bound to the backend's own connection. For statements that
/// MultiBackend cannot express (`ON CONFLICT`, several rows in one `INSERT`), and for hot
/// reads: through [`DbConnection`] a query's SQL is written out anew on every run and its
/// prepared statement found by that text, while on the backend's own connection a query
/// of fixed shape finds its statement by its type, without writing any SQL. The body is
/// compiled once for each backend, so it must build on both.
macro_rules! on_backend {
    ($conn:expr, $c:ident => $body:expr) => {
        match $conn {
            $crate::db::DbConnection::Postgres($c) => $body,
            $crate::db::DbConnection::Sqlite($c) => $body,
        }
    };
}
pub(crate) use on_backend;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    /// The backend is chosen from the URL's scheme, never by trying each driver in turn:
    /// a PostgreSQL URL with a wrong password must report that, not open a SQLite file
    /// named after the URL.
    pub fn of_url(url: &str) -> Backend {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Backend::Postgres
        } else {
            Backend::Sqlite
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

/// One plan per statement, whatever its values: the `plan_cache_mode` of every PostgreSQL
/// connection here.
const ONE_PLAN: &str = "force_generic_plan";

/// Runs `query` with a plan made for its values: for a search, whose best plan depends on
/// how many rows the text matches (the trigram indexes for a rare text, the company's rows
/// in order for a common one). On PostgreSQL in a transaction of its own, which `SET LOCAL`
/// ends with; inside a caller's transaction, which would keep the setting until it ends,
/// the connection's one plan per statement is set back at once. SQLite plans every
/// statement for its values anyway.
pub fn with_custom_plans<T>(
    conn: &mut DbConnection,
    query: impl FnOnce(&mut DbConnection) -> Result<T>,
) -> Result<T> {
    if !matches!(conn, DbConnection::Postgres(_)) {
        return query(conn);
    }
    let nested =
        <DbConnection as Connection>::TransactionManager::transaction_manager_status_mut(conn)
            .transaction_depth()?
            .is_some();
    conn.transaction(|c| {
        c.batch_execute("SET LOCAL plan_cache_mode = auto")?;
        let found = query(c)?;
        if nested {
            c.batch_execute(&format!("SET LOCAL plan_cache_mode = {ONE_PLAN}"))?;
        }
        Ok(found)
    })
}

/// A statement whose SQL has one shape, kept prepared by the connection like a query:
/// diesel prepares no `UPDATE`, upsert or raw statement (a changeset may leave out a `None`,
/// so their text can vary), and PostgreSQL would then parse and plan it on every run. The
/// cache is keyed by the statement's text, so a statement of several shapes is still
/// right, only kept once per shape: wrap only what has one, or a few. Run it for rows
/// (`RETURNING` a column, counted by [`Prepared::rows`]): diesel takes a statement run for
/// its count by reference, and a reference answers whether it may be kept by looking
/// through to the statement it wraps.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Prepared<Q>(pub(crate) Q);

impl<Q> diesel::query_builder::QueryId for Prepared<Q> {
    type QueryId = ();
    // Found by its text, not by its type: the type alone does not fix the text.
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<Q, DB> diesel::query_builder::QueryFragment<DB> for Prepared<Q>
where
    Q: diesel::query_builder::QueryFragment<DB>,
    DB: diesel::backend::Backend,
{
    fn walk_ast<'b>(&'b self, pass: diesel::query_builder::AstPass<'_, 'b, DB>) -> QueryResult<()> {
        self.0.walk_ast(pass)
    }

    fn is_safe_to_cache_prepared(&self, _backend: &DB) -> QueryResult<bool> {
        Ok(true)
    }
}

impl<Q: diesel::query_builder::Query> diesel::query_builder::Query for Prepared<Q> {
    type SqlType = Q::SqlType;
}

impl<Q, Conn> RunQueryDsl<Conn> for Prepared<Q> {}

impl<Q> Prepared<Q> {
    /// Runs a statement that returns one text column per row it wrote, and counts them:
    /// what `execute` would answer, on the path where the statement stays prepared.
    pub(crate) fn rows<'query, Conn>(self, conn: &mut Conn) -> Result<usize>
    where
        Self: diesel::query_dsl::LoadQuery<'query, Conn, String>,
    {
        Ok(self.load::<String>(conn)?.len())
    }
}

/// Makes transactions that name the same `subjects` (within `class`) take turns until the
/// caller's transaction ends, in every process: a PostgreSQL advisory lock per subject,
/// taken in one order so two callers never wait on each other. SQLite's write transactions
/// run one at a time already.
pub(crate) fn take_turns(conn: &mut DbConnection, class: i32, subjects: &[&str]) -> Result<()> {
    if let DbConnection::Postgres(pg) = conn {
        let mut ordered = subjects.to_vec();
        ordered.sort_unstable();
        ordered.dedup();
        for subject in ordered {
            diesel::sql_query("SELECT pg_advisory_xact_lock($1, hashtext($2))")
                .bind::<diesel::sql_types::Integer, _>(class)
                .bind::<diesel::sql_types::Text, _>(subject)
                .execute(pg)?;
        }
    }
    Ok(())
}

/// A SQLite location from a URL (`sqlite://path`, `sqlite:path`) or a plain path.
fn sqlite_path(url: &str) -> &str {
    url.strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
        .unwrap_or(url)
}

diesel::define_sql_function! {
    /// SQL `lower()`. PostgreSQL lowers every letter by the database's UTF-8 locale;
    /// SQLite's own lowers only A–Z, so each SQLite connection gets Rust's in its place
    /// ([`Manager`]), and "Åse" finds "ÅSE" on both.
    fn lower(x: diesel::sql_types::Text) -> diesel::sql_types::Text;
}

#[derive(Debug, Clone)]
pub struct Manager {
    url: String,
    backend: Backend,
}

impl Manager {
    fn establish(&self) -> std::result::Result<DbConnection, diesel::r2d2::Error> {
        match self.backend {
            Backend::Postgres => {
                let mut conn = PgConnection::establish(&self.url)
                    .map_err(diesel::r2d2::Error::ConnectionError)?;
                // Every statement keeps one plan for any values: the queries go by company
                // and key, where the plan does not depend on them. By default PostgreSQL
                // would plan a page of a large company anew on every run (its own plan looks
                // cheaper than the generic one), which costs more than running it. The
                // searches whose plan does depend on the text ask for their own plan
                // ([`with_custom_plans`]).
                conn.batch_execute(&format!("SET plan_cache_mode = {ONE_PLAN}"))
                    .map_err(diesel::r2d2::Error::QueryError)?;
                Ok(DbConnection::Postgres(conn))
            }
            Backend::Sqlite => {
                let mut conn = SqliteConnection::establish(sqlite_path(&self.url))
                    .map_err(diesel::r2d2::Error::ConnectionError)?;
                // WAL lets readers run beside the one writer; busy_timeout makes a second
                // writer wait instead of failing; foreign keys are off in SQLite by default.
                conn.batch_execute(
                    "PRAGMA busy_timeout = 15000; PRAGMA journal_mode = WAL; \
                     PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;",
                )
                .map_err(diesel::r2d2::Error::QueryError)?;
                // SQLite's lower() changes only A–Z: the searches lower Æ, Ø and Å too.
                lower_utils::register_impl(&mut conn, |text: String| text.to_lowercase())
                    .map_err(diesel::r2d2::Error::QueryError)?;
                Ok(DbConnection::Sqlite(conn))
            }
        }
    }
}

/// How long a pooled connection is trusted without asking the database whether it is
/// still there. A check per checkout would be one more round trip per request; once a
/// second per connection still finds a restarted database within a second.
const TRUSTED_FOR: Duration = Duration::from_secs(1);

/// A pooled connection, when it was last known to work, and whether it was found broken.
pub struct Pooled {
    conn: DbConnection,
    checked: Instant,
    broken: bool,
}

impl Pooled {
    /// After a use that failed: asks the database whether the connection still works, and
    /// if not, marks it so the pool drops it instead of handing it to the next request.
    /// A connection whose server went away (a restart, a failover, a killed backend) would
    /// otherwise fail every request it is given until the pool's next check of it.
    pub fn check_after_failure(&mut self) {
        if self.conn.batch_execute("SELECT 1").is_err() {
            self.broken = true;
        } else {
            self.checked = Instant::now();
        }
    }
}

impl std::ops::Deref for Pooled {
    type Target = DbConnection;
    fn deref(&self) -> &DbConnection {
        &self.conn
    }
}

impl std::ops::DerefMut for Pooled {
    fn deref_mut(&mut self) -> &mut DbConnection {
        &mut self.conn
    }
}

impl r2d2::ManageConnection for Manager {
    type Connection = Pooled;
    type Error = diesel::r2d2::Error;

    fn connect(&self) -> std::result::Result<Pooled, Self::Error> {
        Ok(Pooled {
            conn: self.establish()?,
            checked: Instant::now(),
            broken: false,
        })
    }

    fn is_valid(&self, pooled: &mut Pooled) -> std::result::Result<(), Self::Error> {
        if pooled.checked.elapsed() < TRUSTED_FOR {
            return Ok(());
        }
        pooled
            .conn
            .batch_execute("SELECT 1")
            .map_err(diesel::r2d2::Error::QueryError)?;
        pooled.checked = Instant::now();
        Ok(())
    }

    fn has_broken(&self, pooled: &mut Pooled) -> bool {
        pooled.broken
            || <DbConnection as Connection>::TransactionManager::is_broken_transaction_manager(
                &mut pooled.conn,
            )
    }
}

pub type Conn = PooledConnection<Manager>;

/// The connection pool and what it was opened on.
#[derive(Clone)]
pub struct Store {
    pool: Pool<Manager>,
    backend: Backend,
}

#[derive(Debug, Clone)]
pub struct PoolOptions {
    pub max_size: u32,
    pub connection_timeout: Duration,
}

impl Default for PoolOptions {
    fn default() -> Self {
        PoolOptions {
            max_size: 10,
            connection_timeout: Duration::from_secs(5),
        }
    }
}

impl Store {
    /// Opens the pool. The first connection is made here, so a wrong URL or password is
    /// reported now, with the driver's own words.
    pub fn open(url: &str, options: &PoolOptions) -> Result<Store> {
        let backend = Backend::of_url(url);
        if backend == Backend::Sqlite {
            let path = Path::new(sqlite_path(url));
            if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
                std::fs::create_dir_all(parent).map_err(|e| Error::Unavailable(Box::new(e)))?;
            }
        }
        let manager = Manager {
            url: url.to_owned(),
            backend,
        };
        let first = manager
            .establish()
            .map_err(|e| Error::Unavailable(Box::new(e)))?;
        drop(first);
        let pool = Pool::builder()
            .max_size(options.max_size)
            .min_idle(Some(1))
            .connection_timeout(options.connection_timeout)
            .build(manager)?;
        Ok(Store { pool, backend })
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    pub fn conn(&self) -> Result<Conn> {
        Ok(self.pool.get()?)
    }

    /// Connections in the pool: (open, idle).
    pub fn pool_state(&self) -> (u32, u32) {
        let state = self.pool.state();
        (state.connections, state.idle_connections)
    }

    /// Checks that the database answers.
    pub fn ping(&self) -> Result<()> {
        let mut conn = self.conn()?;
        conn.batch_execute("SELECT 1")?;
        Ok(())
    }

    /// Runs the pending migrations and returns their names. On PostgreSQL an advisory lock
    /// makes several processes starting at once take turns.
    pub fn migrate(&self) -> Result<Vec<String>> {
        let mut conn = self.conn()?;
        let done = match &mut **conn {
            DbConnection::Postgres(pg) => {
                pg.batch_execute("SELECT pg_advisory_lock(7315001)")?;
                let result = pg.run_pending_migrations(POSTGRES_MIGRATIONS).map(names);
                pg.batch_execute("SELECT pg_advisory_unlock(7315001)")?;
                result
            }
            DbConnection::Sqlite(lite) => lite.run_pending_migrations(SQLITE_MIGRATIONS).map(names),
        };
        done.map_err(Error::Migration)
    }

    /// Reverts every migration (used to prove each `down.sql` undoes its `up.sql`).
    pub fn revert_all(&self) -> Result<Vec<String>> {
        let mut conn = self.conn()?;
        let done = match &mut **conn {
            DbConnection::Postgres(pg) => pg.revert_all_migrations(POSTGRES_MIGRATIONS).map(names),
            DbConnection::Sqlite(lite) => lite.revert_all_migrations(SQLITE_MIGRATIONS).map(names),
        };
        done.map_err(Error::Migration)
    }

    /// Runs `f` on a pooled connection; when it fails, the connection is checked before
    /// it goes back to the pool (see [`Pooled::check_after_failure`]).
    pub fn run<T, E: From<Error>>(
        &self,
        f: impl FnOnce(&mut DbConnection) -> Result<T, E>,
    ) -> Result<T, E> {
        let mut conn = self.conn()?;
        let done = f(&mut conn);
        if done.is_err() {
            conn.check_after_failure();
        }
        done
    }

    /// Runs `f` in one write transaction on a pooled connection.
    pub fn write<T, E: From<Error>>(
        &self,
        f: impl FnOnce(&mut DbConnection) -> Result<T, E>,
    ) -> Result<T, E> {
        self.run(|conn| write(conn, f))
    }

    /// Runs `f` in one read transaction on a pooled connection.
    pub fn read<T, E: From<Error>>(
        &self,
        f: impl FnOnce(&mut DbConnection) -> Result<T, E>,
    ) -> Result<T, E> {
        self.run(|conn| read(conn, f))
    }
}

fn names<M: std::fmt::Display>(done: Vec<M>) -> Vec<String> {
    done.iter().map(ToString::to_string).collect()
}

/// One write transaction. On SQLite it starts with `BEGIN IMMEDIATE`: the write lock is
/// taken up front, so two writers queue on `busy_timeout` instead of one failing with
/// "database is locked" when it upgrades a read lock.
pub fn write<T, E>(
    conn: &mut DbConnection,
    f: impl FnOnce(&mut DbConnection) -> Result<T, E>,
) -> Result<T, E>
where
    E: From<Error>,
{
    let begun = match conn {
        DbConnection::Sqlite(lite) => {
            AnsiTransactionManager::begin_transaction_sql(lite, "BEGIN IMMEDIATE")
        }
        DbConnection::Postgres(pg) => AnsiTransactionManager::begin_transaction(pg),
    };
    begun.map_err(Error::from)?;
    finish(conn, f)
}

/// One read transaction: the reads see one consistent state.
pub fn read<T, E>(
    conn: &mut DbConnection,
    f: impl FnOnce(&mut DbConnection) -> Result<T, E>,
) -> Result<T, E>
where
    E: From<Error>,
{
    <DbConnection as Connection>::TransactionManager::begin_transaction(conn)
        .map_err(Error::from)?;
    finish(conn, f)
}

/// A part of the caller's transaction that may fail alone: a savepoint, rolled back to
/// when `f` fails, while what the transaction did before stays.
pub fn savepoint<T, E>(
    conn: &mut DbConnection,
    f: impl FnOnce(&mut DbConnection) -> Result<T, E>,
) -> Result<T, E>
where
    E: From<Error>,
{
    // Inside a transaction, beginning one is a savepoint: what `read` does at any depth.
    read(conn, f)
}

fn finish<T, E>(
    conn: &mut DbConnection,
    f: impl FnOnce(&mut DbConnection) -> Result<T, E>,
) -> Result<T, E>
where
    E: From<Error>,
{
    match f(conn) {
        Ok(value) => {
            <DbConnection as Connection>::TransactionManager::commit_transaction(conn)
                .map_err(Error::from)?;
            Ok(value)
        }
        Err(err) => {
            if let Err(rollback) =
                <DbConnection as Connection>::TransactionManager::rollback_transaction(conn)
            {
                tracing::warn!(error = %rollback, "rollback failed");
            }
            Err(err)
        }
    }
}
