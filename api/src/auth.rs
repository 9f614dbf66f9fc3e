//! Access tokens (JWT, HS256) and the extractors that
//! enforce roles: a handler states who may call it in its signature, so it cannot forget.

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest, web};
use domain::user::{Role, Scope};
use futures_util::future::{Ready, ready};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::app::Principal;
use crate::error::{ApiError, ApiResult};

pub const ISSUER: &str = "selvbetjening";
pub const AUDIENCE: &str = "selvbetjening-api";
/// The longest an access token may live: a day.
pub const MAX_TTL_SECONDS: u64 = 24 * 60 * 60;
/// The shortest: a minute, so a token is still usable by the time it arrives.
pub const MIN_TTL_SECONDS: u64 = 60;
/// The longest token looked at.
const MAX_TOKEN_BYTES: usize = 2048;
/// A shorter HMAC key is guessable; refuse to start with one.
pub const MIN_SECRET_BYTES: usize = 32;
/// Tokens remembered as verified (about half a kilobyte each). More distinct tokens than
/// this in use at once only means some are checked in full again.
const REMEMBERED_TOKENS: usize = 512;

/// The one answer to every refused token, whatever check refused it, so a forged token
/// learns nothing about which one that was.
fn invalid_token() -> ApiError {
    ApiError::unauthorized("the access token is invalid or expired")
}

/// The token's claims. `company` is absent for operators.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    pub sub: String,
    pub role: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub company: Option<String>,
    /// A scoped user's cost centres; absent for the whole company. A changed scope
    /// revokes the user's tokens, so a token never outlives the scope it carries.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cost_centers: Option<Vec<String>>,
    pub iss: String,
    pub aud: String,
    pub exp: i64,
    pub iat: i64,
    pub nbf: i64,
    pub jti: String,
}

/// Signing and checking keys with a validation pinned to HS256, our issuer and audience.
pub struct Keys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    ttl_seconds: u64,
    /// Tokens these keys verified, by their exact text: a request with the same token again
    /// skips the signature, the two JSON parses and the id parses, which were a third of
    /// what reading one subscription cost. Only a token that passed every check is kept;
    /// its expiry is checked on every use, and revocations are looked at on every request
    /// (`Principal::from_request`). Kept per `Keys`, so a token is only ever taken as
    /// verified by the keys that verified it.
    verified: std::sync::Mutex<std::collections::HashMap<Box<str>, Verified>>,
}

/// What a verified token says, ready for a request.
#[derive(Debug, Clone)]
struct Verified {
    principal: Principal,
    subject: Uuid,
    /// Unix milliseconds (`issued_millis`).
    issued: i64,
    /// The last Unix second it is accepted in: its `exp` plus the leeway, as
    /// `jsonwebtoken` judges expiry.
    usable_until: u64,
}

impl Keys {
    pub fn new(secret: &[u8], ttl_seconds: u64) -> anyhow::Result<Keys> {
        if secret.len() < MIN_SECRET_BYTES {
            anyhow::bail!("JWT_SECRET must be at least {MIN_SECRET_BYTES} bytes long");
        }
        if !(MIN_TTL_SECONDS..=MAX_TTL_SECONDS).contains(&ttl_seconds) {
            anyhow::bail!(
                "TOKEN_TTL_SECONDS must be between {MIN_TTL_SECONDS} and {MAX_TTL_SECONDS} \
                 (24 hours): a token outlives a revocation by at most the refresh interval, but \
                 a stolen one works until it expires"
            );
        }
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[ISSUER]);
        validation.set_audience(&[AUDIENCE]);
        // The defaults let a token without `aud` or with a future `nbf` through.
        validation.set_required_spec_claims(&["exp", "iat", "nbf", "iss", "aud", "sub"]);
        validation.validate_nbf = true;
        validation.validate_exp = true;
        validation.leeway = 5;
        Ok(Keys {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
            ttl_seconds,
            verified: std::sync::Mutex::default(),
        })
    }

    pub fn ttl_seconds(&self) -> u64 {
        self.ttl_seconds
    }

    /// Issues a token for a subject (a user's or an API client's id).
    pub fn issue(&self, subject: Uuid, role: Role, company: Option<Uuid>) -> ApiResult<String> {
        self.issue_as_of(Uuid::now_v7(), subject, role, company, &Scope::Company)
    }

    /// Issues a token whose issue instant is `jti`'s (a UUIDv7 taken when the login began):
    /// a revocation committed while the login ran then covers the token too.
    pub fn issue_as_of(
        &self,
        jti: Uuid,
        subject: Uuid,
        role: Role,
        company: Option<Uuid>,
        scope: &Scope,
    ) -> ApiResult<String> {
        let now = jti
            .get_timestamp()
            .and_then(|ts| i64::try_from(ts.to_unix().0).ok())
            .unwrap_or_else(|| domain::clock::system_now().timestamp());
        let claims = Claims {
            sub: subject.to_string(),
            role: role.as_str().to_owned(),
            company: company.map(|c| c.to_string()),
            cost_centers: scope.centers().map(<[String]>::to_vec),
            iss: ISSUER.to_owned(),
            aud: AUDIENCE.to_owned(),
            exp: now + i64::try_from(self.ttl_seconds).unwrap_or(3600),
            iat: now,
            nbf: now,
            jti: jti.to_string(),
        };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(ApiError::internal)
    }

    /// Checks a token's signature, algorithm, issuer, audience and times. Ours are a few
    /// hundred bytes and name no key (`kid`): a longer one is refused before anything is
    /// read from it, one that names a key like a forged one. The header is read once, by
    /// `decode`, which checks it against the one key there is.
    pub fn verify(&self, token: &str) -> Result<Claims, jsonwebtoken::errors::Error> {
        use jsonwebtoken::errors::{Error, ErrorKind};
        if token.len() > MAX_TOKEN_BYTES {
            return Err(Error::from(ErrorKind::InvalidToken));
        }
        let data = jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)?;
        if data.header.kid.is_some() {
            return Err(Error::from(ErrorKind::InvalidToken));
        }
        Ok(data.claims)
    }

    /// The caller a token names, with its subject and issue instant for the revocation
    /// check: from the tokens verified before, while unexpired, or verified now.
    fn verified(&self, token: &str) -> ApiResult<Verified> {
        let now = jsonwebtoken::get_current_timestamp();
        // An over-long token is not even hashed for the lookup; `verify` refuses it.
        if token.len() <= MAX_TOKEN_BYTES
            && let Ok(remembered) = self.verified.lock()
            && let Some(known) = remembered.get(token)
            && now <= known.usable_until
        {
            return Ok(known.clone());
        }
        let claims = self.verify(token).map_err(|e| {
            tracing::debug!(error = %e, "token refused");
            invalid_token()
        })?;
        let verified = self.read_claims(claims)?;
        if let Ok(mut remembered) = self.verified.lock() {
            if remembered.len() >= REMEMBERED_TOKENS {
                remembered.retain(|_, known| now <= known.usable_until);
                if remembered.len() >= REMEMBERED_TOKENS {
                    remembered.clear();
                }
            }
            remembered.insert(token.into(), verified.clone());
        }
        Ok(verified)
    }

    /// A verified token's claims as a caller: a role we know, a company exactly when the
    /// role is a company's, ids that parse.
    fn read_claims(&self, claims: Claims) -> ApiResult<Verified> {
        let role: Role = claims.role.parse().map_err(|_| invalid_token())?;
        let company = claims
            .company
            .as_deref()
            .map(Uuid::parse_str)
            .transpose()
            .map_err(|_| invalid_token())?;
        if role.is_company_role() != company.is_some() {
            return Err(invalid_token());
        }
        let subject = Uuid::parse_str(&claims.sub).map_err(|_| invalid_token())?;
        let issued = issued_millis(&claims);
        let usable_until = u64::try_from(claims.exp)
            .map_err(|_| invalid_token())?
            .saturating_add(self.validation.leeway);
        Ok(Verified {
            principal: Principal {
                subject: claims.sub,
                role,
                company,
                scope: Scope::of(claims.cost_centers),
            },
            subject,
            issued,
            usable_until,
        })
    }
}

/// When a token was issued, to the millisecond: its `jti` is a UUIDv7, which carries that
/// time. A revocation then refuses exactly the tokens issued before it, and a login right
/// after a re-enabling works. Without one, the end of the `iat` second is assumed.
fn issued_millis(claims: &Claims) -> i64 {
    Uuid::parse_str(&claims.jti)
        .ok()
        .and_then(|jti| jti.get_timestamp())
        .and_then(|ts| {
            let (secs, nanos) = ts.to_unix();
            i64::try_from(secs)
                .ok()
                .map(|s| s * 1000 + i64::from(nanos / 1_000_000))
        })
        .filter(|ms| ms / 1000 == claims.iat)
        .unwrap_or(claims.iat * 1000 + 999)
}

/// This process's copy of the revocations (`access_revocations`): a token issued to a
/// subject (user, API client, company) before its time is refused. Read on every
/// request without a database round trip; refreshed from the database every few seconds,
/// and at once in the process that revokes.
#[derive(Debug, Default)]
pub struct Revocations {
    not_before: std::sync::RwLock<std::collections::HashMap<Uuid, i64>>,
}

impl Revocations {
    /// Adds the database's list as it is now to what this process knows. A merge, never a
    /// replacement: the list may have been read before a revocation this process has just
    /// made and noted, which must not come undone until the next refresh. A revocation is
    /// never lifted (a later one only moves its instant forward), so keeping the later of
    /// the two instants is always right.
    pub fn merge(&self, all: Vec<(Uuid, chrono::NaiveDateTime)>) {
        if let Ok(mut map) = self.not_before.write() {
            for (subject, at) in all {
                let at = at.and_utc().timestamp_millis();
                map.entry(subject)
                    .and_modify(|known| *known = (*known).max(at))
                    .or_insert(at);
            }
        }
    }

    /// Notes a revocation made by this process, before the next refresh brings it.
    pub fn note(&self, subject: Uuid, at: chrono::NaiveDateTime) {
        if let Ok(mut map) = self.not_before.write() {
            map.insert(subject, at.and_utc().timestamp_millis());
        }
    }

    /// Whether a token issued to `subject` at `issued_at` (Unix milliseconds) is refused:
    /// one issued before the revocation's millisecond. (Within that millisecond the order
    /// cannot be told; a login right after a password reset must work.)
    pub fn refuses(&self, subject: Uuid, issued_at: i64) -> bool {
        self.not_before
            .read()
            .map(|map| map.get(&subject).is_some_and(|nb| issued_at < *nb))
            .unwrap_or(true)
    }
}

impl Principal {
    fn from_request(req: &HttpRequest) -> ApiResult<Principal> {
        let keys = req
            .app_data::<web::Data<Keys>>()
            .ok_or_else(|| ApiError::internal(anyhow::anyhow!("token keys missing")))?;
        let header = req
            .headers()
            .get(actix_web::http::header::AUTHORIZATION)
            .ok_or_else(|| {
                ApiError::unauthorized("send an access token: Authorization: Bearer <token>")
            })?;
        let token = header
            .to_str()
            .ok()
            .and_then(|h| {
                h.strip_prefix("Bearer ")
                    .or_else(|| h.strip_prefix("bearer "))
            })
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or_else(|| {
                ApiError::unauthorized("the Authorization header must be: Bearer <token>")
            })?;
        let verified = keys.verified(token)?;
        let company = verified.principal.company;
        // Without the list no token can be judged: fail closed.
        let revocations = req
            .app_data::<web::Data<Revocations>>()
            .ok_or_else(|| ApiError::internal(anyhow::anyhow!("revocation list missing")))?;
        if revocations.refuses(verified.subject, verified.issued)
            || company.is_some_and(|c| revocations.refuses(c, verified.issued))
        {
            return Err(invalid_token());
        }
        Ok(verified.principal)
    }

    /// The company a company user acts for.
    fn company(&self) -> ApiResult<Uuid> {
        self.company
            .ok_or_else(|| ApiError::forbidden("this route is for company users"))
    }
}

macro_rules! extractor {
    ($(#[$doc:meta])* $name:ident, $check:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone)]
        pub struct $name(pub Principal);

        impl FromRequest for $name {
            type Error = ApiError;
            type Future = Ready<Result<Self, ApiError>>;

            fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
                let check: fn(&Principal) -> ApiResult<()> = $check;
                ready(Principal::from_request(req).and_then(|p| check(&p).map(|()| $name(p))))
            }
        }
    };
}

extractor!(
    /// Any authenticated caller.
    Authenticated,
    |_| Ok(())
);
extractor!(
    /// The operator's staff.
    OperatorStaff,
    |p| if p.role == Role::Operator { Ok(()) } else { Err(ApiError::forbidden("this route is for the operator's staff")) }
);
extractor!(
    /// A company's admin or viewer: may read the company's data.
    CompanyReader,
    |p| p.company().map(|_| ())
);
extractor!(
    /// A company's admin: may change the company's data.
    CompanyAdmin,
    |p| {
        p.company()?;
        if p.role.can_write_company() { Ok(()) } else { Err(ApiError::forbidden("viewers may read but not change")) }
    }
);

extractor!(
    /// A company's admin of the whole company (not limited to cost centres): may run its
    /// users, webhook endpoints and approval rule.
    UnscopedAdmin,
    |p| {
        p.company()?;
        if !p.role.can_write_company() {
            return Err(ApiError::forbidden("viewers may read but not change"));
        }
        if p.scope != Scope::Company {
            return Err(ApiError::forbidden("only an admin of the whole company may do this, not one limited to cost centres"));
        }
        Ok(())
    }
);

impl UnscopedAdmin {
    pub fn company(&self) -> Uuid {
        self.0.company.unwrap_or_default()
    }
}

impl CompanyReader {
    pub fn company(&self) -> Uuid {
        self.0.company.unwrap_or_default()
    }
}

impl CompanyAdmin {
    pub fn company(&self) -> Uuid {
        self.0.company.unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_short_secret_is_refused() {
        assert!(Keys::new(b"short", 60).is_err());
    }

    #[test]
    fn a_token_lifetime_over_a_day_is_refused() {
        assert!(Keys::new(&[7u8; 32], MAX_TTL_SECONDS).is_ok());
        assert!(Keys::new(&[7u8; 32], MAX_TTL_SECONDS + 1).is_err());
        assert!(Keys::new(&[7u8; 32], 0).is_err());
    }

    #[test]
    fn a_revoked_subjects_earlier_tokens_are_refused_and_later_ones_are_not() {
        let revocations = Revocations::default();
        let user = Uuid::now_v7();
        let at = chrono::DateTime::from_timestamp_millis(1_000_500)
            .unwrap()
            .naive_utc();
        revocations.note(user, at);
        assert!(revocations.refuses(user, 1_000_499));
        assert!(!revocations.refuses(user, 1_000_500));
        assert!(!revocations.refuses(user, 1_000_501));
        assert!(!revocations.refuses(Uuid::now_v7(), 999));
    }

    #[test]
    fn a_refresh_read_before_a_revocation_does_not_undo_it() {
        let revocations = Revocations::default();
        let user = Uuid::now_v7();
        let other = Uuid::now_v7();
        let at = |ms| {
            chrono::DateTime::from_timestamp_millis(ms)
                .unwrap()
                .naive_utc()
        };
        // The refresh reads the database's list; before it applies it, this process revokes
        // the user's tokens; then the stale list arrives.
        let stale_snapshot = vec![(other, at(500))];
        revocations.note(user, at(2_000));
        revocations.merge(stale_snapshot);
        assert!(
            revocations.refuses(user, 1_999),
            "the noted revocation holds"
        );
        assert!(
            revocations.refuses(other, 499),
            "the list's revocation is added"
        );
        // An older instant for the same subject never moves the revocation back.
        revocations.merge(vec![(user, at(1_000))]);
        assert!(revocations.refuses(user, 1_999));
        // A later one moves it forward.
        revocations.merge(vec![(user, at(3_000))]);
        assert!(revocations.refuses(user, 2_999));
        assert!(!revocations.refuses(user, 3_000));
    }

    #[test]
    fn without_the_revocation_list_no_token_is_accepted() {
        let keys = Keys::new(&[7u8; 32], 60).unwrap();
        let token = keys
            .issue(Uuid::now_v7(), Role::Admin, Some(Uuid::now_v7()))
            .unwrap();
        let request = |with_list: bool| {
            let mut req = actix_web::test::TestRequest::default()
                .app_data(web::Data::new(Keys::new(&[7u8; 32], 60).unwrap()))
                .insert_header(("Authorization", format!("Bearer {token}")));
            if with_list {
                req = req.app_data(web::Data::new(Revocations::default()));
            }
            req.to_http_request()
        };
        assert!(Principal::from_request(&request(true)).is_ok());
        assert!(Principal::from_request(&request(false)).is_err());
    }

    #[test]
    fn a_tokens_issue_time_is_read_to_the_millisecond_from_its_jti() {
        let keys = Keys::new(&[7u8; 32], 60).unwrap();
        let before = domain::clock::system_now().timestamp_millis();
        let token = keys
            .issue(Uuid::now_v7(), Role::Admin, Some(Uuid::now_v7()))
            .unwrap();
        let after = domain::clock::system_now().timestamp_millis();
        let issued = issued_millis(&keys.verify(&token).unwrap());
        assert!(
            (before..=after).contains(&issued),
            "{before} {issued} {after}"
        );
    }

    #[test]
    fn a_token_round_trips_with_its_claims() {
        let keys = Keys::new(&[7u8; 32], 60).unwrap();
        let company = Uuid::now_v7();
        let token = keys
            .issue(Uuid::now_v7(), Role::Admin, Some(company))
            .unwrap();
        let claims = keys.verify(&token).unwrap();
        assert_eq!(claims.role, "admin");
        assert_eq!(claims.company, Some(company.to_string()));
        assert_eq!(claims.iss, ISSUER);
    }

    fn remembered(keys: &Keys) -> usize {
        keys.verified.lock().unwrap().len()
    }

    fn remember(keys: &Keys, token: &str, known: Verified) {
        keys.verified.lock().unwrap().insert(token.into(), known);
    }

    #[test]
    fn a_token_is_taken_as_verified_only_by_the_keys_that_verified_it() {
        let ours = Keys::new(&[7u8; 32], 60).unwrap();
        let theirs = Keys::new(&[8u8; 32], 60).unwrap();
        let company = Uuid::now_v7();
        let token = theirs
            .issue(Uuid::now_v7(), Role::Admin, Some(company))
            .unwrap();
        let first = theirs.verified(&token).unwrap();
        let again = theirs.verified(&token).unwrap();
        assert_eq!(remembered(&theirs), 1);
        assert_eq!(first.principal.company, Some(company));
        assert_eq!(again.principal.subject, first.principal.subject);
        assert_eq!(again.issued, first.issued);
        assert!(ours.verified(&token).is_err());
        assert_eq!(remembered(&ours), 0);
    }

    #[test]
    fn a_remembered_token_past_its_expiry_is_checked_again_and_refused() {
        let keys = Keys::new(&[7u8; 32], 60).unwrap();
        let token = keys.issue(Uuid::now_v7(), Role::Operator, None).unwrap();
        keys.verified(&token).unwrap();
        // As if the token's time had run out since: what is remembered no longer counts,
        // and the full check (here of a token altered after it was remembered) decides.
        let tampered = format!("{token}x");
        let mut known = keys
            .verified
            .lock()
            .unwrap()
            .get(token.as_str())
            .cloned()
            .unwrap();
        known.usable_until = jsonwebtoken::get_current_timestamp() - 1;
        remember(&keys, &tampered, known.clone());
        assert!(keys.verified(&tampered).is_err());
        known.usable_until = jsonwebtoken::get_current_timestamp() + 60;
        remember(&keys, &tampered, known);
        assert!(
            keys.verified(&tampered).is_ok(),
            "an unexpired entry is used as it is"
        );
    }

    #[test]
    fn the_remembered_tokens_stay_bounded_however_many_are_used() {
        let keys = Keys::new(&[7u8; 32], 60).unwrap();
        for _ in 0..REMEMBERED_TOKENS + 10 {
            let token = keys.issue(Uuid::now_v7(), Role::Operator, None).unwrap();
            keys.verified(&token).unwrap();
            assert!(remembered(&keys) <= REMEMBERED_TOKENS);
        }
        let last = keys.issue(Uuid::now_v7(), Role::Operator, None).unwrap();
        assert!(keys.verified(&last).is_ok());
    }
}
