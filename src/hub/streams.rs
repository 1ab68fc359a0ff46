//! Event streams open now (`GET /api/v1/events`), counted per bearer
//! token: one token may hold at most `per_token` at once (a display, a
//! counter and a technician's tools need a handful; a leaked lobby token
//! must not open thousands), and when the last stream of the hub closes,
//! the memory their buffers took is handed back to the system.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tokio::sync::watch;

/// Replay pages read at once (the hub's other reads keep the rest of the
/// blocking pool).
const REPLAY_READS: usize = 4;

/// The hub's open event streams.
#[derive(Clone)]
pub struct Streams(Arc<Inner>);

struct Inner {
    per_token: usize,
    /// Replay pages read from the database at once, all streams together:
    /// a thousand replays must not become a thousand blocking threads each
    /// with its own SQLite connection and page cache.
    reads: tokio::sync::Semaphore,
    open: Mutex<HashMap<String, usize>>,
    /// How many are open in all (tests wait on it).
    total: watch::Sender<usize>,
}

/// One open stream; closing it is dropping this.
pub struct StreamSlot {
    streams: Arc<Inner>,
    token: String,
}

impl Streams {
    pub fn new(per_token: usize) -> Self {
        Self(Arc::new(Inner {
            per_token,
            reads: tokio::sync::Semaphore::new(REPLAY_READS),
            open: Mutex::new(HashMap::new()),
            total: watch::channel(0).0,
        }))
    }

    /// A place for one more stream of `token`, or `None` when it already
    /// holds `per_token`.
    pub fn open(&self, token: &str) -> Option<StreamSlot> {
        let mut open = self.0.lock();
        let n = open.entry(token.to_owned()).or_insert(0);
        if *n >= self.0.per_token {
            return None;
        }
        *n += 1;
        self.0.total.send_modify(|t| *t += 1);
        Some(StreamSlot {
            streams: Arc::clone(&self.0),
            token: token.to_owned(),
        })
    }

    /// A turn to read one replay page from the database.
    pub async fn read_turn(&self) -> Option<tokio::sync::SemaphorePermit<'_>> {
        self.0.reads.acquire().await.ok()
    }

    /// Streams open now, all tokens together.
    pub fn count(&self) -> usize {
        *self.0.total.borrow()
    }

    /// The number of open streams, as it changes.
    pub fn watch(&self) -> watch::Receiver<usize> {
        self.0.total.subscribe()
    }

    /// The most one token may hold.
    pub fn per_token(&self) -> usize {
        self.0.per_token
    }
}

impl Inner {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, usize>> {
        self.open.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Drop for StreamSlot {
    fn drop(&mut self) {
        let mut open = self.streams.lock();
        if let Some(n) = open.get_mut(&self.token) {
            *n -= 1;
            if *n == 0 {
                open.remove(&self.token);
            }
        }
        let mut last = false;
        self.streams.total.send_modify(|t| {
            *t = t.saturating_sub(1);
            last = *t == 0;
        });
        drop(open);
        if last {
            give_back_memory();
        }
    }
}

/// Returns freed heap pages to the system. glibc keeps what a thousand
/// streams' buffers took in its arenas otherwise, and the hub's resident
/// size never comes down.
fn give_back_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only releases free memory of the allocator.
    unsafe {
        libc::malloc_trim(0);
    }
}
