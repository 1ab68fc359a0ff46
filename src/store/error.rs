//! What can go wrong with the database. (Its own file so that the
//! migrations, which the store runs, can name it without importing the
//! store.)

use std::path::PathBuf;

/// A storage failure.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Sqlite(rusqlite::Error),
    /// SQLite said `SQLITE_FULL`: the disk (or the file size limit) is
    /// full. Nothing of the write was kept; it works again once space is
    /// freed, without a restart.
    #[error("disk full: {0}")]
    DiskFull(String),
    /// The database path no longer names the file the hub opened.
    #[error(
        "the database file {path} was deleted or replaced while the hub had it open: \
         nothing more is written; stop the hub, put the right database back \
         (`motcua restore`, or the copy rescued beside it), move any \
         `.rescued-*` copy away, then start the hub again"
    )]
    Replaced { path: PathBuf },
    #[error("cannot open database {path}: {source}")]
    Open {
        path: PathBuf,
        source: rusqlite::Error,
    },
    #[error("database {path} has schema version {found}, newer than this motcua ({supported}); upgrade motcua")]
    SchemaTooNew {
        path: PathBuf,
        found: i64,
        supported: i64,
    },
    #[error("the database writer has stopped")]
    WriterGone,
    #[error("the write was not committed")]
    NotCommitted,
    #[error("a database job panicked: {0}")]
    JobPanicked(String),
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
    #[error("cannot lock database {path}: {source}")]
    Lock {
        path: PathBuf,
        source: std::io::Error,
    },
}

impl From<rusqlite::Error> for StoreError {
    fn from(err: rusqlite::Error) -> Self {
        if err.sqlite_error_code() == Some(rusqlite::ErrorCode::DiskFull) {
            StoreError::DiskFull(err.to_string())
        } else {
            StoreError::Sqlite(err)
        }
    }
}
