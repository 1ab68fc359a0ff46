//! Staff and technician PINs: 4–12 digits, stored only as argon2id PHC
//! strings (`$argon2id$v=19$…`). `motcua hash-pin` makes them; the
//! configuration checks them; the hub verifies officers' PINs and the kiosk
//! its technician PIN with the same functions.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2};
use rand::RngCore;

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
}
