//! Shared helpers: a hub in-process or as a child process, an HTTP client
//! with the demo tokens, and a small Server-Sent Events reader.

#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;

use motcua::config::Config;
use motcua::hub::{start, Clock, HubOptions, PortalTarget, RunningHub};
use reqwest::StatusCode;
use serde_json::Value;

pub const KIOSK: &str = "demo-kiosk-token";
pub const COUNTER: &str = "demo-counter-token";
pub const DISPLAY: &str = "demo-display-token";
pub const TECHNICIAN: &str = "demo-technician-token";

/// A hub running in this process on `127.0.0.1:0`, with its own database.
pub struct TestHub {
    pub running: Option<RunningHub>,
    pub url: String,
    pub dir: tempfile::TempDir,
}

impl TestHub {
    pub async fn start() -> Self {
        Self::with(Config::demo(), None).await
    }

    /// A hub delivering to the configured portal, or (the demo office's
    /// default) to a portal sandbox started beside its database.
    pub async fn with(config: Config, clock: Option<Clock>) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let portal = motcua::cmd::hub::portal_for(&config, &dir.path().join("hub.db"), None)
            .await
            .unwrap();
        Self::start_in(dir, config, clock, portal).await
    }

    /// A hub delivering dossiers to `portal`.
    pub async fn with_portal(config: Config, clock: Option<Clock>, portal: PortalTarget) -> Self {
        Self::start_in(tempfile::tempdir().unwrap(), config, clock, portal).await
    }

    async fn start_in(
        dir: tempfile::TempDir,
        config: Config,
        clock: Option<Clock>,
        portal: PortalTarget,
    ) -> Self {
        let running = start(
            Arc::new(config),
            HubOptions {
                listen: "127.0.0.1:0".parse().unwrap(),
                database: dir.path().join("hub.db"),
                clock,
                portal,
            },
        )
        .await
        .unwrap();
        let url = running.base_url();
        Self {
            running: Some(running),
            url,
            dir,
        }
    }

    pub fn db(&self) -> PathBuf {
        self.dir.path().join("hub.db")
    }

    pub fn client(&self, token: &str) -> Api {
        Api::new(&self.url, token)
    }

    pub async fn stop(mut self) -> tempfile::TempDir {
        if let Some(r) = self.running.take() {
            r.shutdown().await.unwrap();
        }
        self.dir
    }
}

/// A demo office with `n` counters that all serve every service.
pub fn office_with_counters(n: u32) -> Config {
    let mut config = Config::demo();
    config.queue.daily_cap = 9999;
    let all: Vec<String> = config.services.iter().map(|s| s.code.clone()).collect();
    config.counters = (1..=n)
        .map(|number| motcua::config::CounterConfig {
            number,
            name: None,
            services: all.clone(),
        })
        .collect();
    config
}

/// A JSON client for one token.
#[derive(Clone)]
pub struct Api {
    pub base: String,
    pub token: String,
    pub http: reqwest::Client,
}

impl Api {
    pub fn new(base: &str, token: &str) -> Self {
        Self {
            base: base.to_owned(),
            token: token.to_owned(),
            http: reqwest::Client::builder().build().unwrap(),
        }
    }

    pub async fn get(&self, path: &str) -> (StatusCode, Value) {
        let resp = self
            .http
            .get(format!("{}{path}", self.base))
            .bearer_auth(&self.token)
            .send()
            .await
            .unwrap();
        let status = resp.status();
        let text = resp.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    pub async fn post(
        &self,
        path: &str,
        body: Option<&Value>,
        key: Option<&str>,
    ) -> (StatusCode, Value) {
        let mut req = self
            .http
            .post(format!("{}{path}", self.base))
            .bearer_auth(&self.token);
        if let Some(body) = body {
            req = req.json(body);
        }
        if let Some(key) = key {
            req = req.header("Idempotency-Key", key);
        }
        let resp = req.send().await.unwrap();
        let status = resp.status();
        let text = resp.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    pub async fn post_raw(&self, path: &str, body: Vec<u8>) -> (StatusCode, Value) {
        let resp = self
            .http
            .post(format!("{}{path}", self.base))
            .bearer_auth(&self.token)
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap();
        let status = resp.status();
        let text = resp.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    pub async fn issue(&self, service: &str) -> Value {
        let (status, body) = self
            .post(
                "/api/v1/tickets",
                Some(&serde_json::json!({ "service": service })),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        body
    }
}

/// One Server-Sent Event.
#[derive(Debug, Clone, PartialEq)]
pub struct SseEvent {
    pub id: Option<i64>,
    pub kind: String,
    pub data: Value,
}

/// Cuts a `text/event-stream` into blocks at blank lines, on bytes: a
/// letter whose bytes arrive in two chunks is decoded whole.
#[derive(Debug, Default)]
pub struct SseBlocks {
    buf: Vec<u8>,
}

impl SseBlocks {
    pub fn push(&mut self, chunk: &[u8]) {
        self.buf.extend_from_slice(chunk);
    }

    /// The next complete block, if one has arrived.
    pub fn next_block(&mut self) -> Option<String> {
        let end = self.buf.windows(2).position(|w| w == b"\n\n")?;
        let block: Vec<u8> = self.buf.drain(..end + 2).collect();
        Some(String::from_utf8(block).expect("the hub sends UTF-8"))
    }
}

/// Reads events from a `text/event-stream` response.
pub struct SseReader {
    resp: reqwest::Response,
    blocks: SseBlocks,
}

impl SseReader {
    pub async fn connect(base: &str, token: &str, last_event_id: Option<i64>) -> Self {
        let mut req = reqwest::Client::new()
            .get(format!("{base}/api/v1/events"))
            .bearer_auth(token);
        if let Some(id) = last_event_id {
            req = req.header("Last-Event-ID", id.to_string());
        }
        let resp = req.send().await.unwrap();
        assert_eq!(resp.status(), StatusCode::OK);
        Self {
            resp,
            blocks: SseBlocks::default(),
        }
    }

    /// Reads any event stream answer (the phone pages' streams).
    pub fn from_response(resp: reqwest::Response) -> Self {
        Self {
            resp,
            blocks: SseBlocks::default(),
        }
    }

    /// The next event (comments and keep-alives skipped); `None` at the end
    /// of the stream.
    pub async fn next(&mut self) -> Option<SseEvent> {
        loop {
            if let Some(block) = self.blocks.next_block() {
                let mut id = None;
                let mut kind = "message".to_owned();
                let mut data = String::new();
                for line in block.lines() {
                    if let Some(v) = line.strip_prefix("id:") {
                        id = v.trim().parse().ok();
                    } else if let Some(v) = line.strip_prefix("event:") {
                        kind = v.trim().to_owned();
                    } else if let Some(v) = line.strip_prefix("data:") {
                        data.push_str(v.trim_start());
                    }
                }
                if data.is_empty() && id.is_none() {
                    continue;
                }
                return Some(SseEvent {
                    id,
                    kind,
                    data: serde_json::from_str(&data).unwrap_or(Value::Null),
                });
            }
            let chunk = self.resp.chunk().await.ok()??;
            self.blocks.push(&chunk);
        }
    }
}

/// Regression: the reader decoded each network chunk on its own, so a
/// Vietnamese letter split between two chunks became U+FFFD.
#[test]
fn the_sse_reader_decodes_a_letter_split_across_chunks() {
    let stream = "id: 1\nevent: ticket.called\ndata: {\"name\":\"Hộ tịch\"}\n\n".as_bytes();
    let at = stream.windows(3).position(|w| w == "ộ".as_bytes()).unwrap() + 1;
    let mut blocks = SseBlocks::default();
    blocks.push(&stream[..at]);
    assert_eq!(blocks.next_block(), None, "half a block is not a block");
    blocks.push(&stream[at..]);
    let block = blocks.next_block().unwrap();
    assert!(block.contains("Hộ tịch"), "{block}");
    assert!(!block.contains('\u{fffd}'));
}

/// Whether the tests run in CI (`.ci/run` sets `CI=true`), where a missing
/// tool fails instead of skipping.
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false" && v != "0")
}

/// Whether `probe` runs; a missing tool fails in CI and skips elsewhere.
pub fn have_tool(name: &str, probe: &mut Command) -> bool {
    if probe.output().is_ok_and(|o| o.status.success()) {
        return true;
    }
    assert!(
        !in_ci(),
        "{name} is not installed; .ci/run installs it before the tests"
    );
    eprintln!("SKIPPED: {name} is not installed here (CI installs it and runs this test)");
    false
}

/// The `motcua` binary under test.
pub fn motcua() -> Command {
    Command::new(env!("CARGO_BIN_EXE_motcua"))
}

/// A hub as a child process, for crash and signal tests.
pub struct HubProcess {
    pub child: Child,
    pub url: String,
}

impl HubProcess {
    pub fn start(db: &Path) -> Self {
        Self::start_with(db, &[], Stdio::inherit(), "warn")
    }

    /// A hub with extra `motcua hub` arguments, its stderr (the log) sent
    /// to `stderr`, at log level `log`.
    pub fn start_with(db: &Path, args: &[&str], stderr: Stdio, log: &str) -> Self {
        let mut child = motcua()
            .args(["hub", "--listen", "127.0.0.1:0", "--db"])
            .arg(db)
            .args(args)
            .env("MOTCUA_LOG", log)
            .stdout(Stdio::piped())
            .stderr(stderr)
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line).unwrap();
        let url = line
            .trim()
            .rsplit(' ')
            .next()
            .filter(|u| u.starts_with("http://") || u.starts_with("https://"))
            .unwrap_or_else(|| panic!("unexpected hub output {line:?}"))
            .to_owned();
        Self { child, url }
    }

    pub fn kill9(&mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }

    pub fn terminate(&mut self) -> std::process::ExitStatus {
        let pid = self.child.id() as i32;
        // SAFETY-free: kill(1) keeps the test free of libc bindings.
        Command::new("kill")
            .args(["-TERM", &pid.to_string()])
            .status()
            .unwrap();
        self.child.wait().unwrap()
    }
}

impl Drop for HubProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Opens the hub's database read-only for assertions.
pub fn open_db(path: &Path) -> rusqlite::Connection {
    rusqlite::Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY).unwrap()
}

/// Counts rows of a table.
pub fn count(conn: &rusqlite::Connection, table: &str) -> i64 {
    conn.query_row(&format!("SELECT COUNT(*) FROM {table}"), [], |r| r.get(0))
        .unwrap()
}

/// How many different images the snapshots `dir/<name>.png` hold, each
/// checked to be a PNG of its `(width, height)`; panics on a missing file.
pub fn distinct_snapshots(
    dir: &Path,
    snapshots: impl IntoIterator<Item = (String, (u32, u32))>,
) -> usize {
    let mut distinct = std::collections::HashSet::new();
    for (name, size) in snapshots {
        let path = dir.join(format!("{name}.png"));
        let bytes = std::fs::read(&path).unwrap_or_else(|_| panic!("{} missing", path.display()));
        let reader = png::Decoder::new(std::io::Cursor::new(&bytes))
            .read_info()
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let info = reader.info();
        assert_eq!((info.width, info.height), size, "{}", path.display());
        distinct.insert(bytes);
    }
    distinct.len()
}

/// `dir/overflow.json` of a `--snapshot` run is `[]`: no text cut off.
pub fn assert_no_overflow(dir: &Path) {
    let report = std::fs::read_to_string(dir.join("overflow.json")).unwrap();
    let overflows: Vec<serde_json::Value> = serde_json::from_str(&report).unwrap();
    assert!(
        overflows.is_empty(),
        "{} texts cut off: {}",
        overflows.len(),
        serde_json::to_string_pretty(&overflows).unwrap()
    );
}

/// A URL nothing listens on.
pub fn dead_url() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    format!("http://{addr}")
}

/// The trigger-maintained `waiting_counts` agree with the tickets table.
pub fn assert_waiting_counts_consistent(path: &Path) {
    let conn = open_db(path);
    let derived: Vec<(String, String, i64, i64)> = conn
        .prepare(
            "SELECT business_date, service, priority IS NOT NULL, COUNT(*) FROM tickets \
             WHERE state IN ('issued', 'transferred') GROUP BY 1, 2, 3 ORDER BY 1, 2, 3",
        )
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let kept: Vec<(String, String, i64, i64)> = conn
        .prepare("SELECT business_date, service, priority, waiting FROM waiting_counts WHERE waiting != 0 ORDER BY 1, 2, 3")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(kept, derived, "waiting_counts drifted from the tickets");
}

/// A TCP proxy in front of the hub whose connections a test can cut, as a
/// network cable pulled out and plugged back in.
pub struct Proxy {
    pub url: String,
    cut: Arc<std::sync::atomic::AtomicBool>,
    generation: tokio::sync::watch::Sender<u64>,
    accepted: Arc<std::sync::atomic::AtomicUsize>,
    task: tokio::task::JoinHandle<()>,
}

impl Proxy {
    /// Starts forwarding `127.0.0.1:0` → `target` (`http://host:port`).
    pub async fn start(target: &str) -> Self {
        use std::sync::atomic::Ordering;
        let target: std::net::SocketAddr = target.trim_start_matches("http://").parse().unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let cut = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let accepted = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let (generation, _) = tokio::sync::watch::channel(0u64);
        let (c, a, g) = (Arc::clone(&cut), Arc::clone(&accepted), generation.clone());
        let task = tokio::spawn(async move {
            loop {
                let Ok((mut client, _)) = listener.accept().await else {
                    return;
                };
                if c.load(Ordering::SeqCst) {
                    drop(client);
                    continue;
                }
                a.fetch_add(1, Ordering::SeqCst);
                let mut cut_now = g.subscribe();
                tokio::spawn(async move {
                    let Ok(mut upstream) = tokio::net::TcpStream::connect(target).await else {
                        return;
                    };
                    tokio::select! {
                        _ = tokio::io::copy_bidirectional(&mut client, &mut upstream) => {}
                        _ = cut_now.changed() => {}
                    }
                });
            }
        });
        Self {
            url,
            cut,
            generation,
            accepted,
            task,
        }
    }

    /// Drops every open connection and refuses new ones.
    pub fn cut(&self) {
        self.cut.store(true, std::sync::atomic::Ordering::SeqCst);
        self.generation.send_modify(|g| *g += 1);
    }

    /// Accepts connections again.
    pub fn restore(&self) {
        self.cut.store(false, std::sync::atomic::Ordering::SeqCst);
    }

    /// Connections forwarded so far.
    pub fn accepted(&self) -> usize {
        self.accepted.load(std::sync::atomic::Ordering::SeqCst)
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.cut();
        self.task.abort();
    }
}

/// A voice whose audio is labelled with the sentence, and a sink that
/// records what it plays: the real announcer, with ears.
pub fn recording_announcer() -> (
    Arc<motcua::apps::voice::Announcer>,
    Arc<std::sync::Mutex<Vec<String>>>,
) {
    use motcua::apps::voice::{Announcer, AudioError, AudioSink, Clip, Plan, Voice};
    use motcua::domain::announce::Announcement;
    struct Labels;
    impl Voice for Labels {
        fn render(&mut self, a: &Announcement) -> Result<Vec<Clip>, AudioError> {
            Ok(vec![Clip::silent(&a.sentence)])
        }
        fn describe(&self) -> String {
            "labels".into()
        }
    }
    struct Ears(Arc<std::sync::Mutex<Vec<String>>>);
    impl AudioSink for Ears {
        fn play(&mut self, clips: &[Clip]) -> Result<(), AudioError> {
            let mut heard = self.0.lock().unwrap();
            heard.extend(clips.iter().map(|c| c.label.to_string()));
            Ok(())
        }
        fn describe(&self) -> String {
            "ears".into()
        }
    }
    let heard = Arc::new(std::sync::Mutex::new(Vec::new()));
    let h = Arc::clone(&heard);
    let announcer = Announcer::start(
        Plan {
            chime: false,
            repeat: 1,
        },
        Box::new(Labels),
        Box::new(move || Box::new(Ears(h)) as Box<dyn AudioSink>),
    );
    (Arc::new(announcer), heard)
}

/// Runs the UI tasks an app posts (as its event loop would) until `done()`,
/// advancing Slint's mock clock a frame after each; panics with
/// `describe()` if `limit` passes first.
pub fn pump_ui_until(
    tasks: &std::sync::mpsc::Receiver<motcua::apps::shell::UiTask>,
    limit: std::time::Duration,
    done: impl Fn() -> bool,
    describe: impl Fn() -> String,
) {
    let deadline = std::time::Instant::now() + limit;
    while !done() {
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        let task = tasks
            .recv_timeout(left)
            .unwrap_or_else(|_| panic!("{}", describe()));
        task();
        i_slint_backend_testing::mock_elapsed_time(std::time::Duration::from_millis(16));
    }
}
