//! The HTTP resources: each module extracts a request, calls its use case in
//! [`crate::app`], and answers. Route modules never import each other; what several of
//! them share lives in [`crate::wire`] and [`crate::http`].

use utoipa_actix_web::service_config::ServiceConfig;

pub mod audit;
pub mod bulk_orders;
pub mod catalog;
mod company;
pub mod events;
pub mod health;
pub mod help;
pub mod metrics;
pub mod number_ports;
pub mod numbers;
pub mod operator;
pub mod orders;
pub mod password_reset;
pub mod poa;
pub mod subscriptions;
pub mod test_clock;
pub mod token;
pub mod users;
pub mod webhooks;

pub fn configure(cfg: &mut ServiceConfig) {
    token::configure(cfg);
    password_reset::configure(cfg);
    health::configure(cfg);
    metrics::configure(cfg);
    catalog::configure(cfg);
    operator::configure(cfg);
    numbers::configure(cfg);
    audit::configure(cfg);
    help::configure(cfg);
    orders::configure(cfg);
    bulk_orders::configure(cfg);
    subscriptions::configure(cfg);
    number_ports::configure(cfg);
    events::configure(cfg);
    test_clock::configure(cfg);
    webhooks::configure(cfg);
    users::configure(cfg);
    company::configure(cfg);
    poa::configure(cfg);
}
