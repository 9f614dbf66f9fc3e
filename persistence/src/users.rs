use chrono::NaiveDateTime;
use diesel::prelude::*;
use domain::email::EmailAddress;
use domain::user::{Role, Scope};
use uuid::Uuid;

use crate::error::uuid;
use crate::schema::users;
use crate::{DbConnection, Error, Result};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: Uuid,
    pub email: EmailAddress,
    pub role: Role,
    pub company_id: Option<Uuid>,
    pub created_at: NaiveDateTime,
    /// A disabled user cannot log in, and their tokens stop working.
    pub enabled: bool,
    /// Moves with every change of role, scope or `enabled`.
    pub version: i32,
    /// What of the company the user sees and acts on.
    pub scope: Scope,
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = users, treat_none_as_default_value = false)]
struct UserRow {
    id: String,
    email: String,
    password_hash: String,
    role: String,
    company_id: Option<String>,
    created_at: NaiveDateTime,
    enabled: bool,
    version: i32,
    /// A scoped user's cost centres (a JSON array); NULL for the whole company.
    cost_centers: Option<String>,
}

/// A scope as stored: NULL for the whole company, else its cost centres as a JSON array.
fn stored_scope(scope: &Scope) -> Result<Option<String>> {
    scope
        .centers()
        .map(|c| crate::error::to_json(&c))
        .transpose()
}

impl UserRow {
    fn into_user(self) -> Result<(User, String)> {
        let user = User {
            id: uuid("users.id", &self.id)?,
            email: EmailAddress::parse(&self.email)
                .map_err(|_| Error::corrupt("users.email", &self.email))?,
            role: self
                .role
                .parse()
                .map_err(|_| Error::corrupt("users.role", &self.role))?,
            company_id: self
                .company_id
                .as_deref()
                .map(|c| uuid("users.company_id", c))
                .transpose()?,
            created_at: self.created_at,
            enabled: self.enabled,
            version: self.version,
            scope: Scope::of(
                self.cost_centers
                    .as_deref()
                    .map(|c| crate::error::json("users.cost_centers", c))
                    .transpose()?,
            ),
        };
        Ok((user, self.password_hash))
    }
}

/// Creates a person who can log in. An email already in use is a conflict.
pub fn insert(
    conn: &mut DbConnection,
    email: &EmailAddress,
    password_hash: &str,
    role: Role,
    company_id: Option<Uuid>,
    scope: &Scope,
) -> Result<User> {
    let row = UserRow {
        id: crate::new_id().to_string(),
        email: email.as_str().to_owned(),
        password_hash: password_hash.to_owned(),
        role: role.as_str().to_owned(),
        company_id: company_id.map(|c| c.to_string()),
        created_at: crate::machine_now(),
        enabled: true,
        version: 1,
        cost_centers: stored_scope(scope)?,
    };
    diesel::insert_into(users::table)
        .values(&row)
        .execute(conn)
        .map_err(|e| Error::on_duplicate(e, "email"))?;
    Ok(row.into_user()?.0)
}

/// The user with this (already normalised) email and their password hash.
pub fn find_by_email(conn: &mut DbConnection, email: &str) -> Result<Option<(User, String)>> {
    users::table
        .filter(users::email.eq(email))
        .select(UserRow::as_select())
        .first(conn)
        .optional()?
        .map(UserRow::into_user)
        .transpose()
}

pub fn get(conn: &mut DbConnection, id: Uuid) -> Result<User> {
    Ok(users::table
        .find(id.to_string())
        .select(UserRow::as_select())
        .first(conn)?
        .into_user()?
        .0)
}

pub fn count(conn: &mut DbConnection) -> Result<i64> {
    Ok(users::table.count().get_result(conn)?)
}

/// The email addresses of `company`'s admins, who are told what happens to its ports.
pub fn admin_emails(conn: &mut DbConnection, company: Uuid) -> Result<Vec<EmailAddress>> {
    users::table
        .filter(users::company_id.eq(Some(company.to_string())))
        .filter(users::role.eq(Role::Admin.as_str()))
        .order(users::id.asc())
        .select(users::email)
        .load::<String>(conn)?
        .into_iter()
        .map(|e| crate::error::parse("users.email", &e, EmailAddress::parse))
        .collect()
}

/// `company`'s admins who could approve what `asker` asked for (enabled, able to log in,
/// and not the asker), with the scope each one has.
pub fn approvers(conn: &mut DbConnection, company: Uuid, asker: Uuid) -> Result<Vec<User>> {
    users::table
        .filter(users::company_id.eq(Some(company.to_string())))
        .filter(users::role.eq(Role::Admin.as_str()))
        .filter(users::enabled.eq(true))
        .filter(users::password_hash.ne(NO_PASSWORD))
        .filter(users::id.ne(asker.to_string()))
        .order(users::id.asc())
        .select(UserRow::as_select())
        .load(conn)?
        .into_iter()
        .map(|row| row.into_user().map(|(user, _)| user))
        .collect()
}

/// `company`'s users, oldest first.
pub fn of_company(
    conn: &mut DbConnection,
    company: Uuid,
    after: Option<Uuid>,
    limit: i64,
) -> Result<crate::Page<User>> {
    let mut query = users::table
        .filter(users::company_id.eq(Some(company.to_string())))
        .select(UserRow::as_select())
        .order(users::id.asc())
        .limit(limit + 1)
        .into_boxed();
    if let Some(after) = after {
        query = query.filter(users::id.gt(after.to_string()));
    }
    let rows = query.load(conn)?;
    crate::Page::from_overfetch(rows, limit, |u| u.id.clone())
        .try_map(|row| row.into_user().map(|(user, _)| user))
}

/// Enables or disables the user `id`; `None` when there is no such user.
pub fn set_enabled(conn: &mut DbConnection, id: Uuid, enabled: bool) -> Result<Option<User>> {
    let changed = diesel::update(users::table.find(id.to_string()))
        .set((
            users::enabled.eq(enabled),
            users::version.eq(users::version + 1),
        ))
        .execute(conn)?;
    if changed == 0 {
        return Ok(None);
    }
    get(conn, id).map(Some)
}

/// A password hash that matches no password: an invited user has not chosen one yet.
pub const NO_PASSWORD: &str = "!";

/// Sets the user's password hash.
pub fn set_password(conn: &mut DbConnection, id: Uuid, password_hash: &str) -> Result<()> {
    diesel::update(users::table.find(id.to_string()))
        .set(users::password_hash.eq(password_hash))
        .execute(conn)?;
    Ok(())
}

/// Whether the user `id` has chosen a password; `None` when there is no such user.
pub fn has_password(conn: &mut DbConnection, id: Uuid) -> Result<Option<bool>> {
    Ok(users::table
        .find(id.to_string())
        .select(users::password_hash)
        .first::<String>(conn)
        .optional()?
        .map(|hash| hash != NO_PASSWORD))
}

/// `company`'s user `id`; another company's user, or an operator, is not found.
pub fn in_company(conn: &mut DbConnection, company: Uuid, id: Uuid) -> Result<Option<User>> {
    users::table
        .find(id.to_string())
        .filter(users::company_id.eq(Some(company.to_string())))
        .select(UserRow::as_select())
        .first(conn)
        .optional()?
        .map(|row| row.into_user().map(|(user, _)| user))
        .transpose()
}

/// Makes changes to `company`'s users take turns until the caller's transaction ends, in
/// every process: two admins demoting each other at once cannot leave the company with none.
pub fn take_turns(conn: &mut DbConnection, company: Uuid) -> Result<()> {
    crate::db::take_turns(conn, 7315004, &[&company.to_string()])
}

/// How many enabled, unscoped admins who can log in (they have chosen a password)
/// `company` has besides the user `except`: an invitation nobody accepts keeps no company
/// administered, nor does an admin of a few cost centres.
pub fn other_enabled_admins(conn: &mut DbConnection, company: Uuid, except: Uuid) -> Result<i64> {
    Ok(users::table
        .filter(users::company_id.eq(Some(company.to_string())))
        .filter(users::role.eq(Role::Admin.as_str()))
        .filter(users::enabled.eq(true))
        .filter(users::cost_centers.is_null())
        .filter(users::password_hash.ne(NO_PASSWORD))
        .filter(users::id.ne(except.to_string()))
        .count()
        .get_result(conn)?)
}

/// Writes `user`'s role and `enabled` over the stored ones if those still have
/// `user.version`, as the next version; false when another writer came first.
pub fn change(conn: &mut DbConnection, user: &mut User) -> Result<bool> {
    let changed = diesel::update(
        users::table
            .find(user.id.to_string())
            .filter(users::version.eq(user.version)),
    )
    .set((
        users::role.eq(user.role.as_str()),
        users::enabled.eq(user.enabled),
        users::cost_centers.eq(stored_scope(&user.scope)?),
        users::version.eq(user.version + 1),
    ))
    .execute(conn)?;
    if changed == 1 {
        user.version += 1;
    }
    Ok(changed == 1)
}
