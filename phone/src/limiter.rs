//! Requests per client address: a token bucket each, in bounded memory.
//!
//! Each address may make `per_minute` requests in a burst, then one every
//! `60 / per_minute` seconds. A bucket that has had time to fill up again
//! holds nothing worth keeping, so it is forgotten; and the table never
//! holds more than [`MAX_ADDRESSES`]: when full, idle buckets go first, then
//! the least recently seen one. The clock is passed in, so tests need no
//! waiting.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The most addresses remembered at once (about 0.5 MiB).
pub const MAX_ADDRESSES: usize = 10_000;

/// A token bucket per client address.
#[derive(Debug)]
pub struct RateLimiter {
    per_minute: u32,
    state: Mutex<Table>,
}

#[derive(Debug, Default)]
struct Table {
    buckets: HashMap<IpAddr, Bucket>,
    /// When idle buckets were last forgotten.
    swept: Option<Instant>,
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    seen: Instant,
}

impl RateLimiter {
    /// `per_minute` requests a minute per address; 0 lets everything
    /// through.
    pub fn new(per_minute: u32) -> Self {
        Self {
            per_minute,
            state: Mutex::new(Table::default()),
        }
    }

    /// The time an empty bucket takes to fill up.
    fn refill(&self) -> Duration {
        Duration::from_secs(60)
    }

    /// Whether `addr` may make a request at `now` (and counts it).
    pub fn allow(&self, addr: IpAddr, now: Instant) -> bool {
        if self.per_minute == 0 {
            return true;
        }
        let cap = f64::from(self.per_minute);
        let rate = cap / self.refill().as_secs_f64();
        // A poisoned lock only means another request panicked while
        // counting; the table is still a table.
        let mut table = self.state.lock().unwrap_or_else(|e| e.into_inner());
        if table
            .swept
            .is_none_or(|t| now.saturating_duration_since(t) >= self.refill())
        {
            self.sweep(&mut table, now);
        }
        if !table.buckets.contains_key(&addr) && table.buckets.len() >= MAX_ADDRESSES {
            self.sweep(&mut table, now);
            if table.buckets.len() >= MAX_ADDRESSES {
                let oldest = table
                    .buckets
                    .iter()
                    .min_by_key(|(_, b)| b.seen)
                    .map(|(a, _)| *a);
                if let Some(a) = oldest {
                    table.buckets.remove(&a);
                }
            }
        }
        let bucket = table.buckets.entry(addr).or_insert(Bucket {
            tokens: cap,
            seen: now,
        });
        let elapsed = now.saturating_duration_since(bucket.seen).as_secs_f64();
        bucket.tokens = (bucket.tokens + elapsed * rate).min(cap);
        bucket.seen = bucket.seen.max(now);
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            true
        } else {
            false
        }
    }

    /// Forgets the buckets that are full again by `now`.
    fn sweep(&self, table: &mut Table, now: Instant) {
        let refill = self.refill();
        table
            .buckets
            .retain(|_, b| now.saturating_duration_since(b.seen) < refill);
        table.swept = Some(now);
    }

    /// How many addresses are remembered (for tests and diagnostics).
    pub fn tracked(&self) -> usize {
        self.state
            .lock()
            .map(|t| t.buckets.len())
            .unwrap_or_else(|e| e.into_inner().buckets.len())
    }
}
