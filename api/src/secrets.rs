//! Passwords and client secrets: argon2id hashes, and fresh random secrets.

use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::{Algorithm, Argon2, Params, PasswordHash, Version};

use crate::error::{ApiError, ApiResult};

/// Argon2id with 7 MiB of memory and 5 passes: one of the settings OWASP's Password Storage
/// Cheat Sheet lists as equal in defence to 19 MiB and 2 passes (the crate's default), with
/// a third of the memory, so two logins at once fit the server's 64 MiB. Hashes stored with
/// other parameters keep verifying with their own.
const MEMORY_KIB: u32 = 7 * 1024;
const PASSES: u32 = 5;

fn argon2id() -> ApiResult<Argon2<'static>> {
    let params = Params::new(MEMORY_KIB, PASSES, 1, None)
        .map_err(|e| ApiError::internal(anyhow::anyhow!("argon2 parameters: {e}")))?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

/// Hashes a password (or client secret) with argon2id and a fresh salt.
pub fn hash_secret(secret: &str) -> ApiResult<String> {
    argon2id()?
        .hash_password(secret.as_bytes())
        .map(|hash| hash.to_string())
        .map_err(|e| ApiError::internal(anyhow::anyhow!("hashing failed: {e}")))
}

/// Checks a secret against a stored hash. `None` (unknown user) still spends the time of
/// one verification, so response times do not tell which emails exist.
pub fn verify_secret(secret: &str, stored: Option<&str>) -> bool {
    // A stored value that is no hash (an invited user's "no password yet") takes the
    // same time as an unknown user: the dummy hash is verified, and fails.
    let stored = stored
        .filter(|s| PasswordHash::new(s).is_ok())
        .unwrap_or(DUMMY_HASH);
    let Ok(hash) = PasswordHash::new(stored) else {
        return false;
    };
    let ok = Argon2::default()
        .verify_password(secret.as_bytes(), &hash)
        .is_ok();
    ok && stored != DUMMY_HASH
}

/// An argon2id hash of a random string nobody knows, with the parameters of new hashes.
const DUMMY_HASH: &str = "$argon2id$v=19$m=7168,t=5,p=1$c2VsdmJldGplbmluZ2R1bW15$4EuG3qaXyKKSTu90ipuYM0ehBbXQJ2nlFuRb7lf1CVA";

/// Hashes a new password or secret off the async workers; used by every place that
/// creates a login.
pub async fn hash_password(password: String) -> ApiResult<String> {
    let _permit = password_work().await?;
    actix_web::web::block(move || hash_secret(&password)).await?
}

/// Argon2id holds its memory (7 MiB) while it runs and keeps a core busy: more hashes at
/// once than cores only add memory, not speed. So a login (or a new password) takes one of these
/// permits, one per core, before it hashes; the others wait without holding a database
/// connection or a thread.
static PASSWORD_WORK: std::sync::LazyLock<tokio::sync::Semaphore> =
    std::sync::LazyLock::new(|| tokio::sync::Semaphore::new(crate::config::cores()));

/// A permit to hash or verify one password.
pub async fn password_work() -> ApiResult<tokio::sync::SemaphorePermit<'static>> {
    PASSWORD_WORK
        .acquire()
        .await
        .map_err(|e| ApiError::internal(anyhow::anyhow!("password permits closed: {e}")))
}

/// A new token for an emailed link (a power of attorney, a password link): 32 random bytes
/// as 43 base64url characters. Only its hash is ever stored.
pub fn link_token() -> anyhow::Result<String> {
    use base64::Engine;
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| anyhow::anyhow!("no randomness: {e}"))?;
    Ok(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes))
}

/// The stored form of a link's token: its SHA-256 in hex, so the database alone cannot act
/// for anyone.
pub fn token_hash(token: &str) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A new random secret: 32 bytes as 64 hex characters.
pub fn random_secret() -> ApiResult<String> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)
        .map_err(|e| ApiError::internal(anyhow::anyhow!("no randomness: {e}")))?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_dummy_hash_is_a_valid_argon2id_hash() {
        assert!(PasswordHash::new(DUMMY_HASH).is_ok());
        assert!(!verify_secret("anything", None));
    }

    #[test]
    fn the_dummy_hash_costs_what_a_new_hash_costs() {
        let new = hash_secret("any password").unwrap();
        let params = |h: &str| PasswordHash::new(h).unwrap().params.to_string();
        assert_eq!(params(DUMMY_HASH), params(&new));
        assert_eq!(params(&new), "m=7168,t=5,p=1");
    }

    #[test]
    fn a_hash_made_with_the_former_parameters_still_verifies() {
        let former = Argon2::default()
            .hash_password(b"kept password")
            .unwrap()
            .to_string();
        assert!(former.contains("m=19456,t=2,p=1"));
        assert!(verify_secret("kept password", Some(&former)));
        assert!(!verify_secret("other password", Some(&former)));
    }

    #[test]
    fn a_hashed_secret_verifies_and_a_wrong_one_does_not() {
        let hash = hash_secret("correct horse battery").unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_secret("correct horse battery", Some(&hash)));
        assert!(!verify_secret("wrong horse battery", Some(&hash)));
    }
}
