//! `motcua backup --to PATH` and `motcua restore --from PATH`: the hub
//! database to a file and back.
//!
//! ## Backup: safe while the hub runs
//!
//! The copy is made with SQLite's online backup API in a single step, which
//! reads every page inside one read transaction. The database is in WAL
//! mode, so that reader never blocks the hub's writer, and it sees exactly
//! the commits made before it began: every ticket the hub acknowledged
//! before the backup started is in the copy, and nothing half-written is.
//! The copy is written beside its destination under a temporary name,
//! checked (`integrity_check`, `foreign_key_check`, schema version),
//! synced, and only then renamed into place — a backup file that exists is
//! a whole one. Copies are plain single-file databases (rollback journal,
//! not WAL), so they can be moved, opened and restored on their own.
//!
//! ## Restore: never over a running hub, never destructive
//!
//! `restore` needs the database's exclusive lock ([`crate::store::lock`]);
//! while a hub (or a kiosk with its embedded hub) has the database open it
//! refuses, unless `--force`. The backup is first copied to a staging file
//! beside the database and that copy is checked — what is checked is what
//! goes in place. The old database (with its WAL, which may hold the last
//! commits) is kept as `motcua.db.before-restore-YYYYMMDD-HHMMSS`, then the
//! staging file is renamed over the database. At no moment is there no
//! database at the configured path.
//!
//! ## Ownership
//!
//! Technicians run these as root while the hub runs as user `motcua`. Files
//! this command creates beside the database (the restored database, a WAL
//! index SQLite made while reading) take the owner of the database (or of
//! its folder), so the hub can still open them afterwards.

use std::ffi::OsString;
use std::fs::{self, File};
use std::io;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use rusqlite::backup::{Backup, StepResult};
use rusqlite::Connection;

use crate::cli::{BackupArgs, RestoreArgs};
use crate::config::Config;
use crate::store::inspect::integrity;
use crate::store::lock::{lock_path, DatabaseLock};
use crate::store::schema::VERSION as SCHEMA_VERSION;
use crate::store::{open_connection, StoreError};

/// Why a backup or restore did not happen. In every case the live
/// database is untouched.
#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error("there is no database at {0}")]
    NoDatabase(PathBuf),
    #[error("there is no backup file at {0}")]
    NoBackup(PathBuf),
    #[error("{0} is the live database itself; choose another file")]
    SameFile(PathBuf),
    #[error(
        "a hub has {0} open; stop it first (systemctl stop motcua-hub motcua-kiosk) \
         or pass --force"
    )]
    InUse(PathBuf),
    #[error("{path}: {source}")]
    Sqlite {
        path: PathBuf,
        source: rusqlite::Error,
    },
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: io::Error },
    #[error("{path} is damaged: {problems}")]
    Damaged { path: PathBuf, problems: String },
    #[error("{path} is not a motcua database (schema version {found})")]
    NotMotcua { path: PathBuf, found: i64 },
    #[error(
        "{path} has schema version {found}, newer than this motcua ({supported}); \
         restore it with the motcua that made it"
    )]
    TooNew {
        path: PathBuf,
        found: i64,
        supported: i64,
    },
    #[error("the database stayed busy; the copy did not finish")]
    Busy,
}

/// What a checked database holds, for the technician's screen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DatabaseSummary {
    pub schema_version: i64,
    pub tickets: i64,
    pub events: i64,
    pub bytes: u64,
}

/// The outcome of a restore.
#[derive(Debug)]
pub struct Restored {
    pub summary: DatabaseSummary,
    /// Where the replaced database now lives (`None`: there was none).
    pub kept: Option<PathBuf>,
    /// `--force` was needed: a hub still writes to the kept file.
    pub was_in_use: bool,
}

fn sqlite(path: &Path) -> impl FnOnce(rusqlite::Error) -> BackupError + '_ {
    move |source| BackupError::Sqlite {
        path: path.to_owned(),
        source,
    }
}

fn store(path: &Path) -> impl FnOnce(StoreError) -> BackupError + '_ {
    move |err| match err {
        StoreError::Open { source, .. } | StoreError::Sqlite(source) => BackupError::Sqlite {
            path: path.to_owned(),
            source,
        },
        other => BackupError::Damaged {
            path: path.to_owned(),
            problems: other.to_string(),
        },
    }
}

fn io_err(path: &Path) -> impl FnOnce(io::Error) -> BackupError + '_ {
    move |source| BackupError::Io {
        path: path.to_owned(),
        source,
    }
}

/// `path` with `suffix` appended to its file name.
fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name: OsString = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

/// The folder holding `path` ("." for a bare file name).
fn folder_of(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

/// Whether two paths name the same file, whether or not `b` exists yet.
fn same_file(a: &Path, b: &Path) -> bool {
    let canonical = |p: &Path| {
        p.canonicalize().ok().or_else(|| {
            let dir = folder_of(p).canonicalize().ok()?;
            Some(dir.join(p.file_name()?))
        })
    };
    matches!((canonical(a), canonical(b)), (Some(x), Some(y)) if x == y)
}

/// Copies the database at `from` into a new file `to` with the online
/// backup API, leaving `to` a self-contained rollback-journal database.
fn copy_database(from: &Path, to: &Path) -> Result<(), BackupError> {
    let src = open_connection(from, true).map_err(store(from))?;
    let mut dst = Connection::open(to).map_err(sqlite(to))?;
    {
        let backup = Backup::new(&src, &mut dst).map_err(sqlite(to))?;
        // One step of all pages: one read transaction, one snapshot. Busy
        // only happens in rare WAL recovery moments; retry those briefly.
        let mut done = false;
        for _ in 0..200 {
            match backup.step(-1).map_err(sqlite(from))? {
                StepResult::Done => {
                    done = true;
                    break;
                }
                StepResult::More | StepResult::Busy | StepResult::Locked => {
                    std::thread::sleep(Duration::from_millis(50))
                }
                _ => std::thread::sleep(Duration::from_millis(50)),
            }
        }
        if !done {
            return Err(BackupError::Busy);
        }
    }
    dst.pragma_update(None, "journal_mode", "DELETE")
        .map_err(sqlite(to))?;
    dst.close().map_err(|(_, e)| e).map_err(sqlite(to))?;
    File::open(to)
        .and_then(|f| f.sync_all())
        .map_err(io_err(to))
}

/// Checks the database at `path`: SQLite's integrity and foreign-key
/// checks, and a schema version this motcua understands.
pub fn check_database(path: &Path) -> Result<DatabaseSummary, BackupError> {
    let conn = open_connection(path, true).map_err(store(path))?;
    let damaged = |problems: String| BackupError::Damaged {
        path: path.to_owned(),
        problems,
    };
    // A file that is not a database at all fails here, as "not a database".
    let problems = integrity(&conn).map_err(|e| match e {
        StoreError::Sqlite(e) => damaged(e.to_string()),
        other => damaged(other.to_string()),
    })?;
    if problems != ["ok"] {
        return Err(damaged(problems.join("; ")));
    }
    let orphans = conn
        .prepare("PRAGMA foreign_key_check")
        .and_then(|mut s| s.query_map([], |_| Ok(()))?.collect::<Result<Vec<()>, _>>())
        .map_err(|e| damaged(e.to_string()))?
        .len();
    if orphans > 0 {
        return Err(damaged(format!("{orphans} rows refer to missing rows")));
    }
    let version: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .map_err(sqlite(path))?;
    let has_tickets: bool = conn
        .query_row(
            "SELECT COUNT(*) > 0 FROM sqlite_schema WHERE type = 'table' AND name = 'tickets'",
            [],
            |r| r.get(0),
        )
        .map_err(sqlite(path))?;
    if version < 1 || !has_tickets {
        return Err(BackupError::NotMotcua {
            path: path.to_owned(),
            found: version,
        });
    }
    if version > SCHEMA_VERSION {
        return Err(BackupError::TooNew {
            path: path.to_owned(),
            found: version,
            supported: SCHEMA_VERSION,
        });
    }
    let count = |table: &str| {
        conn.query_row(&format!("SELECT COUNT(*) FROM {table}"), [], |r| r.get(0))
            .map_err(sqlite(path))
    };
    Ok(DatabaseSummary {
        schema_version: version,
        tickets: count("tickets")?,
        events: count("events")?,
        bytes: fs::metadata(path).map_err(io_err(path))?.len(),
    })
}

/// Syncs a folder, so that a rename in it survives a power cut.
fn sync_folder(dir: &Path) -> Result<(), BackupError> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(io_err(dir))
}

/// Gives `files` the owner and group of `reference` (see the module doc).
/// Only root can, and only root needs to; failures are logged, not fatal.
fn match_owner(reference: &Path, files: &[PathBuf]) {
    let Ok(meta) = fs::metadata(reference) else {
        return;
    };
    for file in files {
        let Ok(own) = fs::metadata(file) else {
            continue;
        };
        if (own.uid(), own.gid()) == (meta.uid(), meta.gid()) {
            continue;
        }
        if let Err(err) = std::os::unix::fs::chown(file, Some(meta.uid()), Some(meta.gid())) {
            tracing::warn!(%err, file = %file.display(), "cannot give the file the database's owner");
        }
    }
}

/// Copies the live database `db` to `to` (a file, or a folder that gets
/// `motcua-{label}.db`); returns the file written and what it holds.
pub fn backup_database(
    db: &Path,
    to: &Path,
    label: &str,
) -> Result<(PathBuf, DatabaseSummary), BackupError> {
    if !db.is_file() {
        return Err(BackupError::NoDatabase(db.to_owned()));
    }
    // A path ending in '/' names a folder, even one that is not there yet
    // (the first nightly backup).
    let folder = to.is_dir() || to.as_os_str().as_encoded_bytes().ends_with(b"/");
    let target = if folder {
        fs::create_dir_all(to).map_err(io_err(to))?;
        to.join(format!("motcua-{label}.db"))
    } else {
        to.to_owned()
    };
    if same_file(db, &target) {
        return Err(BackupError::SameFile(target));
    }
    let staging = with_suffix(&target, &format!(".partial-{}", std::process::id()));
    let written = copy_database(db, &staging).and_then(|()| check_database(&staging));
    // Reading may have created the WAL index beside a stopped hub's database.
    match_owner(db, &[with_suffix(db, "-wal"), with_suffix(db, "-shm")]);
    let summary = match written {
        Ok(summary) => summary,
        Err(err) => {
            let _ = fs::remove_file(&staging);
            return Err(err);
        }
    };
    fs::rename(&staging, &target).map_err(io_err(&target))?;
    sync_folder(folder_of(&target))?;
    Ok((target, summary))
}

/// Replaces the database `db` with the backup `from`, keeping the old one
/// as `{db}.before-restore-{label}`.
pub fn restore_database(
    db: &Path,
    from: &Path,
    force: bool,
    label: &str,
) -> Result<Restored, BackupError> {
    if !from.is_file() {
        return Err(BackupError::NoBackup(from.to_owned()));
    }
    if same_file(db, from) {
        return Err(BackupError::SameFile(from.to_owned()));
    }
    let folder = folder_of(db);
    fs::create_dir_all(folder).map_err(io_err(folder))?;
    let lock = DatabaseLock::try_exclusive(db).map_err(io_err(&lock_path(db)))?;
    let was_in_use = lock.is_none();
    if was_in_use && !force {
        return Err(BackupError::InUse(db.to_owned()));
    }

    let staging = with_suffix(db, ".restoring");
    let _ = fs::remove_file(&staging);
    let _ = fs::remove_file(with_suffix(&staging, "-journal"));
    let summary = match copy_database(from, &staging).and_then(|()| check_database(&staging)) {
        Ok(summary) => summary,
        Err(err) => {
            let _ = fs::remove_file(&staging);
            return Err(err);
        }
    };
    let owner = if db.exists() { db } else { folder };
    match_owner(owner, &[staging.clone(), lock_path(db)]);

    let kept = if db.exists() {
        // Never over an earlier kept database (two restores in one second).
        let kept = (1..)
            .map(|n| match n {
                1 => with_suffix(db, &format!(".before-restore-{label}")),
                n => with_suffix(db, &format!(".before-restore-{label}-{n}")),
            })
            .find(|p| !p.exists())
            .expect("an unused name");
        // A hard link keeps the old database under its new name while the
        // configured path still holds it; the rename below then swaps the
        // path to the restored copy in one step. Its WAL (which may hold
        // the last commits) and WAL index move with it: left beside the
        // restored file they would be replayed into it.
        if fs::hard_link(db, &kept).is_err() {
            fs::rename(db, &kept).map_err(io_err(db))?;
        }
        for suffix in ["-wal", "-shm"] {
            let side = with_suffix(db, suffix);
            if side.exists() {
                fs::rename(&side, with_suffix(&kept, suffix)).map_err(io_err(&side))?;
            }
        }
        Some(kept)
    } else {
        None
    };
    fs::rename(&staging, db).map_err(io_err(db))?;
    sync_folder(folder)?;
    drop(lock);
    Ok(Restored {
        summary,
        kept,
        was_in_use,
    })
}

/// The configured database, or `--db`.
fn database(config: &Config, db: Option<PathBuf>) -> PathBuf {
    db.unwrap_or_else(|| config.hub.database.clone())
}

/// Office local time, for file names a technician reads.
fn label(config: &Config) -> String {
    chrono::Utc::now()
        .with_timezone(&config.timezone())
        .format("%Y%m%d-%H%M%S")
        .to_string()
}

fn describe(s: &DatabaseSummary) -> String {
    format!(
        "{} vé / tickets, {} sự kiện / events, schema v{}, {} KB, integrity ok",
        s.tickets,
        s.events,
        s.schema_version,
        s.bytes.div_ceil(1024)
    )
}

/// `motcua backup --to PATH [--db PATH]`.
pub fn backup(config: &Config, args: BackupArgs) -> anyhow::Result<ExitCode> {
    let db = database(config, args.db);
    let (written, summary) = backup_database(&db, &args.to, &label(config))?;
    println!(
        "motcua: đã sao lưu / backed up {} → {}\n        {}",
        db.display(),
        written.display(),
        describe(&summary)
    );
    Ok(ExitCode::SUCCESS)
}

/// `motcua restore --from PATH [--db PATH] [--force]`.
pub fn restore(config: &Config, args: RestoreArgs) -> anyhow::Result<ExitCode> {
    let db = database(config, args.db);
    let restored = restore_database(&db, &args.from, args.force, &label(config))?;
    println!(
        "motcua: đã khôi phục / restored {} → {}\n        {}",
        args.from.display(),
        db.display(),
        describe(&restored.summary)
    );
    if let Some(kept) = &restored.kept {
        println!(
            "        cơ sở dữ liệu cũ giữ tại / the previous database is kept as {}",
            kept.display()
        );
    }
    if restored.was_in_use {
        eprintln!(
            "motcua: a hub still has the previous database open and keeps writing to {}; \
             restart it now (systemctl restart motcua-hub motcua-kiosk)",
            restored.kept.as_deref().unwrap_or(&db).display()
        );
    }
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;

    fn hub_database(dir: &Path) -> PathBuf {
        let db = dir.join("hub.db");
        let store = Store::open(&db, Box::new(|_| {})).unwrap();
        store
            .write_blocking(|ctx| ctx.emit(1, "test", serde_json::json!({})).map(|_| ()))
            .unwrap();
        store.close();
        db
    }

    #[test]
    fn a_backup_is_a_checked_self_contained_file() {
        let dir = tempfile::tempdir().unwrap();
        let db = hub_database(dir.path());
        let folder = dir.path().join("backups/");
        let (written, summary) = backup_database(&db, &folder, "20261126-101500").unwrap();
        assert_eq!(
            written,
            dir.path().join("backups/motcua-20261126-101500.db")
        );
        assert_eq!(summary.events, 1);
        assert_eq!(summary.schema_version, SCHEMA_VERSION);
        assert!(!with_suffix(&written, "-wal").exists());
        let mode: String = Connection::open(&written)
            .unwrap()
            .query_row("PRAGMA journal_mode", [], |r| r.get(0))
            .unwrap();
        assert_eq!(mode, "delete");
        assert!(matches!(
            backup_database(&db, &db, "x"),
            Err(BackupError::SameFile(_))
        ));
        assert!(matches!(
            backup_database(&dir.path().join("none.db"), dir.path(), "x"),
            Err(BackupError::NoDatabase(_))
        ));
    }

    #[test]
    fn restore_refuses_damaged_or_foreign_files_and_leaves_the_database_alone() {
        let dir = tempfile::tempdir().unwrap();
        let db = hub_database(dir.path());
        let before = fs::read(&db).unwrap();

        let garbage = dir.path().join("garbage.db");
        fs::write(&garbage, b"this is not a database, it is a shopping list").unwrap();
        let err = restore_database(&db, &garbage, false, "x").unwrap_err();
        assert!(
            matches!(
                err,
                BackupError::Sqlite { .. } | BackupError::Damaged { .. }
            ),
            "{err}"
        );

        let (good, _) = backup_database(&db, &dir.path().join("good.db"), "x").unwrap();
        let mut bytes = fs::read(&good).unwrap();
        // Scribble over the b-tree page headers of every page but the
        // first: the file still opens, its tables no longer read.
        let page = u16::from_be_bytes([bytes[16], bytes[17]]) as usize;
        for start in (page..bytes.len()).step_by(page) {
            bytes[start..start + 12].fill(0xA5);
        }
        let torn = dir.path().join("torn.db");
        fs::write(&torn, &bytes).unwrap();
        assert!(restore_database(&db, &torn, false, "x").is_err());

        let foreign = dir.path().join("foreign.db");
        Connection::open(&foreign)
            .unwrap()
            .execute_batch("CREATE TABLE shopping (item TEXT)")
            .unwrap();
        assert!(matches!(
            restore_database(&db, &foreign, false, "x"),
            Err(BackupError::NotMotcua { .. })
        ));

        let newer = dir.path().join("newer.db");
        fs::copy(&good, &newer).unwrap();
        Connection::open(&newer)
            .unwrap()
            .pragma_update(None, "user_version", SCHEMA_VERSION + 1)
            .unwrap();
        assert!(matches!(
            restore_database(&db, &newer, false, "x"),
            Err(BackupError::TooNew { .. })
        ));

        assert_eq!(fs::read(&db).unwrap(), before, "the database was touched");
        assert!(!with_suffix(&db, ".restoring").exists());
    }

    #[test]
    fn restore_refuses_an_open_database_unless_forced_and_keeps_the_old_one() {
        let dir = tempfile::tempdir().unwrap();
        let db = hub_database(dir.path());
        let (backup, _) = backup_database(&db, &dir.path().join("b.db"), "x").unwrap();

        let hub = Store::open(&db, Box::new(|_| {})).unwrap();
        hub.write_blocking(|ctx| {
            ctx.emit(2, "after-backup", serde_json::json!({}))
                .map(|_| ())
        })
        .unwrap();
        assert!(matches!(
            restore_database(&db, &backup, false, "x"),
            Err(BackupError::InUse(_))
        ));
        hub.close();

        let restored = restore_database(&db, &backup, false, "20261126-120000").unwrap();
        assert!(!restored.was_in_use);
        assert_eq!(restored.summary.events, 1);
        let kept = restored.kept.unwrap();
        assert_eq!(
            kept,
            dir.path().join("hub.db.before-restore-20261126-120000")
        );
        assert_eq!(
            check_database(&kept).unwrap().events,
            2,
            "the old database is kept whole"
        );
        assert_eq!(check_database(&db).unwrap().events, 1);
        // The restored database opens as a hub database again.
        let hub = Store::open(&db, Box::new(|_| {})).unwrap();
        hub.close();

        let hub = Store::open(&db, Box::new(|_| {})).unwrap();
        let forced = restore_database(&db, &backup, true, "20261126-120000").unwrap();
        assert!(forced.was_in_use);
        hub.close();
        // Same second, another name: the first kept database is still there.
        assert_eq!(
            forced.kept.unwrap(),
            dir.path().join("hub.db.before-restore-20261126-120000-2")
        );
        assert_eq!(check_database(&kept).unwrap().events, 2);
    }
}
