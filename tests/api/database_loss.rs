//! The database goes away under the running server: it answers 503 problem documents
//! (never hangs, never panics) and `/health/ready` says so; when the database is back, the
//! server recovers by itself and nothing it acknowledged is lost. The database is reached
//! through a TCP proxy this test cuts, never by stopping the shared server.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection};
use reqwest::StatusCode;
use serde_json::json;
use tokio::net::{TcpListener, TcpStream};

use crate::helpers::{Db, fresh_database, json_of, problem, test_config};

/// A TCP proxy to PostgreSQL that can be cut (every connection dropped, new ones refused
/// at once) and restored.
struct Proxy {
    port: u16,
    up: Arc<AtomicBool>,
    tasks: Arc<std::sync::Mutex<Vec<tokio::task::JoinHandle<()>>>>,
}

impl Proxy {
    async fn start(target: String) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let up = Arc::new(AtomicBool::new(true));
        let tasks: Arc<std::sync::Mutex<Vec<tokio::task::JoinHandle<()>>>> = Arc::default();
        let (up_, tasks_) = (up.clone(), tasks.clone());
        tokio::spawn(async move {
            loop {
                let Ok((mut client, _)) = listener.accept().await else {
                    continue;
                };
                if !up_.load(Ordering::SeqCst) {
                    drop(client);
                    continue;
                }
                let target = target.clone();
                let task = tokio::spawn(async move {
                    if let Ok(mut server) = TcpStream::connect(&target).await {
                        let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                    }
                });
                tasks_.lock().unwrap().push(task);
            }
        });
        Proxy { port, up, tasks }
    }

    fn cut(&self) {
        self.up.store(false, Ordering::SeqCst);
        for task in self.tasks.lock().unwrap().drain(..) {
            task.abort();
        }
    }

    fn restore(&self) {
        self.up.store(true, Ordering::SeqCst);
    }
}

// Several threads: the proxy must keep running while the app's blocking database work
// waits on it.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_lost_database_is_503_within_bounds_and_the_server_recovers_by_itself() {
    let dir = tempfile::tempdir().unwrap();
    let Some((url, Some((admin, name)))) = fresh_database(Db::Postgres, dir.path()) else {
        return;
    };
    let host = url
        .split_once("://")
        .and_then(|(_, rest)| rest.split('@').next_back())
        .and_then(|rest| rest.split('/').next())
        .unwrap()
        .to_owned();
    let proxy = Proxy::start(host.clone()).await;
    let mut config = test_config(
        url.replace(&host, &format!("127.0.0.1:{}", proxy.port)),
        dir.path(),
    );
    config.database_pool_size = 4;
    // Clients hear of a lost database within a second.
    config.database_timeout_ms = 1000;
    let app = selvbetjening::Application::build(config.clone())
        .await
        .unwrap();
    let base = format!("http://127.0.0.1:{}", app.port());
    tokio::spawn(app.run_until_stopped());
    // A hang would fail the test here rather than hold it forever.
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap();
    let operator_email = "ops@operator.example";
    let operator = user_token(&config, &client, &base, operator_email, "operator", None).await;
    // A company write, as the operator.
    let create_company = |cvr: &str| {
        client
            .post(format!("{base}/operator/companies"))
            .bearer_auth(&operator)
            .json(&json!({"cvr": cvr, "name": format!("Firma {cvr} ApS"), "email_domain": format!("firma{cvr}.example")}))
            .send()
    };
    let created = json_of(
        create_company("31258715").await.unwrap(),
        StatusCode::CREATED,
    )
    .await;

    // The database stays, but every connection the pool holds is killed (a restart or a
    // failover does this): no write answers 500, and the pool gives none of them out
    // again once it has found it dead.
    let company: uuid::Uuid = created["id"].as_str().unwrap().parse().unwrap();
    let admin_token = user_token(
        &config,
        &client,
        &base,
        "admin@nordlys.example",
        "admin",
        Some(company),
    )
    .await;
    // A read of one statement, outside any transaction.
    let list_subscriptions = || {
        client
            .get(format!("{base}/subscriptions"))
            .bearer_auth(&admin_token)
            .send()
    };
    for _ in 0..4 {
        json_of(list_subscriptions().await.unwrap(), StatusCode::OK).await;
    }
    terminate_backends(&admin, &name);
    // A read, then a write, as a client goes on: a connection that failed one must not
    // be given to the next.
    let mut statuses = Vec::new();
    for cvr in [
        "10150817", "10000009", "12345674", "20000015", "20000023", "20000058",
    ] {
        statuses.push(list_subscriptions().await.unwrap().status());
        let write = create_company(cvr).await.unwrap();
        if write.status() == StatusCode::SERVICE_UNAVAILABLE {
            assert_eq!(write.headers()["retry-after"], "5");
        }
        statuses.push(write.status());
    }
    assert!(
        statuses.iter().all(|s| [
            StatusCode::OK,
            StatusCode::CREATED,
            StatusCode::SERVICE_UNAVAILABLE
        ]
        .contains(s)),
        "{statuses:?}"
    );
    assert_eq!(
        statuses[statuses.len() - 2..],
        [StatusCode::OK, StatusCode::CREATED],
        "{statuses:?}"
    );

    proxy.cut();
    // The first write after the loss is 503, as every read is.
    let write = create_company("20000031").await.unwrap();
    assert_eq!(write.headers()["retry-after"], "5");
    problem(
        write,
        StatusCode::SERVICE_UNAVAILABLE,
        "service_unavailable",
    )
    .await;
    let ready = client
        .get(format!("{base}/health/ready"))
        .send()
        .await
        .unwrap();
    problem(
        ready,
        StatusCode::SERVICE_UNAVAILABLE,
        "service_unavailable",
    )
    .await;
    for _ in 0..3 {
        let listed = client
            .get(format!("{base}/operator/companies"))
            .bearer_auth(&operator)
            .send()
            .await
            .unwrap();
        assert_eq!(listed.headers()["retry-after"], "5");
        let body = problem(
            listed,
            StatusCode::SERVICE_UNAVAILABLE,
            "service_unavailable",
        )
        .await;
        assert!(!body.to_string().contains("postgres"), "{body}");
    }

    proxy.restore();
    let mut recovered = false;
    for _ in 0..60 {
        let r = client
            .get(format!("{base}/health/ready"))
            .send()
            .await
            .unwrap();
        if r.status() == StatusCode::OK {
            recovered = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    assert!(recovered, "the server recovers by itself");
    let listed = client
        .get(format!("{base}/operator/companies"))
        .bearer_auth(&operator)
        .send()
        .await
        .unwrap();
    let listed = json_of(listed, StatusCode::OK).await;
    assert_eq!(
        listed["items"][0]["id"], created["id"],
        "nothing acknowledged is lost"
    );

    std::thread::spawn(move || {
        if let Ok(mut conn) = PgConnection::establish(&admin) {
            let _ = conn.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
        }
    })
    .join()
    .unwrap();
}

/// Kills every connection to database `name` but the caller's own, as a restart of the
/// server or a failover would, while the server itself goes on.
fn terminate_backends(admin: &str, name: &str) {
    let (admin, name) = (admin.to_owned(), name.to_owned());
    std::thread::spawn(move || {
        let mut conn = PgConnection::establish(&admin).unwrap();
        conn.batch_execute(&format!(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
             WHERE datname = '{name}' AND pid <> pg_backend_pid()"
        ))
        .unwrap();
    })
    .join()
    .unwrap();
}

/// Creates a user with `role` (in `company`, if any) and answers a token of theirs.
async fn user_token(
    config: &selvbetjening::Config,
    client: &reqwest::Client,
    base: &str,
    email: &str,
    role: &str,
    company: Option<uuid::Uuid>,
) -> String {
    let password = "user-password-123";
    selvbetjening::cli::create_user(config, email, password, role, company).unwrap();
    let token: serde_json::Value = client
        .post(format!("{base}/auth/token"))
        .form(&[
            ("grant_type", "password"),
            ("username", email),
            ("password", password),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    token["access_token"].as_str().unwrap().to_owned()
}
