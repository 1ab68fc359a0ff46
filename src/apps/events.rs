//! A client for the hub's live event stream (`GET /api/v1/events`,
//! Server-Sent Events) that every app can use: it parses `id`, `event` and
//! `data`, remembers the last event id, and reconnects with backoff, sending
//! `Last-Event-ID` so the hub replays exactly what was missed (or sends one
//! `resync` event when the gap is too old — the app then reloads
//! `GET /api/v1/queue`).
//!
//! Apps receive [`StreamEvent`]s through a callback on a tokio task: they
//! hand them to their UI thread like any other result. A connection that
//! goes quiet for [`EventStreamOptions::idle_timeout`] (the hub sends a
//! keep-alive every 15 s) is treated as cut: a network that drops a cable
//! without a reset must not leave a hall board frozen.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use rand::Rng;
use tokio::sync::watch;

/// One Server-Sent Event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SseMessage {
    /// The last event id the stream set (the event's own `id:` field, or
    /// the one before it when the event has none), when it is a number.
    pub id: Option<i64>,
    /// The `event:` field (`message` when absent).
    pub event: String,
    /// The `data:` lines, joined with `\n`.
    pub data: String,
}

impl SseMessage {
    /// The hub's event this message carries, typed (`None` for anything
    /// that is not one: a kind this app does not know, a damaged payload).
    pub fn read(&self) -> Option<motcua_api::StreamEvent> {
        match motcua_api::StreamEvent::parse(&self.event, &self.data) {
            Ok(event) => Some(event),
            Err(err) => {
                tracing::debug!(%err, event = %self.event, "an event this app cannot read");
                None
            }
        }
    }
}

/// Longest line the parser keeps. The hub's largest event is a few KB; a
/// stream that sends more without a line end is broken or hostile, and the
/// event it belongs to is dropped instead of growing memory without end.
pub const MAX_LINE: usize = 64 * 1024;

/// Incremental `text/event-stream` parser (the WHATWG rules the hub needs:
/// fields `id`, `event`, `data`, comments, CR/LF/CRLF line ends, a leading
/// BOM, the last event id kept across events; `retry` is ignored — the
/// client has its own backoff). Lines are cut on bytes and decoded whole,
/// so a letter split across two chunks arrives intact.
#[derive(Debug, Default)]
pub struct SseParser {
    line: Vec<u8>,
    /// The current line passed [`MAX_LINE`]: its bytes are being skipped.
    overflow: bool,
    /// The event being read lost a line to [`MAX_LINE`]: it is dropped.
    broken: bool,
    started: bool,
    after_cr: bool,
    /// The spec's "last event ID buffer": set by `id:`, kept until the next
    /// `id:`, given to every event dispatched meanwhile.
    last_id: Option<String>,
    event: String,
    data: String,
    has_data: bool,
}

impl SseParser {
    pub fn new() -> Self {
        Self::default()
    }

    /// Feeds bytes; returns the events completed by them.
    pub fn feed(&mut self, bytes: &[u8]) -> Vec<SseMessage> {
        let mut out = Vec::new();
        for &b in bytes {
            if self.after_cr {
                self.after_cr = false;
                if b == b'\n' {
                    continue;
                }
            }
            match b {
                b'\r' => {
                    self.after_cr = true;
                    self.end_line(&mut out);
                }
                b'\n' => self.end_line(&mut out),
                _ if self.overflow => {}
                _ if self.line.len() == MAX_LINE => {
                    self.overflow = true;
                    self.line = Vec::new();
                }
                _ => self.line.push(b),
            }
        }
        out
    }

    fn end_line(&mut self, out: &mut Vec<SseMessage>) {
        if std::mem::take(&mut self.overflow) {
            tracing::warn!(
                limit = MAX_LINE,
                "event stream line too long; dropping its event"
            );
            self.broken = true;
            self.started = true;
            return;
        }
        let mut line = std::mem::take(&mut self.line);
        if !self.started {
            self.started = true;
            if line.starts_with("\u{feff}".as_bytes()) {
                line.drain(..3);
            }
        }
        if line.is_empty() {
            self.dispatch(out);
            return;
        }
        if line[0] == b':' {
            return;
        }
        let text = String::from_utf8_lossy(&line);
        let (field, value) = match text.split_once(':') {
            Some((f, v)) => (f, v.strip_prefix(' ').unwrap_or(v)),
            None => (text.as_ref(), ""),
        };
        match field {
            "id" if !value.contains('\0') => self.last_id = Some(value.to_owned()),
            "event" => self.event = value.to_owned(),
            "data" => {
                if self.has_data {
                    self.data.push('\n');
                }
                self.data.push_str(value);
                self.has_data = true;
            }
            _ => {}
        }
    }

    fn dispatch(&mut self, out: &mut Vec<SseMessage>) {
        let event = std::mem::take(&mut self.event);
        let data = std::mem::take(&mut self.data);
        let had_data = std::mem::replace(&mut self.has_data, false);
        if std::mem::take(&mut self.broken) || !had_data {
            // The spec dispatches nothing without data (an `id:` alone only
            // sets the last event id).
            return;
        }
        out.push(SseMessage {
            id: self.last_id.as_deref().and_then(|s| s.trim().parse().ok()),
            event: if event.is_empty() {
                "message".to_owned()
            } else {
                event
            },
            data,
        });
    }
}

/// What the stream tells the app.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StreamEvent {
    /// Connected; missed events (if any) follow.
    Connected { resumed_from: Option<i64> },
    /// An event from the hub.
    Message(SseMessage),
    /// The connection failed or was cut; the next attempt is in `retry_in`.
    Disconnected { error: String, retry_in: Duration },
}

/// Where and how to listen.
#[derive(Debug, Clone)]
pub struct EventStreamOptions {
    /// `http://host:port` of the hub.
    pub base_url: String,
    pub token: String,
    pub initial_backoff: Duration,
    pub max_backoff: Duration,
    /// A connection silent for this long is treated as cut.
    pub idle_timeout: Duration,
}

impl EventStreamOptions {
    pub fn new(base_url: &str, token: &str) -> Self {
        Self {
            base_url: base_url.trim_end_matches('/').to_owned(),
            token: token.to_owned(),
            initial_backoff: Duration::from_millis(250),
            max_backoff: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(45),
        }
    }
}

/// A running stream; dropping it (or [`EventStream::stop`]) ends it.
pub struct EventStream {
    stop: watch::Sender<bool>,
    last_id: Arc<AtomicI64>,
}

impl EventStream {
    /// Starts listening on `runtime`, resuming after `last_event_id` (the
    /// `last_event_id` of the `GET /api/v1/queue` the app loaded first, so
    /// nothing between the two is lost). `on_event` runs on a tokio task.
    pub fn spawn(
        runtime: &tokio::runtime::Handle,
        options: EventStreamOptions,
        last_event_id: Option<i64>,
        on_event: impl Fn(StreamEvent) + Send + Sync + 'static,
    ) -> Self {
        let (stop, stopped) = watch::channel(false);
        let last_id = Arc::new(AtomicI64::new(last_event_id.unwrap_or(-1)));
        runtime.spawn(run(options, Arc::clone(&last_id), stopped, on_event));
        Self { stop, last_id }
    }

    /// The id of the last event received (`None` before any).
    pub fn last_event_id(&self) -> Option<i64> {
        Some(self.last_id.load(Ordering::SeqCst)).filter(|id| *id >= 0)
    }

    /// Ends the stream.
    pub fn stop(&self) {
        let _ = self.stop.send(true);
    }
}

impl Drop for EventStream {
    fn drop(&mut self) {
        self.stop();
    }
}

async fn run(
    options: EventStreamOptions,
    last_id: Arc<AtomicI64>,
    mut stopped: watch::Receiver<bool>,
    on_event: impl Fn(StreamEvent) + Send + Sync + 'static,
) {
    let http = match crate::apps::hub_client::http_builder(&[])
        .connect_timeout(Duration::from_secs(3))
        .build()
    {
        Ok(http) => http,
        Err(err) => {
            tracing::error!(%err, "cannot build the event stream's HTTP client");
            return;
        }
    };
    let mut backoff = options.initial_backoff;
    loop {
        let resume = Some(last_id.load(Ordering::SeqCst)).filter(|id| *id >= 0);
        let attempt = listen(&http, &options, resume, &last_id, &on_event);
        let outcome = tokio::select! {
            outcome = attempt => outcome,
            _ = stopped.wait_for(|s| *s) => return,
        };
        match outcome {
            // A connection that delivered something starts the backoff over.
            Ok(()) => backoff = options.initial_backoff,
            Err(Failure {
                delivered: true, ..
            }) => backoff = options.initial_backoff,
            Err(_) => {}
        }
        let error = match &outcome {
            Ok(()) => "the hub ended the stream".to_owned(),
            Err(f) => f.error.clone(),
        };
        // ±20 % jitter: forty counters must not reconnect in step.
        let jitter = rand::rng().random_range(0.8..1.2);
        let retry_in = backoff.mul_f64(jitter);
        tracing::debug!(%error, ?retry_in, "event stream disconnected");
        on_event(StreamEvent::Disconnected { error, retry_in });
        tokio::select! {
            _ = tokio::time::sleep(retry_in) => {}
            _ = stopped.wait_for(|s| *s) => return,
        }
        backoff = (backoff * 2).min(options.max_backoff);
    }
}

struct Failure {
    error: String,
    delivered: bool,
}

async fn listen(
    http: &reqwest::Client,
    options: &EventStreamOptions,
    resume: Option<i64>,
    last_id: &AtomicI64,
    on_event: &(impl Fn(StreamEvent) + Send + Sync),
) -> Result<(), Failure> {
    let fail = |error: String, delivered| Failure { error, delivered };
    let mut req = http
        .get(format!("{}/api/v1/events", options.base_url))
        .bearer_auth(&options.token)
        .header("Accept", "text/event-stream");
    if let Some(id) = resume {
        req = req.header("Last-Event-ID", id.to_string());
    }
    let mut resp = tokio::time::timeout(options.idle_timeout, req.send())
        .await
        .map_err(|_| fail("no answer from the hub".into(), false))?
        .map_err(|e| fail(e.to_string(), false))?;
    if !resp.status().is_success() {
        let status = resp.status();
        let body = resp.text().await.unwrap_or_default();
        return Err(fail(format!("HTTP {status}: {body}"), false));
    }
    on_event(StreamEvent::Connected {
        resumed_from: resume,
    });
    let mut parser = SseParser::new();
    let mut delivered = false;
    loop {
        let chunk = tokio::time::timeout(options.idle_timeout, resp.chunk())
            .await
            .map_err(|_| fail("the stream went quiet".into(), delivered))?
            .map_err(|e| fail(e.to_string(), delivered))?;
        let Some(chunk) = chunk else {
            return Ok(());
        };
        for message in parser.feed(&chunk) {
            if let Some(id) = message.id {
                last_id.store(id, Ordering::SeqCst);
            }
            delivered = true;
            on_event(StreamEvent::Message(message));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_fields_comments_and_line_ends() {
        let mut p = SseParser::new();
        let stream =
            "\u{feff}: keep-alive\r\nid: 7\r\nevent: ticket.called\r\ndata: {\"a\":1}\r\n\r\n\
                      id:8\nevent:resync\ndata:{}\n\nid: 9\rdata: line 1\rdata: line 2\r\r";
        let events = p.feed(stream.as_bytes());
        assert_eq!(
            events,
            vec![
                SseMessage {
                    id: Some(7),
                    event: "ticket.called".into(),
                    data: "{\"a\":1}".into()
                },
                SseMessage {
                    id: Some(8),
                    event: "resync".into(),
                    data: "{}".into()
                },
                SseMessage {
                    id: Some(9),
                    event: "message".into(),
                    data: "line 1\nline 2".into()
                },
            ]
        );
    }

    #[test]
    fn events_split_across_chunks_at_any_byte() {
        let stream = "id: 41\nevent: ticket.issued\ndata: {\"số\":\"A012\"}\n\n: ping\n\nid: 42\nevent: ticket.called\ndata: x\n\n";
        let whole = SseParser::new().feed(stream.as_bytes());
        assert_eq!(whole.len(), 2);
        for split in 0..stream.len() {
            let mut p = SseParser::new();
            let mut got = p.feed(&stream.as_bytes()[..split]);
            got.extend(p.feed(&stream.as_bytes()[split..]));
            assert_eq!(got, whole, "split at {split}");
        }
        // A CRLF split between CR and LF is one line end, not two.
        let mut p = SseParser::new();
        let mut got = p.feed(b"data: a\r");
        got.extend(p.feed(b"\n\r\n"));
        assert_eq!(got.len(), 1);
    }

    #[test]
    fn blank_blocks_dispatch_nothing() {
        let mut p = SseParser::new();
        assert!(p.feed(b"\n\n: comment\n\nevent: x\n\nid: 5\n\n").is_empty());
    }

    /// The spec keeps the last event id: an event without `id:` carries
    /// the one before it (and `Last-Event-ID` on a reconnection is right).
    #[test]
    fn an_event_without_an_id_keeps_the_last_one() {
        let mut p = SseParser::new();
        let got = p.feed(b"id: 7\ndata: a\n\ndata: b\n\nid: 9\n\ndata: c\n\nid:\ndata: d\n\n");
        let ids: Vec<Option<i64>> = got.iter().map(|m| m.id).collect();
        assert_eq!(ids, [Some(7), Some(7), Some(9), None]);
        let data: Vec<&str> = got.iter().map(|m| m.data.as_str()).collect();
        assert_eq!(data, ["a", "b", "c", "d"]);
    }

    /// A line longer than 64 KB is not kept: its event is dropped, and the
    /// stream goes on with the next one.
    #[test]
    fn a_line_over_64_kb_drops_its_event_not_the_stream() {
        let mut p = SseParser::new();
        let mut stream = b"id: 1\nevent: ticket.called\ndata: ".to_vec();
        stream.extend(std::iter::repeat_n(b'x', MAX_LINE + 10));
        stream.extend(b"\n\nid: 2\nevent: ticket.called\ndata: ok\n\n");
        let mut got = Vec::new();
        for chunk in stream.chunks(4096) {
            got.extend(p.feed(chunk));
        }
        assert_eq!(got.len(), 1, "only the event after the long line");
        assert_eq!((got[0].id, got[0].data.as_str()), (Some(2), "ok"));
        assert!(p.line.capacity() <= MAX_LINE, "memory stayed bounded");
        // A line of exactly the limit is kept.
        let mut p = SseParser::new();
        let mut exact = b"data: ".to_vec();
        exact.extend(std::iter::repeat_n(b'y', MAX_LINE - 6));
        exact.extend(b"\n\n");
        assert_eq!(p.feed(&exact)[0].data.len(), MAX_LINE - 6);
    }

    /// A Vietnamese letter whose bytes arrive in two chunks is decoded
    /// whole, never as U+FFFD.
    #[test]
    fn a_letter_split_across_chunks_arrives_whole() {
        let stream = "id: 3\nevent: ticket.called\ndata: {\"name_vi\":\"Hộ tịch\"}\n\n".as_bytes();
        let at = stream.windows(3).position(|w| w == "ộ".as_bytes()).unwrap() + 1;
        let mut p = SseParser::new();
        let mut got = p.feed(&stream[..at]);
        got.extend(p.feed(&stream[at..]));
        assert_eq!(got[0].data, "{\"name_vi\":\"Hộ tịch\"}");
        assert!(!got[0].data.contains('\u{fffd}'));
    }
}
