//! Who is asking: relationship managers (RM) and customers, told apart on the server.
//!
//! Keys: a server secret (HMAC-SHA256 key) signs every session cookie and customer token, and
//! an optional RM token lets an RM sign in or call the API. Both come from the environment or
//! from files outside the repository (see [`Keys::from_env`]); neither is ever logged. Without a
//! secret, a random one is made at start, so sessions end when the server stops.
//!
//! Tokens and cookies are `<kind>.<customer id>.<expiry in Unix seconds>.<hex HMAC>`, the HMAC
//! covering the kind, id and expiry; the customer id therefore always comes from a value the
//! server signed, never from something the customer can change.

use std::collections::HashMap;
use std::fmt;
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;

use super::ServerError;
use super::errors::AppError;
use super::state::AppState;

/// Name of the session cookie.
pub const SESSION_COOKIE: &str = "pas_session";
/// How long a session lasts.
pub const SESSION_TTL: Duration = Duration::from_secs(8 * 3600);
/// How long a customer access link stays valid.
pub const CUSTOMER_TOKEN_TTL: Duration = Duration::from_secs(7 * 24 * 3600);
/// How long the one-time RM sign-in link printed by `serve` stays valid.
pub const ONE_TIME_TTL: Duration = Duration::from_secs(15 * 60);

/// Environment variable holding the server secret (at least 32 characters).
pub const ENV_SECRET: &str = "PRET_A_SCORE_SECRET";
/// Environment variable naming a file that holds the server secret.
pub const ENV_SECRET_FILE: &str = "PRET_A_SCORE_SECRET_FILE";
/// Environment variable holding the RM token (at least 16 characters).
pub const ENV_RM_TOKEN: &str = "PRET_A_SCORE_RM_TOKEN";
/// Environment variable naming a file that holds the RM token.
pub const ENV_RM_TOKEN_FILE: &str = "PRET_A_SCORE_RM_TOKEN_FILE";

/// Who a request comes from.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Principal {
    /// A relationship manager: sees every customer.
    Rm,
    /// A customer: sees only their own application.
    Customer(i64),
}

impl fmt::Debug for Principal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Principal::Rm => write!(f, "rm"),
            Principal::Customer(id) => write!(f, "customer {id}"),
        }
    }
}

/// The server's signing key, the RM token and the unused one-time sign-in codes.
pub struct Keys {
    secret: Vec<u8>,
    rm_token: Option<String>,
    one_time: Mutex<HashMap<String, Instant>>,
}

impl fmt::Debug for Keys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Keys { .. }")
    }
}

impl Keys {
    /// Keys from a secret and an optional RM token.
    pub fn new(secret: Vec<u8>, rm_token: Option<String>) -> Result<Self, ServerError> {
        if secret.len() < 32 {
            return Err(ServerError::Keys(format!(
                "the server secret must be at least 32 bytes long (set {ENV_SECRET} or \
                 {ENV_SECRET_FILE})"
            )));
        }
        if rm_token.as_ref().is_some_and(|t| t.len() < 16) {
            return Err(ServerError::Keys(format!(
                "the RM token must be at least 16 characters long ({ENV_RM_TOKEN})"
            )));
        }
        Ok(Self {
            secret,
            rm_token,
            one_time: Mutex::new(HashMap::new()),
        })
    }

    /// A random secret and no RM token: sign-in only by one-time link or customer token.
    pub fn random() -> Self {
        Self {
            secret: random_bytes(32),
            rm_token: None,
            one_time: Mutex::new(HashMap::new()),
        }
    }

    /// Keys from the environment: `PRET_A_SCORE_SECRET` or the file named by
    /// `PRET_A_SCORE_SECRET_FILE` (else a random secret), and `PRET_A_SCORE_RM_TOKEN` or the
    /// file named by `PRET_A_SCORE_RM_TOKEN_FILE` (else none).
    pub fn from_env() -> Result<Self, ServerError> {
        let secret = read_setting(ENV_SECRET, ENV_SECRET_FILE)?
            .map(String::into_bytes)
            .unwrap_or_else(|| random_bytes(32));
        let rm_token = read_setting(ENV_RM_TOKEN, ENV_RM_TOKEN_FILE)?;
        Self::new(secret, rm_token)
    }

    /// Whether an RM token is configured (else only one-time links sign RMs in).
    pub fn has_rm_token(&self) -> bool {
        self.rm_token.is_some()
    }

    /// A new one-time RM sign-in code, valid for [`ONE_TIME_TTL`] and for one use.
    pub fn one_time_rm_code(&self) -> String {
        let code = hex::encode(random_bytes(24));
        self.lock_one_time()
            .insert(code.clone(), Instant::now() + ONE_TIME_TTL);
        code
    }

    /// A signed access token for one customer, valid for `ttl`.
    pub fn customer_token(&self, id: i64, ttl: Duration) -> String {
        self.sign("token-customer", id, unix_now() + ttl.as_secs())
    }

    /// The value of a session cookie for `principal`.
    pub fn session_value(&self, principal: Principal) -> String {
        let expiry = unix_now() + SESSION_TTL.as_secs();
        match principal {
            Principal::Rm => self.sign("session-rm", 0, expiry),
            Principal::Customer(id) => self.sign("session-customer", id, expiry),
        }
    }

    /// Who a session cookie value belongs to, if it is genuine and not expired.
    pub fn session_principal(&self, value: &str) -> Option<Principal> {
        let (kind, id) = self.verify(value)?;
        match kind {
            "session-rm" => Some(Principal::Rm),
            "session-customer" => Some(Principal::Customer(id)),
            _ => None,
        }
    }

    /// Who a bearer token (RM token or customer token) belongs to.
    pub fn bearer_principal(&self, token: &str) -> Option<Principal> {
        if self
            .rm_token
            .as_deref()
            .is_some_and(|rm| constant_time_eq(rm, token))
        {
            return Some(Principal::Rm);
        }
        match self.verify(token)? {
            ("token-customer", id) => Some(Principal::Customer(id)),
            _ => None,
        }
    }

    /// Who a sign-in token belongs to: a one-time RM code (used up here), the RM token or a
    /// customer token.
    pub fn redeem(&self, token: &str) -> Option<Principal> {
        let now = Instant::now();
        let mut codes = self.lock_one_time();
        codes.retain(|_, expires| *expires > now);
        if codes.remove(token).is_some() {
            return Some(Principal::Rm);
        }
        drop(codes);
        self.bearer_principal(token)
    }

    fn sign(&self, kind: &str, id: i64, expiry: u64) -> String {
        let payload = format!("{kind}.{id}.{expiry}");
        format!("{payload}.{}", hex::encode(self.mac(&payload)))
    }

    fn verify<'a>(&self, value: &'a str) -> Option<(&'a str, i64)> {
        let (payload, signature) = value.rsplit_once('.')?;
        let signature = hex::decode(signature).ok()?;
        let mut mac = self.hmac();
        mac.update(payload.as_bytes());
        mac.verify_slice(&signature).ok()?;
        let mut fields = payload.split('.');
        let kind = fields.next()?;
        let id = fields.next()?.parse().ok()?;
        let expiry: u64 = fields.next()?.parse().ok()?;
        (expiry > unix_now()).then_some((kind, id))
    }

    fn mac(&self, payload: &str) -> Vec<u8> {
        let mut mac = self.hmac();
        mac.update(payload.as_bytes());
        mac.finalize().into_bytes().to_vec()
    }

    fn hmac(&self) -> Hmac<Sha256> {
        // HMAC accepts keys of any length, so this cannot fail.
        Hmac::<Sha256>::new_from_slice(&self.secret).expect("HMAC takes keys of any length")
    }

    fn lock_one_time(&self) -> std::sync::MutexGuard<'_, HashMap<String, Instant>> {
        // The map holds only codes and instants: still consistent after a panic elsewhere.
        self.one_time.lock().unwrap_or_else(|p| p.into_inner())
    }
}

fn read_setting(var: &str, file_var: &str) -> Result<Option<String>, ServerError> {
    if let Ok(value) = std::env::var(var) {
        return Ok(Some(value.trim().to_owned()));
    }
    let Ok(path) = std::env::var(file_var) else {
        return Ok(None);
    };
    let text = std::fs::read_to_string(&path).map_err(|err| {
        ServerError::Keys(format!("cannot read `{path}` (named by {file_var}): {err}"))
    })?;
    Ok(Some(text.trim().to_owned()))
}

fn random_bytes(n: usize) -> Vec<u8> {
    let mut bytes = vec![0u8; n];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    bytes
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

fn constant_time_eq(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// The principal of a request, from its `Authorization: Bearer` header or its session cookie.
pub fn principal(keys: &Keys, headers: &HeaderMap) -> Option<Principal> {
    if let Some(token) = bearer(headers) {
        return keys.bearer_principal(token);
    }
    session_cookie(headers).and_then(|value| keys.session_principal(value))
}

/// The token of an `Authorization: Bearer <token>` header (the scheme name is
/// case-insensitive, RFC 9110).
fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .trim_start();
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then_some(token.trim())
}

fn session_cookie(headers: &HeaderMap) -> Option<&str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == SESSION_COOKIE)
        .map(|(_, value)| value)
}

/// The `Set-Cookie` value that starts a session.
pub fn session_set_cookie(keys: &Keys, principal: Principal) -> String {
    format!(
        "{SESSION_COOKIE}={}; Path=/; HttpOnly; SameSite=Strict; Max-Age={}",
        keys.session_value(principal),
        SESSION_TTL.as_secs()
    )
}

/// The `Set-Cookie` value that ends a session.
pub fn session_clear_cookie() -> String {
    format!("{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0")
}

fn is_api(parts: &Parts) -> bool {
    parts.uri.path().starts_with("/api/")
}

fn rejection(parts: &Parts, error: AppError) -> Response {
    if is_api(parts) {
        error.into_api_response()
    } else {
        error.into_response()
    }
}

/// Extractor: the request comes from a relationship manager.
#[derive(Debug, Clone, Copy)]
pub struct Rm;

impl FromRequestParts<AppState> for Rm {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        match principal(state.keys(), &parts.headers) {
            Some(Principal::Rm) => Ok(Rm),
            Some(Principal::Customer(_)) => Err(rejection(parts, AppError::Forbidden)),
            None => Err(rejection(parts, AppError::Unauthenticated)),
        }
    }
}

/// Extractor: any signed-in person (an RM, or a customer with their own id).
#[derive(Debug, Clone, Copy)]
pub struct Anyone(pub Principal);

impl FromRequestParts<AppState> for Anyone {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        principal(state.keys(), &parts.headers)
            .map(Anyone)
            .ok_or_else(|| rejection(parts, AppError::Unauthenticated))
    }
}

/// Extractor: the request comes from a customer; holds their id from the signed session.
#[derive(Debug, Clone, Copy)]
pub struct Me(pub i64);

impl FromRequestParts<AppState> for Me {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        match principal(state.keys(), &parts.headers) {
            Some(Principal::Customer(id)) => Ok(Me(id)),
            Some(Principal::Rm) => Err(rejection(parts, AppError::NotACustomer)),
            None => Err(rejection(parts, AppError::Unauthenticated)),
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn bearer_scheme_is_case_insensitive_and_other_schemes_are_not_tokens() {
        let with = |value: &str| {
            let mut headers = HeaderMap::new();
            headers.insert(header::AUTHORIZATION, value.parse().unwrap());
            bearer(&headers).map(str::to_owned)
        };
        assert_eq!(with("Bearer abc").as_deref(), Some("abc"));
        assert_eq!(with("bearer abc ").as_deref(), Some("abc"));
        assert_eq!(with("BEARER abc").as_deref(), Some("abc"));
        assert_eq!(with("Basic abc"), None);
        assert_eq!(with("Bearerabc"), None);
    }

    use super::*;

    fn keys() -> Keys {
        Keys::new(vec![7; 32], Some("rm-token-for-tests-only".into())).unwrap()
    }

    #[test]
    fn customer_token_names_its_customer_and_rejects_tampering() {
        let keys = keys();
        let token = keys.customer_token(100002, CUSTOMER_TOKEN_TTL);
        assert_eq!(
            keys.bearer_principal(&token),
            Some(Principal::Customer(100002))
        );
        let tampered = token.replacen("100002", "100003", 1);
        assert_eq!(keys.bearer_principal(&tampered), None);
    }

    #[test]
    fn token_signed_by_another_secret_is_refused() {
        let other = Keys::new(vec![8; 32], None).unwrap();
        let token = other.customer_token(5, CUSTOMER_TOKEN_TTL);
        assert_eq!(keys().bearer_principal(&token), None);
    }

    #[test]
    fn expired_token_is_refused() {
        let keys = keys();
        let expired = keys.sign("token-customer", 5, unix_now() - 1);
        assert_eq!(keys.bearer_principal(&expired), None);
    }

    #[test]
    fn one_time_code_works_once() {
        let keys = keys();
        let code = keys.one_time_rm_code();
        assert_eq!(keys.redeem(&code), Some(Principal::Rm));
        assert_eq!(keys.redeem(&code), None);
    }

    #[test]
    fn session_cookie_is_not_a_bearer_token() {
        let keys = keys();
        let session = keys.session_value(Principal::Customer(9));
        assert_eq!(
            keys.session_principal(&session),
            Some(Principal::Customer(9))
        );
        assert_eq!(keys.bearer_principal(&session), None);
    }

    #[test]
    fn short_secret_is_refused_with_the_variable_name() {
        let err = Keys::new(vec![1; 8], None).unwrap_err().to_string();
        assert!(err.contains(ENV_SECRET), "{err}");
    }
}
