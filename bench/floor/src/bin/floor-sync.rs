//! The API's stack with no application in it: actix-web, a hop to the blocking pool, an r2d2
//! connection of `persistence::Store` (libpq), the row read by diesel into strings, and the
//! API's own answer sent back as fixed bytes. No token, middleware, domain or JSON work.
//!
//!     GET /one/{id}       one subscription of COMPANY
//!     GET /page/{cursor}  the 51 rows after the cursor

use actix_web::{App, HttpResponse, HttpServer, web};
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use persistence::db::PoolOptions;
use persistence::schema::subscriptions;
use persistence::{DbConnection, Store};
use selvbetjening_floor::Settings;

/// Every column, as `persistence::subscriptions` reads them.
#[derive(Queryable, Selectable)]
#[diesel(table_name = subscriptions)]
#[allow(dead_code)]
struct Row {
    id: String,
    company_id: String,
    order_id: String,
    status: String,
    version: i32,
    plan_code: String,
    mobile_package_code: String,
    data_sharing_cards: i32,
    employee_name: String,
    initials: String,
    number: String,
    details: String,
    iccid: String,
    terminates_on: Option<NaiveDate>,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

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
    let workers = Settings::number("WORKERS", 2);
    let options = PoolOptions {
        max_size: u32::try_from(pool).unwrap_or(8),
        ..PoolOptions::default()
    };
    let store = Store::open(&settings.database_url, &options).expect("the database");
    let state = web::Data::new((store, settings.company.clone(), settings.one, settings.page));
    actix_web::rt::System::new().block_on(
        HttpServer::new(move || {
            App::new()
                .app_data(state.clone())
                .route("/one/{id}", web::get().to(one))
                .route("/page/{cursor}", web::get().to(page))
        })
        .workers(workers)
        .worker_max_blocking_threads(pool.div_ceil(workers))
        .bind(&settings.address)?
        .run(),
    )
}

type State = web::Data<(Store, String, web::Bytes, web::Bytes)>;

async fn one(state: State, id: web::Path<String>) -> HttpResponse {
    let s = state.clone();
    let row = web::block(move || {
        with_pg(&s.0, |c| {
            subscriptions::table
                .filter(subscriptions::id.eq(id.as_str()))
                .filter(subscriptions::company_id.eq(&s.1))
                .select(Row::as_select())
                .first::<Row>(c)
        })
    })
    .await
    .expect("the blocking pool");
    assert_eq!(row.company_id, state.1);
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
                .select(Row::as_select())
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
