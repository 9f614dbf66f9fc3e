//! Access tokens (JWT, HS256) and the extractors that
//! enforce roles: a handler states who may call it in its signature, so it cannot forget.

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest, web};
use domain::user::Role;
use futures_util::future::{Ready, ready};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::app::Principal;
use crate::error::{ApiError, ApiResult};

pub const ISSUER: &str = "selvbetjening";
pub const AUDIENCE: &str = "selvbetjening-api";
/// A shorter HMAC key is guessable; refuse to start with one.
pub const MIN_SECRET_BYTES: usize = 32;

/// The token's claims. `company` is absent for operators.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    pub sub: String,
    pub role: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub company: Option<String>,
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
}

impl Keys {
    pub fn new(secret: &[u8], ttl_seconds: u64) -> anyhow::Result<Keys> {
        if secret.len() < MIN_SECRET_BYTES {
            anyhow::bail!("JWT_SECRET must be at least {MIN_SECRET_BYTES} bytes long");
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
        })
    }

    pub fn ttl_seconds(&self) -> u64 {
        self.ttl_seconds
    }

    /// Issues a token for a subject (a user's or an API client's id).
    pub fn issue(&self, subject: Uuid, role: Role, company: Option<Uuid>) -> ApiResult<String> {
        let now = chrono::Utc::now().timestamp();
        let claims = Claims {
            sub: subject.to_string(),
            role: role.as_str().to_owned(),
            company: company.map(|c| c.to_string()),
            iss: ISSUER.to_owned(),
            aud: AUDIENCE.to_owned(),
            exp: now + i64::try_from(self.ttl_seconds).unwrap_or(3600),
            iat: now,
            nbf: now,
            jti: Uuid::now_v7().to_string(),
        };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(ApiError::internal)
    }

    /// Checks a token's signature, algorithm, issuer, audience and times.
    pub fn verify(&self, token: &str) -> Result<Claims, jsonwebtoken::errors::Error> {
        jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)
            .map(|data| data.claims)
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
        let claims = keys.verify(token).map_err(|e| {
            tracing::debug!(error = %e, "token refused");
            ApiError::unauthorized("the access token is invalid or expired")
        })?;
        let invalid = || ApiError::unauthorized("the access token is invalid or expired");
        let role: Role = claims.role.parse().map_err(|_| invalid())?;
        let company = claims
            .company
            .as_deref()
            .map(Uuid::parse_str)
            .transpose()
            .map_err(|_| invalid())?;
        if role.is_company_role() != company.is_some() {
            return Err(invalid());
        }
        Ok(Principal {
            subject: claims.sub,
            role,
            company,
        })
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
}
