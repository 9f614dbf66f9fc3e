//! The same floor on an async driver: tokio-postgres connections owned by each actix worker,
//! the statements sent from the worker's own event loop (no blocking pool), several requests
//! in flight on one connection. Plain text only (no TLS connector): compare it with
//! `sslmode=disable` on the other side too.
//!
//!     GET /one/{id}       one subscription of COMPANY
//!     GET /page/{cursor}  the 51 rows after the cursor

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use actix_web::{HttpResponse, web};
use selvbetjening_floor::{ONE, PAGE, Settings, serve};
use tokio_postgres::{Client, NoTls, Statement};

/// A worker's connection with its two statements prepared.
struct Connection {
    client: Client,
    one: Statement,
    page: Statement,
}

thread_local! {
    static CONNECTIONS: RefCell<Vec<Rc<Connection>>> = const { RefCell::new(Vec::new()) };
    static NEXT: Cell<usize> = const { Cell::new(0) };
}

/// One of this worker's `per_worker` connections, in turn; opened on first use.
async fn connection(url: &str, per_worker: usize) -> Rc<Connection> {
    if CONNECTIONS.with(|c| c.borrow().len()) < per_worker {
        let (client, driver) = tokio_postgres::connect(url, NoTls)
            .await
            .expect("PostgreSQL");
        actix_web::rt::spawn(driver);
        client
            .batch_execute("SET plan_cache_mode = force_generic_plan")
            .await
            .expect("the plan cache mode");
        let one = client.prepare(ONE).await.expect("the statement");
        let page = client.prepare(PAGE).await.expect("the statement");
        let connection = Rc::new(Connection { client, one, page });
        CONNECTIONS.with(|c| c.borrow_mut().push(connection.clone()));
        return connection;
    }
    let turn = NEXT.with(|n| n.replace(n.get() + 1));
    CONNECTIONS.with(|c| c.borrow()[turn % per_worker].clone())
}

struct State {
    settings: Settings,
    per_worker: usize,
}

fn main() -> std::io::Result<()> {
    let settings = Settings::from_env();
    let address = settings.address.clone();
    let per_worker = Settings::number("PER_WORKER", 1);
    serve(
        State {
            settings,
            per_worker,
        },
        &address,
        None,
        |routes| {
            routes
                .route("/one/{id}", web::get().to(one))
                .route("/page/{cursor}", web::get().to(page));
        },
    )
}

async fn one(state: web::Data<State>, id: web::Path<String>) -> HttpResponse {
    let s = &state.settings;
    let c = connection(&s.database_url, state.per_worker).await;
    let row = c
        .client
        .query_one(&c.one, &[&id.as_str(), &s.company.as_str()])
        .await
        .expect("the query");
    assert_eq!(row.get::<_, &str>(1), s.company);
    HttpResponse::Ok()
        .content_type("application/json")
        .body(s.one.clone())
}

async fn page(state: web::Data<State>, cursor: web::Path<String>) -> HttpResponse {
    let s = &state.settings;
    let c = connection(&s.database_url, state.per_worker).await;
    let rows = c
        .client
        .query(&c.page, &[&s.company.as_str(), &cursor.as_str()])
        .await
        .expect("the query");
    assert!(rows.len() > 1);
    HttpResponse::Ok()
        .content_type("application/json")
        .body(s.page.clone())
}
