use rstest::rstest;

use crate::helpers::{Db, fresh_database};

fn open(url: &str) -> persistence::Store {
    persistence::Store::open(url, &persistence::db::PoolOptions::default()).unwrap()
}

#[rstest]
#[case::sqlite(Db::Sqlite)]
#[case::postgres(Db::Postgres)]
fn migrations_apply_to_an_empty_database_then_find_nothing_to_do(#[case] db: Db) {
    let dir = tempfile::tempdir().unwrap();
    let Some((url, postgres)) = fresh_database(db, dir.path()) else {
        return;
    };
    let store = open(&url);
    let applied = store.migrate().unwrap();
    assert!(!applied.is_empty());
    assert_eq!(
        store.migrate().unwrap(),
        Vec::<String>::new(),
        "a second run applies nothing"
    );
    // A second process opening the same database finds it migrated too.
    assert_eq!(open(&url).migrate().unwrap(), Vec::<String>::new());
    drop(store);
    drop_pg(postgres);
}

#[rstest]
#[case::sqlite(Db::Sqlite)]
#[case::postgres(Db::Postgres)]
fn every_migration_reverts_and_reapplies(#[case] db: Db) {
    let dir = tempfile::tempdir().unwrap();
    let Some((url, postgres)) = fresh_database(db, dir.path()) else {
        return;
    };
    let store = open(&url);
    let applied = store.migrate().unwrap();
    let reverted = store.revert_all().unwrap();
    assert_eq!(reverted.len(), applied.len());
    assert_eq!(
        store.migrate().unwrap(),
        applied,
        "redo applies the same migrations"
    );
    // The catalog is shipped by a migration, not by the demo.
    let plans = store.read(persistence::catalog::plans).unwrap();
    assert!(plans.len() >= 4);
    drop(store);
    drop_pg(postgres);
}

fn drop_pg(postgres: Option<(String, String)>) {
    use diesel::Connection;
    use diesel::connection::SimpleConnection;
    if let Some((admin, name)) = postgres {
        let mut conn = diesel::PgConnection::establish(&admin).unwrap();
        conn.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            .unwrap();
    }
}

/// The plan cache mode of the connection a statement runs on.
fn plan_cache_mode(conn: &mut persistence::DbConnection) -> persistence::Result<String> {
    use diesel::RunQueryDsl;
    #[derive(diesel::QueryableByName)]
    struct Mode {
        #[diesel(sql_type = diesel::sql_types::Text)]
        plan_cache_mode: String,
    }
    let mode: Mode = diesel::sql_query("SHOW plan_cache_mode").get_result(conn)?;
    Ok(mode.plan_cache_mode)
}

/// On PostgreSQL a pooled connection keeps one plan per statement, and a search gets a plan
/// of its own for its text only while it runs, inside a transaction or not.
#[test]
fn postgres_connections_plan_once_and_searches_for_their_values() {
    let dir = tempfile::tempdir().unwrap();
    let Some((url, postgres)) = fresh_database(Db::Postgres, dir.path()) else {
        return;
    };
    let store = open(&url);
    let generic = "force_generic_plan";
    let search_then_after = |conn: &mut persistence::DbConnection| {
        let inside = persistence::db::with_custom_plans(conn, plan_cache_mode)?;
        Ok::<_, persistence::Error>((inside, plan_cache_mode(conn)?))
    };
    let mut conn = store.conn().unwrap();
    assert_eq!(plan_cache_mode(&mut conn).unwrap(), generic);
    let (inside, after) = search_then_after(&mut conn).unwrap();
    assert_eq!(inside, "auto", "the search plans for its values");
    assert_eq!(after, generic, "and the connection goes back to one plan");
    drop(conn);
    let (inside, after) = store.read(search_then_after).unwrap();
    assert_eq!(inside, "auto", "in a transaction too");
    assert_eq!(after, generic, "which goes on with one plan");
    drop(store);
    drop_pg(postgres);
}

/// The statements PostgreSQL holds prepared on a connection whose text starts with `start`.
fn prepared_like(conn: &mut persistence::DbConnection, start: &str) -> persistence::Result<i64> {
    use diesel::RunQueryDsl;
    #[derive(diesel::QueryableByName)]
    struct Count {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let found: Count = diesel::sql_query(
        "SELECT count(*) AS n FROM pg_prepared_statements WHERE starts_with(statement, $1)",
    )
    .bind::<diesel::sql_types::Text, _>(start)
    .get_result(conn)?;
    Ok(found.n)
}

/// The journey's updates, upsert and SIM serial are prepared once per connection like its
/// queries, not parsed and planned by PostgreSQL on every run.
#[test]
fn postgres_keeps_the_journeys_writes_prepared() {
    let dir = tempfile::tempdir().unwrap();
    let Some((url, postgres)) = fresh_database(Db::Postgres, dir.path()) else {
        return;
    };
    let store = open(&url);
    store.migrate().unwrap();
    let number = domain::number::DanishNumber::parse("+4520000000").unwrap();
    let (company, order) = (uuid::Uuid::now_v7(), uuid::Uuid::now_v7());
    let mut conn = store.conn().unwrap();
    for _ in 0..2 {
        let until = persistence::machine_now();
        let pools = persistence::numbers::Pools {
            company,
            operator: true,
            now: until,
        };
        persistence::numbers::reserve(&mut conn, &pools, &number, order, until).unwrap();
        persistence::numbers::assign(&mut conn, company, order).unwrap();
        persistence::orders::transfer_initials(&mut conn, order, company).unwrap();
        persistence::subscriptions::next_sim_serial(&mut conn, 10).unwrap();
    }
    for start in [
        "UPDATE \"numbers\" SET \"state\" = $1, \"reserved_until\"",
        "UPDATE \"numbers\" SET \"state\" = $1, \"company_id\"",
        "UPDATE \"initials_claims\"",
        "SELECT nextval(",
    ] {
        assert_eq!(prepared_like(&mut conn, start).unwrap(), 1, "{start}");
    }
    drop(conn);
    drop(store);
    drop_pg(postgres);
}
