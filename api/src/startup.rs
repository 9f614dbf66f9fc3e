//! Builds the application: storage, keys, the HTTP server on a bound port.

use std::net::TcpListener;
use std::path::Path;
use std::sync::Arc;

use actix_cors::Cors;
use actix_web::dev::Server;
use actix_web::http::{Method, header};
use actix_web::middleware::from_fn;
use actix_web::{App, HttpResponse, HttpServer, web};
use anyhow::Context;
use persistence::Store;
use persistence::db::PoolOptions;
use tracing_actix_web::TracingLogger;
use utoipa_actix_web::AppExt;
use utoipa_swagger_ui::SwaggerUi;

use crate::auth::Keys;
use crate::config::Config;
use crate::error::ApiError;
use crate::fallback::{RouteTable, fallback};
use crate::state::AppState;
use crate::telemetry::{RequestSpan, request_id};

pub struct Application {
    port: u16,
    server: Server,
    state: AppState,
}

/// Opens the database and brings its schema up to date.
pub fn open_store(config: &Config) -> anyhow::Result<Store> {
    let options = PoolOptions {
        max_size: config.database_pool_size,
        connection_timeout: std::time::Duration::from_millis(config.database_timeout_ms.max(1)),
    };
    let store = Store::open(&config.database_url, &options)
        .map_err(|e| anyhow::anyhow!("cannot open the database: {}", error_chain(&e)))?;
    let applied = store
        .migrate()
        .map_err(|e| anyhow::anyhow!("migrations failed: {}", error_chain(&e)))?;
    for name in applied {
        tracing::info!(migration = %name, "migration applied");
    }
    Ok(store)
}

/// `a: b: c` from an error and its sources.
pub fn error_chain(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// The signing secret: configured, or generated once and kept in the data folder.
fn jwt_secret(config: &Config) -> anyhow::Result<Vec<u8>> {
    if let Some(secret) = &config.jwt_secret {
        return Ok(secret.as_bytes().to_vec());
    }
    let path = config.data_dir.join("jwt-secret");
    if let Ok(existing) = std::fs::read_to_string(&path) {
        return Ok(existing.trim().as_bytes().to_vec());
    }
    std::fs::create_dir_all(&config.data_dir)
        .with_context(|| format!("cannot create {}", config.data_dir.display()))?;
    let secret = crate::secrets::random_secret().map_err(|e| anyhow::anyhow!("{e}"))?;
    write_private(&path, &secret)?;
    tracing::info!(path = %path.display(), "generated a JWT secret");
    Ok(secret.into_bytes())
}

fn write_private(path: &Path, text: &str) -> anyhow::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options
        .open(path)
        .with_context(|| format!("cannot write {}", path.display()))?;
    file.write_all(text.as_bytes())?;
    Ok(())
}

impl Application {
    pub async fn build(mut config: Config) -> anyhow::Result<Application> {
        check_origins(&config.cors_origins)?;
        let proxies = crate::http::client::TrustedProxies::parse(
            &config.trusted_proxies,
            config.forwarded_header,
        )?;
        // The address first: a start that cannot listen ends before the pool's threads
        // are connecting, not while they are.
        let listener = TcpListener::bind(&config.bind_addr)
            .with_context(|| format!("cannot listen on {}", config.bind_addr))?;
        let store = open_store(&config)?;
        let keys = Keys::new(&jwt_secret(&config)?, config.token_ttl_seconds)?;
        if config.demo_enabled() && crate::demo::seed_if_empty(&store)? {
            tracing::info!("seeded the demo company");
        }
        let port = listener.local_addr()?.port();
        if config.public_url.is_none() {
            config.public_url = Some(base_url(&config.bind_addr, port));
        }
        let settings = crate::app::Settings {
            draft_ttl: chrono::Duration::minutes(i64::from(config.draft_ttl_minutes)),
            max_unsigned_ports: config.max_unsigned_ports,
            public_url: config.public_url.clone().unwrap_or_default(),
            idempotency_wait: std::time::Duration::from_secs(10),
            faults: config.faults.clone(),
            clock: config.clock.clone(),
            sandboxes: Arc::default(),
            port_delay_compensation_ore: i64::from(config.port_delay_compensation_ore),
            donor: config.donor_gateway().gateway(),
            catalog: Arc::new(crate::app::catalog::Catalog::load(&mut *store.conn()?)?),
        };
        let revocations = Arc::new(crate::auth::Revocations::default());
        revocations.merge(crate::app::operator::revocations(&mut *store.conn()?)?);
        let state = AppState {
            store,
            keys: Arc::new(keys),
            config: Arc::new(config),
            settings: Arc::new(settings),
            metrics: Arc::new(crate::metrics::Metrics::new()?),
            revocations,
            wake_bulk_orders: Arc::default(),
        };
        let mailer = crate::mail::Mailer::from_config(&state.config)?;
        crate::mail::spawn_worker(
            state.store.clone(),
            Arc::new(mailer),
            std::time::Duration::from_millis(state.config.outbox_poll_ms),
        );
        crate::scheduler::spawn(
            state.store.clone(),
            state.settings.clone(),
            state.metrics.clone(),
            std::time::Duration::from_secs(60),
        );
        crate::scheduler::spawn_revocations(
            state.store.clone(),
            state.revocations.clone(),
            std::time::Duration::from_millis(state.config.revocation_refresh_ms.max(10)),
        );
        crate::scheduler::spawn_porting(
            state.store.clone(),
            state.settings.clone(),
            std::time::Duration::from_millis(state.config.outbox_poll_ms),
        );
        crate::scheduler::spawn_test_clocks(
            state.store.clone(),
            state.settings.clone(),
            std::time::Duration::from_millis(state.config.outbox_poll_ms),
            std::time::Duration::from_secs(state.config.test_clock_lease_seconds.max(1)),
        );
        crate::scheduler::spawn_bulk_orders(
            state.store.clone(),
            state.settings.clone(),
            state.wake_bulk_orders.clone(),
            std::time::Duration::from_millis(state.config.outbox_poll_ms),
            std::time::Duration::from_secs(state.config.bulk_order_lease_seconds.max(1)),
        );
        crate::webhooks::delivery::spawn(
            crate::webhooks::delivery::Deliverer::new(
                state.store.clone(),
                state.config.webhook_targets(),
                std::time::Duration::from_millis(state.config.webhook_timeout_ms),
                state.config.machine_clock.clone(),
                state.metrics.clone(),
            )?,
            std::time::Duration::from_millis(state.config.outbox_poll_ms),
        );
        let server = server(state.clone(), proxies, listener)?;
        Ok(Application {
            port,
            server,
            state,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Where people reach this server: `PUBLIC_URL`, or (as `build` settles it) the
    /// address it listens on.
    pub fn base_url(&self) -> String {
        self.state.config.public_url.clone().unwrap_or_default()
    }

    pub fn state(&self) -> &AppState {
        &self.state
    }

    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }
}

/// `http://host:port` of a listen address; a wildcard host is reached as `localhost`.
pub fn base_url(bind_addr: &str, port: u16) -> String {
    let host = bind_addr.rsplit_once(':').map_or("127.0.0.1", |(h, _)| h);
    let host = if host == "0.0.0.0" || host == "[::]" {
        "localhost"
    } else {
        host
    };
    format!("http://{host}:{port}")
}

/// `CORS_ORIGINS`, each checked: `scheme://host[:port]` with http or https and nothing
/// after it, as a browser sends `Origin`. A mistake stops the start with its reason.
pub fn check_origins(origins: &[String]) -> anyhow::Result<Vec<String>> {
    origins
        .iter()
        .map(|o| o.trim())
        .filter(|o| !o.is_empty())
        .map(|origin| {
            let uri: actix_web::http::Uri = origin
                .parse()
                .map_err(|_| anyhow::anyhow!("CORS_ORIGINS: {origin:?} is not an origin"))?;
            let scheme_ok = matches!(uri.scheme_str(), Some("http" | "https"));
            let bare =
                uri.path_and_query().is_none_or(|p| p.as_str() == "/") && !origin.ends_with('/');
            anyhow::ensure!(
                scheme_ok && uri.host().is_some() && bare,
                "CORS_ORIGINS: {origin:?} is not an origin like https://portal.example.dk \
                 (scheme, host and port only)"
            );
            Ok(origin.to_owned())
        })
        .collect()
}

fn cors(origins: &[String]) -> Cors {
    let mut cors = Cors::default()
        .allowed_methods([Method::GET, Method::POST, Method::PATCH, Method::DELETE])
        .allowed_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            header::IF_MATCH,
            header::HeaderName::from_static("idempotency-key"),
            header::HeaderName::from_static("x-request-id"),
        ])
        .expose_headers([
            header::ETAG,
            header::LOCATION,
            header::HeaderName::from_static("x-request-id"),
        ])
        .max_age(3600)
        // A disallowed origin gets no CORS headers (the browser then refuses), not an error:
        // server-to-server callers that send an Origin still work.
        .block_on_origin_mismatch(false);
    // Checked at start (`check_origins`), so none of these can fail a worker.
    for origin in origins.iter().map(|o| o.trim()).filter(|o| !o.is_empty()) {
        cors = cors.allowed_origin(origin);
    }
    cors
}

/// Where the OpenAPI document is served, beside Swagger UI.
pub const OPENAPI_PATH: &str = "/api-docs/openapi.json";

fn server(
    state: AppState,
    proxies: crate::http::client::TrustedProxies,
    listener: TcpListener,
) -> anyhow::Result<Server> {
    let document = crate::openapi::document();
    let table = web::Data::new(
        RouteTable::from_document(&document)
            .serving(OPENAPI_PATH, &["GET"])
            .serving(crate::pages::STYLESHEET_PATH, &["GET"]),
    );
    // Serialised once for the process: each worker serves the same bytes, instead of
    // keeping a copy of the document and writing it anew on every request.
    let document = web::Bytes::from(serde_json::to_vec(&document)?);
    let workers = state
        .config
        .workers
        .unwrap_or_else(crate::config::cores)
        .max(1);
    // Each worker has a blocking pool of its own: together they hold as many threads as
    // the pool has connections, since a thread more would only wait for one (and each
    // thread keeps memory of its own, about 1 MiB of allocator pages).
    let pool_size = usize::try_from(state.config.database_pool_size).unwrap_or(1);
    let blocking_threads = pool_size.div_ceil(workers).max(1);
    let origins = state.config.cors_origins.clone();
    // The token keys and the metrics are app data of their own, so the extractors and the
    // middleware that use them need nothing else of the state.
    let keys = web::Data::from(state.keys.clone());
    let metrics = web::Data::from(state.metrics.clone());
    let revocations = web::Data::from(state.revocations.clone());
    let proxies = web::Data::new(proxies);
    let data = web::Data::new(state);
    let server = HttpServer::new(move || {
        let (app, _) = App::new()
            .into_utoipa_app()
            .configure(crate::routes::configure)
            .split_for_parts();
        app.configure(crate::pages::configure)
            .app_data(data.clone())
            .app_data(keys.clone())
            .app_data(metrics.clone())
            .app_data(revocations.clone())
            .app_data(proxies.clone())
            .app_data(table.clone())
            .app_data(
                web::PathConfig::default()
                    .error_handler(|_, _| ApiError::not_found("the object").into()),
            )
            .route(
                OPENAPI_PATH,
                web::get().to({
                    let document = document.clone();
                    move || {
                        let document = document.clone();
                        async move {
                            HttpResponse::Ok()
                                .content_type(header::ContentType::json())
                                .body(document)
                        }
                    }
                }),
            )
            .service(
                SwaggerUi::new("/swagger-ui/{_:.*}")
                    .config(utoipa_swagger_ui::Config::new([OPENAPI_PATH])),
            )
            .route(
                "/swagger-ui",
                web::get().to(|| async {
                    HttpResponse::PermanentRedirect()
                        .insert_header((header::LOCATION, "/swagger-ui/"))
                        .finish()
                }),
            )
            .default_service(web::to(fallback))
            .wrap(from_fn(crate::metrics::record))
            .wrap(cors(&origins))
            .wrap(TracingLogger::<RequestSpan>::new())
            .wrap(from_fn(request_id))
    })
    .listen(listener)?
    .workers(workers)
    .worker_max_blocking_threads(blocking_threads)
    .shutdown_timeout(10);
    Ok(server.run())
}
