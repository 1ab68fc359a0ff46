//! The database as a technician sees it: `PRAGMA integrity_check`, file
//! sizes, schema version and the free space of its file system. Used by the
//! hub (`GET /api/v1/diagnostics`) and by `motcua diag` on a local file.

use std::path::Path;

use rusqlite::Connection;

use super::StoreError;

/// Problems `integrity_check` lists at most (a broken file can have many).
const MAX_PROBLEMS: u32 = 20;

/// What a technician needs to know about a database file (a wire type:
/// `GET /api/v1/diagnostics`).
pub use motcua_api::DatabaseReport;

/// Runs `PRAGMA integrity_check` (a full read of the file).
pub fn integrity(conn: &Connection) -> Result<Vec<String>, StoreError> {
    let mut stmt = conn.prepare(&format!("PRAGMA integrity_check({MAX_PROBLEMS})"))?;
    let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// The report for the database at `path`, read through `conn`.
pub fn report(conn: &Connection, path: &Path) -> Result<DatabaseReport, StoreError> {
    let integrity = integrity(conn)?;
    let schema_version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    let size = |p: &Path| std::fs::metadata(p).map(|m| m.len()).unwrap_or(0);
    let mut wal = path.as_os_str().to_owned();
    wal.push("-wal");
    Ok(DatabaseReport {
        path: path.display().to_string(),
        ok: integrity.len() == 1 && integrity[0] == "ok",
        integrity,
        schema_version,
        size_bytes: size(path),
        wal_bytes: size(Path::new(&wal)),
        free_bytes: free_space(path),
    })
}

/// Opens `path` read-only (never creating it) and reports on it.
pub fn report_file(path: &Path) -> Result<DatabaseReport, StoreError> {
    if !path.exists() {
        return Err(StoreError::Open {
            path: path.to_owned(),
            source: rusqlite::Error::InvalidPath(path.to_owned()),
        });
    }
    let conn = super::open_connection(path, true)?;
    report(&conn, path)
}

/// Free bytes for unprivileged users on the file system holding `path`
/// (its folder when `path` is a file that may not exist yet).
pub fn free_space(path: &Path) -> Option<u64> {
    use std::os::unix::ffi::OsStrExt;
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() && !path.is_dir() => p,
        Some(_) if !path.is_dir() => Path::new("."),
        _ => path,
    };
    let c = std::ffi::CString::new(dir.as_os_str().as_bytes()).ok()?;
    let mut stat: libc::statvfs = unsafe { std::mem::zeroed() };
    // SAFETY: `c` is a valid NUL-terminated path and `stat` a writable
    // statvfs; the call only fills it.
    let rc = unsafe { libc::statvfs(c.as_ptr(), &mut stat) };
    (rc == 0).then(|| stat.f_bavail as u64 * stat.f_frsize as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fresh_database_is_ok_and_a_damaged_one_is_not() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.db");
        {
            let store = crate::store::Store::open(&path, Box::new(|_| {})).unwrap();
            store.close();
        }
        let r = report_file(&path).unwrap();
        assert!(r.ok, "{r:?}");
        assert_eq!(r.schema_version, crate::store::schema::VERSION);
        assert!(r.size_bytes > 0);
        assert!(r.free_bytes.unwrap() > 0);
        assert!(report_file(&dir.path().join("missing.db")).is_err());
        // Damage the header of every b-tree page after the first.
        let mut bytes = std::fs::read(&path).unwrap();
        for page in bytes.chunks_mut(4096).skip(1) {
            page[..12].fill(0x5a);
        }
        std::fs::write(&path, bytes).unwrap();
        // Too damaged even to read the schema is an error, also fine.
        if let Ok(r) = report_file(&path) {
            assert!(!r.ok, "{r:?}");
        }
    }
}
