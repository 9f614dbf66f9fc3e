//! Measures a running Selvbetjening server over HTTP, as its users load it:
//!
//!     selvbetjening-bench BASE_URL SERVER_PID
//!
//! Scenarios (each with a fixed number of requests and concurrency, so runs compare):
//! logins (argon2id), catalog reads, the employee journey (draft + confirm, each a write
//! transaction). Prints requests per second and latency percentiles per scenario, and the
//! server's resident memory (from /proc) before and after. The reads are measured by wrk
//! in `bench/run`, which gets the admin's token here. With `BENCH_RESULTS` set, also writes
//! one tab-separated line per scenario there (`key`, req/s, p50 ms, p99 ms, concurrency)
//! for `bench/run` to set against its ceilings.
//!
//! `BENCH_JOURNEYS` sets the number of journeys (600); `--logins-only N` only logs in N
//! times, two at a time (the logins of the footprint run).
//!
//! Bulk onboarding, after the journeys: a company of the bench's own (real, not a sandbox)
//! uploads a CSV file of `BENCH_BULK_ROWS` (1 000) employees whose new numbers the server
//! picks from the company's pool, filled by the operator first; timed from the upload to
//! `drafted` and from the confirmation to `completed`, the job's status read every 50 ms.
//! `BENCH_BULK_RUNS` (1) such jobs one after another; `--bulk-only` runs only these (with
//! the logins they need).

use std::time::{Duration, Instant};

use futures_util::stream::{self, StreamExt};
use serde::de::IgnoredAny;
use serde_json::{Value, json};

const ADMIN: (&str, &str) = ("admin@nordlys.example", "demo-admin-password");
const OPERATOR: (&str, &str) = ("operator@selvbetjening.example", "demo-operator-password");
/// The bench's own company for bulk onboarding: its email domain and admin.
const BULK_DOMAIN: &str = "bulk.example";
const BULK_ADMIN: (&str, &str) = ("admin@bulk.example", "bulk-bench-password");

type Failure = Box<dyn std::error::Error + Send + Sync>;

struct Bench {
    client: reqwest::Client,
    base: String,
}

impl Bench {
    async fn token(&self, (username, password): (&str, &str)) -> Result<String, Failure> {
        let response = self
            .client
            .post(format!("{}/auth/token", self.base))
            .form(&[
                ("grant_type", "password"),
                ("username", username),
                ("password", password),
            ])
            .send()
            .await?;
        if !response.status().is_success() {
            return Err(format!("login of {username}: {}", response.status()).into());
        }
        let body: Value = response.json().await?;
        Ok(body["access_token"]
            .as_str()
            .ok_or("no access_token")?
            .to_owned())
    }

    /// Sends `request` and reads its answer as `T`: `IgnoredAny` for an answer only checked
    /// for its status, which then costs this client a scan of the bytes instead of a tree
    /// of values (the client shares the cores with the server it measures).
    async fn send<T: serde::de::DeserializeOwned>(
        &self,
        request: reqwest::RequestBuilder,
        expected: u16,
    ) -> Result<T, Failure> {
        let response = request.send().await?;
        let status = response.status().as_u16();
        let body = response.bytes().await?;
        if status != expected {
            let body = String::from_utf8_lossy(&body);
            return Err(format!("expected {expected}, got {status}: {body}").into());
        }
        Ok(serde_json::from_slice(&body)?)
    }
}

/// Runs `count` tasks `concurrency` at a time and reports their latencies.
async fn scenario<F, Fut>(
    pid: &str,
    name: &str,
    count: usize,
    concurrency: usize,
    task: F,
) -> Result<(), Failure>
where
    F: Fn(usize) -> Fut,
    Fut: std::future::Future<Output = Result<(), Failure>>,
{
    let started = Instant::now();
    let results: Vec<Result<Duration, Failure>> = stream::iter(0..count)
        .map(|i| {
            let run = task(i);
            async move {
                let t = Instant::now();
                run.await.map(|()| t.elapsed())
            }
        })
        .buffer_unordered(concurrency)
        .collect()
        .await;
    let elapsed = started.elapsed();
    let mut latencies = Vec::with_capacity(count);
    for result in results {
        latencies.push(result?);
    }
    latencies.sort();
    let at = |q: f64| {
        let index = ((latencies.len() as f64 - 1.0) * q).round() as usize;
        latencies[index].as_secs_f64() * 1000.0
    };
    let rss = memory(pid).map_or(0.0, |(rss, _)| rss);
    let per_second = count as f64 / elapsed.as_secs_f64();
    record(&format!(
        "{}\t{per_second:.0}\t{:.2}\t{:.2}\t{concurrency}",
        key(name),
        at(0.5),
        at(0.99)
    ));
    println!(
        "{name:<34} {count:>6} {concurrency:>5} {:>9.0} {:>8.2} {:>8.2} {:>8.2} {:>8.2} {rss:>8.1}",
        count as f64 / elapsed.as_secs_f64(),
        at(0.5),
        at(0.95),
        at(0.99),
        at(1.0),
    );
    Ok(())
}

/// A scenario's short name for the results file: its first word that is a path, or the name.
fn key(name: &str) -> String {
    name.split_whitespace()
        .find(|w| w.starts_with('/'))
        .unwrap_or(name)
        .to_owned()
}

/// Appends a line to the `BENCH_RESULTS` file, if one is set.
fn record(line: &str) {
    use std::io::Write;
    if let Ok(path) = std::env::var("BENCH_RESULTS")
        && let Ok(mut file) = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
    {
        let _ = writeln!(file, "{line}");
    }
}

/// Resident memory of `pid` in MiB: (now, peak).
fn memory(pid: &str) -> Option<(f64, f64)> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let field = |name: &str| -> Option<f64> {
        let line = status.lines().find(|l| l.starts_with(name))?;
        let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
        Some(kib / 1024.0)
    };
    Some((field("VmRSS:")?, field("VmHWM:")?))
}

/// Initials of the `i`th employee of a journey, after `first`: unique up to 17 576.
fn initials(first: char, i: usize) -> String {
    let letter = |n: usize| char::from(b'A' + (n % 26) as u8);
    format!("{first}{}{}{}", letter(i / 676), letter(i / 26), letter(i))
}

/// A count from the environment variable `name`, or `default`.
fn env_number(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(default)
}

/// Creates the bench's own company for bulk onboarding (on the fresh database of each
/// bench run) and its admin: real, not a sandbox, so its business time is the server's
/// clock and it picks from its own pool and the operator's, as a customer does. Answers
/// its id and its admin's token.
async fn bulk_company(b: &Bench, operator: &str) -> Result<(String, String), Failure> {
    let made: Value = b
        .send(
            b.client
                .post(format!("{}/operator/companies", b.base))
                .bearer_auth(operator)
                .json(&json!({"cvr": "10150817", "name": "Bulk Bench ApS",
                    "email_domain": BULK_DOMAIN, "sandbox": false})),
            201,
        )
        .await?;
    let company = made["id"].as_str().ok_or("no company id")?.to_owned();
    b.send::<IgnoredAny>(
        b.client
            .post(format!("{}/operator/companies/{company}/users", b.base))
            .bearer_auth(operator)
            .json(&json!({"email": BULK_ADMIN.0, "role": "admin", "password": BULK_ADMIN.1})),
        201,
    )
    .await?;
    Ok((company, b.token(BULK_ADMIN).await?))
}

/// Reads the job at `location` every 50 ms until its status is `wanted`; answers it. Any
/// other status where the job stops is an error, with the job's problems.
async fn await_status(
    b: &Bench,
    token: &str,
    location: &str,
    wanted: &str,
) -> Result<Value, Failure> {
    let limit = Instant::now() + Duration::from_secs(600);
    loop {
        let job: Value = b
            .send(
                b.client
                    .get(format!("{}{location}", b.base))
                    .bearer_auth(token),
                200,
            )
            .await?;
        match job["status"].as_str().unwrap_or_default() {
            status if status == wanted => return Ok(job),
            "validating" | "drafting" | "drafted" | "confirming" => {}
            other => {
                return Err(
                    format!("bulk order {other}, not {wanted}: {}", job["problems"]).into(),
                );
            }
        }
        if Instant::now() > limit {
            return Err(format!("bulk order not {wanted} after 600 s: {job}").into());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// `runs` bulk jobs of `rows` employees each, one after another, by the bench's own
/// company: the operator adds `rows` numbers to its pool, the admin uploads a CSV file
/// naming no number, and confirms the drafts. Records `bulk`, the rows, the upload's
/// answer in ms, and the seconds from the upload to `drafted` and from the confirmation
/// to `completed`.
async fn bulk(b: &Bench, operator: &str, rows: usize, runs: usize) -> Result<(), Failure> {
    let (company, admin) = bulk_company(b, operator).await?;
    for run in 0..runs {
        let first = 71_000_000 + run * rows;
        let numbers: Vec<String> = (first..first + rows).map(|n| format!("+45{n}")).collect();
        for chunk in numbers.chunks(1000) {
            b.send::<IgnoredAny>(
                b.client
                    .post(format!("{}/operator/companies/{company}/numbers", b.base))
                    .bearer_auth(operator)
                    .json(&json!({"numbers": chunk})),
                201,
            )
            .await?;
        }
        let mut file = String::from(
            "plan;mobile_package;data_sharing_cards;name;initials;title;email;cost_center;number_type;number\r\n",
        );
        let letter = char::from(b'K' + u8::try_from(run % 16).unwrap_or(0));
        for i in 0..rows {
            let initials = initials(letter, i);
            let email = format!("{}@{BULK_DOMAIN}", initials.to_lowercase());
            file.push_str(&format!(
                "ERHVERV_M;DATA_50;1;Medarbejder {initials};{initials};Konsulent;{email};4100;new;\r\n"
            ));
        }
        let began = Instant::now();
        let response = b
            .client
            .post(format!("{}/bulk-orders", b.base))
            .bearer_auth(&admin)
            .header("Content-Type", "text/csv")
            .header("Idempotency-Key", format!("bench-bulk-{company}-{run}"))
            .body(file)
            .send()
            .await?;
        let upload = began.elapsed();
        let status = response.status().as_u16();
        let location = response
            .headers()
            .get("location")
            .and_then(|l| l.to_str().ok())
            .map(str::to_owned);
        let body = response.text().await?;
        let Some(location) = location.filter(|_| status == 202) else {
            return Err(format!("bulk upload: expected 202, got {status}: {body}").into());
        };
        let job = await_status(b, &admin, &location, "drafted").await?;
        let drafted = began.elapsed();
        if job["drafted"].as_u64() != Some(rows as u64) {
            return Err(format!("bulk order drafted {} of {rows} rows", job["drafted"]).into());
        }
        let began = Instant::now();
        b.send::<IgnoredAny>(
            b.client
                .post(format!("{}{location}/confirm", b.base))
                .bearer_auth(&admin)
                .header("If-Match", format!("\"{}\"", job["version"])),
            202,
        )
        .await?;
        let job = await_status(b, &admin, &location, "completed").await?;
        let completed = began.elapsed();
        if job["confirmed"].as_u64() != Some(rows as u64) {
            return Err(format!(
                "bulk order confirmed {} of {rows} rows ({} failed)",
                job["confirmed"], job["failed"]
            )
            .into());
        }
        let upload_ms = upload.as_secs_f64() * 1000.0;
        let (drafted, completed) = (drafted.as_secs_f64(), completed.as_secs_f64());
        println!(
            "bulk onboarding, {rows} rows: upload answered in {upload_ms:.0} ms, drafted \
             {drafted:.2} s after it, completed {completed:.2} s after the confirmation"
        );
        record(&format!(
            "bulk\t{rows}\t{upload_ms:.0}\t{drafted:.2}\t{completed:.2}"
        ));
    }
    Ok(())
}

#[tokio::main]
async fn main() -> Result<(), Failure> {
    let mut args = std::env::args().skip(1);
    let base = args
        .next()
        .ok_or("usage: selvbetjening-bench BASE_URL SERVER_PID")?;
    let pid = args.next().unwrap_or_default();
    let bench = Bench {
        client: reqwest::Client::builder()
            .pool_max_idle_per_host(64)
            .build()?,
        base,
    };
    let b = &bench;

    let only = args.next();
    if only.as_deref() == Some("--logins-only") {
        let count: usize = args.next().and_then(|n| n.parse().ok()).unwrap_or(100);
        return scenario(&pid, "POST /auth/token (argon2id)", count, 2, |_| async {
            b.token(ADMIN).await.map(|_| ())
        })
        .await;
    }
    let bulk_rows: usize = env_number("BENCH_BULK_ROWS", 1000);
    let bulk_runs: usize = env_number("BENCH_BULK_RUNS", 1);
    if only.as_deref() == Some("--bulk-only") {
        let operator = b.token(OPERATOR).await?;
        return bulk(b, &operator, bulk_rows, bulk_runs).await;
    }
    let journeys: usize = env_number("BENCH_JOURNEYS", 600);
    let admin = b.token(ADMIN).await?;
    let operator = b.token(OPERATOR).await?;
    let companies: Value = b
        .send(
            b.client
                .get(format!("{}/operator/companies", b.base))
                .bearer_auth(&operator),
            200,
        )
        .await?;
    let company = companies["items"]
        .as_array()
        .and_then(|all| all.iter().find(|c| c["email_domain"] == "nordlys.example"))
        .and_then(|c| c["id"].as_str())
        .ok_or("no demo company")?
        .to_owned();
    // Free numbers for every journey, in the company's pool (at most 1 000 a request): the
    // ones the first journey names, and as many again for the journey that names none.
    let numbers: Vec<String> = (0..journeys).map(|i| format!("+4591{i:06}")).collect();
    let spare: Vec<String> = (0..journeys).map(|i| format!("+4581{i:06}")).collect();
    for chunk in numbers.chunks(1000).chain(spare.chunks(1000)) {
        b.send::<IgnoredAny>(
            b.client
                .post(format!("{}/operator/companies/{company}/numbers", b.base))
                .bearer_auth(&operator)
                .json(&json!({"numbers": chunk})),
            201,
        )
        .await?;
    }

    if let Some((rss, _)) = memory(&pid) {
        println!("server memory before: {rss:.1} MiB resident");
    }
    println!(
        "{:<34} {:>6} {:>5} {:>9} {:>8} {:>8} {:>8} {:>8} {:>8}",
        "scenario", "n", "conc", "req/s", "p50 ms", "p95 ms", "p99 ms", "max ms", "RSS MiB"
    );
    scenario(&pid, "POST /auth/token (argon2id)", 40, 2, |_| async {
        b.token(ADMIN).await.map(|_| ())
    })
    .await?;
    scenario(&pid, "GET /catalog/plans", 5000, 32, |_| {
        let request = b
            .client
            .get(format!("{}/catalog/plans", b.base))
            .bearer_auth(&admin);
        async move { b.send::<IgnoredAny>(request, 200).await.map(|_| ()) }
    })
    .await?;
    let journey = |i: usize, first: char, number: Option<&str>| {
        let mut form = json!({"plan": "ERHVERV_M", "mobile_package": "DATA_50", "data_sharing_cards": 1,
            "employee": {"name": format!("Medarbejder {first}{i}"), "initials": initials(first, i), "title": "Konsulent", "email": format!("m{first}{i}@nordlys.example")}});
        if let Some(number) = number {
            form["number"] = json!({"type": "new", "number": number});
        }
        let draft = b
            .client
            .post(format!("{}/orders", b.base))
            .bearer_auth(&admin)
            .json(&form);
        let admin = admin.clone();
        async move {
            let order: Value = b.send(draft, 201).await?;
            let id = order["id"].as_str().ok_or("no order id")?;
            let confirm = b
                .client
                .post(format!("{}/orders/{id}/confirm", b.base))
                .bearer_auth(&admin);
            b.send::<IgnoredAny>(confirm, 201).await.map(|_| ())
        }
    };
    scenario(&pid, "journey: POST /orders + confirm", journeys, 16, |i| {
        journey(i, 'B', Some(&numbers[i]))
    })
    .await?;
    // The same journey with no number in the form: the server picks the first free one,
    // which sixteen drafts at once must not queue for.
    scenario(
        &pid,
        "journey, number picked: /orders#picked",
        journeys,
        16,
        |i| journey(i, 'P', None),
    )
    .await?;
    bulk(b, &operator, bulk_rows, bulk_runs).await?;
    // The reads are driven by wrk (bench/run), which needs the token.
    record(&format!("token\t{admin}"));
    if let Some((rss, peak)) = memory(&pid) {
        println!("server memory after: {rss:.1} MiB resident, {peak:.1} MiB at the peak");
    }
    Ok(())
}
