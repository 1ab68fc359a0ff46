//! The kiosks this hub has heard from since it started: each one's motcua
//! version (from the `User-Agent` its hub client sends) and when it last
//! called. The city's fleet page shows them (`HubReport::kiosks_seen`), so a
//! technician sees which kiosk runs what and which has gone quiet.
//!
//! Kept in memory only: a kiosk calls the hub every few seconds (its event
//! stream, its queue view), so after a hub restart the table fills again
//! at once, and nothing here is worth a write per request.

use std::collections::BTreeMap;
use std::sync::Mutex;

use chrono::{DateTime, Utc};

/// Most kiosks remembered: an office has a handful; the bound only keeps a
/// misbehaving client from growing the table.
const MAX_KIOSKS: usize = 256;

/// The longest version text kept.
const MAX_VERSION: usize = 32;

#[derive(Default)]
pub struct KiosksSeen(Mutex<BTreeMap<String, Seen>>);

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seen {
    pub version: Option<String>,
    pub at: DateTime<Utc>,
}

impl KiosksSeen {
    /// Notes a request of kiosk `name` with `user_agent` at `at`.
    pub fn note(&self, name: &str, user_agent: Option<&str>, at: DateTime<Utc>) {
        let version = user_agent.and_then(version_of);
        let mut seen = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if !seen.contains_key(name) && seen.len() >= MAX_KIOSKS {
            return;
        }
        let entry = seen
            .entry(name.to_owned())
            .or_insert(Seen { version: None, at });
        entry.at = at;
        if version.is_some() {
            entry.version = version;
        }
    }

    /// Every kiosk heard from, by name.
    pub fn all(&self) -> Vec<(String, Seen)> {
        let seen = self.0.lock().unwrap_or_else(|e| e.into_inner());
        seen.iter().map(|(k, v)| (k.clone(), v.clone())).collect()
    }
}

/// The version in a motcua client's `User-Agent` (`motcua/0.9.0`), when it
/// is one.
pub fn version_of(user_agent: &str) -> Option<String> {
    let rest = user_agent.trim().strip_prefix("motcua/")?;
    let version: String = rest
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '+'))
        .take(MAX_VERSION)
        .collect();
    (!version.is_empty()).then_some(version)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_version_of_motcua_clients_only() {
        assert_eq!(version_of("motcua/0.9.0"), Some("0.9.0".into()));
        assert_eq!(
            version_of("motcua/1.2.3-rc.1 (kiosk)"),
            Some("1.2.3-rc.1".into())
        );
        assert_eq!(version_of("curl/8.0"), None);
        assert_eq!(version_of("motcua/"), None);
        assert_eq!(version_of("motcua/<script>"), None);
    }

    #[test]
    fn remembers_the_last_call_and_the_last_version_said() {
        let seen = KiosksSeen::default();
        let t0 = DateTime::from_timestamp(1_700_000_000, 0).unwrap();
        let t1 = DateTime::from_timestamp(1_700_000_060, 0).unwrap();
        seen.note("kiosk-1", Some("motcua/0.9.0"), t0);
        seen.note("kiosk-1", None, t1);
        assert_eq!(
            seen.all(),
            vec![(
                "kiosk-1".to_owned(),
                Seen {
                    version: Some("0.9.0".into()),
                    at: t1
                }
            )]
        );
    }

    #[test]
    fn the_table_is_bounded() {
        let seen = KiosksSeen::default();
        let t = DateTime::from_timestamp(1_700_000_000, 0).unwrap();
        for i in 0..MAX_KIOSKS + 10 {
            seen.note(&format!("k{i}"), None, t);
        }
        assert_eq!(seen.all().len(), MAX_KIOSKS);
    }
}
