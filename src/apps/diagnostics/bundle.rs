//! The support bundle: one `.tar` a technician carries away on a USB stick
//! or sends to the hub, with
//!
//! | file | what |
//! |---|---|
//! | `manifest.json` | format, machine, version, time, the files |
//! | `diagnostics.json` | the [`Report`] of every check |
//! | `config.toml` | the configuration in force, secrets as `***` |
//! | `log.txt` | the last log lines (ID numbers masked) |
//! | others | extra text the caller adds (`motcua diag bundle`: the journal) |
//!
//! It carries no personal data: the app logs none (masked IDs only), log
//! lines and error texts are redacted once more, scanner frames are kept
//! masked, and nothing is read from the dossiers table — dossier codes and
//! counts only.

use std::io::Write;
use std::path::{Path, PathBuf};

use serde_json::json;

use super::log_ring::LogRing;
use super::privacy::{mask_config, redact};
use super::report::Report;
use crate::config::Config;

/// Why a bundle could not be made or written.
#[derive(Debug, thiserror::Error)]
pub enum BundleError {
    #[error("cannot write the support bundle {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot build the support bundle: {0}")]
    Build(#[from] std::io::Error),
    #[error("cannot encode the diagnostics: {0}")]
    Json(#[from] serde_json::Error),
}

/// The format name in `manifest.json`.
pub const FORMAT: &str = "motcua-support-bundle";

fn append(
    tar: &mut tar::Builder<Vec<u8>>,
    name: &str,
    text: &[u8],
    mtime: u64,
) -> std::io::Result<()> {
    let mut header = tar::Header::new_ustar();
    header.set_size(text.len() as u64);
    header.set_mode(0o644);
    header.set_mtime(mtime);
    header.set_cksum();
    tar.append_data(&mut header, name, text)
}

/// Builds the bundle: the report, the masked configuration, the log ring,
/// and `extra` files (name, text — redacted here).
pub fn build(
    config: &Config,
    config_path: Option<&std::path::Path>,
    log: &LogRing,
    report: &Report,
    extra: &[(&str, String)],
) -> Result<Vec<u8>, BundleError> {
    let mtime = report.created_at.timestamp().max(0) as u64;
    let diagnostics = serde_json::to_vec_pretty(report)?;
    let config = mask_config(config);
    let mut log = log.lines().join("\n");
    log.push('\n');
    let mut files: Vec<(String, Vec<u8>)> = vec![
        ("diagnostics.json".to_owned(), diagnostics),
        ("config.toml".to_owned(), config.into_bytes()),
        ("log.txt".to_owned(), log.into_bytes()),
    ];
    for (name, text) in extra {
        files.push(((*name).to_owned(), redact(text).into_bytes()));
    }
    let manifest = json!({
        "format": FORMAT,
        "format_version": 1,
        "created_at": report.created_at,
        "machine": report.machine,
        "version": report.version,
        "status": report.status,
        "config_path": config_path.map(|p| p.display().to_string()),
        "files": files.iter().map(|(n, b)| json!({ "name": n, "size_bytes": b.len() })).collect::<Vec<_>>(),
        "personal_data": "none: ID numbers masked, no names or addresses, secrets as ***",
    });
    let mut tar = tar::Builder::new(Vec::new());
    append(
        &mut tar,
        "manifest.json",
        &serde_json::to_vec_pretty(&manifest)?,
        mtime,
    )?;
    for (name, bytes) in &files {
        append(&mut tar, name, bytes, mtime)?;
    }
    Ok(tar.into_inner()?)
}

/// The file name for a bundle made now on `machine`.
pub fn file_name(machine: &str, at: chrono::DateTime<chrono::Utc>) -> String {
    let machine: String = machine
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!(
        "motcua-support-{machine}-{}.tar",
        at.format("%Y%m%d-%H%M%S")
    )
}

/// Writes `bytes` to `to`: a file (replaced), or a folder (existing, or
/// ending in `/`) that gets [`file_name`]. Synced to disk before it
/// returns — a USB stick may be pulled right after. Returns the file.
pub fn write(to: &Path, name: &str, bytes: &[u8]) -> Result<PathBuf, BundleError> {
    let is_dir = to.is_dir() || to.as_os_str().to_string_lossy().ends_with('/');
    let target = if is_dir { to.join(name) } else { to.to_owned() };
    let err = |source| BundleError::Write {
        path: target.clone(),
        source,
    };
    if let Some(dir) = target.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(err)?;
    }
    let tmp = target.with_extension("tar.part");
    let mut file = std::fs::File::create(&tmp).map_err(err)?;
    file.write_all(bytes).map_err(err)?;
    file.sync_all().map_err(err)?;
    drop(file);
    std::fs::rename(&tmp, &target).map_err(err)?;
    if let Some(dir) = target.parent().filter(|d| !d.as_os_str().is_empty()) {
        if let Ok(d) = std::fs::File::open(dir) {
            let _ = d.sync_all();
        }
    }
    Ok(target)
}

/// The files of a bundle (name, bytes), in order — for tests and tools.
pub fn read(bytes: &[u8]) -> std::io::Result<Vec<(String, Vec<u8>)>> {
    use std::io::Read;
    let mut out = Vec::new();
    let mut archive = tar::Archive::new(bytes);
    for entry in archive.entries()? {
        let mut entry = entry?;
        let name = entry.path()?.display().to_string();
        let mut data = Vec::new();
        entry.read_to_end(&mut data)?;
        out.push((name, data));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bundle_holds_the_report_the_masked_config_and_the_log() {
        let log = LogRing::new(10);
        log.push("INFO dossier filed masked_id=001******345");
        let report = Report::new("kiosk-2", vec![super::super::checks::version()]);
        let bytes = build(
            &crate::config::Config::demo(),
            None,
            &log,
            &report,
            &[("journal.txt", "cccd 001090012345\n".into())],
        )
        .unwrap();
        let files = read(&bytes).unwrap();
        let names: Vec<&str> = files.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(
            names,
            [
                "manifest.json",
                "diagnostics.json",
                "config.toml",
                "log.txt",
                "journal.txt"
            ]
        );
        let text = String::from_utf8_lossy(&bytes);
        assert!(!text.contains("demo-technician-token"));
        assert!(!text.contains("001090012345"));
        assert!(text.contains("001******345"));
        let dir = tempfile::tempdir().unwrap();
        let path = write(
            &dir.path().join("usb/"),
            &file_name("kiosk 2", report.created_at),
            &bytes,
        )
        .unwrap();
        assert!(path
            .file_name()
            .unwrap()
            .to_string_lossy()
            .starts_with("motcua-support-kiosk_2-"));
        assert_eq!(std::fs::read(&path).unwrap(), bytes);
    }
}
