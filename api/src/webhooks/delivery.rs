//! The webhook worker, in every process: it claims due deliveries (leases; PostgreSQL
//! workers skip each other's rows), signs each as the Standard Webhooks specification
//! says and POSTs it. Each endpoint's deliveries go in order on a task of their own, and
//! an endpoint this process is still sending to is not claimed again, so a slow or dead
//! endpoint holds up nobody else. A 2xx delivers; anything else is retried on the
//! schedule (`domain::event::next_attempt`) and given up after 72 hours. An endpoint that
//! has failed for 5 days is disabled and its company's admins are emailed.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use persistence::Store;
use persistence::webhook_deliveries::{Attempt, Delivery, Outcome};
use persistence::webhook_endpoints::Endpoint;
use uuid::Uuid;

use super::targets::{Guarded, WebhookTargets};
use crate::config::Clock;
use crate::metrics::Metrics;

/// Deliveries claimed per round.
const BATCH: i64 = 20;
/// How long an endpoint may fail before it is disabled.
const FAILING_DAYS: i64 = 5;

/// Sends webhooks; one per process.
#[derive(Clone)]
pub struct Deliverer {
    store: Store,
    client: reqwest::Client,
    targets: WebhookTargets,
    clock: Clock,
    metrics: Arc<Metrics>,
    /// Endpoints this process is sending to now.
    busy: Arc<Mutex<HashSet<Uuid>>>,
    /// How long a claim lasts: longer than a whole batch to one endpoint takes.
    lease: chrono::Duration,
}

impl Deliverer {
    pub fn new(
        store: Store,
        targets: WebhookTargets,
        timeout: Duration,
        clock: Clock,
        metrics: Arc<Metrics>,
    ) -> anyhow::Result<Deliverer> {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(timeout)
            .connect_timeout(timeout)
            .no_proxy()
            .dns_resolver(Arc::new(Guarded(targets)))
            .user_agent(concat!(
                "Selvbetjening-Webhooks/",
                env!("CARGO_PKG_VERSION")
            ))
            .build()?;
        let per_batch = timeout.saturating_mul(u32::try_from(BATCH).unwrap_or(20));
        let lease = chrono::Duration::from_std(per_batch).unwrap_or(chrono::Duration::minutes(5))
            + chrono::Duration::seconds(5);
        Ok(Deliverer {
            store,
            client,
            targets,
            clock,
            metrics,
            busy: Arc::default(),
            lease,
        })
    }

    fn busy(&self) -> std::sync::MutexGuard<'_, HashSet<Uuid>> {
        self.busy
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Claims due deliveries and starts sending them, each endpoint's on a task of its
    /// own; answers how many were claimed.
    pub async fn round(&self) -> anyhow::Result<usize> {
        let now = self.clock.stamp();
        let skip: Vec<Uuid> = self.busy().iter().copied().collect();
        let store = self.store.clone();
        let lease = self.lease;
        let (claimed, disabled) = tokio::task::spawn_blocking(move || -> anyhow::Result<_> {
            let mut conn = store.conn()?;
            let claimed = persistence::db::write(&mut conn, |conn| {
                persistence::webhook_deliveries::claim(conn, BATCH, lease, now, &skip)
            })?;
            let disabled = disable_failing(&mut conn, now)?;
            Ok((claimed, disabled))
        })
        .await??;
        if disabled > 0 {
            tracing::warn!(
                disabled,
                "webhook endpoints failing for 5 days were disabled"
            );
        }
        let count = claimed.len();
        let mut by_endpoint: HashMap<Uuid, (Endpoint, Vec<Delivery>)> = HashMap::new();
        for (delivery, endpoint) in claimed {
            by_endpoint
                .entry(endpoint.id)
                .or_insert_with(|| (endpoint, Vec::new()))
                .1
                .push(delivery);
        }
        for (id, (endpoint, deliveries)) in by_endpoint {
            self.busy().insert(id);
            let this = self.clone();
            tokio::spawn(async move {
                for delivery in deliveries {
                    if let Err(err) = this.send(&endpoint, &delivery).await {
                        tracing::warn!(error = %err, delivery = %delivery.id, "recording a webhook attempt failed");
                    }
                }
                this.busy().remove(&id);
            });
        }
        Ok(count)
    }

    /// One attempt at `delivery`, recorded with its outcome.
    async fn send(&self, endpoint: &Endpoint, delivery: &Delivery) -> anyhow::Result<()> {
        let now = self.clock.stamp();
        let started = Instant::now();
        let answer = self.post(endpoint, delivery, now).await;
        let duration_ms = i32::try_from(started.elapsed().as_millis()).unwrap_or(i32::MAX);
        let (status_code, error) = match answer {
            Ok(status) => (Some(i32::from(status)), None),
            Err(err) => (None, Some(err)),
        };
        let delivered = status_code.is_some_and(|s| (200..300).contains(&s));
        let outcome = if delivered {
            Outcome::Delivered
        } else {
            match domain::event::next_attempt(delivery.attempts, delivery.created_at, now) {
                Some(at) => Outcome::Retry(at),
                None => Outcome::Failed,
            }
        };
        self.metrics.webhook_attempted(match outcome {
            Outcome::Delivered => "delivered",
            Outcome::Retry(_) => "retry",
            Outcome::Failed => "failed",
        });
        let attempt = Attempt {
            attempted_at: now,
            status_code,
            error,
            duration_ms,
        };
        let store = self.store.clone();
        let delivery = delivery.clone();
        tokio::task::spawn_blocking(move || -> anyhow::Result<()> {
            let mut conn = store.conn()?;
            persistence::db::write(&mut conn, |conn| {
                persistence::webhook_deliveries::record_attempt(conn, &delivery, &attempt, outcome)
            })?;
            Ok(())
        })
        .await?
    }

    /// POSTs the delivery, signed, and answers the status, or why there was none.
    async fn post(
        &self,
        endpoint: &Endpoint,
        delivery: &Delivery,
        now: chrono::NaiveDateTime,
    ) -> Result<u16, String> {
        // The URL was allowed when it was saved; it must still be (the rules may have
        // changed). Its name must resolve to allowed addresses now: the client's resolver
        // checks that as it connects.
        let url = super::targets::check_written(&endpoint.url, self.targets)
            .map_err(|e| format!("refused: {e}"))?;
        let timestamp = now.and_utc().timestamp();
        let id = delivery.event_id.to_string();
        let signature = signatures(endpoint, &id, timestamp, &delivery.payload, now)
            .map_err(|e| format!("signing failed: {e}"))?;
        let response = self
            .client
            .post(url)
            .header("content-type", "application/json")
            .header("webhook-id", &id)
            .header("webhook-timestamp", timestamp.to_string())
            .header("webhook-signature", signature)
            .body(delivery.payload.clone())
            .send()
            .await
            .map_err(|e| describe(&e))?;
        // Nothing of the answer is read or kept but its status.
        Ok(response.status().as_u16())
    }
}

/// The `webhook-signature` header: the current secret's signature, and during a
/// rotation the previous secret's beside it, space-separated.
pub fn signatures(
    endpoint: &Endpoint,
    id: &str,
    timestamp: i64,
    payload: &str,
    now: chrono::NaiveDateTime,
) -> Result<String, standardwebhooks::WebhookError> {
    let mut all = vec![standardwebhooks::Webhook::new(&endpoint.secret)?.sign(
        id,
        timestamp,
        payload.as_bytes(),
    )?];
    if let (Some(previous), Some(until)) =
        (&endpoint.previous_secret, endpoint.previous_secret_until)
        && until > now
    {
        all.push(standardwebhooks::Webhook::new(previous)?.sign(
            id,
            timestamp,
            payload.as_bytes(),
        )?);
    }
    Ok(all.join(" "))
}

/// Why a request got no answer, in words for the delivery log (no URL, no secrets).
fn describe(err: &reqwest::Error) -> String {
    if err.is_timeout() {
        "timed out".to_owned()
    } else if err.is_connect() {
        "could not connect".to_owned()
    } else if err.is_redirect() {
        "redirected (redirects are not followed)".to_owned()
    } else {
        "the request failed".to_owned()
    }
}

/// Disables endpoints failing for [`FAILING_DAYS`] and emails their companies' admins.
fn disable_failing(
    conn: &mut persistence::DbConnection,
    now: chrono::NaiveDateTime,
) -> anyhow::Result<usize> {
    let disabled = persistence::db::write(conn, |conn| {
        let disabled = persistence::webhook_endpoints::disable_failing(
            conn,
            now - chrono::Duration::days(FAILING_DAYS),
            now,
        )?;
        for endpoint in &disabled {
            let email = crate::emails::webhook_endpoint_disabled(&endpoint.url);
            for admin in persistence::users::admin_emails(conn, endpoint.company_id)? {
                persistence::outbox::enqueue(
                    conn,
                    persistence::outbox::NewMessage {
                        company_id: Some(endpoint.company_id),
                        kind: "webhook_endpoint_disabled",
                        recipient: admin.as_str(),
                        subject: &email.subject,
                        body: &email.body,
                        created_at: now,
                    },
                )?;
            }
        }
        Ok::<_, persistence::Error>(disabled.len())
    })?;
    Ok(disabled)
}

/// Runs rounds every `every` until the process ends; at once again while a round claims
/// a full batch.
pub fn spawn(deliverer: Deliverer, every: Duration) {
    tokio::spawn(async move {
        loop {
            match deliverer.round().await {
                Ok(n) if n as i64 >= BATCH => continue,
                Ok(_) => {}
                Err(err) => tracing::warn!(error = %err, "webhook round failed"),
            }
            tokio::time::sleep(every).await;
        }
    });
}
