//! What can go wrong with the database. (Its own file so that the
//! migrations, which the store runs, can name it without importing the
//! store.)

use std::path::PathBuf;

/// A storage failure.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
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
