//! The technician PIN: the [`PinGate`] that guards the kiosk's technician
//! mode, over the argon2id hashes of `kiosk.technician_pin_hash`.
//!
//! A kiosk stands in a public hall; its technician mode must resist a
//! curious citizen guessing PINs. The gate allows [`MAX_ATTEMPTS`] wrong
//! PINs, then refuses every attempt — without even checking it — for
//! [`LOCKOUT`]. Every attempt is logged (never the PIN). Once open, the
//! technician mode closes after [`IDLE_LIMIT`] without a touch.
//!
//! The gate is pure: time is passed in as a [`Duration`] since any fixed
//! origin (the kiosk's `UiClock`), so tests move time without sleeping.
//! [`PinGate::attempt`] runs argon2 (deliberately slow: call it off the UI
//! thread, e.g. on tokio's blocking pool).

use std::time::Duration;

/// The PIN format and argon2id hashing are the officers' ([`crate::pin`]):
/// one `motcua hash-pin` makes both kinds of hash.
pub use crate::pin::{check_pin_format, check_pin_hash, hash_pin, verify_pin, PinError};

/// Wrong PINs in a row before the entry locks.
pub const MAX_ATTEMPTS: u32 = 5;
/// How long the entry stays locked.
pub const LOCKOUT: Duration = Duration::from_secs(5 * 60);
/// The technician mode closes after this long without a touch.
pub const IDLE_LIMIT: Duration = Duration::from_secs(2 * 60);

/// What an attempt at the PIN page led to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PinOutcome {
    /// The technician mode is open.
    Granted,
    /// Wrong PIN; this many attempts remain before the lock.
    Wrong { attempts_left: u32 },
    /// Too many wrong PINs: nothing is checked until `retry_in` has passed.
    LockedOut { retry_in: Duration },
    /// No `kiosk.technician_pin_hash`: the technician mode cannot open.
    NotConfigured,
}

impl PinOutcome {
    /// What the PIN page says, in Vietnamese.
    pub fn message_vi(&self) -> String {
        match self {
            PinOutcome::Granted => "Đã vào chế độ kỹ thuật.".to_owned(),
            PinOutcome::Wrong { attempts_left } => {
                format!("Mã PIN không đúng. Còn {attempts_left} lần thử.")
            }
            PinOutcome::LockedOut { retry_in } => format!(
                "Nhập sai quá nhiều lần. Vui lòng thử lại sau {} phút.",
                minutes_up(*retry_in)
            ),
            PinOutcome::NotConfigured => {
                "Chưa cấu hình mã PIN kỹ thuật (kiosk.technician_pin_hash).".to_owned()
            }
        }
    }

    /// The English translation of [`message_vi`](Self::message_vi).
    pub fn message_en(&self) -> String {
        match self {
            PinOutcome::Granted => "Technician mode is open.".to_owned(),
            PinOutcome::Wrong { attempts_left } => {
                format!("Wrong PIN. {attempts_left} attempts left.")
            }
            PinOutcome::LockedOut { retry_in } => format!(
                "Too many wrong PINs. Please try again in {} min.",
                minutes_up(*retry_in)
            ),
            PinOutcome::NotConfigured => {
                "No technician PIN is configured (kiosk.technician_pin_hash).".to_owned()
            }
        }
    }
}

fn minutes_up(d: Duration) -> u64 {
    d.as_secs().div_ceil(60).max(1)
}

/// Checks a PIN against the configured hash.
pub type PinVerifier = Box<dyn Fn(&str) -> bool + Send + Sync>;

/// The lock on the kiosk's technician mode.
pub struct PinGate {
    verify: Option<PinVerifier>,
    /// Wrong PINs since the last success or lock.
    failures: u32,
    locked_until: Option<Duration>,
    /// The last touch while the technician mode is open.
    open_at: Option<Duration>,
}

impl std::fmt::Debug for PinGate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PinGate")
            .field("configured", &self.verify.is_some())
            .field("failures", &self.failures)
            .field("locked_until", &self.locked_until)
            .field("open_at", &self.open_at)
            .finish()
    }
}

impl PinGate {
    /// A gate for `kiosk.technician_pin_hash` (closed for good without one).
    pub fn new(hash: Option<String>) -> Self {
        Self::with_verifier(
            hash.map(|h| -> PinVerifier { Box::new(move |pin| verify_pin(&h, pin)) }),
        )
    }

    /// A gate with any verifier (tests use a cheap one).
    pub fn with_verifier(verify: Option<PinVerifier>) -> Self {
        Self {
            verify,
            failures: 0,
            locked_until: None,
            open_at: None,
        }
    }

    /// How long the entry stays locked, if it is.
    pub fn locked_for(&self, now: Duration) -> Option<Duration> {
        self.locked_until
            .filter(|until| *until > now)
            .map(|until| until - now)
    }

    /// One attempt at the PIN page. Logged whatever the outcome.
    pub fn attempt(&mut self, pin: &str, now: Duration) -> PinOutcome {
        let Some(verify) = &self.verify else {
            tracing::warn!(
                "technician PIN entered, but no kiosk.technician_pin_hash is configured"
            );
            return PinOutcome::NotConfigured;
        };
        if let Some(retry_in) = self.locked_for(now) {
            tracing::warn!(
                retry_in_s = retry_in.as_secs(),
                "technician PIN attempt refused: entry locked"
            );
            return PinOutcome::LockedOut { retry_in };
        }
        if self.locked_until.take().is_some() {
            // The lock has run out: a fresh series of attempts.
            self.failures = 0;
        }
        if verify(pin) {
            self.failures = 0;
            self.open_at = Some(now);
            tracing::info!("technician PIN accepted: technician mode open");
            return PinOutcome::Granted;
        }
        self.failures += 1;
        if self.failures >= MAX_ATTEMPTS {
            self.failures = 0;
            self.locked_until = Some(now + LOCKOUT);
            tracing::warn!(
                attempts = MAX_ATTEMPTS,
                lock_s = LOCKOUT.as_secs(),
                "technician PIN wrong too many times: entry locked"
            );
            return PinOutcome::LockedOut { retry_in: LOCKOUT };
        }
        let attempts_left = MAX_ATTEMPTS - self.failures;
        tracing::warn!(
            failures = self.failures,
            attempts_left,
            "technician PIN wrong"
        );
        PinOutcome::Wrong { attempts_left }
    }

    /// Whether the technician mode is open now: granted, not left, and
    /// touched within [`IDLE_LIMIT`]. Closes it when the idle time ran out.
    pub fn is_open(&mut self, now: Duration) -> bool {
        match self.open_at {
            Some(at) if now.saturating_sub(at) < IDLE_LIMIT => true,
            Some(_) => {
                self.open_at = None;
                tracing::info!("technician mode closed after 2 minutes idle");
                false
            }
            None => false,
        }
    }

    /// A touch in the technician mode (restarts the idle time).
    pub fn touch(&mut self, now: Duration) {
        if self.is_open(now) {
            self.open_at = Some(now);
        }
    }

    /// The technician left the mode.
    pub fn close(&mut self) {
        if self.open_at.take().is_some() {
            tracing::info!("technician mode closed");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gate() -> PinGate {
        PinGate::with_verifier(Some(Box::new(|pin| pin == "2468")))
    }

    const S: fn(u64) -> Duration = Duration::from_secs;

    #[test]
    fn five_wrong_pins_lock_the_entry_for_five_minutes() {
        let mut g = gate();
        for left in (1..=4).rev() {
            assert_eq!(
                g.attempt("0000", S(10)),
                PinOutcome::Wrong {
                    attempts_left: left
                }
            );
        }
        assert_eq!(
            g.attempt("0000", S(20)),
            PinOutcome::LockedOut { retry_in: LOCKOUT }
        );
        // Even the right PIN is refused while locked, and not checked.
        assert_eq!(
            g.attempt("2468", S(20 + 299)),
            PinOutcome::LockedOut { retry_in: S(1) }
        );
        assert_eq!(g.locked_for(S(20 + 100)), Some(S(200)));
        assert!(!g.is_open(S(20 + 299)));
        // Five minutes after the lock: open again, with five fresh attempts.
        assert_eq!(g.locked_for(S(20 + 300)), None);
        assert_eq!(
            g.attempt("1111", S(20 + 300)),
            PinOutcome::Wrong { attempts_left: 4 }
        );
        assert_eq!(g.attempt("2468", S(20 + 301)), PinOutcome::Granted);
        assert!(g.is_open(S(20 + 301)));
    }

    #[test]
    fn a_right_pin_resets_the_count() {
        let mut g = gate();
        for _ in 0..4 {
            g.attempt("9", S(0));
        }
        assert_eq!(g.attempt("2468", S(1)), PinOutcome::Granted);
        g.close();
        assert_eq!(g.attempt("9", S(2)), PinOutcome::Wrong { attempts_left: 4 });
    }

    #[test]
    fn technician_mode_closes_after_two_idle_minutes() {
        let mut g = gate();
        assert!(!g.is_open(S(0)));
        assert_eq!(g.attempt("2468", S(0)), PinOutcome::Granted);
        g.touch(S(100));
        assert!(g.is_open(S(219)));
        assert!(!g.is_open(S(220)));
        assert!(!g.is_open(S(221)), "stays closed");
        g.touch(S(222));
        assert!(!g.is_open(S(222)), "a touch does not reopen it");
    }

    #[test]
    fn without_a_hash_the_mode_never_opens() {
        let mut g = PinGate::new(None);
        assert_eq!(g.attempt("1234", S(0)), PinOutcome::NotConfigured);
        assert!(!g.is_open(S(0)));
    }

    #[test]
    fn argon2id_hashes_round_trip_and_are_checked() {
        let hash = hash_pin("246810").unwrap();
        assert!(hash.starts_with("$argon2id$"), "{hash}");
        check_pin_hash(&hash).unwrap();
        let mut g = PinGate::new(Some(hash.clone()));
        assert_eq!(
            g.attempt("246811", S(0)),
            PinOutcome::Wrong { attempts_left: 4 }
        );
        assert_eq!(g.attempt("246810", S(1)), PinOutcome::Granted);
        assert_eq!(hash_pin("12a4"), Err(PinError::Format));
        assert!(check_pin_hash("$argon2i$v=19$m=16,t=2,p=1$c29tZXNhbHQ$ZW5jb2RlZGhhc2g").is_err());
        assert!(check_pin_hash("1234").is_err());
        assert!(PinOutcome::LockedOut { retry_in: S(61) }
            .message_vi()
            .contains("2 phút"));
    }
}
