//! What both floor servers share: their settings, read from the environment.

use actix_web::web::{self, Bytes};
use actix_web::{App, HttpServer};

/// The statement of one subscription, as the API sends it (its columns, by id and company).
pub const ONE: &str = "SELECT id, company_id, order_id, status, version, plan_code, \
    mobile_package_code, data_sharing_cards, employee_name, initials, number, details, iccid, \
    terminates_on, created_at, updated_at FROM subscriptions WHERE id = $1 AND company_id = $2 \
    LIMIT 1";

/// The statement of a page after a cursor, as the API sends it.
pub const PAGE: &str = "SELECT id, company_id, order_id, status, version, plan_code, \
    mobile_package_code, data_sharing_cards, employee_name, initials, number, details, iccid, \
    terminates_on, created_at, updated_at FROM subscriptions WHERE company_id = $1 AND id > $2 \
    ORDER BY id LIMIT 51";

pub struct Settings {
    pub database_url: String,
    pub company: String,
    /// The API's answer for one subscription, sent as it is.
    pub one: Bytes,
    /// The API's answer for the page, sent as it is.
    pub page: Bytes,
    pub address: String,
}

impl Settings {
    pub fn from_env() -> Settings {
        let var = |name: &str| std::env::var(name).unwrap_or_else(|_| panic!("{name} is not set"));
        let file = |name: &str| Bytes::from(std::fs::read(var(name)).expect("a body file"));
        Settings {
            database_url: var("DATABASE_URL"),
            company: var("COMPANY"),
            one: file("ONE_BODY"),
            page: file("PAGE_BODY"),
            address: std::env::var("BIND_ADDR").unwrap_or_else(|_| "127.0.0.1:18097".to_owned()),
        }
    }

    pub fn number(name: &str, default: usize) -> usize {
        std::env::var(name)
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(default)
    }
}

/// Serves `state` to the routes `routes` adds, on WORKERS (2) workers; `blocking`: the
/// threads of each worker's blocking pool, for a server that has one.
pub fn serve<T: Send + Sync + 'static>(
    state: T,
    address: &str,
    blocking: Option<usize>,
    routes: fn(&mut web::ServiceConfig),
) -> std::io::Result<()> {
    let state = web::Data::new(state);
    let workers = Settings::number("WORKERS", 2);
    let mut server = HttpServer::new(move || App::new().app_data(state.clone()).configure(routes))
        .workers(workers);
    if let Some(threads) = blocking {
        server = server.worker_max_blocking_threads(threads.div_ceil(workers));
    }
    actix_web::rt::System::new().block_on(server.bind(address)?.run())
}
