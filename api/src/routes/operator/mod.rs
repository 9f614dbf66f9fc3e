//! The operator's back office (role `operator`).

use utoipa_actix_web::service_config::ServiceConfig;

mod access;
mod companies;
mod outbox;
mod pools;
mod porting;
mod reports;

/// Under one scope: a request elsewhere is told apart from all of these by the prefix
/// alone, where each of their patterns with an id was a regular expression to try.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(utoipa_actix_web::scope("/operator").configure(|cfg| {
        companies::configure(cfg);
        access::configure(cfg);
        pools::configure(cfg);
        outbox::configure(cfg);
        porting::configure(cfg);
        reports::configure(cfg);
    }));
}
