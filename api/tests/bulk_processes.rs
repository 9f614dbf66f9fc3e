//! A bulk order's job with several server processes on one PostgreSQL database. The same
//! upload with the same `Idempotency-Key` sent to two processes at once starts one job.
//! The process drafting it is killed (`kill -9`) in the middle, and so is the one
//! confirming it: each time another process resumes the job once the hold runs out, and
//! in the end every row has exactly one draft, one subscription and one welcome email —
//! none lost, none twice. Needs `TEST_DATABASE_URL` (as CI sets it); without it, it ends
//! at once.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashSet;
use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};

mod support;

use support::{Database, Server, get, start, token};

/// Rows of the job: enough that drafting and confirming take several steps each.
const ROWS: usize = 600;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_bulk_order_survives_its_processes_being_killed_while_drafting_and_confirming() {
    let Some(admin_url) = support::postgres_admin_url() else {
        return;
    };
    let db = Database::create(&admin_url);
    let dir = tempfile::tempdir().unwrap();
    let mailbox = dir.path().join("mailbox");
    support::create_operator(&db, dir.path());
    let mut a = start(&db, dir.path(), &mailbox).await;
    let b = start(&db, dir.path(), &mailbox).await;
    let client = reqwest::Client::new();
    let operator = token(&client, &a, "ops@operator.example", "operator-password-123").await;
    let numbers: Vec<String> = (0..ROWS).map(|i| format!("+452073{i:04}")).collect();
    let (_, admin) = support::company_with_numbers(
        &client,
        &a,
        &operator,
        ("Masseansat ApS", "masseansat.example", false),
        &numbers,
    )
    .await;

    // The same file and key sent to both processes at once: one job.
    let file = spreadsheet();
    let upload = |server: &Server| {
        client
            .post(format!("{}/bulk-orders", server.base))
            .bearer_auth(&admin)
            .header("content-type", "text/csv")
            .header("idempotency-key", "the-spreadsheet")
            .body(file.clone())
            .send()
    };
    let (via_a, via_b) = tokio::join!(upload(&a), upload(&b));
    let (via_a, via_b) = (via_a.unwrap(), via_b.unwrap());
    assert_eq!(via_a.status(), StatusCode::ACCEPTED);
    assert_eq!(via_b.status(), StatusCode::ACCEPTED);
    let id = via_a.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(via_b.json::<Value>().await.unwrap()["id"], json!(id));
    drop(b);

    // Killed with some rows drafted and most not.
    let path = format!("/bulk-orders/{id}");
    let seen = kill_when(&client, &mut a, &path, &admin, "drafting", "drafted").await;
    eprintln!("drafting: killed with {seen} of {ROWS} rows drafted");
    let c = start(&db, dir.path(), &mailbox).await;
    let drafted = settled(&client, &c, &path, &admin, "drafted").await;
    assert_eq!(drafted["drafted"], ROWS);
    let orders = all(&client, &c, "/orders", &admin).await;
    assert_eq!(orders.len(), ROWS, "one draft per row, none twice");
    let rows = all(&client, &c, &format!("{path}/rows"), &admin).await;
    let order_ids: HashSet<&str> = rows
        .iter()
        .map(|r| r["order_id"].as_str().unwrap())
        .collect();
    assert_eq!(order_ids.len(), ROWS);

    // Confirmed, and the confirming process killed in the middle.
    let r = client
        .post(format!("{}{path}/confirm", c.base))
        .bearer_auth(&admin)
        .header("if-match", format!("\"{}\"", drafted["version"]))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::ACCEPTED);
    let mut c = c;
    let seen = kill_when(&client, &mut c, &path, &admin, "confirming", "confirmed").await;
    eprintln!("confirming: killed with {seen} of {ROWS} rows confirmed");
    let d = start(&db, dir.path(), &mailbox).await;
    let completed = settled(&client, &d, &path, &admin, "completed").await;
    assert_eq!(completed["confirmed"], ROWS, "{completed}");
    assert_eq!(completed["failed"], 0);
    let subscriptions = all(&client, &d, "/subscriptions", &admin).await;
    assert_eq!(
        subscriptions.len(),
        ROWS,
        "one subscription per row, none twice"
    );
    let confirmed = all(&client, &d, "/events?type=order.confirmed", &admin).await;
    let confirmed: HashSet<&str> = confirmed
        .iter()
        .map(|e| e["data"]["id"].as_str().unwrap())
        .collect();
    assert_eq!(confirmed.len(), ROWS);
    assert_eq!(
        all(&client, &d, "/events?type=bulk_order.completed", &admin)
            .await
            .len(),
        1
    );
    // Every welcome email (the only emails here) queued once: as many distinct messages as
    // rows, once the mail worker has sent them all.
    let mut welcomes = 0;
    for _ in 0..600 {
        welcomes = support::message_ids(&mailbox).len();
        if welcomes >= ROWS {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(welcomes, ROWS);
}

/// A file of `ROWS` employees, each asking for a new number the server picks.
fn spreadsheet() -> String {
    let mut file = String::from("plan;mobile_package;name;initials;title;email\r\n");
    for i in 0..ROWS {
        let letter = |n: usize| char::from(b'A' + (n % 26) as u8);
        file.push_str(&format!(
            "ERHVERV_S;DATA_10;Medarbejder {i};{}{}{};Konsulent;m{i}@masseansat.example\r\n",
            letter(i / 676),
            letter(i / 26),
            letter(i)
        ));
    }
    file
}

/// Kills `server` once the job has some rows counted in `count` while `running`, or when
/// it is past that state; answers the count seen just before.
async fn kill_when(
    client: &reqwest::Client,
    server: &mut Server,
    path: &str,
    admin: &str,
    running: &str,
    count: &str,
) -> u64 {
    let mut seen = 0;
    for _ in 0..4000 {
        let job = get(client, server, path, admin).await;
        seen = job[count].as_u64().unwrap();
        if job["status"] != "validating" && (job["status"] != running || seen > 0) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    server.child.kill().unwrap();
    server.child.wait().unwrap();
    seen
}

/// The job once it is `status`, as another process resumes it after the hold runs out.
async fn settled(
    client: &reqwest::Client,
    server: &Server,
    path: &str,
    admin: &str,
    status: &str,
) -> Value {
    for _ in 0..1200 {
        let job = get(client, server, path, admin).await;
        if job["status"] == status {
            return job;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!(
        "the job never became {status}: {}",
        get(client, server, path, admin).await
    );
}

/// Every item of a list, page by page.
async fn all(client: &reqwest::Client, server: &Server, path: &str, token: &str) -> Vec<Value> {
    let mut items = Vec::new();
    let mut cursor = String::new();
    let join = if path.contains('?') { '&' } else { '?' };
    loop {
        let page = get(
            client,
            server,
            &format!("{path}{join}limit=200&cursor={cursor}"),
            token,
        )
        .await;
        items.extend(page["items"].as_array().unwrap().iter().cloned());
        match page["next_cursor"].as_str() {
            Some(next) => cursor = next.to_owned(),
            None => return items,
        }
    }
}
