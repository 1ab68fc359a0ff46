//! Keeping personal data and secrets out of what diagnostics show, log and
//! export.
//!
//! - [`redact`]: masks every run of 9–12 digits (CCCD and old CMND numbers,
//!   phone numbers) in free text — log lines, error messages — as
//!   `001******345`.
//! - [`mask_frame`]: a scanner frame as a technician may see it: the
//!   structure, separators and lengths stay, ID numbers are masked and names,
//!   birth dates and addresses are replaced by `*`.
//! - [`mask_config`]: the configuration as TOML with every secret (tokens,
//!   PIN hashes, passwords in URLs) replaced by `***`.

use crate::config::Config;
use motcua_drivers::mask_id_number;

/// The placeholder for a secret value.
pub const MASK: &str = "***";

/// Masks digit runs of 9 to 12 digits (ID, old ID and phone numbers).
/// Shorter runs (times, counts, codes) and longer ones (millisecond
/// timestamps) are left alone.
pub fn redact(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut run = String::new();
    let flush = |run: &mut String, out: &mut String| {
        if (9..=12).contains(&run.len()) {
            out.push_str(&mask_id_number(run));
        } else {
            out.push_str(run);
        }
        run.clear();
    };
    for c in text.chars() {
        if c.is_ascii_digit() {
            run.push(c);
        } else {
            flush(&mut run, &mut out);
            out.push(c);
        }
    }
    flush(&mut run, &mut out);
    out
}

fn stars(s: &str) -> String {
    "*".repeat(s.chars().count())
}

/// A scanner frame with its personal parts masked.
///
/// - A CCCD QR frame (`id|old id|name|dob|sex|address|issued[|…]`): the ID
///   numbers masked as `001******345`, name, birth date, address and any
///   extra field as stars of the same length; sex and date of issue kept.
/// - An MRZ line (30 characters of `A–Z 0–9 <`): everything after the
///   first five characters starred, `<` fillers kept.
/// - Anything else (a dossier code, a URL): [`redact`].
pub fn mask_frame(text: &str) -> String {
    let fields: Vec<&str> = text.split('|').collect();
    if fields.len() >= 6 {
        return fields
            .iter()
            .enumerate()
            .map(|(i, f)| match i {
                0 | 1 => mask_id_number(f),
                4 | 6 => redact(f),
                _ => stars(f),
            })
            .collect::<Vec<_>>()
            .join("|");
    }
    let is_mrz = text.len() == 30
        && text
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'<');
    if is_mrz {
        // Only the first line (letters, then the document number) starts
        // with the document code and issuing state, e.g. `IDVNM`; the name
        // line has no digit and the second line starts with the birth date.
        let first_line = text.starts_with(|c: char| c.is_ascii_uppercase())
            && text.bytes().any(|b| b.is_ascii_digit());
        let keep = if first_line { 5 } else { 0 };
        return text
            .chars()
            .enumerate()
            .map(|(i, c)| if i < keep || c == '<' { c } else { '*' })
            .collect();
    }
    redact(text)
}

/// Bytes as spaced hexadecimal: `30 30 31 7c`.
pub fn hex(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Whether a configuration key names a secret.
pub fn is_secret_key(key: &str) -> bool {
    let k = key.to_ascii_lowercase();
    k == "token"
        || k.ends_with("_token")
        || k.contains("pin_hash")
        || k.contains("password")
        || k.contains("secret")
}

/// `https://user:pass@host/…` → `https://user:***@host/…`.
fn mask_url_password(s: &str) -> Option<String> {
    let (scheme, rest) = s.split_once("://")?;
    let (userinfo, host) = rest.split_once('@')?;
    if host.contains('/') && userinfo.contains('/') {
        return None;
    }
    let user = userinfo.split(':').next().unwrap_or_default();
    Some(format!("{scheme}://{user}:{MASK}@{host}"))
}

fn mask_value(key: Option<&str>, value: &mut toml::Value) {
    match value {
        toml::Value::Table(table) => {
            for (k, v) in table.iter_mut() {
                mask_value(Some(k), v);
            }
        }
        toml::Value::Array(items) => {
            for v in items {
                mask_value(key, v);
            }
        }
        toml::Value::String(s) => {
            if key.is_some_and(is_secret_key) {
                *s = MASK.to_owned();
            } else if let Some(masked) = mask_url_password(s) {
                *s = masked;
            }
        }
        _ => {}
    }
}

/// The configuration in force as TOML, secrets masked.
pub fn mask_config(config: &Config) -> String {
    let mut value = match toml::Value::try_from(config) {
        Ok(v) => v,
        Err(err) => return format!("# cannot serialise the configuration: {err}\n"),
    };
    mask_value(None, &mut value);
    toml::to_string_pretty(&value).unwrap_or_else(|e| format!("# {e}\n"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redact_masks_id_and_phone_numbers_only() {
        assert_eq!(
            redact("id=001090012345 cmnd 012345678, tel 0912345678; at_ms=1764000000000 n=42 2026-11-26"),
            "id=001******345 cmnd 012***678, tel 091****678; at_ms=1764000000000 n=42 2026-11-26"
        );
    }

    #[test]
    fn a_cccd_frame_keeps_its_shape_but_not_the_person() {
        let frame =
            "001090012345|012345678|Nguyễn Văn An|15031990|Nam|Số 1 Tràng Tiền, Hà Nội|20042021";
        let masked = mask_frame(frame);
        assert_eq!(
            masked,
            "001******345|012***678|*************|********|Nam|***********************|20042021"
        );
        for personal in ["001090012345", "Nguyễn", "Tràng Tiền", "15031990"] {
            assert!(!masked.contains(personal));
        }
    }

    #[test]
    fn mrz_lines_and_other_codes() {
        assert_eq!(
            mask_frame("NGUYEN<<VAN<AN<<<<<<<<<<<<<<<<"),
            "******<<***<**<<<<<<<<<<<<<<<<"
        );
        assert_eq!(
            mask_frame("9003152M3003150VNM<<<<<<<<<<<2"),
            "******************<<<<<<<<<<<*"
        );
        assert_eq!(
            mask_frame("IDVNM0900123450001090012345<<1"),
            "IDVNM**********************<<*"
        );
        assert_eq!(
            mask_frame("000.25.31.H26-261126-0001"),
            "000.25.31.H26-261126-0001"
        );
    }

    #[test]
    fn configuration_secrets_are_masked() {
        let mut config = Config::demo();
        config.kiosk.technician_pin_hash = Some("$argon2id$v=19$m=1,t=1,p=1$c2FsdA$aGFzaA".into());
        config.filing.portal_url = Some("https://motcua:hunter2@portal.example/api".into());
        config.filing.portal_token = Some("portal-secret-123".into());
        let text = mask_config(&config);
        for secret in [
            "demo-kiosk-token",
            "$argon2id",
            "hunter2",
            "portal-secret-123",
        ] {
            assert!(!text.contains(secret), "{secret} in\n{text}");
        }
        assert!(
            text.contains("https://motcua:***@portal.example/api"),
            "{text}"
        );
        assert!(text.contains("UBND Phường Hoàn Kiếm"), "{text}");
        assert!(text.contains("role = \"kiosk\""), "{text}");
    }
}
