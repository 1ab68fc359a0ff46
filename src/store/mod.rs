//! SQLite storage: migrations, one writer thread with group commit, a small
//! pool of readers.
//!
//! ## Why one writer and group commit
//!
//! A `201 Created` from the hub promises that the ticket is on disk: the
//! database runs in WAL mode with `synchronous = FULL`, so every commit waits
//! for an fsync. An office loses power more often than software crashes, so
//! durability is not negotiable — but one fsync per request would cap the hub
//! at a few hundred tickets per second on a cheap SSD.
//!
//! Instead, every write is a job sent to a single writer thread. The thread
//! takes every job that is waiting, runs each inside its own `SAVEPOINT` (a
//! failing job rolls back alone), then commits them all with one fsync and
//! only then answers each caller. A job whose savepoint cannot be opened
//! does not run (it could not be rolled back alone); a failed job whose
//! savepoint cannot be rolled back aborts the whole batch, so nothing
//! half-done is ever committed — the jobs not yet run go to the next batch. While one commit waits for the disk, new
//! requests queue up and form the next batch: throughput grows with load
//! while each answer still means "durable".
//!
//! Events written by a job (the append-only `events` table) are handed to
//! the publisher after the commit, in id order, so live streams never show
//! something that a power cut could take back.

pub mod devices;
pub mod dossiers;
mod error;
pub mod guard;
pub mod inspect;
pub mod lock;
pub mod ratings;
pub mod schema;
pub mod staff;
pub mod tickets;

pub use error::StoreError;
pub use guard::FileGuard;

use std::collections::VecDeque;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::{mpsc, Arc, Mutex};
use std::thread::JoinHandle;

use rusqlite::{Connection, OpenFlags};
use serde::Serialize;
use tokio::sync::oneshot;

/// One row of the append-only `events` table, as published after commit.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StoredEvent {
    pub id: i64,
    /// Milliseconds since the Unix epoch.
    pub at_ms: i64,
    pub kind: String,
    pub data: serde_json::Value,
}

/// What a job sees: the open transaction, and a place to record events.
pub struct WriteCtx<'c> {
    conn: &'c Connection,
    events: Vec<StoredEvent>,
}

impl<'c> WriteCtx<'c> {
    /// The connection, inside the batch transaction and the job's savepoint.
    pub fn conn(&self) -> &'c Connection {
        self.conn
    }

    /// Appends an event row; it is published once the batch commits.
    pub fn emit(
        &mut self,
        at_ms: i64,
        kind: &str,
        data: serde_json::Value,
    ) -> Result<i64, StoreError> {
        let text = data.to_string();
        let mut stmt = self
            .conn
            .prepare_cached("INSERT INTO events (at_ms, kind, data) VALUES (?1, ?2, ?3)")?;
        stmt.execute((at_ms, kind, &text))?;
        let id = self.conn.last_insert_rowid();
        self.events.push(StoredEvent {
            id,
            at_ms,
            kind: kind.to_owned(),
            data,
        });
        Ok(id)
    }
}

/// Called by the writer thread with each committed batch's events.
pub type Publisher = Box<dyn Fn(&[StoredEvent]) + Send>;

type Completion = Box<dyn FnOnce(Result<(), StoreError>) + Send>;
type Job = Box<dyn FnOnce(&mut WriteCtx<'_>) -> (bool, Completion) + Send>;

/// Most jobs one commit takes; bounds the latency of the first job in a batch.
const MAX_BATCH: usize = 512;
/// Read connections kept open.
const MAX_IDLE_READERS: usize = 8;

/// The database: one writer thread, pooled readers.
pub struct Store {
    path: PathBuf,
    jobs: Mutex<Option<mpsc::Sender<Job>>>,
    writer: Mutex<Option<JoinHandle<()>>>,
    readers: Arc<Mutex<Vec<Connection>>>,
    /// Held while open, so `motcua restore` can tell the database is in use.
    lock: Mutex<Option<lock::DatabaseLock>>,
    /// Whether the path still names the file opened; a full disk.
    guard: Arc<FileGuard>,
}

impl Store {
    /// Opens (creating if needed) and migrates the database at `path`, and
    /// starts the writer thread. `publish` receives committed events.
    pub fn open(path: &Path, publish: Publisher) -> Result<Self, StoreError> {
        Self::open_with(path, schema::HUB, publish)
    }

    /// [`Store::open`] with another schema (the portal sandbox's).
    pub fn open_with(
        path: &Path,
        migrations: &'static [&'static str],
        publish: Publisher,
    ) -> Result<Self, StoreError> {
        Self::start(path, migrations, publish, |_| Ok(()))
    }

    /// Opens, migrates, lets `prepare` set up the writer's connection (tests
    /// install an SQLite authorizer there to make statements fail), and
    /// starts the writer thread.
    fn start(
        path: &Path,
        migrations: &'static [&'static str],
        publish: Publisher,
        prepare: impl FnOnce(&mut Connection) -> Result<(), StoreError>,
    ) -> Result<Self, StoreError> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            // A missing data directory is an installation problem the open
            // below reports clearly; creating it here is the friendly case.
            let _ = std::fs::create_dir_all(dir);
        }
        let held = lock::DatabaseLock::shared(path).map_err(|source| StoreError::Lock {
            path: path.to_owned(),
            source,
        })?;
        let mut conn = open_connection(path, false)?;
        schema::migrate_with(&mut conn, path, migrations)?;
        prepare(&mut conn)?;
        let guard = Arc::new(FileGuard::new(path));
        let (tx, rx) = mpsc::channel::<Job>();
        let watched = Arc::clone(&guard);
        let writer = std::thread::Builder::new()
            .name("motcua-db-writer".into())
            .spawn(move || writer_loop(conn, rx, publish, &watched))
            .map_err(|e| StoreError::JobPanicked(format!("cannot start writer: {e}")))?;
        Ok(Self {
            path: path.to_owned(),
            jobs: Mutex::new(Some(tx)),
            writer: Mutex::new(Some(writer)),
            readers: Arc::new(Mutex::new(Vec::new())),
            lock: Mutex::new(Some(held)),
            guard,
        })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Whether the path still names the file opened, and whether the disk
    /// is full.
    pub fn guard(&self) -> &FileGuard {
        &self.guard
    }

    fn submit<R, E, F>(&self, f: F) -> Result<oneshot::Receiver<Result<R, E>>, StoreError>
    where
        F: FnOnce(&mut WriteCtx<'_>) -> Result<R, E> + Send + 'static,
        R: Send + 'static,
        E: From<StoreError> + Send + 'static,
    {
        let (reply, rx) = oneshot::channel();
        let job: Job = Box::new(move |ctx| {
            let result = f(ctx);
            let ok = result.is_ok();
            let complete: Completion = Box::new(move |commit| {
                let answer = match commit {
                    Ok(()) => result,
                    Err(err) => Err(E::from(err)),
                };
                let _ = reply.send(answer);
            });
            (ok, complete)
        });
        // Never a write into a file the path no longer names.
        if self.guard.check() {
            return Err(self.replaced());
        }
        let jobs = self.jobs.lock().map_err(|_| StoreError::WriterGone)?;
        let sender = jobs.as_ref().ok_or(StoreError::WriterGone)?;
        sender.send(job).map_err(|_| StoreError::WriterGone)?;
        Ok(rx)
    }

    /// Runs `f` in the writer's transaction; resolves once it is committed
    /// (durably) or rolled back.
    pub async fn write<R, E, F>(&self, f: F) -> Result<R, E>
    where
        F: FnOnce(&mut WriteCtx<'_>) -> Result<R, E> + Send + 'static,
        R: Send + 'static,
        E: From<StoreError> + Send + 'static,
    {
        let rx = self.submit(f)?;
        rx.await.map_err(|_| E::from(self.not_committed()))?
    }

    fn replaced(&self) -> StoreError {
        StoreError::Replaced {
            path: self.path.clone(),
        }
    }

    /// Why a job was dropped unrun: the file was replaced, or a batch
    /// was aborted.
    fn not_committed(&self) -> StoreError {
        if self.guard.replaced() {
            self.replaced()
        } else {
            StoreError::NotCommitted
        }
    }

    /// [`Store::write`] for code outside an async runtime.
    pub fn write_blocking<R, E, F>(&self, f: F) -> Result<R, E>
    where
        F: FnOnce(&mut WriteCtx<'_>) -> Result<R, E> + Send + 'static,
        R: Send + 'static,
        E: From<StoreError> + Send + 'static,
    {
        let rx = self.submit(f)?;
        rx.blocking_recv()
            .map_err(|_| E::from(self.not_committed()))?
    }

    /// Runs a read on a pooled connection, on tokio's blocking pool.
    pub async fn read<R, E, F>(&self, f: F) -> Result<R, E>
    where
        F: FnOnce(&Connection) -> Result<R, E> + Send + 'static,
        R: Send + 'static,
        E: From<StoreError> + Send + 'static,
    {
        let readers = Arc::clone(&self.readers);
        let path = self.path.clone();
        tokio::task::spawn_blocking(move || read_with(&readers, &path, f))
            .await
            .map_err(|e| E::from(StoreError::JobPanicked(e.to_string())))?
    }

    /// [`Store::read`] for code outside an async runtime.
    pub fn read_blocking<R, E, F>(&self, f: F) -> Result<R, E>
    where
        F: FnOnce(&Connection) -> Result<R, E>,
        E: From<StoreError>,
    {
        read_with(&self.readers, &self.path, f)
    }

    /// Stops the writer after it has finished every queued job, and waits
    /// for it: the database is closed cleanly (WAL checkpointed).
    pub fn close(&self) {
        if let Ok(mut jobs) = self.jobs.lock() {
            jobs.take();
        }
        if let Ok(mut writer) = self.writer.lock() {
            if let Some(handle) = writer.take() {
                let _ = handle.join();
            }
        }
        if let Ok(mut readers) = self.readers.lock() {
            readers.clear();
        }
        if let Ok(mut held) = self.lock.lock() {
            held.take();
        }
    }
}

impl Drop for Store {
    fn drop(&mut self) {
        self.close();
    }
}

fn read_with<R, E, F>(readers: &Mutex<Vec<Connection>>, path: &Path, f: F) -> Result<R, E>
where
    F: FnOnce(&Connection) -> Result<R, E>,
    E: From<StoreError>,
{
    let pooled = readers.lock().ok().and_then(|mut pool| pool.pop());
    let conn = match pooled {
        Some(conn) => conn,
        None => open_connection(path, true)?,
    };
    let result = f(&conn);
    if let Ok(mut pool) = readers.lock() {
        if pool.len() < MAX_IDLE_READERS {
            pool.push(conn);
        }
    }
    result
}

/// Opens a connection with the pragmas every motcua connection uses.
pub fn open_connection(path: &Path, read_only: bool) -> Result<Connection, StoreError> {
    let flags = if read_only {
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX
    } else {
        OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX
    };
    let conn = Connection::open_with_flags(path, flags).map_err(|source| StoreError::Open {
        path: path.to_owned(),
        source,
    })?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    if !read_only {
        // WAL lets readers run beside the writer; FULL makes each commit
        // durable against power loss, not only against a crash.
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        // Erased personal data (the retention purge) is overwritten on
        // disk, not left in free pages.
        conn.pragma_update(None, "secure_delete", "ON")?;
    }
    Ok(conn)
}

/// How often an idle writer looks whether its file was deleted or
/// replaced (well within the 10 s the hub promises).
const FILE_CHECK_INTERVAL: std::time::Duration = std::time::Duration::from_secs(2);

fn writer_loop(conn: Connection, jobs: mpsc::Receiver<Job>, publish: Publisher, guard: &FileGuard) {
    // Jobs of an aborted batch that had not run yet: first in the next one.
    let mut pending: VecDeque<Job> = VecDeque::new();
    loop {
        if pending.is_empty() {
            match jobs.recv_timeout(FILE_CHECK_INTERVAL) {
                Ok(job) => pending.push_back(job),
                Err(mpsc::RecvTimeoutError::Timeout) => {
                    if guard.check() {
                        rescue(&conn, guard);
                    }
                    continue;
                }
                Err(mpsc::RecvTimeoutError::Disconnected) => break,
            }
        }
        while pending.len() < MAX_BATCH {
            match jobs.try_recv() {
                Ok(job) => pending.push_back(job),
                Err(_) => break,
            }
        }
        if guard.check() {
            // Dropped unrun: each caller hears `Replaced`.
            rescue(&conn, guard);
            pending.clear();
            continue;
        }
        let batch: Vec<Job> = pending.drain(..pending.len().min(MAX_BATCH)).collect();
        for job in run_batch(&conn, batch, &publish, guard).into_iter().rev() {
            pending.push_front(job);
        }
    }
    if guard.replaced() {
        // The file is not the database any more: save what it holds (if
        // not yet done) and leave the path alone.
        rescue(&conn, guard);
        return;
    }
    // Every sender is gone: fold the WAL back into the main file so the
    // database is a single self-contained file after a clean shutdown.
    if let Err(err) = conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE);") {
        tracing::warn!(%err, "WAL checkpoint at shutdown failed");
    }
}

/// Saves what the replaced (or deleted) file holds beside the path, once:
/// the open connection still reads it whole.
fn rescue(conn: &Connection, guard: &FileGuard) {
    if guard.rescued().is_some() {
        return;
    }
    let now_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or_default();
    let target = guard::rescue_path(guard.path(), now_ms);
    match conn.backup(
        rusqlite::MAIN_DB,
        &target,
        None::<fn(rusqlite::backup::Progress)>,
    ) {
        Ok(()) => {
            tracing::error!(
                rescued = %target.display(),
                "the data of the replaced database file was saved; restore it \
                 (`motcua restore {}`) or move it away, then restart the hub",
                target.display()
            );
            guard.set_rescued(target);
        }
        Err(err) => {
            tracing::error!(%err, target = %target.display(), "cannot save the data of the replaced database file");
            // Do not try again every two seconds.
            guard.set_rescued(PathBuf::new());
        }
    }
}

/// Runs one batch in one transaction. Returns the jobs it did not get to
/// run because the batch was aborted; they belong in the next batch.
///
/// A job that is dropped unrun drops its reply channel: its caller gets
/// `NotCommitted` and may retry with its idempotency key.
fn run_batch(
    conn: &Connection,
    batch: Vec<Job>,
    publish: &Publisher,
    guard: &FileGuard,
) -> Vec<Job> {
    let mut any_ok = false;
    let mut completions: Vec<Completion> = Vec::with_capacity(batch.len());
    if let Err(err) = conn.execute_batch("BEGIN IMMEDIATE") {
        tracing::error!(%err, jobs = batch.len(), "cannot begin a write transaction");
        return Vec::new();
    }
    let mut ctx = WriteCtx {
        conn,
        events: Vec::new(),
    };
    let mut jobs = batch.into_iter();
    while let Some(job) = jobs.next() {
        let events_before = ctx.events.len();
        if let Err(err) = conn.execute_batch("SAVEPOINT job") {
            // Without its savepoint a failing job could not be undone
            // alone: it must not run at all.
            tracing::error!(%err, "cannot open a savepoint; the job is not run");
            continue;
        }
        let (ok, complete) = match catch_unwind(AssertUnwindSafe(|| job(&mut ctx))) {
            Ok((ok, complete)) => (ok, Some(complete)),
            Err(panic) => {
                let message = panic
                    .downcast_ref::<&str>()
                    .map(|s| (*s).to_owned())
                    .or_else(|| panic.downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "unknown panic".to_owned());
                tracing::error!(%message, "database job panicked; rolling it back");
                // The job's reply channel was dropped with the panic; the
                // caller sees NotCommitted.
                (false, None)
            }
        };
        any_ok |= ok;
        if !ok {
            ctx.events.truncate(events_before);
            if let Err(err) = conn.execute_batch("ROLLBACK TO job") {
                // The failed job's writes are still in the transaction:
                // committing would keep them. Nothing of this batch is
                // committed; the jobs not run yet go to the next batch.
                tracing::error!(%err, "cannot roll a failed job back; the whole batch is rolled back");
                completions.extend(complete);
                abort(conn, completions, || StoreError::NotCommitted);
                return jobs.collect();
            }
        }
        // After a successful job or a rollback: a savepoint left open only
        // nests the next one, and COMMIT ends them all.
        if let Err(err) = conn.execute_batch("RELEASE job") {
            tracing::warn!(%err, "cannot release a savepoint");
        }
        completions.extend(complete);
    }
    match conn.execute_batch("COMMIT") {
        Ok(()) => {
            if any_ok {
                // Something was written: the disk has room again.
                guard.set_disk_full(false);
            }
            if !ctx.events.is_empty() {
                publish(&ctx.events);
            }
            for complete in completions {
                complete(Ok(()));
            }
        }
        Err(err) => match StoreError::from(err) {
            StoreError::DiskFull(message) => {
                tracing::error!(%message, "disk full: the commit failed; nothing of the batch was written");
                guard.set_disk_full(true);
                abort(conn, completions, || StoreError::DiskFull(message.clone()));
            }
            err => {
                tracing::error!(%err, "commit failed; the batch is rolled back");
                let message = format!("commit failed: {err}");
                abort(conn, completions, || StoreError::Corrupt(message.clone()));
            }
        },
    }
    Vec::new()
}

/// Rolls the batch's transaction back and answers every job that ran with
/// `error()`.
fn abort(conn: &Connection, completions: Vec<Completion>, error: impl Fn() -> StoreError) {
    if let Err(err) = conn.execute_batch("ROLLBACK") {
        // The next BEGIN fails while this transaction is open, so nothing
        // of it can be committed later either.
        tracing::error!(%err, "cannot roll the batch back");
    }
    for complete in completions {
        complete(Err(error()));
    }
}

/// Events with an id greater than `after`, oldest first, at most `limit`.
pub fn events_after(
    conn: &Connection,
    after: i64,
    limit: u32,
) -> Result<Vec<StoredEvent>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, at_ms, kind, data FROM events WHERE id > ?1 ORDER BY id LIMIT ?2",
    )?;
    let rows = stmt.query_map((after, limit), |row| {
        Ok((
            row.get::<_, i64>(0)?,
            row.get::<_, i64>(1)?,
            row.get::<_, String>(2)?,
            row.get::<_, String>(3)?,
        ))
    })?;
    let mut events = Vec::new();
    for row in rows {
        let (id, at_ms, kind, data) = row?;
        let data = serde_json::from_str(&data)
            .map_err(|e| StoreError::Corrupt(format!("event {id}: {e}")))?;
        events.push(StoredEvent {
            id,
            at_ms,
            kind,
            data,
        });
    }
    Ok(events)
}

/// The newest event id, 0 when there is none.
pub fn last_event_id(conn: &Connection) -> Result<i64, StoreError> {
    Ok(conn.query_row("SELECT COALESCE(MAX(id), 0) FROM events", [], |r| r.get(0))?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rusqlite::hooks::{AuthAction, AuthContext, Authorization, TransactionOperation};
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

    fn store(dir: &tempfile::TempDir) -> (Store, Arc<Mutex<Vec<StoredEvent>>>) {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&seen);
        let store = Store::open(
            &dir.path().join("t.db"),
            Box::new(move |events| sink.lock().unwrap().extend_from_slice(events)),
        )
        .unwrap();
        (store, seen)
    }

    #[test]
    fn a_failed_job_rolls_back_alone_and_its_events_are_not_published() {
        let dir = tempfile::tempdir().unwrap();
        let (store, seen) = store(&dir);
        store
            .write_blocking(|ctx| ctx.emit(1, "kept", serde_json::json!({})).map(|_| ()))
            .unwrap();
        let failed: Result<(), StoreError> = store.write_blocking(|ctx| {
            ctx.emit(2, "dropped", serde_json::json!({}))?;
            Err(StoreError::Corrupt("refused".into()))
        });
        assert!(failed.is_err());
        let kinds: Vec<String> = store
            .read_blocking(|conn| events_after(conn, 0, 10))
            .unwrap()
            .into_iter()
            .map(|e| e.kind)
            .collect();
        assert_eq!(kinds, ["kept"]);
        assert_eq!(seen.lock().unwrap().len(), 1);
    }

    #[test]
    fn a_panicking_job_does_not_stop_the_writer() {
        let dir = tempfile::tempdir().unwrap();
        let (store, _) = store(&dir);
        let panicked: Result<(), StoreError> = store.write_blocking(|_| panic!("boom"));
        assert!(matches!(panicked, Err(StoreError::NotCommitted)));
        let id = store
            .write_blocking(|ctx| ctx.emit(1, "after", serde_json::json!({})))
            .unwrap();
        assert_eq!(id, 1);
    }

    #[test]
    fn concurrent_writers_are_batched_and_all_answered() {
        let dir = tempfile::tempdir().unwrap();
        let (store, seen) = store(&dir);
        let store = Arc::new(store);
        let done = Arc::new(AtomicUsize::new(0));
        let threads: Vec<_> = (0..8)
            .map(|t| {
                let store = Arc::clone(&store);
                let done = Arc::clone(&done);
                std::thread::spawn(move || {
                    for i in 0..50 {
                        store
                            .write_blocking(move |ctx| {
                                ctx.emit(i, "e", serde_json::json!({ "t": t }))
                            })
                            .unwrap();
                        done.fetch_add(1, Ordering::SeqCst);
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        assert_eq!(done.load(Ordering::SeqCst), 400);
        let published = seen.lock().unwrap();
        let ids: Vec<i64> = published.iter().map(|e| e.id).collect();
        assert_eq!(
            ids,
            (1..=400).collect::<Vec<_>>(),
            "published in id order, once each"
        );
    }

    /// A store whose writer's connection refuses the next `job` savepoint
    /// statement of kind `operation` once `armed` is set: an SQLite
    /// authorizer denies it, so SQLite fails the statement as it would fail
    /// for any other reason.
    fn store_refusing(
        dir: &tempfile::TempDir,
        operation: TransactionOperation,
    ) -> (Store, Arc<AtomicBool>, Arc<Mutex<Vec<StoredEvent>>>) {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&seen);
        let armed = Arc::new(AtomicBool::new(false));
        let trigger = Arc::clone(&armed);
        let store = Store::start(
            &dir.path().join("t.db"),
            schema::HUB,
            Box::new(move |events| sink.lock().unwrap().extend_from_slice(events)),
            move |conn| {
                conn.authorizer(Some(move |auth: AuthContext<'_>| match auth.action {
                    AuthAction::Savepoint {
                        operation: op,
                        savepoint_name: "job",
                    } if op == operation && trigger.swap(false, Ordering::SeqCst) => {
                        Authorization::Deny
                    }
                    _ => Authorization::Allow,
                }))?;
                Ok(())
            },
        )
        .unwrap();
        (store, armed, seen)
    }

    fn event_kinds(store: &Store) -> Vec<String> {
        store
            .read_blocking(|conn| events_after(conn, 0, 100))
            .unwrap()
            .into_iter()
            .map(|e| e.kind)
            .collect()
    }

    #[test]
    fn a_job_whose_savepoint_fails_does_not_run() {
        let dir = tempfile::tempdir().unwrap();
        let (store, armed, seen) = store_refusing(&dir, TransactionOperation::Begin);
        armed.store(true, Ordering::SeqCst);
        let ran = Arc::new(AtomicBool::new(false));
        let ran_in_job = Arc::clone(&ran);
        let refused: Result<i64, StoreError> = store.write_blocking(move |ctx| {
            ran_in_job.store(true, Ordering::SeqCst);
            ctx.emit(1, "without_savepoint", serde_json::json!({}))
        });
        assert!(
            matches!(refused, Err(StoreError::NotCommitted)),
            "{refused:?}"
        );
        assert!(
            !ran.load(Ordering::SeqCst),
            "the job ran without its savepoint"
        );
        // The writer goes on with the next job.
        store
            .write_blocking(|ctx| ctx.emit(2, "next", serde_json::json!({})))
            .unwrap();
        assert_eq!(event_kinds(&store), ["next"]);
        assert_eq!(seen.lock().unwrap().len(), 1);
    }

    #[test]
    fn a_failed_rollback_aborts_the_batch_and_commits_nothing_half_done() {
        let dir = tempfile::tempdir().unwrap();
        let (store, armed, seen) = store_refusing(&dir, TransactionOperation::Rollback);
        let emit = |kind: &'static str| {
            move |ctx: &mut WriteCtx<'_>| -> Result<(), StoreError> {
                ctx.emit(1, kind, serde_json::json!({})).map(|_| ())
            }
        };
        // The first job holds the writer until the next three are queued,
        // so those three make one batch.
        let (started, wait_started) = mpsc::channel();
        let (go, wait_go) = mpsc::channel::<()>();
        let first = store
            .submit(move |ctx: &mut WriteCtx<'_>| {
                started.send(()).unwrap();
                wait_go.recv().unwrap();
                emit("first")(ctx)
            })
            .unwrap();
        wait_started.recv().unwrap();
        let kept = store.submit(emit("rolled_back_with_the_batch")).unwrap();
        let failing = store
            .submit(move |ctx: &mut WriteCtx<'_>| -> Result<(), StoreError> {
                ctx.emit(1, "half_done", serde_json::json!({}))?;
                armed.store(true, Ordering::SeqCst);
                Err(StoreError::Corrupt("refused".into()))
            })
            .unwrap();
        let after = store.submit(emit("after")).unwrap();
        go.send(()).unwrap();

        assert!(matches!(first.blocking_recv(), Ok(Ok(()))));
        let kept = kept.blocking_recv().unwrap();
        assert!(matches!(kept, Err(StoreError::NotCommitted)), "{kept:?}");
        assert!(failing.blocking_recv().unwrap().is_err());
        // A job the aborted batch had not run yet runs in the next one.
        assert!(matches!(after.blocking_recv(), Ok(Ok(()))));
        assert_eq!(event_kinds(&store), ["first", "after"]);
        let published: Vec<String> = seen
            .lock()
            .unwrap()
            .iter()
            .map(|e| e.kind.clone())
            .collect();
        assert_eq!(published, ["first", "after"]);
    }

    #[test]
    fn reopening_keeps_committed_data() {
        let dir = tempfile::tempdir().unwrap();
        {
            let (store, _) = store(&dir);
            store
                .write_blocking(|ctx| ctx.emit(1, "e", serde_json::json!({})))
                .unwrap();
            store.close();
        }
        let (store, _) = store(&dir);
        assert_eq!(store.read_blocking(last_event_id).unwrap(), 1);
    }
}
