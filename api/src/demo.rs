//! The demo company: seeded once on an empty database so a newcomer can log in at once.
//! The credentials are fixed and documented (README); the demo is off by default on PostgreSQL.

use domain::company::{Cvr, EmailDomain};
use domain::email::EmailAddress;
use domain::number::DanishNumber;
use domain::text::CompanyName;
use domain::user::Role;
use persistence::Store;
use persistence::companies::NewCompany;

use crate::secrets::hash_secret;

pub const COMPANY_CVR: &str = "31258715";
pub const COMPANY_NAME: &str = "Nordlys Rådgivning ApS";
pub const EMAIL_DOMAIN: &str = "nordlys.example";
pub const ADMIN: (&str, &str) = ("admin@nordlys.example", "demo-admin-password");
pub const VIEWER: (&str, &str) = ("viewer@nordlys.example", "demo-viewer-password");
pub const OPERATOR: (&str, &str) = ("operator@selvbetjening.example", "demo-operator-password");
pub const COMPANY_NUMBERS: u32 = 20;
pub const OPERATOR_NUMBERS: u32 = 200;

/// Numbers `+45{prefix}{i:04}` for i in 0..count.
fn numbers(prefix: &str, count: u32) -> anyhow::Result<Vec<DanishNumber>> {
    (0..count)
        .map(|i| DanishNumber::parse(&format!("+45{prefix}{i:04}")).map_err(anyhow::Error::from))
        .collect()
}

/// Whether the demo company exists.
pub fn exists(store: &Store) -> anyhow::Result<bool> {
    let found = store.read(|conn| persistence::users::find_by_email(conn, ADMIN.0))?;
    Ok(found.is_some())
}

/// Seeds the demo on an empty database (no companies, no users). Returns whether it did.
pub fn seed_if_empty(store: &Store) -> anyhow::Result<bool> {
    let empty = store.read(|conn| {
        Ok::<_, persistence::Error>(
            persistence::companies::count(conn)? == 0 && persistence::users::count(conn)? == 0,
        )
    })?;
    if !empty {
        return Ok(false);
    }
    seed(store)?;
    Ok(true)
}

/// Seeds the demo company, its admin and viewer, an operator, 20 company numbers and an
/// operator pool of 200, in one transaction.
pub fn seed(store: &Store) -> anyhow::Result<()> {
    let hashes =
        [ADMIN.1, VIEWER.1, OPERATOR.1].map(|p| hash_secret(p).map_err(|e| anyhow::anyhow!("{e}")));
    let [admin_hash, viewer_hash, operator_hash] = hashes;
    let (admin_hash, viewer_hash, operator_hash) = (admin_hash?, viewer_hash?, operator_hash?);
    let company = NewCompany {
        cvr: Cvr::parse(COMPANY_CVR)?,
        name: CompanyName::parse(COMPANY_NAME)?,
        email_domain: EmailDomain::parse(EMAIL_DOMAIN)?,
        sandbox: true,
    };
    let company_numbers = numbers("2071", COMPANY_NUMBERS)?;
    let operator_numbers = numbers("9310", OPERATOR_NUMBERS)?;
    let email = |e: &str| EmailAddress::parse(e).map_err(anyhow::Error::from);
    let (admin, viewer, operator) = (email(ADMIN.0)?, email(VIEWER.0)?, email(OPERATOR.0)?);
    store
        .write(|conn| {
            let company =
                persistence::companies::insert(conn, &company, persistence::machine_now())?;
            let whole = &domain::user::Scope::Company;
            let user = persistence::users::insert;
            user(
                conn,
                &admin,
                &admin_hash,
                Role::Admin,
                Some(company.id),
                whole,
            )?;
            user(
                conn,
                &viewer,
                &viewer_hash,
                Role::Viewer,
                Some(company.id),
                whole,
            )?;
            user(conn, &operator, &operator_hash, Role::Operator, None, whole)?;
            persistence::numbers::add_to_pool(conn, Some(company.id), &company_numbers)?;
            persistence::numbers::add_to_pool(conn, None, &operator_numbers)?;
            Ok::<_, persistence::Error>(())
        })
        .map_err(|e| anyhow::anyhow!("seeding the demo failed: {e}"))
}

/// What a newcomer needs to start.
pub fn banner(base_url: &str) -> String {
    format!(
        "\n  Selvbetjening is running.\n\n  Swagger UI:  {base_url}/swagger-ui/\n  OpenAPI:     {base_url}/api-docs/openapi.json\n\n  \
         Demo company {COMPANY_NAME} (CVR {COMPANY_CVR}):\n    admin     {}  /  {}\n    viewer    {}  /  {}\n    \
         operator  {}  /  {}\n\n  In Swagger UI: Authorize → username and password above.\n",
        ADMIN.0, ADMIN.1, VIEWER.0, VIEWER.1, OPERATOR.0, OPERATOR.1
    )
}
