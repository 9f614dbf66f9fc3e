use chrono::NaiveDateTime;
use diesel::prelude::*;
use domain::user::Role;
use uuid::Uuid;

use crate::error::uuid;
use crate::schema::api_clients;
use crate::{DbConnection, Error, Result};

/// A partner integration's credentials; it acts for one company with one role.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiClient {
    pub id: Uuid,
    pub company_id: Uuid,
    pub name: String,
    pub role: Role,
    pub created_at: NaiveDateTime,
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = api_clients, treat_none_as_default_value = false)]
struct ClientRow {
    id: String,
    company_id: String,
    name: String,
    role: String,
    secret_hash: String,
    created_at: NaiveDateTime,
    revoked_at: Option<NaiveDateTime>,
}

impl ClientRow {
    fn into_client(self) -> Result<(ApiClient, String)> {
        let client = ApiClient {
            id: uuid("api_clients.id", &self.id)?,
            company_id: uuid("api_clients.company_id", &self.company_id)?,
            name: self.name,
            role: self
                .role
                .parse()
                .map_err(|_| Error::corrupt("api_clients.role", &self.role))?,
            created_at: self.created_at,
        };
        Ok((client, self.secret_hash))
    }
}

pub fn insert(
    conn: &mut DbConnection,
    company_id: Uuid,
    name: &str,
    role: Role,
    secret_hash: &str,
) -> Result<ApiClient> {
    let row = ClientRow {
        id: crate::new_id().to_string(),
        company_id: company_id.to_string(),
        name: name.to_owned(),
        role: role.as_str().to_owned(),
        secret_hash: secret_hash.to_owned(),
        created_at: crate::machine_now(),
        revoked_at: None,
    };
    diesel::insert_into(api_clients::table)
        .values(&row)
        .execute(conn)?;
    Ok(row.into_client()?.0)
}

/// The client and its secret's hash, unless it was revoked.
pub fn find(conn: &mut DbConnection, id: Uuid) -> Result<Option<(ApiClient, String)>> {
    api_clients::table
        .find(id.to_string())
        .filter(api_clients::revoked_at.is_null())
        .select(ClientRow::as_select())
        .first(conn)
        .optional()?
        .map(ClientRow::into_client)
        .transpose()
}

/// `company`'s clients that are not revoked, oldest first.
pub fn of_company(
    conn: &mut DbConnection,
    company: Uuid,
    after: Option<Uuid>,
    limit: i64,
) -> Result<crate::Page<ApiClient>> {
    let mut query = api_clients::table
        .filter(api_clients::company_id.eq(company.to_string()))
        .filter(api_clients::revoked_at.is_null())
        .select(ClientRow::as_select())
        .order(api_clients::id.asc())
        .limit(limit + 1)
        .into_boxed();
    if let Some(after) = after {
        query = query.filter(api_clients::id.gt(after.to_string()));
    }
    let rows = query.load(conn)?;
    crate::Page::from_overfetch(rows, limit, |c| c.id.clone())
        .try_map(|row| row.into_client().map(|(client, _)| client))
}

/// Revokes the client `id` at `at`; the client that was revoked, `None` when there is no
/// such client (or it is revoked already).
pub fn revoke(conn: &mut DbConnection, id: Uuid, at: NaiveDateTime) -> Result<Option<ApiClient>> {
    let found = find(conn, id)?;
    if found.is_some() {
        diesel::update(api_clients::table.find(id.to_string()))
            .set(api_clients::revoked_at.eq(Some(at)))
            .execute(conn)?;
    }
    Ok(found.map(|(client, _)| client))
}
