//! Officers signing in at counters: their sessions and the lockout after
//! failed sign-ins (the routes are `routes::staff`).
//!
//! A counter machine holds a counter token (role `counter`); the officer at
//! it signs in with a staff code and PIN (`POST /api/v1/staff/sign-in`) and
//! gets a session: a random secret that the counter app then uses as its
//! bearer token. Requests made with it carry the officer's identity, so
//! events (`"officer": {"code", "name"}`), tickets and ratings are
//! attributed to the person, not only to the counter. A plain counter token
//! keeps working, without an officer.
//!
//! - PINs are configured as argon2id PHC strings (`motcua hash-pin`,
//!   [`crate::pin`]); a PIN is checked on tokio's blocking pool (argon2 is
//!   deliberately slow).
//! - Sessions last `hub.staff_session_minutes`, are bound to one counter,
//!   and survive a hub restart: only the SHA-256 of the secret is stored.
//! - Failed sign-ins are logged (code, counter, device — never the PIN);
//!   after [`MAX_FAILURES`] failures for one code *from one calling device*
//!   (the counter token's name) within [`LOCKOUT`], that device is refused
//!   the code for the rest of that window. Counting per device too means
//!   one counter machine cannot lock every officer out of the office: the
//!   officer still signs in at another counter.

use std::collections::HashMap;
use std::sync::Mutex;

use chrono::{DateTime, Duration, Utc};
use motcua_api::Officer;
use rand::RngCore;
use sha2::{Digest, Sha256};

use crate::pin::hash_pin;
use crate::store::staff::SessionRow;

/// Failures for one staff code from one device before it is locked there.
pub const MAX_FAILURES: usize = 5;
/// The window the failures are counted in, and the lockout after them.
pub const LOCKOUT: Duration = Duration::minutes(5);

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

/// Whose failures are counted together: a staff code at one calling
/// device.
type Attempts = (String, String);

fn attempts(code: &str, device: &str) -> Attempts {
    (code.to_owned(), device.to_owned())
}

/// The signed-in officers (a write-through cache of `staff_sessions`) and
/// the recent sign-in failures.
#[derive(Debug, Default)]
pub struct Sessions {
    live: Mutex<HashMap<String, Live>>,
    failures: Mutex<HashMap<Attempts, Vec<DateTime<Utc>>>>,
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

    /// Whether `code` is locked out at `device` at `now` after repeated
    /// failures there.
    pub fn locked(&self, code: &str, device: &str, now: DateTime<Utc>) -> bool {
        let mut failures = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        let Some(times) = failures.get_mut(&attempts(code, device)) else {
            return false;
        };
        times.retain(|t| now - *t < LOCKOUT);
        times.len() >= MAX_FAILURES
    }

    /// Counts a failed sign-in of `code` at `device`; returns the failures
    /// there within the window.
    pub fn failed(&self, code: &str, device: &str, now: DateTime<Utc>) -> usize {
        let mut failures = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        // Bound the table: unknown codes typed at random must not grow it.
        if failures.len() > 10_000 {
            failures.retain(|_, times| times.iter().any(|t| now - *t < LOCKOUT));
        }
        let times = failures.entry(attempts(code, device)).or_default();
        times.retain(|t| now - *t < LOCKOUT);
        times.push(now);
        times.len()
    }

    /// A successful sign-in clears the failures of the code at that
    /// device (not elsewhere: a success here says nothing of the guesses
    /// made at another machine).
    pub fn succeeded(&self, code: &str, device: &str) {
        self.failures
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&attempts(code, device));
    }
}

/// A valid argon2id hash of a PIN nobody is asked for, verified for unknown
/// codes so that they cost as much time as known ones.
pub fn dummy_hash() -> String {
    static HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    HASH.get_or_init(|| hash_pin("000000000000").unwrap_or_default())
        .clone()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_failures_lock_a_code_for_a_while() {
        let sessions = Sessions::default();
        let t0: DateTime<Utc> = "2026-11-26T01:00:00Z".parse().unwrap();
        for i in 0..MAX_FAILURES {
            assert!(!sessions.locked("cb01", "counter-1", t0));
            assert_eq!(
                sessions.failed("cb01", "counter-1", t0 + Duration::seconds(i as i64)),
                i + 1
            );
        }
        let later = t0 + Duration::seconds(10);
        assert!(sessions.locked("cb01", "counter-1", later));
        assert!(
            !sessions.locked("cb02", "counter-1", later),
            "other codes are not affected"
        );
        assert!(
            !sessions.locked("cb01", "counter-2", later),
            "nor the code at another device"
        );
        sessions.succeeded("cb01", "counter-2");
        assert!(sessions.locked("cb01", "counter-1", later));
        assert!(!sessions.locked("cb01", "counter-1", t0 + LOCKOUT + Duration::seconds(10)));
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
