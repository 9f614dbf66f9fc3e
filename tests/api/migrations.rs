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
