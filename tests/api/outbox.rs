use persistence::outbox::NewMessage;
use rstest::rstest;

use crate::helpers::{Db, spawn_app_with};

/// Several workers (as in several server processes on one database) share the outbox:
/// every message is delivered exactly once, none is lost.
#[rstest]
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_workers_deliver_each_message_once(#[values(Db::Sqlite, Db::Postgres)] db: Db) {
    // The app's own worker sleeps; four others race over one queue.
    let Some(app) = spawn_app_with(db, |c| c.outbox_poll_ms = 3_600_000).await else {
        return;
    };
    for i in 0..60 {
        let recipient = format!("ansat{i}@nordlys.example");
        app.store
            .write(|conn| {
                persistence::outbox::enqueue(
                    conn,
                    NewMessage {
                        company_id: None,
                        kind: "welcome",
                        recipient: &recipient,
                        subject: "Velkommen",
                        body: "Hej",
                        created_at: persistence::machine_now(),
                    },
                )
            })
            .unwrap();
    }
    let folder = tempfile::tempdir().unwrap();
    let mut config = app.config.clone();
    config.mailbox_dir = folder.path().to_path_buf();
    config.smtp_url = None;
    let workers: Vec<_> = (0..4)
        .map(|_| {
            let store = app.store.clone();
            let mailer = selvbetjening::mail::Mailer::from_config(&config).unwrap();
            std::thread::spawn(move || {
                let mut sent = 0;
                loop {
                    let n = selvbetjening::mail::deliver_due(&store, &mailer).unwrap();
                    if n == 0 {
                        break sent;
                    }
                    sent += n;
                }
            })
        })
        .collect();
    let total: usize = workers.into_iter().map(|w| w.join().unwrap()).sum();
    assert_eq!(total, 60);
    let files = std::fs::read_dir(folder.path())
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .path()
                .extension()
                .is_some_and(|x| x == "eml")
        })
        .count();
    assert_eq!(files, 60);
    let backlog = app.store.read(persistence::outbox::backlog).unwrap();
    assert_eq!(backlog, 0);
}
