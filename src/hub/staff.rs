//! Officers signing in at counters.
//!
//! A counter machine holds a counter token (role `counter`); the officer at
//! it signs in with a staff code and PIN (`POST /api/v1/staff/sign-in`) and
//! gets a session: a random secret that the counter app then uses as its
//! bearer token. Requests made with it carry the officer's identity, so
//! events (`"officer": {"code", "name"}`), tickets and ratings are
//! attributed to the person, not only to the counter. A plain counter token
//! keeps working, without an officer.
//!
//! - PINs are configured as argon2id PHC strings (`motcua hash-pin`); a PIN
//!   is checked on tokio's blocking pool (argon2 is deliberately slow).
//! - Sessions last `hub.staff_session_minutes`, are bound to one counter,
//!   and survive a hub restart: only the SHA-256 of the secret is stored.
//! - Failed sign-ins are logged (code, counter, device — never the PIN);
//!   after [`MAX_FAILURES`] failures for one code within
//!   [`LOCKOUT`], the code is refused for the rest of that window.

use std::collections::HashMap;
use std::sync::Mutex;

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2};
use chrono::{DateTime, Duration, Utc};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use std::sync::Arc;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};

use super::api::Reply;
use super::auth::Principal;
use super::error::ApiError;
use super::extract::JsonBody;
use super::Hub;
use crate::config::Role;
use crate::domain::time::{to_local_rfc3339, to_millis};
use crate::store::staff::{delete_session, insert_session, SessionRow};

/// Failures for one staff code before it is locked.
pub const MAX_FAILURES: usize = 5;
/// The window the failures are counted in, and the lockout after them.
pub const LOCKOUT: Duration = Duration::minutes(5);

/// Who is working at a counter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Officer {
    pub code: String,
    pub name: String,
    /// The counter the session is bound to.
    pub counter: u32,
}

/// Why a PIN cannot be used or hashed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PinError {
    #[error("a PIN is 4 to 12 digits")]
    Format,
    #[error("cannot hash the PIN: {0}")]
    Hash(String),
}

/// A PIN is 4–12 ASCII digits.
pub fn check_pin_format(pin: &str) -> Result<(), PinError> {
    if (4..=12).contains(&pin.len()) && pin.bytes().all(|b| b.is_ascii_digit()) {
        Ok(())
    } else {
        Err(PinError::Format)
    }
}

/// The argon2id PHC string of `pin`, with a fresh random salt and the
/// argon2 crate's default cost (19 MiB, 2 passes).
pub fn hash_pin(pin: &str) -> Result<String, PinError> {
    check_pin_format(pin)?;
    let mut salt = [0u8; 16];
    rand::rng().fill_bytes(&mut salt);
    let salt = SaltString::encode_b64(&salt).map_err(|e| PinError::Hash(e.to_string()))?;
    Argon2::default()
        .hash_password(pin.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| PinError::Hash(e.to_string()))
}

/// Whether `hash` is a usable argon2id PHC string (configuration check).
pub fn check_pin_hash(hash: &str) -> Result<(), String> {
    let parsed = PasswordHash::new(hash)
        .map_err(|e| format!("not a PHC hash string ({e}); make one with `motcua hash-pin`"))?;
    if parsed.algorithm != Algorithm::Argon2id.ident() {
        return Err(format!(
            "uses {}, not argon2id; make one with `motcua hash-pin`",
            parsed.algorithm
        ));
    }
    if parsed.hash.is_none() || parsed.salt.is_none() {
        return Err("has no salt or no hash".to_owned());
    }
    Ok(())
}

/// Whether `pin` matches `hash` (constant-time inside argon2).
pub fn verify_pin(hash: &str, pin: &str) -> bool {
    PasswordHash::new(hash)
        .map(|parsed| {
            Argon2::default()
                .verify_password(pin.as_bytes(), &parsed)
                .is_ok()
        })
        .unwrap_or(false)
}

/// A fresh session secret (256 bits, hex) and its digest.
pub fn new_secret() -> (String, String) {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let secret = format!("staff-{}", hex::encode(bytes));
    let digest = digest(&secret);
    (secret, digest)
}

/// Hex SHA-256 of a session secret.
pub fn digest(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

#[derive(Debug, Clone)]
struct Live {
    officer: Officer,
    expires_at: DateTime<Utc>,
}

/// The signed-in officers (a write-through cache of `staff_sessions`) and
/// the recent sign-in failures.
#[derive(Debug, Default)]
pub struct Sessions {
    live: Mutex<HashMap<String, Live>>,
    failures: Mutex<HashMap<String, Vec<DateTime<Utc>>>>,
}

impl Sessions {
    /// Loads the sessions stored in the database.
    pub fn load(rows: Vec<SessionRow>, names: impl Fn(&str) -> Option<String>) -> Self {
        let live = rows
            .into_iter()
            .filter_map(|r| {
                // An officer removed from the configuration is signed out.
                let name = names(&r.staff)?;
                Some((
                    r.digest,
                    Live {
                        officer: Officer {
                            code: r.staff,
                            name,
                            counter: r.counter,
                        },
                        expires_at: crate::domain::time::from_millis(r.expires_at_ms),
                    },
                ))
            })
            .collect();
        Self {
            live: Mutex::new(live),
            failures: Mutex::default(),
        }
    }

    /// The officer holding `secret`, if the session is live at `now`.
    pub fn lookup(&self, secret: &str, now: DateTime<Utc>) -> Option<Officer> {
        if !secret.starts_with("staff-") {
            return None;
        }
        let live = self.live.lock().unwrap_or_else(|e| e.into_inner());
        live.get(&digest(secret))
            .filter(|l| l.expires_at > now)
            .map(|l| l.officer.clone())
    }

    /// Remembers a committed session (and forgets expired ones).
    pub fn insert(
        &self,
        digest: String,
        officer: Officer,
        now: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) {
        let mut live = self.live.lock().unwrap_or_else(|e| e.into_inner());
        live.retain(|_, l| l.expires_at > now);
        live.insert(
            digest,
            Live {
                officer,
                expires_at,
            },
        );
    }

    /// Forgets a session.
    pub fn remove(&self, digest: &str) {
        self.live
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(digest);
    }

    /// Whether `code` is locked out at `now` after repeated failures.
    pub fn locked(&self, code: &str, now: DateTime<Utc>) -> bool {
        let mut failures = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        let Some(times) = failures.get_mut(code) else {
            return false;
        };
        times.retain(|t| now - *t < LOCKOUT);
        times.len() >= MAX_FAILURES
    }

    /// Counts a failed sign-in; returns the failures within the window.
    pub fn failed(&self, code: &str, now: DateTime<Utc>) -> usize {
        let mut failures = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        // Bound the table: unknown codes typed at random must not grow it.
        if failures.len() > 10_000 {
            failures.retain(|_, times| times.iter().any(|t| now - *t < LOCKOUT));
        }
        let times = failures.entry(code.to_owned()).or_default();
        times.retain(|t| now - *t < LOCKOUT);
        times.push(now);
        times.len()
    }

    /// A successful sign-in clears the failures of the code.
    pub fn succeeded(&self, code: &str) {
        self.failures
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(code);
    }
}

/// `POST /api/v1/staff/sign-in` body.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignInRequest {
    pub code: String,
    pub pin: String,
    pub counter: u32,
}

/// `POST /api/v1/staff/sign-in` answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedIn {
    /// The bearer token for this officer's counter requests.
    pub session: String,
    pub expires_at: String,
    pub officer: Officer,
}

impl ApiError {
    pub fn bad_credentials() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "bad_credentials",
            "Mã cán bộ hoặc mã PIN không đúng.",
            "Wrong staff code or PIN.",
        )
    }

    pub fn too_many_attempts(minutes: i64) -> Self {
        Self::new(
            StatusCode::TOO_MANY_REQUESTS,
            "too_many_attempts",
            format!(
                "Nhập sai quá nhiều lần. Xin thử lại sau {minutes} phút hoặc báo kỹ thuật viên."
            ),
            format!(
                "Too many failed attempts. Try again in {minutes} minutes or call a technician."
            ),
        )
    }

    pub fn counter_not_allowed(code: &str, counter: u32) -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            "counter_not_allowed",
            format!("Cán bộ {code} không làm việc tại quầy số {counter}."),
            format!("Officer {code} does not work at counter {counter}."),
        )
    }

    pub fn not_signed_in() -> Self {
        Self::new(
            StatusCode::CONFLICT,
            "not_signed_in",
            "Yêu cầu này cần phiên đăng nhập của cán bộ.",
            "This request needs an officer's session.",
        )
    }
}

/// `POST /api/v1/staff/sign-in`: a counter device signs an officer in.
pub async fn sign_in(
    State(hub): State<Arc<Hub>>,
    principal: Principal,
    JsonBody { value: body, .. }: JsonBody<SignInRequest>,
) -> Result<Reply, ApiError> {
    principal.require(&[Role::Counter])?;
    let now = hub.now();
    let config = &hub.rules.config;
    if !config.counters.iter().any(|c| c.number == body.counter) {
        return Err(ApiError::unknown_counter(&body.counter.to_string()));
    }
    if let Some(o) = &principal.officer {
        // A session signing someone in at another counter is not a counter.
        if o.counter != body.counter {
            return Err(ApiError::counter_not_allowed(&o.code, body.counter));
        }
    }
    let code = body.code.trim().to_lowercase();
    if hub.sessions.locked(&code, now) {
        tracing::warn!(staff = %code, counter = body.counter, device = %principal.name,
            "sign-in refused: too many failed attempts");
        return Err(ApiError::too_many_attempts(LOCKOUT.num_minutes()));
    }
    let member = config.staff_member(&code).cloned();
    // Verify even for an unknown code, so timing does not reveal which
    // codes exist.
    let hash = member
        .as_ref()
        .map(|m| m.pin_hash.clone())
        .unwrap_or_else(dummy_hash);
    let pin = body.pin.clone();
    let matches = tokio::task::spawn_blocking(move || verify_pin(&hash, &pin))
        .await
        .map_err(|_| ApiError::internal())?;
    let Some(member) = member.filter(|_| matches) else {
        let failures = hub.sessions.failed(&code, now);
        tracing::warn!(staff = %code, counter = body.counter, device = %principal.name, failures,
            "failed sign-in: wrong staff code or PIN");
        return Err(ApiError::bad_credentials());
    };
    if !member.may_use(body.counter) {
        tracing::warn!(staff = %code, counter = body.counter, "sign-in refused: not this officer's counter");
        return Err(ApiError::counter_not_allowed(&code, body.counter));
    }
    hub.sessions.succeeded(&code);
    let (secret, digest) = new_secret();
    let minutes = i64::from(config.hub.staff_session_minutes.max(1));
    let expires_at = now + Duration::minutes(minutes);
    let officer = Officer {
        code: member.code.clone(),
        name: member.name.clone(),
        counter: body.counter,
    };
    let row = SessionRow {
        digest: digest.clone(),
        staff: officer.code.clone(),
        counter: officer.counter,
        created_at_ms: to_millis(now),
        expires_at_ms: to_millis(expires_at),
    };
    let event = serde_json::json!({
        "counter": officer.counter,
        "officer": { "code": officer.code, "name": officer.name },
    });
    hub.store
        .write(move |ctx| {
            insert_session(ctx.conn(), &row)?;
            ctx.emit(row.created_at_ms, "staff.signed_in", event)
        })
        .await?;
    hub.sessions
        .insert(digest, officer.clone(), now, expires_at);
    tracing::info!(staff = %officer.code, counter = officer.counter, "officer signed in");
    Reply::json(
        StatusCode::OK,
        &SignedIn {
            session: secret,
            expires_at: to_local_rfc3339(expires_at, hub.rules.tz),
            officer,
        },
    )
}

/// `POST /api/v1/staff/sign-out`: ends the caller's own session.
pub async fn sign_out(
    State(hub): State<Arc<Hub>>,
    principal: Principal,
    headers: HeaderMap,
) -> Result<Reply, ApiError> {
    let Some(officer) = principal.officer else {
        return Err(ApiError::not_signed_in());
    };
    let secret = headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_once(' ').map(|(_, t)| t.trim().to_owned()))
        .ok_or_else(ApiError::unauthorized)?;
    let digest = digest(&secret);
    hub.sessions.remove(&digest);
    let now_ms = to_millis(hub.now());
    let event = serde_json::json!({
        "counter": officer.counter,
        "officer": { "code": officer.code, "name": officer.name },
    });
    hub.store
        .write(move |ctx| {
            delete_session(ctx.conn(), &digest)?;
            ctx.emit(now_ms, "staff.signed_out", event)
        })
        .await?;
    tracing::info!(staff = %officer.code, counter = officer.counter, "officer signed out");
    Ok(Reply::no_content())
}

/// A valid argon2id hash of a PIN nobody is asked for, verified for unknown
/// codes so that they cost as much time as known ones.
fn dummy_hash() -> String {
    static HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    HASH.get_or_init(|| hash_pin("000000000000").unwrap_or_default())
        .clone()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pins_hash_and_verify() {
        let hash = hash_pin("2468").unwrap();
        assert!(hash.starts_with("$argon2id$"), "{hash}");
        check_pin_hash(&hash).unwrap();
        assert!(verify_pin(&hash, "2468"));
        assert!(!verify_pin(&hash, "2469"));
        assert!(!verify_pin("not a hash", "2468"));
        assert_ne!(hash, hash_pin("2468").unwrap(), "a fresh salt each time");
        assert_eq!(hash_pin("12a4"), Err(PinError::Format));
        assert_eq!(hash_pin("123"), Err(PinError::Format));
    }

    #[test]
    fn only_argon2id_hashes_are_accepted() {
        assert!(check_pin_hash("1234").is_err());
        let argon2i = "$argon2i$v=19$m=16,t=2,p=1$c29tZXNhbHQ$ZW5jb2RlZGhhc2g";
        assert!(check_pin_hash(argon2i).unwrap_err().contains("argon2id"));
    }

    #[test]
    fn the_demo_pins_match_the_readme() {
        let staff = crate::config::Config::demo().staff;
        for (officer, pin) in staff.iter().zip(["1111", "2222", "3333"]) {
            assert!(verify_pin(&officer.pin_hash, pin), "{}", officer.code);
        }
    }

    #[test]
    fn repeated_failures_lock_a_code_for_a_while() {
        let sessions = Sessions::default();
        let t0: DateTime<Utc> = "2026-11-26T01:00:00Z".parse().unwrap();
        for i in 0..MAX_FAILURES {
            assert!(!sessions.locked("cb01", t0));
            assert_eq!(
                sessions.failed("cb01", t0 + Duration::seconds(i as i64)),
                i + 1
            );
        }
        assert!(sessions.locked("cb01", t0 + Duration::seconds(10)));
        assert!(!sessions.locked("cb02", t0), "other codes are not affected");
        assert!(!sessions.locked("cb01", t0 + LOCKOUT + Duration::seconds(10)));
    }

    #[test]
    fn sessions_expire_and_need_the_exact_secret() {
        let sessions = Sessions::default();
        let (secret, digest) = new_secret();
        let now = Utc::now();
        let officer = Officer {
            code: "cb01".into(),
            name: "Nguyễn Thị Lan".into(),
            counter: 2,
        };
        sessions.insert(
            digest.clone(),
            officer.clone(),
            now,
            now + Duration::hours(1),
        );
        assert_eq!(sessions.lookup(&secret, now), Some(officer));
        assert_eq!(sessions.lookup(&format!("{secret}x"), now), None);
        assert_eq!(sessions.lookup(&secret, now + Duration::hours(2)), None);
        sessions.remove(&digest);
        assert_eq!(sessions.lookup(&secret, now), None);
    }
}
