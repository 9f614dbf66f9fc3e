//! The operator's back office (role `operator`).

use utoipa_actix_web::service_config::ServiceConfig;

mod access;
mod companies;
mod outbox;
mod pools;
mod porting;

pub fn configure(cfg: &mut ServiceConfig) {
    companies::configure(cfg);
    access::configure(cfg);
    pools::configure(cfg);
    outbox::configure(cfg);
    porting::configure(cfg);
}
