//! The API's stack with no application in it: actix-web, a hop to the blocking pool, an r2d2
//! connection of `persistence::Store` (libpq), the row read by diesel into strings, and the
//! API's own answer sent back as fixed bytes. No token, middleware, domain or JSON work.
//!
//!     GET /one/{id}       one subscription of COMPANY
//!     GET /page/{cursor}  the 51 rows after the cursor

use actix_web::{HttpResponse, web};
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use persistence::db::PoolOptions;
use persistence::schema::subscriptions;
use persistence::{DbConnection, Store};
use selvbetjening_floor::{Settings, serve};

/// Every column, as `persistence::subscriptions` reads them.
type Row = (
    String,
    String,
    String,
    String,
    i32,
    String,
    String,
    i32,
    String,
    String,
    String,
    String,
    String,
    Option<NaiveDate>,
    NaiveDateTime,
    NaiveDateTime,
);

fn with_pg<T>(store: &Store, f: impl FnOnce(&mut PgConnection) -> QueryResult<T>) -> T {
    let mut conn = store.conn().expect("a pooled connection");
    match &mut **conn {
        DbConnection::Postgres(c) => f(c).expect("the query"),
        DbConnection::Sqlite(_) => panic!("the floor measures PostgreSQL"),
    }
}

fn main() -> std::io::Result<()> {
    let settings = Settings::from_env();
    let pool = Settings::number("POOL", 8);
    let options = PoolOptions {
        max_size: u32::try_from(pool).unwrap_or(8),
        ..PoolOptions::default()
    };
    let store = Store::open(&settings.database_url, &options).expect("the database");
    let address = settings.address.clone();
    let state = (store, settings.company, settings.one, settings.page);
    serve(state, &address, Some(pool), |routes| {
        routes
            .route("/one/{id}", web::get().to(one))
            .route("/page/{cursor}", web::get().to(page));
    })
}

type State = web::Data<(Store, String, web::Bytes, web::Bytes)>;

async fn one(state: State, id: web::Path<String>) -> HttpResponse {
    let s = state.clone();
    let row = web::block(move || {
        with_pg(&s.0, |c| {
            subscriptions::table
                .filter(subscriptions::id.eq(id.as_str()))
                .filter(subscriptions::company_id.eq(&s.1))
                .select(subscriptions::all_columns)
                .first::<Row>(c)
        })
    })
    .await
    .expect("the blocking pool");
    assert_eq!(row.1, state.1);
    HttpResponse::Ok()
        .content_type("application/json")
        .body(state.2.clone())
}

async fn page(state: State, cursor: web::Path<String>) -> HttpResponse {
    let s = state.clone();
    let rows = web::block(move || {
        with_pg(&s.0, |c| {
            subscriptions::table
                .filter(subscriptions::company_id.eq(&s.1))
                .filter(subscriptions::id.gt(cursor.as_str()))
                .select(subscriptions::all_columns)
                .order(subscriptions::id.asc())
                .limit(51)
                .load::<Row>(c)
        })
    })
    .await
    .expect("the blocking pool");
    assert!(rows.len() > 1);
    HttpResponse::Ok()
        .content_type("application/json")
        .body(state.3.clone())
}
