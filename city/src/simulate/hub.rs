//! The real hub → city path: each simulated office is a `motcua hub`
//! process with a `[city]` section, driven over its own HTTP API (the
//! requests its kiosks and counters send) at the simulated times; the
//! hub's federation worker pushes its log to the city. A TCP relay
//! between each hub and the city cuts the office's WAN link during its
//! outages.
//!
//! The drawn day ([`super::office::Office::day`]) is read as a script:
//! `ticket.issued` becomes a kiosk's `POST /api/v1/tickets`, `ticket.called`
//! a counter's call-next, `dossier.received` a filing (with the synthetic
//! citizen of DOMAIN.md, which stays at the office), and so on. The hub
//! decides for itself — which ticket a counter calls, the dossier codes,
//! the portal's answers — so its log is its own, as an office's would be;
//! a step the hub refuses (a rating for a ticket it never finished) is
//! skipped.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use motcua_api::{DeviceState, HubEvent, TicketView};
use serde_json::json;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::process::{Child, Command};

use super::office::SimEvent;

/// Where a hub pushes: the city (through a relay) and its credentials.
#[derive(Debug, Clone)]
pub struct CityLink {
    pub url: String,
    pub token: String,
    pub ca_file: Option<PathBuf>,
    /// More keys of the hub's `[city]` section, as TOML (`poll_seconds =
    /// 1`, `pin_calendar = true`).
    pub options: Vec<String>,
}

/// A `motcua hub` process of one simulated office.
pub struct HubOffice {
    pub code: String,
    pub base: String,
    child: Child,
    motcua: PathBuf,
    /// Its configuration and database.
    pub dir: tempfile::TempDir,
    pub kiosk_tokens: Vec<String>,
    pub counter_token: String,
    pub display_token: String,
    http: reqwest::Client,
}

/// The `motcua` binary: `MOTCUA_BIN`, else beside this executable (cargo
/// puts every workspace binary in one folder), else on `PATH`.
pub fn motcua_binary() -> PathBuf {
    if let Some(path) = std::env::var_os("MOTCUA_BIN") {
        return PathBuf::from(path);
    }
    if let Ok(exe) = std::env::current_exe() {
        for dir in exe.ancestors().skip(1).take(2) {
            let candidate = dir.join("motcua");
            if candidate.is_file() {
                return candidate;
            }
        }
    }
    PathBuf::from("motcua")
}

fn token(code: &str, role: &str, n: u32) -> String {
    format!("sim-{role}-{n}-{}", code.replace('.', "-").to_lowercase())
}

/// The configuration of a simulated office's hub.
pub fn hub_config(
    code: &str,
    name: &str,
    counters: u32,
    kiosks: u32,
    db: &Path,
    city: Option<&CityLink>,
) -> String {
    let mut text = format!(
        "[office]\nname = \"{name}\"\nunit_code = \"{code}\"\n\n\
         [hub]\nlisten = \"127.0.0.1:0\"\ndatabase = \"{db}\"\nevent_replay = 10000\n\n",
        db = db.display()
    );
    for (code, prefix, vi, en) in [
        ("hotich", "A", "Hộ tịch", "Civil status"),
        ("chungthuc", "B", "Chứng thực", "Certification"),
        ("datdai", "C", "Đất đai – Xây dựng", "Land and construction"),
        ("khac", "D", "Lĩnh vực khác", "Other matters"),
    ] {
        text.push_str(&format!(
            "[[services]]\ncode = \"{code}\"\nprefix = \"{prefix}\"\nname_vi = \"{vi}\"\nname_en = \"{en}\"\n\n"
        ));
    }
    for n in 1..=counters {
        text.push_str(&format!(
            "[[counters]]\nnumber = {n}\nservices = [\"hotich\", \"chungthuc\", \"datdai\", \"khac\"]\n\n"
        ));
    }
    for k in 1..=kiosks {
        text.push_str(&format!(
            "[[tokens]]\nname = \"kiosk-{k}\"\nrole = \"kiosk\"\ntoken = \"{}\"\n\n",
            token(code, "kiosk", k)
        ));
    }
    for (role, name) in [
        ("counter", "counters"),
        ("display", "board"),
        ("technician", "tech"),
    ] {
        text.push_str(&format!(
            "[[tokens]]\nname = \"{name}\"\nrole = \"{role}\"\ntoken = \"{}\"\n\n",
            token(code, role, 0)
        ));
    }
    text.push_str("[filing]\n# A simulated office files into the built-in portal sandbox.\nportal_url = \"sandbox\"\nsandbox_pace_seconds = 120\n\n");
    if let Some(city) = city {
        text.push_str(&format!(
            "[city]\nurl = \"{}\"\ntoken = \"{}\"\n",
            city.url, city.token
        ));
        if let Some(ca) = &city.ca_file {
            text.push_str(&format!("ca_file = \"{}\"\n", ca.display()));
        }
        for option in &city.options {
            text.push_str(option);
            text.push('\n');
        }
    }
    text
}

impl HubOffice {
    /// Starts `motcua hub` for an office with `counters` counters and
    /// `kiosks` kiosks, pushing to `city`.
    pub async fn spawn(
        motcua: &Path,
        code: &str,
        name: &str,
        counters: u32,
        kiosks: u32,
        city: Option<&CityLink>,
    ) -> anyhow::Result<Self> {
        let dir = tempfile::Builder::new()
            .prefix("motcua-sim-hub-")
            .tempdir()?;
        let config = dir.path().join("motcua.toml");
        std::fs::write(
            &config,
            hub_config(
                code,
                name,
                counters,
                kiosks,
                &dir.path().join("motcua.db"),
                city,
            ),
        )?;
        let (child, base) = launch(motcua, &config, None).await?;
        Ok(Self {
            code: code.to_owned(),
            base,
            child,
            motcua: motcua.to_owned(),
            dir,
            kiosk_tokens: (1..=kiosks).map(|k| token(code, "kiosk", k)).collect(),
            counter_token: token(code, "counter", 0),
            display_token: token(code, "display", 0),
            http: reqwest::Client::new(),
        })
    }

    /// Kills the process with SIGKILL (no shutdown at all: a power cut or
    /// an OOM kill), then starts it again on the same database and address.
    pub async fn kill_and_restart(&mut self) -> anyhow::Result<()> {
        self.child.start_kill()?;
        self.child.wait().await?;
        let listen = self.base.trim_start_matches("http://").to_owned();
        let (child, base) = launch(
            &self.motcua,
            &self.dir.path().join("motcua.toml"),
            Some(&listen),
        )
        .await?;
        self.child = child;
        self.base = base;
        Ok(())
    }

    /// SIGTERM, and wait.
    pub async fn stop(mut self) -> anyhow::Result<()> {
        if let Some(pid) = self.child.id() {
            // SAFETY: kill(2) on our own child's pid.
            unsafe {
                libc::kill(pid as i32, libc::SIGTERM);
            }
        }
        tokio::time::timeout(Duration::from_secs(30), self.child.wait()).await??;
        Ok(())
    }

    async fn post(
        &self,
        token: &str,
        path: &str,
        body: serde_json::Value,
    ) -> Option<serde_json::Value> {
        let response = self
            .http
            .post(format!("{}{path}", self.base))
            .bearer_auth(token)
            .header("Idempotency-Key", uuid_like())
            .json(&body)
            .send()
            .await
            .ok()?;
        if !response.status().is_success() {
            tracing::debug!(office = %self.code, path, status = %response.status(), "step refused");
            return None;
        }
        response.json().await.ok()
    }
}

/// Starts `motcua --config CONFIG hub [--listen ADDR]`; its process and
/// base URL once it listens.
async fn launch(
    motcua: &Path,
    config: &Path,
    listen: Option<&str>,
) -> anyhow::Result<(Child, String)> {
    let mut command = Command::new(motcua);
    command.arg("--config").arg(config).arg("hub");
    if let Some(addr) = listen {
        command.arg("--listen").arg(addr);
    }
    let mut child = command
        .env(
            "MOTCUA_LOG",
            std::env::var("MOTCUA_LOG").unwrap_or_else(|_| "warn".into()),
        )
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .spawn()
        .with_context(|| format!("starting {} (set MOTCUA_BIN)", motcua.display()))?;
    let stdout = child.stdout.take().context("hub stdout")?;
    let mut lines = BufReader::new(stdout).lines();
    let base = loop {
        let line = tokio::time::timeout(Duration::from_secs(60), lines.next_line())
            .await
            .context("the hub did not start within 60 s")??
            .context("the hub exited before listening")?;
        if let Some(url) = line.strip_prefix("motcua hub listening on ") {
            break url.trim().to_owned();
        }
    };
    // Keep reading so the hub never writes into a full pipe.
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    Ok((child, base))
}

/// A fresh idempotency key.
fn uuid_like() -> String {
    use rand::Rng;
    format!("sim-{:032x}", rand::rng().random::<u128>())
}

/// Plays `events` (an office's drawn day) against `hub`, `speed` times
/// faster than real time from `start_ms` (the simulated time of "now").
/// Returns the steps the hub accepted.
pub async fn drive(
    hub: &HubOffice,
    events: &[SimEvent],
    start_ms: i64,
    speed: f64,
    stop: &AtomicBool,
) -> usize {
    let began = tokio::time::Instant::now();
    let mut tickets: HashMap<i64, TicketView> = HashMap::new();
    let mut done = 0;
    let counter = hub.counter_token.as_str();
    for e in events {
        if stop.load(Ordering::Relaxed) {
            break;
        }
        let due = ((e.at_ms - start_ms).max(0) as f64 / speed.max(1e-9)) / 1000.0;
        tokio::time::sleep_until(began + Duration::from_secs_f64(due)).await;
        let kiosk = hub
            .kiosk_tokens
            .first()
            .map(String::as_str)
            .unwrap_or(counter);
        let ok = match &e.event {
            HubEvent::TicketIssued(t) => {
                let mut body = json!({"service": t.ticket.service});
                if let Some(p) = &t.ticket.priority {
                    body["priority"] = p.clone().into();
                }
                match hub.post(kiosk, "/api/v1/tickets", body).await {
                    Some(view) => {
                        if let Ok(view) = serde_json::from_value::<TicketView>(view) {
                            tickets.insert(t.ticket.id, view);
                        }
                        true
                    }
                    None => false,
                }
            }
            HubEvent::TicketPrinted(t) | HubEvent::TicketPrintFailed(t) => {
                match tickets.get(&t.ticket.id) {
                    Some(view) => {
                        let status = if matches!(e.event, HubEvent::TicketPrinted(_)) {
                            json!({"status": "printed"})
                        } else {
                            json!({"status": "print_failed", "reason": "paper_out"})
                        };
                        hub.post(
                            kiosk,
                            &format!("/api/v1/tickets/{}/print-status", view.id),
                            status,
                        )
                        .await
                        .is_some()
                    }
                    None => false,
                }
            }
            HubEvent::TicketCalled(t) => counter_step(hub, t.ticket.counter, "call-next").await,
            HubEvent::TicketRecalled(t) => counter_step(hub, t.ticket.counter, "recall").await,
            HubEvent::TicketStarted(t) => counter_step(hub, t.ticket.counter, "start").await,
            HubEvent::TicketFinished(t) => counter_step(hub, t.ticket.counter, "finish").await,
            HubEvent::TicketNoShow(t) => counter_step(hub, t.ticket.counter, "no-show").await,
            HubEvent::CounterOpened(c) => counter_step(hub, Some(c.counter.number), "open").await,
            HubEvent::CounterClosed(c) => counter_step(hub, Some(c.counter.number), "close").await,
            HubEvent::TicketRated(r) => match tickets.get(&r.rating.ticket) {
                Some(view) => {
                    let mut body = json!({"ticket": view.id, "level": r.rating.level});
                    if let Some(token) = &view.lookup_token {
                        body["token"] = token.clone().into();
                    }
                    if !r.rating.reasons.is_empty() {
                        body["reasons"] = json!(r.rating.reasons);
                    }
                    hub.post(kiosk, "/api/v1/ratings", body).await.is_some()
                }
                None => false,
            },
            HubEvent::DossierReceived(d) => {
                let token = match d.channel {
                    Some(motcua_api::Role::Counter) => counter,
                    _ => kiosk,
                };
                hub.post(token, "/api/v1/dossiers", dossier_body())
                    .await
                    .is_some()
            }
            HubEvent::DeviceFault(d)
            | HubEvent::DeviceWarning(d)
            | HubEvent::DeviceRecovered(d) => {
                let index = d
                    .kiosk
                    .strip_prefix("kiosk-")
                    .and_then(|n| n.parse::<usize>().ok())
                    .unwrap_or(1);
                let token = hub
                    .kiosk_tokens
                    .get(index - 1)
                    .map(String::as_str)
                    .unwrap_or(kiosk);
                let mut body = json!({"device": d.device, "state": d.state});
                if d.state != DeviceState::Ok {
                    body["kind"] = json!(d.kind);
                }
                hub.post(token, "/api/v1/devices/events", body)
                    .await
                    .is_some()
            }
            // The hub's own work: officers' sessions, the outbox and the
            // portal's statuses.
            _ => false,
        };
        done += usize::from(ok);
    }
    done
}

async fn counter_step(hub: &HubOffice, counter: Option<u32>, action: &str) -> bool {
    let Some(n) = counter else { return false };
    hub.post(
        &hub.counter_token,
        &format!("/api/v1/counters/{n}/{action}"),
        json!({}),
    )
    .await
    .is_some()
}

/// A dossier every office can file: a certified copy (2.000815) for the
/// synthetic citizen of DOMAIN.md. Their data stays at the office; the
/// city sees the dossier's code, procedure and times.
fn dossier_body() -> serde_json::Value {
    json!({
        "procedure": "2.000815",
        "applicant": {
            "name": "Nguyễn Văn An",
            "id_number": "001090012345",
            "address": "Số 1 Tràng Tiền, Phường Tràng Tiền, Quận Hoàn Kiếm, Hà Nội"
        },
        "fields": {"document_name": "Bằng tốt nghiệp"},
        "pages": 3
    })
}

/// A TCP relay standing for an office's WAN link: forwards to `target`
/// until cut; while cut, it drops the connections it holds and refuses new
/// ones (their bytes go nowhere), as a dead link does.
pub struct Link {
    pub addr: SocketAddr,
    down: Arc<AtomicBool>,
    generation: Arc<tokio::sync::watch::Sender<u64>>,
    task: tokio::task::JoinHandle<()>,
}

impl Link {
    pub async fn start(target: SocketAddr) -> std::io::Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let down = Arc::new(AtomicBool::new(false));
        let (generation, _) = tokio::sync::watch::channel(0u64);
        let generation = Arc::new(generation);
        let (d, g) = (Arc::clone(&down), Arc::clone(&generation));
        let task = tokio::spawn(async move {
            while let Ok((inbound, _)) = listener.accept().await {
                if d.load(Ordering::Relaxed) {
                    drop(inbound);
                    continue;
                }
                let mut cut = g.subscribe();
                tokio::spawn(async move {
                    let Ok(mut outbound) = TcpStream::connect(target).await else {
                        return;
                    };
                    let mut inbound = inbound;
                    tokio::select! {
                        _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound) => {}
                        _ = cut.changed() => {}
                    }
                });
            }
        });
        Ok(Self {
            addr,
            down,
            generation,
            task,
        })
    }

    /// Cuts (`true`) or restores the link.
    pub fn set_down(&self, down: bool) {
        self.down.store(down, Ordering::Relaxed);
        if down {
            self.generation.send_modify(|g| *g += 1);
        }
    }
}

impl Drop for Link {
    fn drop(&mut self) {
        self.task.abort();
    }
}
