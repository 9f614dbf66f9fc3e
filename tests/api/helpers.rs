//! Starts the real application on a random port over a fresh database, SQLite always and
//! PostgreSQL when `TEST_DATABASE_URL` is set, and speaks to it over HTTP.

use std::sync::Once;

use diesel::{Connection, PgConnection, connection::SimpleConnection};
use reqwest::{Response, StatusCode};
use selvbetjening::{Application, Config};
use serde_json::{Value, json};

pub const TEST_SECRET: &str = "test-secret-test-secret-test-secret-0123456789";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Db {
    Sqlite,
    Postgres,
}

pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    pub store: persistence::Store,
    pub config: Config,
    /// The settings the app's use cases read (for running scheduler work directly).
    pub settings: std::sync::Arc<selvbetjening::app::Settings>,
    _dir: tempfile::TempDir,
    postgres: Option<(String, String)>,
}

fn init_logs() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        if std::env::var_os("TEST_LOG").is_some() {
            selvbetjening::telemetry::init(selvbetjening::config::LogFormat::Text);
        }
    });
}

/// `TEST_DATABASE_URL` with another database name.
pub fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let prefix = match base.find("://").map(|i| i + 3) {
        Some(start) => match base[start..].find('/') {
            Some(slash) => &base[..start + slash],
            None => base,
        },
        None => base,
    };
    match query {
        Some(q) => format!("{prefix}/{name}?{q}"),
        None => format!("{prefix}/{name}"),
    }
}

/// `TEST_DATABASE_URL`, or `None` when it is not set and the PostgreSQL case is skipped.
/// A skip says so on the terminal even when the test passes (written past the test
/// harness's capture), and is a failure when `TEST_REQUIRE_POSTGRES` is set, as CI sets it:
/// a run that was meant to cover PostgreSQL never passes by skipping it.
pub fn postgres_admin_url() -> Option<String> {
    if let Ok(url) = std::env::var("TEST_DATABASE_URL") {
        return Some(url);
    }
    let test = std::thread::current().name().unwrap_or("a test").to_owned();
    assert!(
        std::env::var_os("TEST_REQUIRE_POSTGRES").is_none(),
        "{test}: TEST_DATABASE_URL is not set, and TEST_REQUIRE_POSTGRES forbids skipping PostgreSQL"
    );
    use std::io::Write;
    let _ = writeln!(
        std::io::stderr(),
        "SKIPPED {test} on PostgreSQL: TEST_DATABASE_URL is not set"
    );
    None
}

/// A fresh, empty database URL for the backend, or `None` for PostgreSQL without `TEST_DATABASE_URL`.
pub fn fresh_database(db: Db, dir: &std::path::Path) -> Option<(String, Option<(String, String)>)> {
    match db {
        Db::Sqlite => Some((dir.join("test.db").display().to_string(), None)),
        Db::Postgres => {
            let admin = postgres_admin_url()?;
            let name = format!("selvbetjening_test_{}", uuid::Uuid::now_v7().simple());
            let mut conn =
                PgConnection::establish(&admin).expect("TEST_DATABASE_URL must reach PostgreSQL");
            conn.batch_execute(&format!("CREATE DATABASE {name}"))
                .expect("create the test database");
            Some((with_database(&admin, &name), Some((admin, name))))
        }
    }
}

pub fn test_config(database_url: String, dir: &std::path::Path) -> Config {
    let mut config = Config::defaults();
    config.database_url = database_url;
    config.bind_addr = "127.0.0.1:0".to_owned();
    config.jwt_secret = Some(TEST_SECRET.to_owned());
    config.data_dir = dir.to_path_buf();
    config.mailbox_dir = dir.join("mailbox");
    config.demo = Some(false);
    config.workers = Some(2);
    config.database_pool_size = 8;
    config.outbox_poll_ms = 100;
    // Nothing a test sends leaves this machine.
    config.webhook_targets = Some(selvbetjening::webhooks::targets::WebhookTargets::Loopback);
    config.webhook_timeout_ms = 2_000;
    config
}

/// Starts the app; `None` when the backend is not available here.
pub async fn spawn_app(db: Db) -> Option<TestApp> {
    spawn_app_with(db, |_| {}).await
}

pub async fn spawn_app_with(db: Db, adjust: impl FnOnce(&mut Config)) -> Option<TestApp> {
    init_logs();
    let dir = tempfile::tempdir().expect("temp dir");
    let (url, postgres) = fresh_database(db, dir.path())?;
    let mut config = test_config(url, dir.path());
    adjust(&mut config);
    let app = Application::build(config.clone())
        .await
        .expect("the app starts");
    let address = format!("http://127.0.0.1:{}", app.port());
    let store = app.state().store.clone();
    let settings = app.state().settings.clone();
    tokio::spawn(app.run_until_stopped());
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    Some(TestApp {
        address,
        client,
        store,
        config,
        settings,
        _dir: dir,
        postgres,
    })
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some((admin, name)) = self.postgres.take() {
            // Dropped on another thread: this may run inside the async runtime.
            let _ = std::thread::spawn(move || {
                if let Ok(mut conn) = PgConnection::establish(&admin) {
                    let _ =
                        conn.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
                }
            })
            .join();
        }
    }
}

/// A company with an admin and a viewer, created through the operator API.
pub struct Company {
    pub id: String,
    pub admin: String,
    pub viewer: String,
    pub admin_email: String,
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> Response {
        let mut req = self.client.get(self.url(path));
        if let Some(token) = token {
            req = req.bearer_auth(token);
        }
        req.send().await.expect("request")
    }

    pub async fn post_json(&self, path: &str, token: Option<&str>, body: &Value) -> Response {
        let mut req = self.client.post(self.url(path)).json(body);
        if let Some(token) = token {
            req = req.bearer_auth(token);
        }
        req.send().await.expect("request")
    }

    /// `POST /auth/token` with a password grant, form-encoded as Swagger UI sends it.
    pub async fn login(&self, email: &str, password: &str) -> Response {
        self.client
            .post(self.url("/auth/token"))
            .form(&[
                ("grant_type", "password"),
                ("username", email),
                ("password", password),
            ])
            .send()
            .await
            .expect("request")
    }

    pub async fn token(&self, email: &str, password: &str) -> String {
        let response = self.login(email, password).await;
        assert_eq!(response.status(), StatusCode::OK, "login of {email}");
        let body: Value = response.json().await.expect("json");
        body["access_token"]
            .as_str()
            .expect("access_token")
            .to_owned()
    }

    /// Creates an operator login directly (as `selvbetjening create-user` does) and logs in.
    pub async fn operator_token(&self) -> String {
        let email = format!(
            "operator-{}@selvbetjening.example",
            uuid::Uuid::now_v7().simple()
        );
        let password = "operator-password-123";
        selvbetjening::cli::create_user(&self.config, &email, password, "operator", None)
            .expect("create operator");
        self.token(&email, password).await
    }

    /// Registers a company with the given CVR and an admin and a viewer.
    pub async fn company_with_cvr(&self, operator: &str, cvr: &str) -> Company {
        self.company_of(operator, cvr, false).await
    }

    /// Registers a sandbox company (its business time a test clock) with the given CVR
    /// and an admin and a viewer.
    pub async fn sandbox(&self, operator: &str, cvr: &str) -> Company {
        self.company_of(operator, cvr, true).await
    }

    async fn company_of(&self, operator: &str, cvr: &str, sandbox: bool) -> Company {
        let response = self
            .post_json(
                "/operator/companies",
                Some(operator),
                &json!({"cvr": cvr, "name": format!("Firma {cvr} ApS"), "email_domain": format!("firma{cvr}.example"), "sandbox": sandbox}),
            )
            .await;
        assert_eq!(response.status(), StatusCode::CREATED);
        let company: Value = response.json().await.expect("json");
        let id = company["id"].as_str().expect("id").to_owned();
        let admin_email = format!("admin@firma{cvr}.example");
        let viewer_email = format!("viewer@firma{cvr}.example");
        for (email, role) in [(&admin_email, "admin"), (&viewer_email, "viewer")] {
            let response = self
                .post_json(
                    &format!("/operator/companies/{id}/users"),
                    Some(operator),
                    &json!({"email": email, "role": role, "password": "company-password-123"}),
                )
                .await;
            assert_eq!(response.status(), StatusCode::CREATED, "create {role}");
        }
        let admin = self.token(&admin_email, "company-password-123").await;
        let viewer = self.token(&viewer_email, "company-password-123").await;
        Company {
            id,
            admin,
            viewer,
            admin_email,
        }
    }

    pub async fn company(&self, operator: &str) -> Company {
        self.company_with_cvr(operator, "31258715").await
    }

    /// One round of the porting worker (reminders, expiry, the simulated donor's answers,
    /// completions), as the background worker runs it; returns what this call did.
    pub async fn porting_round(&self) -> selvbetjening::app::porting::Round {
        let store = self.store.clone();
        let settings = self.settings.clone();
        tokio::task::spawn_blocking(move || {
            selvbetjening::scheduler::porting_round(&store, &settings)
        })
        .await
        .expect("the porting round ran")
        .expect("the porting round succeeded")
    }
}

/// The body as JSON, after checking the status; the message shows the body on mismatch.
pub async fn json_of(response: Response, status: StatusCode) -> Value {
    let actual = response.status();
    let text = response.text().await.expect("body");
    assert_eq!(actual, status, "unexpected status; body: {text}");
    serde_json::from_str(&text).unwrap_or(Value::Null)
}

/// Checks a problem document's shape and code, and returns it.
pub async fn problem(response: Response, status: StatusCode, code: &str) -> Value {
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let request_id = response
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let body = json_of(response, status).await;
    assert_eq!(
        content_type, "application/problem+json",
        "problem content type; body: {body}"
    );
    assert_eq!(body["code"], code, "problem code; body: {body}");
    assert_eq!(body["status"], status.as_u16());
    assert_eq!(body["type"], format!("urn:selvbetjening:problem:{code}"));
    assert!(body["title"].is_string() && body["detail"].is_string());
    assert_eq!(
        body["request_id"].as_str(),
        request_id.as_deref(),
        "request_id matches the header"
    );
    body
}

/// The pointers of a problem's field errors, sorted.
pub fn pointers(problem: &Value) -> Vec<String> {
    let mut p: Vec<String> = problem["errors"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|e| e["pointer"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    p.sort();
    p
}

/// The company of `app.company`, with free numbers in its pool and the operator's.
pub async fn with_numbers(
    app: &TestApp,
    company_numbers: &[&str],
    operator_numbers: &[&str],
) -> Company {
    let operator = app.operator_token().await;
    let company = app.company(&operator).await;
    if !company_numbers.is_empty() {
        let r = app
            .post_json(
                &format!("/operator/companies/{}/numbers", company.id),
                Some(&operator),
                &json!({"numbers": company_numbers}),
            )
            .await;
        assert_eq!(r.status(), StatusCode::CREATED);
    }
    if !operator_numbers.is_empty() {
        let r = app
            .post_json(
                "/operator/numbers",
                Some(&operator),
                &json!({"numbers": operator_numbers}),
            )
            .await;
        assert_eq!(r.status(), StatusCode::CREATED);
    }
    company
}

/// A complete order form for a new number (`None`: pick the first free).
pub fn form(initials: &str, number: Option<&str>) -> Value {
    let mut form = json!({
        "plan": "ERHVERV_M", "mobile_package": "DATA_50", "data_sharing_cards": 1,
        "employee": {"name": "Mette Hansen", "initials": initials, "title": "Projektleder", "email": "mette@firma31258715.example", "cost_center": "4100"}
    });
    if let Some(number) = number {
        form["number"] = json!({"type": "new", "number": number});
    }
    form
}

/// The free numbers the company sees.
pub async fn available(app: &TestApp, token: &str) -> Vec<String> {
    let page = json_of(
        app.get("/numbers/available?limit=200", Some(token)).await,
        StatusCode::OK,
    )
    .await;
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["number"].as_str().unwrap().to_owned())
        .collect()
}

/// Every queued or sent message.
pub async fn outbox(app: &TestApp) -> Vec<persistence::outbox::Message> {
    app.store
        .read(|conn| persistence::outbox::list(conn, None, None, 200))
        .unwrap()
        .items
}

/// A merge patch with an optional `If-Match`.
pub async fn patch(
    app: &TestApp,
    path: &str,
    token: &str,
    if_match: Option<&str>,
    body: &Value,
) -> reqwest::Response {
    let mut request = app
        .client
        .patch(app.url(path))
        .bearer_auth(token)
        .header("content-type", "application/merge-patch+json")
        .body(body.to_string());
    if let Some(etag) = if_match {
        request = request.header("if-match", etag);
    }
    request.send().await.unwrap()
}

/// Waits (up to 10 s) until the mailbox folder holds at least `count` emails, and returns
/// them decoded (quoted-printable soft line breaks undone).
pub async fn mailbox(app: &TestApp, count: usize) -> Vec<String> {
    let mut emails = Vec::new();
    for _ in 0..100 {
        emails = std::fs::read_dir(&app.config.mailbox_dir)
            .map(|d| {
                d.flatten()
                    .map(|e| e.path())
                    .filter(|p| p.extension().is_some_and(|e| e == "eml"))
                    .filter_map(|p| std::fs::read_to_string(p).ok())
                    .map(|text| text.replace("=\r\n", "").replace("=\n", ""))
                    .collect()
            })
            .unwrap_or_default();
        if emails.len() >= count {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    emails
}

/// Drafts `body` and confirms it; returns the confirmation.
pub async fn confirmed(app: &TestApp, token: &str, body: &Value) -> Value {
    let draft = json_of(
        app.post_json("/orders", Some(token), body).await,
        StatusCode::CREATED,
    )
    .await;
    let id = draft["id"].as_str().expect("id");
    json_of(
        app.post_json(&format!("/orders/{id}/confirm"), Some(token), &json!({}))
            .await,
        StatusCode::CREATED,
    )
    .await
}

/// Waits (up to 10 s) until the mailbox folder holds at least `nth` emails to
/// `owner_email` with a signing link, and returns the token of the most recently
/// written one.
pub async fn poa_token(app: &TestApp, owner_email: &str, nth: usize) -> String {
    mailed_token(app, owner_email, "/poa/", nth).await
}

/// The token of the newest emailed link `<address><path><token>` to `to`, once at least
/// `nth` such emails are in the mailbox folder (waits up to 10 s).
pub async fn mailed_token(app: &TestApp, to: &str, path: &str, nth: usize) -> String {
    let link = format!("{}{path}", app.address);
    let to = format!("To: {to}");
    let mut found = Vec::new();
    for _ in 0..100 {
        found = std::fs::read_dir(&app.config.mailbox_dir)
            .map(|d| {
                d.flatten()
                    .map(|e| e.path())
                    .filter(|p| p.extension().is_some_and(|e| e == "eml"))
                    .filter_map(|p| {
                        let written = std::fs::metadata(&p).and_then(|m| m.modified()).ok()?;
                        let text = std::fs::read_to_string(&p).ok()?;
                        Some((written, text.replace("=\r\n", "").replace("=\n", "")))
                    })
                    .filter(|(_, text)| text.contains(&to) && text.contains(&link))
                    .collect::<Vec<_>>()
            })
            .unwrap_or_default();
        if found.len() >= nth {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(
        found.len() >= nth,
        "expected {nth} links {path} {to}, found {}",
        found.len()
    );
    found.sort_by_key(|(written, _)| *written);
    let (_, email) = found.last().expect("a link");
    let start = email.rfind(&link).expect("the link") + link.len();
    let token: String = email[start..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect();
    assert_eq!(token.len(), 43, "a 43-character token in {email}");
    token
}

/// A second server process on the same database.
pub async fn second_process(app: &TestApp) -> String {
    let mut config = app.config.clone();
    config.bind_addr = "127.0.0.1:0".to_owned();
    let second = selvbetjening::Application::build(config)
        .await
        .expect("a second server");
    let url = format!("http://127.0.0.1:{}", second.port());
    tokio::spawn(second.run_until_stopped());
    url
}

/// An API client of `company`, created by the operator: its id and secret.
pub async fn api_client(app: &TestApp, operator: &str, company: &Company) -> (String, String) {
    let response = app
        .post_json(
            &format!("/operator/companies/{}/clients", company.id),
            Some(operator),
            &json!({"name": "HR-system", "role": "viewer"}),
        )
        .await;
    let created = json_of(response, StatusCode::CREATED).await;
    let field = |name: &str| created[name].as_str().expect(name).to_owned();
    (field("client_id"), field("client_secret"))
}

/// `POST /auth/token` with a client credentials grant, as forwarded for `address` by a
/// proxy at 127.0.0.1 (the app must trust it), so each address is limited on its own.
pub async fn client_login_via(app: &TestApp, id: &str, secret: &str, address: &str) -> Response {
    app.client
        .post(app.url("/auth/token"))
        .header("x-forwarded-for", address)
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", id),
            ("client_secret", secret),
        ])
        .send()
        .await
        .expect("request")
}

/// `GET /subscriptions?q=…`, the query encoded as a browser would; the page as JSON.
pub async fn search_subscriptions(app: &TestApp, token: &str, q: &str) -> Value {
    let url =
        reqwest::Url::parse_with_params(&app.url("/subscriptions"), [("q", q)]).expect("a URL");
    let response = app
        .client
        .get(url)
        .bearer_auth(token)
        .send()
        .await
        .expect("request");
    json_of(response, StatusCode::OK).await
}
