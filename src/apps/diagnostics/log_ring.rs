//! The last log lines, kept in memory for the technician screen, `motcua
//! diag` and support bundles.
//!
//! [`LogRing`] is a `tracing` layer: every event that passes the log filter
//! is formatted as one line (`2026-11-26T08:30:01.123Z WARN target:
//! message key=value`) and pushed into a bounded ring; the oldest line falls
//! out. Lines go through [`redact`](super::privacy::redact) before they are
//! kept, so an ID number logged by mistake is masked here too — the app
//! itself never logs personal data (DESIGN: masked IDs only), this is the
//! second lock on the door.
//!
//! The process has one ring ([`LogRing::global`]), installed by
//! `motcua::run` beside the stderr logger; tests make their own.

use std::collections::VecDeque;
use std::fmt::Write as _;
use std::sync::{Arc, Mutex, OnceLock};

use tracing::field::{Field, Visit};
use tracing::{Event, Subscriber};
use tracing_subscriber::layer::{Context, Layer};

use super::privacy::redact;

/// Lines kept by the process-wide ring.
pub const DEFAULT_CAPACITY: usize = 500;
/// A longer line is cut (a runaway debug dump must not fill the ring).
const MAX_LINE: usize = 2000;

/// A bounded ring of formatted log lines. Cheap to clone (shared).
#[derive(Clone, Debug)]
pub struct LogRing {
    inner: Arc<Mutex<VecDeque<String>>>,
    capacity: usize,
}

impl LogRing {
    /// An empty ring keeping the last `capacity` lines.
    pub fn new(capacity: usize) -> Self {
        Self {
            inner: Arc::new(Mutex::new(VecDeque::with_capacity(capacity.min(1024)))),
            capacity: capacity.max(1),
        }
    }

    /// The process-wide ring (empty until logging is initialised with it).
    pub fn global() -> &'static LogRing {
        static RING: OnceLock<LogRing> = OnceLock::new();
        RING.get_or_init(|| LogRing::new(DEFAULT_CAPACITY))
    }

    /// Adds a line (redacted, cut to a sane length).
    pub fn push(&self, line: &str) {
        let mut line = redact(line);
        if line.len() > MAX_LINE {
            let mut end = MAX_LINE;
            while !line.is_char_boundary(end) {
                end -= 1;
            }
            line.truncate(end);
            line.push('…');
        }
        let mut ring = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        if ring.len() == self.capacity {
            ring.pop_front();
        }
        ring.push_back(line);
    }

    /// The newest `n` lines, oldest first.
    pub fn last(&self, n: usize) -> Vec<String> {
        let ring = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        let skip = ring.len().saturating_sub(n);
        ring.iter().skip(skip).cloned().collect()
    }

    /// Every line kept, oldest first.
    pub fn lines(&self) -> Vec<String> {
        self.last(self.capacity)
    }
}

/// Collects an event's message and fields into one line.
struct LineVisitor {
    message: String,
    fields: String,
}

impl Visit for LineVisitor {
    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            self.message.push_str(value);
        } else {
            let _ = write!(self.fields, " {}={value}", field.name());
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if field.name() == "message" {
            let _ = write!(self.message, "{value:?}");
        } else {
            let _ = write!(self.fields, " {}={value:?}", field.name());
        }
    }
}

impl<S: Subscriber> Layer<S> for LogRing {
    fn on_event(&self, event: &Event<'_>, _ctx: Context<'_, S>) {
        let meta = event.metadata();
        let mut visitor = LineVisitor {
            message: String::new(),
            fields: String::new(),
        };
        event.record(&mut visitor);
        let line = format!(
            "{} {} {}: {}{}",
            chrono::Utc::now().format("%Y-%m-%dT%H:%M:%S%.3fZ"),
            meta.level(),
            meta.target(),
            visitor.message,
            visitor.fields
        );
        self.push(&line);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tracing_subscriber::layer::SubscriberExt;

    #[test]
    fn keeps_the_last_lines_redacted() {
        let ring = LogRing::new(3);
        let subscriber = tracing_subscriber::registry().with(ring.clone());
        tracing::subscriber::with_default(subscriber, || {
            for i in 0..5 {
                tracing::info!(n = i, "line");
            }
            tracing::warn!(id = "001090012345", "oops, an ID");
        });
        let lines = ring.lines();
        assert_eq!(lines.len(), 3);
        assert!(
            lines[0].contains("INFO") && lines[0].contains("n=3"),
            "{lines:?}"
        );
        assert!(lines[2].contains("WARN"), "{lines:?}");
        assert!(lines[2].contains("001******345"), "{lines:?}");
        assert!(!lines[2].contains("001090012345"), "{lines:?}");
        assert_eq!(ring.last(1).len(), 1);
    }
}
