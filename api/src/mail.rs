//! Delivers the outbox: to `.eml` files in the mailbox folder by default, over SMTP when
//! `SMTP_URL` is set. At least once: a message is marked sent only after delivery, and a
//! crashed worker's claim lapses so another picks the message up.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use lettre::message::header::ContentType;
use lettre::{FileTransport, SmtpTransport, Transport};
use persistence::Store;
use persistence::outbox::Message;

const FROM: &str = "Selvbetjening <noreply@selvbetjening.example>";
/// Messages claimed per round.
pub const BATCH: i64 = 20;
/// How long an SMTP exchange may take; the claim lease must be longer.
const SMTP_TIMEOUT: Duration = Duration::from_secs(10);

/// Where messages go, and how long a claimed batch is ours before another worker (or this
/// one, restarted after a crash) may deliver it.
pub struct Mailer {
    transport: Sink,
    lease: chrono::Duration,
}

enum Sink {
    /// One `.eml` file per message in a folder.
    Folder(FileTransport),
    Smtp(Box<SmtpTransport>),
}

impl Mailer {
    pub fn from_config(config: &crate::config::Config) -> anyhow::Result<Mailer> {
        let seconds = config.outbox_lease_seconds;
        anyhow::ensure!(
            Duration::from_secs(seconds) > SMTP_TIMEOUT || config.smtp_url.is_none(),
            "OUTBOX_LEASE_SECONDS must be longer than an SMTP exchange may take ({} s)",
            SMTP_TIMEOUT.as_secs()
        );
        Ok(Mailer {
            transport: Self::transport(config)?,
            lease: chrono::Duration::seconds(i64::try_from(seconds.max(1)).unwrap_or(60)),
        })
    }

    fn transport(config: &crate::config::Config) -> anyhow::Result<Sink> {
        match &config.smtp_url {
            Some(url) => Ok(Sink::Smtp(Box::new(smtp(url)?))),
            None => {
                std::fs::create_dir_all(&config.mailbox_dir).with_context(|| {
                    format!(
                        "cannot create the mailbox folder {}",
                        config.mailbox_dir.display()
                    )
                })?;
                Ok(Sink::Folder(FileTransport::new(&config.mailbox_dir)))
            }
        }
    }

    pub fn deliver(&self, message: &Message) -> anyhow::Result<()> {
        let email = lettre::Message::builder()
            .from(FROM.parse()?)
            .to(message
                .recipient
                .parse()
                .with_context(|| format!("bad recipient {:?}", message.recipient))?)
            .subject(message.subject.clone())
            .message_id(Some(format!("<{}@selvbetjening.example>", message.id)))
            .header(ContentType::TEXT_PLAIN)
            .body(message.body.clone())?;
        match &self.transport {
            Sink::Folder(transport) => {
                transport.send(&email)?;
            }
            Sink::Smtp(transport) => {
                transport.send(&email)?;
            }
        }
        Ok(())
    }
}

/// A plain SMTP relay from `smtp://[user:password@]host[:port]` (a local relay or a mail
/// catcher such as mailpit; TLS is the relay's job).
fn smtp(url: &str) -> anyhow::Result<SmtpTransport> {
    let rest = url
        .strip_prefix("smtp://")
        .context("SMTP_URL must look like smtp://[user:password@]host[:port]")?;
    let (credentials, address) = match rest.rsplit_once('@') {
        Some((c, a)) => (Some(c), a),
        None => (None, rest),
    };
    let address = address.trim_end_matches('/');
    let (host, port) = match address.rsplit_once(':') {
        Some((h, p)) => (
            h,
            p.parse::<u16>()
                .context("the SMTP_URL port is not a number")?,
        ),
        None => (address, 25),
    };
    anyhow::ensure!(!host.is_empty(), "SMTP_URL has no host");
    let mut builder = SmtpTransport::builder_dangerous(host)
        .port(port)
        .timeout(Some(SMTP_TIMEOUT));
    if let Some((user, password)) = credentials.and_then(|c| c.split_once(':')) {
        builder = builder.credentials(lettre::transport::smtp::authentication::Credentials::new(
            user.to_owned(),
            password.to_owned(),
        ));
    }
    Ok(builder.build())
}

/// Delivers what is due once; returns how many were sent. The batch's deliveries are
/// recorded together after it: a crash in between sends those messages again once their
/// claim lapses, with the same Message-ID, as at-least-once delivery allows.
pub fn deliver_due(store: &Store, mailer: &Mailer) -> anyhow::Result<usize> {
    let claimed = store.write(|conn| persistence::outbox::claim(conn, BATCH, mailer.lease))?;
    let mut delivered = Vec::with_capacity(claimed.len());
    for message in claimed {
        match mailer.deliver(&message) {
            Ok(()) => delivered.push((
                message.id,
                crate::emails::without_link_tokens(&message.body),
            )),
            Err(err) => {
                tracing::warn!(message = %message.id, attempt = message.attempts, error = %err, "email delivery failed; will retry");
                persistence::outbox::mark_failed(&mut **store.conn()?, &message, &err.to_string())?;
            }
        }
    }
    if !delivered.is_empty() {
        store.write(|conn| persistence::outbox::mark_sent(conn, &delivered))?;
    }
    Ok(delivered.len())
}

/// Runs the outbox worker until the process ends.
pub fn spawn_worker(store: Store, mailer: Arc<Mailer>, every: Duration) {
    tokio::spawn(async move {
        loop {
            let (store_, mailer_) = (store.clone(), mailer.clone());
            let round = tokio::task::spawn_blocking(move || deliver_due(&store_, &mailer_)).await;
            let full = match round {
                Ok(Ok(n)) if n > 0 => {
                    tracing::info!(sent = n, "outbox delivered");
                    n >= usize::try_from(BATCH).unwrap_or(usize::MAX)
                }
                Ok(Ok(_)) => false,
                Ok(Err(err)) => {
                    tracing::warn!(error = %err, "outbox round failed");
                    false
                }
                Err(err) => {
                    tracing::error!(error = %err, "outbox worker panicked");
                    false
                }
            };
            // A full batch means more may be due: the next round at once, not after a pause.
            if !full {
                tokio::time::sleep(every).await;
            }
        }
    });
}
