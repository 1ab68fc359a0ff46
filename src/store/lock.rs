//! "Is a hub using this database?" — an advisory lock beside the database
//! file (`motcua.db.lock`).
//!
//! Every open [`Store`](super::Store) holds a *shared* `flock(2)` on the
//! lock file until it closes; `motcua restore` needs the *exclusive* lock
//! before it swaps the database file. The kernel drops a `flock` when its
//! holder dies, so a crashed hub never leaves a stale lock behind, and any
//! number of readers or hubs can share.
//!
//! Why a separate file and not the database itself: SQLite uses POSIX
//! `fcntl` locks on the database, and closing *any* descriptor of that file
//! in the process drops them all; a second descriptor of our own on the
//! database would be a trap. The lock file is ours alone.

use std::fs::{File, OpenOptions};
use std::io;
use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};

/// A held lock; released when dropped.
#[derive(Debug)]
pub struct DatabaseLock {
    _file: File,
}

/// The lock file of the database at `db`.
pub fn lock_path(db: &Path) -> PathBuf {
    let mut name = db.as_os_str().to_owned();
    name.push(".lock");
    PathBuf::from(name)
}

impl DatabaseLock {
    /// Takes the shared lock, waiting while a restore holds the exclusive
    /// one (a restore takes a moment; opening a half-swapped database would
    /// be worse than waiting).
    pub fn shared(db: &Path) -> io::Result<Self> {
        let file = open(db)?;
        flock(&file, libc::LOCK_SH)?;
        Ok(Self { _file: file })
    }

    /// Takes the exclusive lock if nobody holds the database; `Ok(None)`
    /// when a hub (or another restore) has it.
    pub fn try_exclusive(db: &Path) -> io::Result<Option<Self>> {
        let file = open(db)?;
        match flock(&file, libc::LOCK_EX | libc::LOCK_NB) {
            Ok(()) => Ok(Some(Self { _file: file })),
            Err(err) if err.raw_os_error() == Some(libc::EWOULDBLOCK) => Ok(None),
            Err(err) => Err(err),
        }
    }
}

fn open(db: &Path) -> io::Result<File> {
    OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(lock_path(db))
}

fn flock(file: &File, operation: libc::c_int) -> io::Result<()> {
    loop {
        // SAFETY: `file` owns a valid descriptor for the duration of the call.
        if unsafe { libc::flock(file.as_raw_fd(), operation) } == 0 {
            return Ok(());
        }
        let err = io::Error::last_os_error();
        if err.kind() != io::ErrorKind::Interrupted {
            return Err(err);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exclusive_is_refused_while_shared_is_held_and_granted_after() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("hub.db");
        let hub = DatabaseLock::shared(&db).unwrap();
        let second_hub = DatabaseLock::shared(&db).unwrap();
        assert!(DatabaseLock::try_exclusive(&db).unwrap().is_none());
        drop(hub);
        assert!(DatabaseLock::try_exclusive(&db).unwrap().is_none());
        drop(second_hub);
        let restore = DatabaseLock::try_exclusive(&db).unwrap();
        assert!(restore.is_some());
        assert!(DatabaseLock::try_exclusive(&db).unwrap().is_none());
    }
}
