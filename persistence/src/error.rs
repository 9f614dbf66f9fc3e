use diesel::result::{DatabaseErrorKind, Error as DieselError};

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What storage can tell its callers. Nothing here carries SQL to a client: the API
/// maps `Database` and `Unavailable` to a problem without detail and logs the chain.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("not found")]
    NotFound,
    /// A uniqueness or state rule of the data refused the write; `what` names it in product words.
    #[error("conflict: {what}")]
    Conflict { what: &'static str },
    /// The database could not be reached or the pool is exhausted.
    #[error("database unavailable")]
    Unavailable(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// A stored value does not parse: the data is corrupt or from a newer version.
    #[error("stored {column} is not valid: {value}")]
    Corrupt { column: &'static str, value: String },
    #[error("database error")]
    Database(#[source] DieselError),
    #[error("migration failed")]
    Migration(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl From<DieselError> for Error {
    fn from(err: DieselError) -> Self {
        match err {
            DieselError::NotFound => Error::NotFound,
            DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, _) => {
                Error::Conflict { what: "duplicate" }
            }
            // The connection is gone: closed by the server (a restart, a killed backend),
            // or already dead when the statement was to be sent.
            DieselError::DatabaseError(
                DatabaseErrorKind::ClosedConnection | DatabaseErrorKind::UnableToSendCommand,
                _,
            ) => Error::Unavailable(Box::new(err)),
            // A transaction whose BEGIN, COMMIT or ROLLBACK failed leaves the connection
            // unusable: diesel refuses it from then on.
            DieselError::BrokenTransactionManager => Error::Unavailable(Box::new(err)),
            DieselError::RollbackErrorOnCommit { commit_error, .. } => Error::from(*commit_error),
            other => Error::Database(other),
        }
    }
}

impl From<r2d2::Error> for Error {
    fn from(err: r2d2::Error) -> Self {
        Error::Unavailable(Box::new(err))
    }
}

impl Error {
    /// Maps a unique violation to a conflict with a product name; other errors pass through.
    pub fn on_duplicate(err: DieselError, what: &'static str) -> Error {
        match err {
            DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, _) => {
                Error::Conflict { what }
            }
            other => other.into(),
        }
    }

    pub(crate) fn corrupt(column: &'static str, value: impl Into<String>) -> Error {
        Error::Corrupt {
            column,
            value: value.into(),
        }
    }
}

/// Parses a stored UUID.
pub(crate) fn uuid(column: &'static str, text: &str) -> Result<uuid::Uuid> {
    uuid::Uuid::parse_str(text).map_err(|_| Error::corrupt(column, text))
}

/// Parses a stored value with its domain rule; a value that no longer obeys it is corrupt.
pub(crate) fn parse<T, E>(
    column: &'static str,
    text: &str,
    rule: impl FnOnce(&str) -> std::result::Result<T, E>,
) -> Result<T> {
    rule(text).map_err(|_| Error::corrupt(column, text))
}

/// Reads a stored JSON document into its typed form.
pub(crate) fn json<T: serde::de::DeserializeOwned>(column: &'static str, text: &str) -> Result<T> {
    serde_json::from_str(text).map_err(|_| Error::corrupt(column, text))
}

/// Writes a typed document as stored JSON.
pub(crate) fn to_json<T: serde::Serialize>(value: &T) -> Result<String> {
    serde_json::to_string(value).map_err(|e| Error::corrupt("document", e.to_string()))
}
