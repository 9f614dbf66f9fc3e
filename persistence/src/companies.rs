use chrono::NaiveDateTime;
use diesel::prelude::*;
use domain::company::{Cvr, EmailDomain};
use domain::text::CompanyName;
use uuid::Uuid;

use crate::error::uuid;
use crate::schema::companies;
use crate::{DbConnection, Error, Page, Result};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Company {
    pub id: Uuid,
    pub cvr: Cvr,
    pub name: CompanyName,
    pub email_domain: EmailDomain,
    pub created_at: NaiveDateTime,
    /// A disabled company's people and clients cannot log in; their tokens stop working.
    pub enabled: bool,
    /// A sandbox lives by its own test clock (`test_clocks`); fixed at creation.
    pub sandbox: bool,
}

#[derive(Debug, Clone)]
pub struct NewCompany {
    pub cvr: Cvr,
    pub name: CompanyName,
    pub email_domain: EmailDomain,
    pub sandbox: bool,
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = companies, treat_none_as_default_value = false)]
struct CompanyRow {
    id: String,
    cvr: String,
    name: String,
    email_domain: String,
    created_at: NaiveDateTime,
    enabled: bool,
    sandbox: bool,
}

impl TryFrom<CompanyRow> for Company {
    type Error = Error;
    fn try_from(row: CompanyRow) -> Result<Self> {
        Ok(Company {
            id: uuid("companies.id", &row.id)?,
            cvr: Cvr::parse(&row.cvr).map_err(|_| Error::corrupt("companies.cvr", &row.cvr))?,
            name: CompanyName::parse(&row.name)
                .map_err(|_| Error::corrupt("companies.name", &row.name))?,
            email_domain: EmailDomain::parse(&row.email_domain)
                .map_err(|_| Error::corrupt("companies.email_domain", &row.email_domain))?,
            created_at: row.created_at,
            enabled: row.enabled,
            sandbox: row.sandbox,
        })
    }
}

/// Registers a company at `now`; a sandbox gets its test clock, standing at `now`. A CVR
/// already registered is a conflict.
pub fn insert(conn: &mut DbConnection, new: &NewCompany, now: NaiveDateTime) -> Result<Company> {
    let row = CompanyRow {
        id: crate::new_id().to_string(),
        cvr: new.cvr.as_str().to_owned(),
        name: new.name.as_str().to_owned(),
        email_domain: new.email_domain.as_str().to_owned(),
        created_at: now,
        enabled: true,
        sandbox: new.sandbox,
    };
    diesel::insert_into(companies::table)
        .values(&row)
        .execute(conn)
        .map_err(|e| Error::on_duplicate(e, "cvr"))?;
    let company: Company = row.try_into()?;
    if company.sandbox {
        crate::test_clocks::start(conn, company.id, now)?;
    }
    Ok(company)
}

pub fn get(conn: &mut DbConnection, id: Uuid) -> Result<Company> {
    companies::table
        .find(id.to_string())
        .select(CompanyRow::as_select())
        .first(conn)?
        .try_into()
}

/// The company with its approval rule (the default when it has none): one statement.
pub fn with_approval_rule(
    conn: &mut DbConnection,
    id: Uuid,
) -> Result<(Company, crate::approvals::StoredRule)> {
    use crate::approvals::RuleRecord;
    use crate::schema::approval_rules;
    let (company, rule) = companies::table
        .left_join(approval_rules::table.on(approval_rules::company_id.eq(companies::id)))
        .filter(companies::id.eq(id.to_string()))
        .select((CompanyRow::as_select(), Option::<RuleRecord>::as_select()))
        .first::<(CompanyRow, Option<RuleRecord>)>(conn)?;
    Ok((company.try_into()?, crate::approvals::stored(rule)))
}

pub fn exists(conn: &mut DbConnection, id: Uuid) -> Result<bool> {
    let n: i64 = companies::table
        .filter(companies::id.eq(id.to_string()))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

pub fn list(conn: &mut DbConnection, after: Option<Uuid>, limit: i64) -> Result<Page<Company>> {
    let mut query = companies::table
        .select(CompanyRow::as_select())
        .order(companies::id.asc())
        .into_boxed();
    if let Some(after) = after {
        query = query.filter(companies::id.gt(after.to_string()));
    }
    let rows = query.limit(limit + 1).load(conn)?;
    Page::from_overfetch(rows, limit, |r| r.id.clone()).try_map(Company::try_from)
}

pub fn count(conn: &mut DbConnection) -> Result<i64> {
    Ok(companies::table.count().get_result(conn)?)
}

/// Enables or disables the company `id`.
pub fn set_enabled(conn: &mut DbConnection, id: Uuid, enabled: bool) -> Result<Company> {
    diesel::update(companies::table.find(id.to_string()))
        .set(companies::enabled.eq(enabled))
        .execute(conn)?;
    get(conn, id)
}
