//! Watching the database file under a running hub: was it deleted or
//! replaced (a slip of `rm`, a restore done by hand, a bad disk), and is
//! its disk full?
//!
//! SQLite keeps writing into the file it opened even after the path names
//! another file or none: acknowledged tickets would land in a file that
//! vanishes at the next restart, and the restarted hub would hand out A001
//! again the same day. So the store remembers the device and inode of the
//! file it opened and compares them with the path's, before each write
//! batch, at each health check and every few seconds in the writer. Once
//! they differ the store refuses every write until a technician restores
//! and restarts.
//!
//! A full disk is not corruption: SQLite says `SQLITE_FULL`, the store
//! calls it [`StoreError::DiskFull`], and the flag here lets `/health` say
//! `degraded` with the free bytes until a write succeeds again.

use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

use super::error::StoreError;

/// The identity of a file: (device, inode).
type Identity = (u64, u64);

fn identity(path: &Path) -> Option<Identity> {
    std::fs::metadata(path).ok().map(|m| (m.dev(), m.ino()))
}

/// What the store knows of its file.
#[derive(Debug)]
pub struct FileGuard {
    path: PathBuf,
    opened: Option<Identity>,
    replaced: AtomicBool,
    disk_full: AtomicBool,
    /// Where the writer saved what the replaced file held, once it has.
    rescued: Mutex<Option<PathBuf>>,
}

impl FileGuard {
    /// Remembers the file `path` names now (just opened).
    pub fn new(path: &Path) -> Self {
        Self {
            path: path.to_owned(),
            opened: identity(path),
            replaced: AtomicBool::new(false),
            disk_full: AtomicBool::new(false),
            rescued: Mutex::new(None),
        }
    }

    /// Compares the path with the file opened; returns whether it was
    /// replaced (or deleted). Once replaced, always replaced: the open file
    /// is not the one the path names, whatever happens to the path later.
    pub fn check(&self) -> bool {
        if self.replaced.load(Ordering::SeqCst) {
            return true;
        }
        let Some(opened) = self.opened else {
            return false;
        };
        if identity(&self.path) == Some(opened) {
            return false;
        }
        if !self.replaced.swap(true, Ordering::SeqCst) {
            tracing::error!(
                path = %self.path.display(),
                "{}",
                StoreError::Replaced {
                    path: self.path.clone()
                }
            );
        }
        true
    }

    /// Whether a check found the file replaced.
    pub fn replaced(&self) -> bool {
        self.replaced.load(Ordering::SeqCst)
    }

    /// The last write failed for a full disk (cleared by the next
    /// successful commit).
    pub fn disk_full(&self) -> bool {
        self.disk_full.load(Ordering::SeqCst)
    }

    pub(super) fn set_disk_full(&self, full: bool) {
        if self.disk_full.swap(full, Ordering::SeqCst) != full {
            if full {
                tracing::error!(path = %self.path.display(), "disk full: writes fail until space is freed");
            } else {
                tracing::info!(path = %self.path.display(), "disk space is back: writes work again");
            }
        }
    }

    /// Where the data of the replaced file was saved, once saved.
    pub fn rescued(&self) -> Option<PathBuf> {
        self.rescued.lock().ok().and_then(|r| r.clone())
    }

    pub(super) fn set_rescued(&self, path: PathBuf) {
        if let Ok(mut r) = self.rescued.lock() {
            *r = Some(path);
        }
    }

    /// The database's path.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// The copy of a replaced database's data, beside it:
/// `motcua.db.rescued-<unix ms>`.
pub fn rescue_path(path: &Path, now_ms: i64) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(format!(".rescued-{now_ms}"));
    path.with_file_name(name)
}

/// Rescued copies waiting beside `path` (a technician has not dealt with
/// them yet).
pub fn pending_rescues(path: &Path) -> Vec<PathBuf> {
    let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
        return Vec::new();
    };
    let prefix = format!("{name}.rescued-");
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_owned(),
        _ => PathBuf::from("."),
    };
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Vec::new();
    };
    let mut found: Vec<PathBuf> = entries
        .flatten()
        .filter(|e| {
            e.file_name().to_str().is_some_and(|n| {
                n.starts_with(&prefix) && !n.ends_with("-wal") && !n.ends_with("-shm")
            })
        })
        .map(|e| e.path())
        .collect();
    found.sort();
    found
}
