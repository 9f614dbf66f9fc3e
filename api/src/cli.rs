//! `selvbetjening serve | migrate | seed-demo | create-user | openapi`.

use clap::{Parser, Subcommand};
use domain::email::EmailAddress;
use domain::user::{Password, Role};
use uuid::Uuid;

use crate::config::Config;

#[derive(Parser)]
#[command(
    name = "selvbetjening",
    version,
    about = "The business self-service portal's API"
)]
pub struct Cli {
    #[command(flatten)]
    pub config: Config,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Clone, Subcommand)]
pub enum Command {
    /// Run the HTTP API (the default).
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Seed the demo company (if it is not there yet) and print its credentials.
    SeedDemo,
    /// Create a login.
    CreateUser {
        #[arg(long)]
        email: String,
        #[arg(long)]
        password: String,
        /// operator, admin or viewer.
        #[arg(long)]
        role: String,
        /// The company's id (admins and viewers only).
        #[arg(long)]
        company: Option<Uuid>,
    },
    /// Print the OpenAPI document.
    Openapi,
}

/// `create-user`: checks the arguments as the API would, then creates the login.
pub fn create_user(
    config: &Config,
    email: &str,
    password: &str,
    role: &str,
    company: Option<Uuid>,
) -> anyhow::Result<Uuid> {
    let email = EmailAddress::parse(email).map_err(|e| anyhow::anyhow!("--email: {e}"))?;
    let password = Password::parse(password).map_err(|e| anyhow::anyhow!("--password: {e}"))?;
    let role: Role = role.parse().map_err(|e| anyhow::anyhow!("--role: {e}"))?;
    match (role.is_company_role(), company) {
        (true, None) => anyhow::bail!("--company is required for role {}", role.as_str()),
        (false, Some(_)) => anyhow::bail!("operators belong to no company; drop --company"),
        _ => {}
    }
    let store = crate::startup::open_store(config)?;
    let hash = crate::secrets::hash_secret(password.expose_secret())
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let mut conn = store.conn()?;
    let first = crate::app::operator::FirstPassword::Hash(&hash);
    let whole = (company, &domain::user::Scope::Company);
    let user = crate::app::operator::create_user(&mut conn, None, &email, first, role, whole)
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    Ok(user.id)
}
