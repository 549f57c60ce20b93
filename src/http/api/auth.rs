//! `/api/auth/*`: SIWE nonces and login, token verification, and the JWKS.

use poem::http::StatusCode;
use poem::web::Data;
use poem_openapi::auth::Bearer;
use poem_openapi::param::Header;
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi, SecurityScheme};
use ring::rand::{SecureRandom, SystemRandom};
use time::OffsetDateTime;

use super::ApiTags;
use crate::core::auth::login::{self, LoginError};
use crate::core::auth::{Caller, Jwk, TOKEN_TTL_SECS};
use crate::core::clock::iso_millis;
use crate::core::error::PortError;
use crate::core::families::Persistence;
use crate::core::ports::TokenSigner;
use crate::http::body::JsonBody;
use crate::http::error::ErrorBody;
use crate::http::payload::PreEncoded;
use crate::http::state::{Adapters, Shared};
use crate::http::timestamp::Timestamp;

/// `Cache-Control` of the JWKS (D6: ten minutes, revalidated with the ETag).
pub const JWKS_CACHE_CONTROL: &str = "public, max-age=600";
const NO_STORE: &str = "no-store";

/// A Dixie JWT as a bearer token.
// Routes take it to require and document the credential; the `/api` guard has already
// verified it and put the `Caller` in the request.
#[derive(SecurityScheme)]
#[oai(ty = "bearer", key_name = "Authorization", bearer_format = "JWT")]
pub struct BearerToken(pub Bearer);

/// No credentials: the operation is public. poem-openapi records it as `security: [{}]`, which
/// the published document writes as `security: []` (see `document.rs`), so that generated
/// clients and linters know no scheme is expected. (The `SecurityScheme` derive cannot express
/// a fallback-only scheme, hence the hand-written extractor.)
pub struct Public;

impl<'a> poem_openapi::ApiExtractor<'a> for Public {
    const TYPES: &'static [poem_openapi::ApiExtractorType] =
        &[poem_openapi::ApiExtractorType::SecurityScheme];
    type ParamType = ();
    type ParamRawType = ();

    fn has_security_fallback() -> bool {
        true
    }

    async fn from_request(
        _request: &'a poem::Request,
        _body: &mut poem::RequestBody,
        _param_opts: poem_openapi::ExtractParamOptions<Self::ParamType>,
    ) -> poem::Result<Self> {
        Ok(Public)
    }
}

/// `POST /api/auth/siwe` body.
#[derive(Object, Debug)]
#[oai(deny_unknown_fields)]
pub struct LoginRequest {
    /// The ERC-4361 message exactly as signed (LF line ends, no trailing newline).
    #[oai(validator(min_length = 1, max_length = 4096))]
    pub message: String,
    /// The `personal_sign` signature: 0x + 130 hex digits (r, s, v).
    #[oai(validator(min_length = 1, max_length = 256))]
    pub signature: String,
}

#[derive(Object, Debug)]
pub struct LoginBody {
    /// The JWT to send as `Authorization: Bearer …`.
    pub token: String,
    /// The EIP-55 wallet the token names (its `sub`).
    pub wallet: String,
    /// Token lifetime: always `1h`.
    #[oai(rename = "expiresIn")]
    pub expires_in: String,
}

#[derive(Object, Debug)]
pub struct NonceBody {
    /// Put this in the message's `Nonce:` field; it logs in once.
    pub nonce: String,
    /// When the nonce stops being accepted (ISO-8601 UTC).
    #[oai(rename = "expiresAt")]
    pub expires_at: Timestamp,
    /// Seconds until `expiresAt`.
    #[oai(rename = "expiresIn")]
    pub expires_in: u64,
}

#[derive(Object, Debug)]
pub struct VerifyBody {
    /// The token's `sub`: an EIP-55 wallet.
    pub wallet: String,
    pub role: String,
    /// Expiry, Unix seconds.
    pub exp: u64,
}

/// A public key of the JWKS. Never carries private material.
#[derive(Object, Clone, Debug, serde::Serialize)]
#[oai(rename = "Jwk")]
pub struct JwkDto {
    pub kty: String,
    pub crv: String,
    pub x: String,
    pub y: String,
    pub kid: String,
    pub alg: String,
    #[oai(rename = "use")]
    #[serde(rename = "use")]
    pub use_: String,
}

impl From<Jwk> for JwkDto {
    fn from(k: Jwk) -> Self {
        JwkDto {
            kty: k.kty,
            crv: k.crv,
            x: k.x,
            y: k.y,
            kid: k.kid,
            alg: k.alg,
            use_: k.use_,
        }
    }
}

/// `{keys: [...]}`; empty when only HS256 secrets are configured.
#[derive(Object, Clone, Debug, serde::Serialize)]
pub struct Jwks {
    pub keys: Vec<JwkDto>,
}

/// The JWKS body and its strong ETag, computed once when the API is built (keys do not change
/// while the process runs).
struct JwksDocument {
    body: PreEncoded<Jwks>,
    etag: String,
}

impl JwksDocument {
    fn new(keys: Vec<Jwk>) -> Self {
        let jwks = Jwks {
            keys: keys.into_iter().map(Into::into).collect(),
        };
        let body = PreEncoded::encode(&jwks);
        let digest = ring::digest::digest(&ring::digest::SHA256, body.bytes());
        JwksDocument {
            body,
            etag: format!("\"{}\"", crate::core::auth::hex(&digest.as_ref()[..16])),
        }
    }

    /// Whether an `If-None-Match` value names this document.
    fn matches(&self, if_none_match: &str) -> bool {
        if_none_match
            .split(',')
            .map(str::trim)
            .any(|tag| tag == "*" || tag.strip_prefix("W/").unwrap_or(tag) == self.etag)
    }
}

#[derive(ApiResponse)]
pub enum JwksResponse {
    /// The public keys
    #[oai(status = 200)]
    Ok(
        PreEncoded<Jwks>,
        #[oai(header = "ETag")] String,
        #[oai(header = "Cache-Control")] String,
    ),
    /// The client's copy (`If-None-Match`) is current
    #[oai(status = 304)]
    NotModified(
        #[oai(header = "ETag")] String,
        #[oai(header = "Cache-Control")] String,
    ),
}

#[derive(ApiResponse)]
pub enum NonceResponse {
    /// A fresh single-use nonce
    #[oai(status = 200)]
    Ok(Json<NonceBody>, #[oai(header = "Cache-Control")] String),
}

#[derive(ApiResponse)]
pub enum LoginResponse {
    /// Logged in
    #[oai(status = 200)]
    Ok(Json<LoginBody>, #[oai(header = "Cache-Control")] String),
}

/// Failures of `POST /api/auth/nonce`.
#[derive(ApiResponse, Debug)]
pub enum NonceError {
    /// Unexpected failure (`internal_error`; detail only in the log)
    #[oai(status = 500)]
    Internal(Json<ErrorBody>),
}

/// Failures of `POST /api/auth/siwe`.
#[derive(ApiResponse, Debug)]
pub enum LoginFailure {
    /// The body is not `{message, signature}` with non-empty strings (`invalid_request`)
    #[oai(status = 400)]
    BadRequest(Json<ErrorBody>),
    /// The message is malformed, names another domain or chain, is expired, too old or not yet
    /// valid, is not signed by its address, or its nonce was already used, has expired or (when
    /// server nonces are required) was not issued here (`invalid_signature`; the message says
    /// which)
    #[oai(status = 401)]
    Refused(Json<ErrorBody>),
    /// The wallet is not on the allowlist (`forbidden`)
    #[oai(status = 403)]
    Forbidden(Json<ErrorBody>),
    /// Unexpected failure (`internal_error`; detail only in the log)
    #[oai(status = 500)]
    Internal(Json<ErrorBody>),
    /// The nonce store is unavailable or full (`service_unavailable`)
    #[oai(status = 503)]
    Unavailable(Json<ErrorBody>),
}

/// Failures of `GET /api/auth/verify`.
#[derive(ApiResponse, Debug)]
pub enum VerifyFailure {
    /// No bearer token (`unauthorized`), or the token is not valid: bad signature, unknown
    /// key, wrong algorithm or issuer, expired, malformed or oversize (`invalid_token`)
    #[oai(status = 401)]
    Invalid(Json<ErrorBody>),
}

fn internal() -> Json<ErrorBody> {
    Json(ErrorBody::new("internal_error", "Internal server error"))
}

fn port_failure(err: &PortError) -> (StatusCode, Json<ErrorBody>) {
    match err {
        PortError::Unavailable(_) => {
            let (status, body) = ErrorBody::from_port(err);
            (status, Json(body))
        }
        other => {
            tracing::error!(event = "internal_error", detail = %other);
            (StatusCode::INTERNAL_SERVER_ERROR, internal())
        }
    }
}

pub struct AuthApi<A: Adapters> {
    state: Shared<A>,
    random: SystemRandom,
    jwks: JwksDocument,
}

impl<A: Adapters> AuthApi<A> {
    pub fn new(state: Shared<A>) -> Self {
        let jwks = JwksDocument::new(state.signer.jwks());
        AuthApi {
            state,
            random: SystemRandom::new(),
            jwks,
        }
    }
}

#[OpenApi(tag = "ApiTags::Auth")]
impl<A: Adapters> AuthApi<A> {
    /// Issue a single-use SIWE nonce
    ///
    /// Put the nonce in the `Nonce:` field of the ERC-4361 message before signing. It is
    /// accepted once, until `expiresAt`. Client-chosen nonces are accepted too (each once)
    /// unless the service requires server nonces.
    #[oai(path = "/api/auth/nonce", method = "post", operation_id = "issueNonce")]
    async fn nonce(&self, _public: Public) -> Result<NonceResponse, NonceError> {
        let mut random = [0u8; 16];
        if self.random.fill(&mut random).is_err() {
            tracing::error!(
                event = "internal_error",
                detail = "system randomness failed"
            );
            return Err(NonceError::Internal(internal()));
        }
        let now = OffsetDateTime::now_utc();
        let issued = login::issue_nonce(&self.state.settings.login, random, now);
        let expires_in = (issued.expires_at - now).whole_seconds().max(0) as u64;
        Ok(NonceResponse::Ok(
            Json(NonceBody {
                nonce: issued.nonce,
                expires_at: Timestamp(iso_millis(issued.expires_at)),
                expires_in,
            }),
            NO_STORE.to_owned(),
        ))
    }

    /// Sign in with Ethereum
    ///
    /// Verifies the ERC-4361 message and its `personal_sign` signature — domain, chain ID,
    /// issued-at, expiry and not-before, signer — consumes its nonce, and returns a JWT
    /// (`sub` = the EIP-55 wallet, `role` = `team`, one hour).
    #[oai(path = "/api/auth/siwe", method = "post", operation_id = "loginSiwe")]
    async fn siwe(
        &self,
        _public: Public,
        body: JsonBody<LoginRequest>,
    ) -> Result<LoginResponse, LoginFailure> {
        let state = &self.state;
        let outcome = login::login(
            state.db.nonces(),
            &state.signer,
            &state.settings.login,
            &state.access(),
            &body.message,
            &body.signature,
            OffsetDateTime::now_utc(),
        )
        .await;
        match outcome {
            Ok(grant) => {
                tracing::info!(event = "login", wallet = %grant.wallet, nonce = ?grant.nonce_use);
                Ok(LoginResponse::Ok(
                    Json(LoginBody {
                        token: grant.token,
                        wallet: grant.wallet,
                        expires_in: format!("{}h", TOKEN_TTL_SECS / 3600),
                    }),
                    NO_STORE.to_owned(),
                ))
            }
            Err(LoginError::Refused(reason)) => {
                tracing::info!(event = "login_refused", reason = %reason);
                Err(LoginFailure::Refused(Json(ErrorBody::new(
                    "invalid_signature",
                    format!("SIWE verification failed: {reason}"),
                ))))
            }
            Err(LoginError::Forbidden) => Err(LoginFailure::Forbidden(Json(ErrorBody::new(
                "forbidden",
                "Wallet not authorized",
            )))),
            Err(LoginError::Store(e)) => Err(match port_failure(&e) {
                (StatusCode::SERVICE_UNAVAILABLE, body) => LoginFailure::Unavailable(body),
                (_, body) => LoginFailure::Internal(body),
            }),
            Err(LoginError::Token(e)) => {
                tracing::error!(event = "internal_error", detail = %e);
                Err(LoginFailure::Internal(internal()))
            }
        }
    }

    /// Verify a token
    ///
    /// Accepts tokens signed by the active ES256 key, a previous ES256 key still in the JWKS,
    /// or (during the migration window) the HS256 secrets.
    #[oai(
        path = "/api/auth/verify",
        method = "get",
        operation_id = "verifyToken"
    )]
    async fn verify(
        &self,
        _auth: BearerToken,
        caller: Data<&Caller>,
    ) -> Result<Json<VerifyBody>, VerifyFailure> {
        // The `/api` guard verified the bearer once; this reports what it found.
        match &*caller {
            Caller::Wallet(claims) => Ok(Json(VerifyBody {
                wallet: claims.sub.clone(),
                role: claims.role.clone(),
                exp: claims.exp,
            })),
            _ => Err(VerifyFailure::Invalid(Json(ErrorBody::new(
                "invalid_token",
                "Token verification failed",
            )))),
        }
    }

    /// JSON Web Key Set
    ///
    /// The ES256 public keys that verify Dixie tokens: the active key and any previous key
    /// kept during a rotation. `{keys: []}` when only HS256 is configured. Cacheable for ten
    /// minutes; revalidate with `If-None-Match`.
    #[oai(
        path = "/api/auth/.well-known/jwks.json",
        method = "get",
        operation_id = "getJwks"
    )]
    async fn jwks(
        &self,
        _public: Public,
        #[oai(name = "If-None-Match")] if_none_match: Header<Option<String>>,
    ) -> JwksResponse {
        let doc = &self.jwks;
        if if_none_match.0.as_deref().is_some_and(|v| doc.matches(v)) {
            JwksResponse::NotModified(doc.etag.clone(), JWKS_CACHE_CONTROL.to_owned())
        } else {
            JwksResponse::Ok(
                doc.body.clone(),
                doc.etag.clone(),
                JWKS_CACHE_CONTROL.to_owned(),
            )
        }
    }
}
