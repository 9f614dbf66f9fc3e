//! Prometheus metrics: requests and their latency per route and status, recorded by a
//! middleware; the connection pool and the outbox backlog, read at each scrape.

use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::web;
use domain::message::MessageStatus;
use prometheus::{
    Encoder, HistogramOpts, HistogramVec, IntCounterVec, IntGaugeVec, Opts, Registry, TextEncoder,
};

/// The registry of one application (not process-global, so several apps in one process
/// keep apart).
pub struct Metrics {
    registry: Registry,
    requests: IntCounterVec,
    latency: HistogramVec,
    pool: IntGaugeVec,
    outbox: IntGaugeVec,
    password_checks: IntCounterVec,
    webhook_attempts: IntCounterVec,
    webhook_backlog: IntGaugeVec,
    work_failures: IntCounterVec,
}

/// Latency buckets in seconds: from a cached read to a slow password hash.
const BUCKETS: [f64; 12] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
];

impl Metrics {
    pub fn new() -> anyhow::Result<Metrics> {
        let registry = Registry::new();
        let requests = IntCounterVec::new(
            Opts::new(
                "http_requests_total",
                "HTTP requests answered, by route, method and status",
            ),
            &["method", "route", "status"],
        )?;
        let latency = HistogramVec::new(
            HistogramOpts::new(
                "http_request_duration_seconds",
                "Time to answer an HTTP request, by route, method and status",
            )
            .buckets(BUCKETS.to_vec()),
            &["method", "route", "status"],
        )?;
        let pool = IntGaugeVec::new(
            Opts::new(
                "db_pool_connections",
                "Database connections of this process, by state",
            ),
            &["state"],
        )?;
        let outbox = IntGaugeVec::new(
            Opts::new(
                "outbox_messages",
                "Messages in the outbox, by status (pending is the backlog)",
            ),
            &["status"],
        )?;
        let password_checks = IntCounterVec::new(
            Opts::new(
                "password_checks_total",
                "Logins whose password or client secret was verified against a hash (a dummy \
                 one for unknown users), by result",
            ),
            &["result"],
        )?;
        let webhook_attempts = IntCounterVec::new(
            Opts::new(
                "webhook_attempts_total",
                "Webhook delivery attempts of this process, by outcome (delivered, retry, failed)",
            ),
            &["outcome"],
        )?;
        let webhook_backlog = IntGaugeVec::new(
            Opts::new(
                "webhook_deliveries_pending",
                "Webhook deliveries not yet delivered (`count`), and the age in seconds of the \
                 oldest (`oldest_age_seconds`)",
            ),
            &["measure"],
        )?;
        let work_failures = IntCounterVec::new(
            Opts::new(
                "scheduled_work_failures_total",
                "Scheduled jobs that failed as a whole, and items a job could not do (each \
                 tried again next round), by job",
            ),
            &["job"],
        )?;
        registry.register(Box::new(work_failures.clone()))?;
        registry.register(Box::new(webhook_attempts.clone()))?;
        registry.register(Box::new(webhook_backlog.clone()))?;
        registry.register(Box::new(requests.clone()))?;
        registry.register(Box::new(password_checks.clone()))?;
        registry.register(Box::new(latency.clone()))?;
        registry.register(Box::new(pool.clone()))?;
        registry.register(Box::new(outbox.clone()))?;
        Ok(Metrics {
            registry,
            requests,
            latency,
            pool,
            outbox,
            password_checks,
            webhook_attempts,
            webhook_backlog,
            work_failures,
        })
    }

    /// Counts `n` failures of the scheduled job `job`.
    pub fn work_failed(&self, job: &str, n: usize) {
        if n > 0 {
            self.work_failures
                .with_label_values(&[job])
                .inc_by(u64::try_from(n).unwrap_or(u64::MAX));
        }
    }

    /// Counts one webhook attempt by its outcome.
    pub fn webhook_attempted(&self, outcome: &str) {
        self.webhook_attempts.with_label_values(&[outcome]).inc();
    }

    /// Sets the webhook backlog read at a scrape: pending deliveries and the oldest's age.
    pub fn webhook_backlog(&self, pending: i64, oldest_age_seconds: i64) {
        self.webhook_backlog
            .with_label_values(&["count"])
            .set(pending);
        self.webhook_backlog
            .with_label_values(&["oldest_age_seconds"])
            .set(oldest_age_seconds);
    }

    /// Counts one verification of a password or client secret.
    pub fn password_checked(&self, matched: bool) {
        let result = if matched { "match" } else { "mismatch" };
        self.password_checks.with_label_values(&[result]).inc();
    }

    fn observe(&self, method: &str, route: &str, status: u16, seconds: f64) {
        let status = status.to_string();
        let labels = [method, route, status.as_str()];
        self.requests.with_label_values(&labels).inc();
        self.latency.with_label_values(&labels).observe(seconds);
    }

    /// The text exposition, after reading the pool and the outbox (`outbox`: counts per
    /// status, or `None` when the database did not answer).
    pub fn render(
        &self,
        pool: (u32, u32),
        max_pool: u32,
        outbox: Option<Vec<(MessageStatus, i64)>>,
    ) -> anyhow::Result<String> {
        let (open, idle) = pool;
        self.pool.with_label_values(&["idle"]).set(i64::from(idle));
        self.pool
            .with_label_values(&["in_use"])
            .set(i64::from(open.saturating_sub(idle)));
        self.pool
            .with_label_values(&["max"])
            .set(i64::from(max_pool));
        if let Some(counts) = outbox {
            for status in MessageStatus::ALL {
                let n = counts
                    .iter()
                    .find(|(s, _)| *s == status)
                    .map_or(0, |(_, n)| *n);
                self.outbox.with_label_values(&[status.as_str()]).set(n);
            }
        }
        let mut text = Vec::new();
        TextEncoder::new().encode(&self.registry.gather(), &mut text)?;
        Ok(String::from_utf8(text)?)
    }
}

/// The method as a label: the methods HTTP defines, and `other` for anything a client
/// invents, so nobody can add series to the registry by sending made-up methods.
fn method_label(method: &actix_web::http::Method) -> String {
    use actix_web::http::Method;
    let known = [
        Method::GET,
        Method::HEAD,
        Method::POST,
        Method::PUT,
        Method::PATCH,
        Method::DELETE,
        Method::OPTIONS,
        Method::TRACE,
        Method::CONNECT,
    ];
    if known.contains(method) {
        method.as_str().to_owned()
    } else {
        "other".to_owned()
    }
}

/// Counts and times every request. The route is the matched pattern (`/orders/{id}`), so
/// ids do not multiply the series; paths that match no route count as `unmatched`.
pub async fn record(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let started = Instant::now();
    let metrics = req.app_data::<web::Data<Metrics>>().cloned();
    let method = method_label(req.method());
    let result = next.call(req).await;
    if let Some(metrics) = metrics {
        let seconds = started.elapsed().as_secs_f64();
        let (route, status) = match &result {
            Ok(res) => (res.request().match_pattern(), res.status().as_u16()),
            Err(err) => (None, err.as_response_error().status_code().as_u16()),
        };
        let route = route.unwrap_or_else(|| "unmatched".to_owned());
        metrics.observe(&method, &route, status, seconds);
    }
    result
}
