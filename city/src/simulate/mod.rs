//! `motcua-city simulate`: offices that push realistic days to a city
//! service through the real ingestion path (`POST /city/v1/ingest`, the
//! same requests a hub's federation worker sends).
//!
//! - [`office`]: what each office does all day (pure, seeded).
//! - [`SimUnit`]: one office's hub as the city sees it: its event log,
//!   growing as the simulated day goes by, and the id the city
//!   acknowledged; [`Pusher`] sends what the city lacks, in batches, from
//!   that id — and resumes from the city's answer after any failure.
//! - [`run`]: past days as fast as the city takes them, then today live at
//!   `--speed` times real time (or at once with `--speed 0`), with WAN
//!   outages of random length during which an office keeps logging and
//!   pushes nothing, then catches up.
//! - [`hub`]: the real hub → city path (`--via-hub`): `motcua hub`
//!   processes driven over their API, each behind a relay that cuts its WAN
//!   link during outages.
//! - [`publish`]: `motcua-city publish` (a catalogue or calendar file to
//!   the city).

pub mod hub;
pub mod office;
pub mod publish;

use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::Context;
use chrono::{NaiveDate, NaiveTime};
use chrono_tz::Tz;
use futures_util::StreamExt;
use motcua_api::{
    HubReport, IngestEvent, IngestGap, IngestRequest, IngestResponse, KioskSeen, ReleaseInUse,
    UnitRegistration,
};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use sha2::{Digest, Sha256};
use tokio::sync::watch;

use self::office::{Office, Profile};
use crate::kpi::local_ms;

/// An HTTP client for the city: rustls, trusting `ca_file` when given.
pub fn http_client(ca_file: Option<&Path>) -> anyhow::Result<reqwest::Client> {
    let mut builder = reqwest::Client::builder()
        .use_rustls_tls()
        .timeout(Duration::from_secs(60))
        .connect_timeout(Duration::from_secs(10));
    if let Some(path) = ca_file {
        let pem = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
        builder = builder.add_root_certificate(
            reqwest::Certificate::from_pem(&pem)
                .with_context(|| format!("{} is not a PEM certificate", path.display()))?,
        );
    }
    Ok(builder.build()?)
}

/// One simulated office's hub, as far as federation goes.
pub struct SimUnit {
    pub office: Office,
    pub token: String,
    /// The hub's log: ids 1, 2, … in order (`log[i].id == i + 1`).
    pub log: Vec<IngestEvent>,
    /// The last id the city acknowledged (its watermark, as last heard).
    pub acked: i64,
    /// Events drawn for the current day, not yet "committed" at the hub.
    pending: std::collections::VecDeque<office::SimEvent>,
    /// WAN outages of the current day: (from, to) in ms.
    outages: Vec<(i64, i64)>,
}

impl SimUnit {
    pub fn new(office: Office, token: String) -> Self {
        Self {
            office,
            token,
            log: Vec::new(),
            acked: 0,
            pending: Default::default(),
            outages: Vec::new(),
        }
    }

    /// Draws `date`'s events; they enter the log as time passes
    /// ([`SimUnit::commit_until`]).
    pub fn begin_day(&mut self, date: NaiveDate) {
        self.pending.extend(self.office.day(date));
    }

    /// Moves the drawn events up to `now_ms` into the log. Returns how
    /// many.
    pub fn commit_until(&mut self, now_ms: i64) -> usize {
        let mut n = 0;
        while self.pending.front().is_some_and(|e| e.at_ms <= now_ms) {
            let e = self.pending.pop_front().expect("checked");
            let (kind, data) = e.event.into_parts();
            self.log.push(IngestEvent {
                id: self.log.len() as i64 + 1,
                at_ms: e.at_ms,
                event: kind.to_owned(),
                data,
            });
            n += 1;
        }
        n
    }

    /// Whether the office's WAN link is down at `now_ms`.
    pub fn offline_at(&self, now_ms: i64) -> bool {
        self.outages.iter().any(|(a, b)| (*a..*b).contains(&now_ms))
    }

    /// Events the city does not have yet.
    pub fn unsent(&self) -> usize {
        self.log.len().saturating_sub(self.acked.max(0) as usize)
    }

    /// What this hub says about itself.
    pub fn report(&self) -> HubReport {
        HubReport {
            version: format!("sim-{}", env!("CARGO_PKG_VERSION")),
            office_name: format!("Văn phòng mô phỏng {}", self.office.code),
            kiosks: self.office.kiosks.clone(),
            // Simulated kiosks call their hub as long as it logs anything:
            // last seen at its latest event, in office time (UTC+7).
            kiosks_seen: self
                .log
                .last()
                .and_then(|e| chrono::DateTime::from_timestamp_millis(e.at_ms))
                .map(|at| {
                    let at = at
                        .with_timezone(&chrono::FixedOffset::east_opt(7 * 3600).expect("UTC+7"))
                        .to_rfc3339_opts(chrono::SecondsFormat::Secs, false);
                    self.office
                        .kiosks
                        .iter()
                        .map(|k| KioskSeen {
                            kiosk: k.clone(),
                            version: Some(format!("sim-{}", env!("CARGO_PKG_VERSION"))),
                            last_seen: at.clone(),
                        })
                        .collect()
                })
                .unwrap_or_default(),
            catalogue: ReleaseInUse::default(),
            calendar: ReleaseInUse::default(),
        }
    }
}

/// A failed push; the unit keeps its events and tries again later.
#[derive(Debug, thiserror::Error)]
pub enum PushError {
    #[error("HTTP: {0}")]
    Http(#[from] reqwest::Error),
    #[error("the city answered {status}: {body}")]
    Refused { status: u16, body: String },
}

/// Sends units' logs to a city.
#[derive(Clone)]
pub struct Pusher {
    pub client: reqwest::Client,
    /// The city's base URL.
    pub city: String,
    /// Events per request.
    pub batch: usize,
}

impl Pusher {
    /// One request: `events` after `after`; the city's answer. A `409`
    /// gap is answered as the city's watermark, like a success.
    pub async fn send(
        &self,
        unit: &SimUnit,
        after: Option<i64>,
        events: &[IngestEvent],
    ) -> Result<IngestResponse, PushError> {
        let request = IngestRequest {
            unit_code: unit.office.code.clone(),
            after_event_id: after,
            events: events.to_vec(),
            hub: unit.report(),
        };
        let response = self
            .client
            .post(format!("{}/city/v1/ingest", self.city))
            .bearer_auth(&unit.token)
            .json(&request)
            .send()
            .await?;
        let status = response.status();
        if status.is_success() {
            return Ok(response.json().await?);
        }
        let body = response.text().await.unwrap_or_default();
        if status.as_u16() == 409 {
            if let Ok(gap) = serde_json::from_str::<IngestGap>(&body) {
                return Ok(IngestResponse {
                    last_event_id: gap.last_event_id,
                    stored: 0,
                });
            }
        }
        Err(PushError::Refused {
            status: status.as_u16(),
            body,
        })
    }

    /// Sends everything the city lacks, batch after batch, from the city's
    /// watermark. Returns the events stored.
    pub async fn push(&self, unit: &mut SimUnit) -> Result<u64, PushError> {
        let mut stored = 0;
        while unit.unsent() > 0 {
            let from = unit.acked.max(0) as usize;
            let to = (from + self.batch).min(unit.log.len());
            let answer = self
                .send(unit, Some(unit.acked), &unit.log[from..to])
                .await?;
            stored += u64::from(answer.stored);
            unit.acked = answer.last_event_id;
        }
        Ok(stored)
    }

    /// An empty request: the hub is alive; learns the city's watermark.
    pub async fn heartbeat(&self, unit: &mut SimUnit) -> Result<(), PushError> {
        let answer = self.send(unit, None, &[]).await?;
        unit.acked = answer.last_event_id;
        Ok(())
    }

    /// Registers a unit at the city (a city-role token).
    pub async fn register(
        &self,
        city_token: &str,
        unit_code: &str,
        name: &str,
        group: Option<&str>,
        token: &str,
    ) -> Result<(), PushError> {
        let response = self
            .client
            .put(format!("{}/city/v1/units/{unit_code}", self.city))
            .bearer_auth(city_token)
            .json(&UnitRegistration {
                name: name.to_owned(),
                group: group.map(str::to_owned),
                token: token.to_owned(),
            })
            .send()
            .await?;
        if response.status().is_success() {
            Ok(())
        } else {
            Err(PushError::Refused {
                status: response.status().as_u16(),
                body: response.text().await.unwrap_or_default(),
            })
        }
    }
}

/// A simulated unit's code: `PREFIX-0001`, …
pub fn unit_code(prefix: &str, index: u32) -> String {
    format!("{prefix}-{:04}", index + 1)
}

/// The token of a simulated unit: derived from the city token, so a rerun
/// against the same city finds its units, and nobody without the city
/// token can guess it.
pub fn unit_token(city_token: &str, unit_code: &str) -> String {
    let digest = Sha256::digest(format!("motcua-sim\0{city_token}\0{unit_code}").as_bytes());
    format!("sim-{}", &hex::encode(digest)[..40])
}

/// What `simulate` does.
#[derive(Debug, Clone)]
pub struct Plan {
    pub units: u32,
    pub days: u32,
    pub speed: f64,
    pub prefix: String,
    pub profile: Profile,
    pub batch: usize,
    pub concurrency: usize,
    /// Mean WAN outages per office per day.
    pub outages: f64,
    pub seed: u64,
    pub tz: Tz,
    /// The last simulated day (the one run live with a speed).
    pub today: NaiveDate,
    /// After the last day: keep the offices' heartbeats going until
    /// stopped (the demo) instead of returning.
    pub linger: bool,
}

/// What a simulation did.
#[derive(Debug, Clone, Default)]
pub struct Summary {
    pub units: u32,
    pub events: u64,
    pub stored: u64,
    pub failed_pushes: u64,
    pub elapsed: Duration,
}

impl Summary {
    pub fn rate(&self) -> f64 {
        self.stored as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }
}

/// Registers the units and runs the plan until done (or `stop`).
pub async fn simulate(
    plan: &Plan,
    pusher: &Pusher,
    city_token: &str,
    mut stop: watch::Receiver<bool>,
) -> anyhow::Result<Summary> {
    let mut units = Vec::new();
    for i in 0..plan.units {
        let code = unit_code(&plan.prefix, i);
        let token = unit_token(city_token, &code);
        let group = format!("Cụm {}", i % 6 + 1);
        pusher
            .register(
                city_token,
                &code,
                &format!("Phường mô phỏng {:04}", i + 1),
                Some(&group),
                &token,
            )
            .await
            .with_context(|| format!("registering {code}"))?;
        let office = Office::new(&code, i, plan.seed, plan.profile.clone(), plan.tz);
        let mut unit = SimUnit::new(office, token);
        pusher
            .heartbeat(&mut unit)
            .await
            .with_context(|| format!("first contact of {code}"))?;
        units.push(unit);
    }
    let mut rng = StdRng::seed_from_u64(plan.seed ^ 0x0075_7461_6765);
    let mut summary = Summary {
        units: plan.units,
        ..Summary::default()
    };
    let started = Instant::now();
    let first = plan.today - chrono::Duration::days(i64::from(plan.days.max(1)) - 1);
    let mut date = first;
    while date <= plan.today {
        let live = date == plan.today && plan.speed > 0.0;
        for u in &mut units {
            u.begin_day(date);
            u.outages = draw_outages(&mut rng, plan, date);
        }
        if live {
            run_live(plan, pusher, &mut units, date, &mut summary, &mut stop).await;
        } else {
            let end = local_ms(date + chrono::Duration::days(1), NaiveTime::MIN, plan.tz) - 1;
            for u in &mut units {
                summary.events += u.commit_until(end) as u64;
            }
            // An office whose link is down at the end of the day pushes
            // nothing now: it catches up on a later day.
            let online: Vec<&mut SimUnit> =
                units.iter_mut().filter(|u| !u.offline_at(end)).collect();
            push_all(pusher, online, plan.concurrency, &mut summary).await;
        }
        if *stop.borrow() {
            break;
        }
        date += chrono::Duration::days(1);
    }
    // Whatever is left (offices offline at the end): catch up now.
    let behind: Vec<&mut SimUnit> = units.iter_mut().filter(|u| u.unsent() > 0).collect();
    push_all(pusher, behind, plan.concurrency, &mut summary).await;
    summary.elapsed = started.elapsed();
    if plan.linger {
        while !*stop.borrow() {
            for u in &mut units {
                if let Err(err) = pusher.heartbeat(u).await {
                    tracing::debug!(unit = %u.office.code, %err, "heartbeat failed");
                }
            }
            tokio::select! {
                _ = tokio::time::sleep(Duration::from_secs(30)) => {}
                _ = stop.wait_for(|s| *s) => {}
            }
        }
    }
    Ok(summary)
}

/// Today's outages of one office: a Poisson-ish count with lengths from
/// minutes to hours (exponential, mean 45 min), inside office hours.
fn draw_outages(rng: &mut StdRng, plan: &Plan, date: NaiveDate) -> Vec<(i64, i64)> {
    let mut out = Vec::new();
    if plan.outages <= 0.0 {
        return out;
    }
    let mut budget = plan.outages;
    while budget > 0.0 {
        if rng.random::<f64>() < budget.min(1.0) {
            let open = local_ms(
                date,
                NaiveTime::from_hms_opt(7, 30, 0).unwrap_or_default(),
                plan.tz,
            );
            let start = open + (rng.random::<f64>() * 9.5 * 3_600_000.0) as i64;
            let minutes = (-45.0 * rng.random::<f64>().max(1e-9).ln()).clamp(2.0, 600.0);
            out.push((start, start + (minutes * 60_000.0) as i64));
        }
        budget -= 1.0;
    }
    out
}

/// Pushes every unit's backlog, `concurrency` units at a time; a unit
/// whose push fails keeps its events for the next round.
async fn push_all(
    pusher: &Pusher,
    units: Vec<&mut SimUnit>,
    concurrency: usize,
    summary: &mut Summary,
) {
    // A FuturesUnordered fed by hand, not a stream combinator with a
    // closure: the closure's borrowed argument trips Send checks when the
    // whole simulation runs in a spawned task (the demo).
    let mut queue = units.into_iter();
    let mut running = futures_util::stream::FuturesUnordered::new();
    for u in queue.by_ref().take(concurrency.max(1)) {
        running.push(push_one(pusher, u));
    }
    while let Some(r) = running.next().await {
        if let Some(u) = queue.next() {
            running.push(push_one(pusher, u));
        }
        match r {
            Ok(n) => summary.stored += n,
            Err((code, err)) => {
                summary.failed_pushes += 1;
                tracing::warn!(unit = %code, %err, "push failed; will retry");
            }
        }
    }
}

async fn push_one(pusher: &Pusher, unit: &mut SimUnit) -> Result<u64, (String, PushError)> {
    pusher
        .push(unit)
        .await
        .map_err(|e| (unit.office.code.clone(), e))
}

/// Today at `speed` × real time, from 07:00 to 18:00 office time.
async fn run_live(
    plan: &Plan,
    pusher: &Pusher,
    units: &mut [SimUnit],
    date: NaiveDate,
    summary: &mut Summary,
    stop: &mut watch::Receiver<bool>,
) {
    let sim_start = local_ms(
        date,
        NaiveTime::from_hms_opt(7, 0, 0).unwrap_or_default(),
        plan.tz,
    );
    let sim_end = local_ms(
        date,
        NaiveTime::from_hms_opt(18, 0, 0).unwrap_or_default(),
        plan.tz,
    );
    let real_start = Instant::now();
    let mut last_contact = Instant::now();
    loop {
        let sim_now = sim_start + (real_start.elapsed().as_secs_f64() * plan.speed * 1000.0) as i64;
        for u in units.iter_mut() {
            summary.events += u.commit_until(sim_now.min(sim_end)) as u64;
        }
        let heartbeat = last_contact.elapsed() > Duration::from_secs(30);
        let ready: Vec<&mut SimUnit> = units
            .iter_mut()
            .filter(|u| !u.offline_at(sim_now) && (u.unsent() > 0 || heartbeat))
            .collect();
        if heartbeat {
            last_contact = Instant::now();
            for u in ready {
                if let Err(err) = pusher.heartbeat(u).await {
                    tracing::debug!(%err, "heartbeat failed");
                }
                if u.unsent() > 0 {
                    if let Ok(n) = pusher.push(u).await {
                        summary.stored += n;
                    }
                }
            }
        } else {
            push_all(pusher, ready, plan.concurrency, summary).await;
        }
        if sim_now >= sim_end {
            break;
        }
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_millis(250)) => {}
            _ = stop.wait_for(|s| *s) => return,
        }
    }
}

/// Today through real hubs: one `motcua hub` per office behind a relay to
/// the city, its day played over its API at `plan.speed`; WAN outages cut
/// the relay. Waits until every hub's log is at the city. `events` in the
/// summary counts the steps the hubs accepted, `stored` the events the
/// city holds.
pub async fn via_hub(
    plan: &Plan,
    pusher: &Pusher,
    city_token: &str,
    ca_file: Option<&Path>,
    motcua: &Path,
    stop: watch::Receiver<bool>,
) -> anyhow::Result<Summary> {
    anyhow::ensure!(
        plan.speed > 0.0,
        "--via-hub plays today live: give --speed > 0"
    );
    let started = Instant::now();
    let city_addr: std::net::SocketAddr = {
        let url = reqwest::Url::parse(&pusher.city)?;
        let host = url
            .host_str()
            .context("the city URL has no host")?
            .to_owned();
        let port = url
            .port_or_known_default()
            .context("the city URL has no port")?;
        let found = tokio::net::lookup_host((host.as_str(), port)).await?.next();
        found.context("cannot resolve the city")?
    };
    let scheme = if pusher.city.starts_with("https") {
        "https"
    } else {
        "http"
    };
    let mut offices = Vec::new();
    for i in 0..plan.units {
        let code = unit_code(&plan.prefix, i);
        let token = unit_token(city_token, &code);
        let name = format!("Phường mô phỏng {:04}", i + 1);
        pusher
            .register(
                city_token,
                &code,
                &name,
                Some(&format!("Cụm {}", i % 6 + 1)),
                &token,
            )
            .await
            .with_context(|| format!("registering {code}"))?;
        let link = hub::Link::start(city_addr).await?;
        let city = hub::CityLink {
            url: format!("{scheme}://{}", link.addr),
            token,
            ca_file: ca_file.map(Path::to_owned),
            options: Vec::new(),
        };
        let office = Office::new(&code, i, plan.seed, plan.profile.clone(), plan.tz);
        let process = hub::HubOffice::spawn(
            motcua,
            &code,
            &name,
            office.counters,
            office.kiosks.len() as u32,
            Some(&city),
        )
        .await?;
        offices.push((office, process, link));
    }
    let mut rng = StdRng::seed_from_u64(plan.seed ^ 0x0075_7461_6765);
    let sim_start = local_ms(
        plan.today,
        NaiveTime::from_hms_opt(7, 0, 0).unwrap_or_default(),
        plan.tz,
    );
    let halt = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    {
        let (halt, mut stop) = (std::sync::Arc::clone(&halt), stop.clone());
        tokio::spawn(async move {
            let _ = stop.wait_for(|s| *s).await;
            halt.store(true, std::sync::atomic::Ordering::Relaxed);
        });
    }
    let mut plays = Vec::new();
    let halt = &*halt;
    for (office, process, link) in &mut offices {
        let events = office.day(plan.today);
        let outages = draw_outages(&mut rng, plan, plan.today);
        plays.push(async move {
            // The link goes down and up on the simulated clock.
            let link_task = async {
                let began = tokio::time::Instant::now();
                for (from, to) in outages {
                    let at = |ms: i64| {
                        began
                            + Duration::from_secs_f64(
                                ((ms - sim_start).max(0) as f64 / plan.speed) / 1000.0,
                            )
                    };
                    tokio::time::sleep_until(at(from)).await;
                    link.set_down(true);
                    tokio::time::sleep_until(at(to)).await;
                    link.set_down(false);
                }
            };
            let (steps, ()) = tokio::join!(
                hub::drive(process, &events, sim_start, plan.speed, halt),
                link_task
            );
            link.set_down(false);
            steps
        });
    }
    let steps: usize = futures_util::future::join_all(plays)
        .await
        .into_iter()
        .sum();
    // Every hub's log at the city before stopping them.
    let mut stored = 0u64;
    for (office, process, _) in &offices {
        let last = hub_last_event(process).await?;
        let deadline = Instant::now() + Duration::from_secs(120);
        loop {
            let at_city = city_watermark(pusher, city_token, &office.code).await?;
            if at_city >= last {
                stored += at_city as u64;
                break;
            }
            anyhow::ensure!(
                Instant::now() < deadline,
                "{}: the city holds {at_city} of {last} events",
                office.code
            );
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    }
    for (_, process, _) in offices {
        process.stop().await?;
    }
    Ok(Summary {
        units: plan.units,
        events: steps as u64,
        stored,
        failed_pushes: 0,
        elapsed: started.elapsed(),
    })
}

/// The last event id in a hub's log.
async fn hub_last_event(hub: &hub::HubOffice) -> anyhow::Result<i64> {
    let queue: serde_json::Value = reqwest::Client::new()
        .get(format!("{}/api/v1/queue", hub.base))
        .bearer_auth(&hub.display_token)
        .send()
        .await?
        .json()
        .await?;
    queue["last_event_id"]
        .as_i64()
        .context("no last_event_id from the hub")
}

/// Where the city stands for a unit.
async fn city_watermark(pusher: &Pusher, city_token: &str, unit: &str) -> anyhow::Result<i64> {
    let detail: serde_json::Value = pusher
        .client
        .get(format!("{}/city/v1/units/{unit}", pusher.city))
        .bearer_auth(city_token)
        .send()
        .await?
        .json()
        .await?;
    detail["last_event_id"]
        .as_i64()
        .context("no last_event_id from the city")
}

/// `motcua-city simulate`.
pub fn run(args: crate::cli::SimulateArgs) -> anyhow::Result<std::process::ExitCode> {
    let tz: Tz = chrono_tz::Asia::Ho_Chi_Minh;
    let plan = Plan {
        units: args.units,
        days: args.days,
        speed: args.speed,
        prefix: args.prefix.clone(),
        profile: Profile {
            tickets: args.tickets,
            dossiers: args.dossiers,
            ..Profile::default()
        },
        batch: args.batch,
        concurrency: args.concurrency,
        outages: args.outages,
        seed: args.seed,
        tz,
        today: chrono::Utc::now().with_timezone(&tz).date_naive(),
        linger: false,
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let pusher = Pusher {
            client: http_client(args.ca_file.as_deref())?,
            city: args.city.trim_end_matches('/').to_owned(),
            batch: args.batch,
        };
        let (stop_tx, stop) = watch::channel(false);
        tokio::spawn(async move {
            crate::terminated().await;
            let _ = stop_tx.send(true);
        });
        if args.via_hub {
            let motcua = args.motcua.clone().unwrap_or_else(hub::motcua_binary);
            let summary = via_hub(&plan, &pusher, &args.token, args.ca_file.as_deref(), &motcua, stop).await?;
            println!(
                "{} offices through their hubs: {} steps accepted, {} events at the city in {:.1} s",
                summary.units,
                summary.events,
                summary.stored,
                summary.elapsed.as_secs_f64()
            );
            return Ok(std::process::ExitCode::SUCCESS);
        }
        let summary = simulate(&plan, &pusher, &args.token, stop).await?;
        println!(
            "{} units, {} days: {} events logged, {} stored at the city in {:.1} s ({:.0} events/s), {} failed pushes retried",
            summary.units,
            plan.days,
            summary.events,
            summary.stored,
            summary.elapsed.as_secs_f64(),
            summary.rate(),
            summary.failed_pushes
        );
        Ok(std::process::ExitCode::SUCCESS)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unit_tokens_are_stable_and_differ_per_unit() {
        let a = unit_token("city-token-0123456789", "SIM-0001");
        assert_eq!(a, unit_token("city-token-0123456789", "SIM-0001"));
        assert_ne!(a, unit_token("city-token-0123456789", "SIM-0002"));
        assert_ne!(a, unit_token("other-token-0123456789", "SIM-0001"));
        assert!(a.len() >= crate::config::MIN_TOKEN_LEN);
    }

    #[test]
    fn committing_keeps_ids_contiguous_and_in_time_order() {
        let office = Office::new(
            "SIM-0001",
            0,
            1,
            Profile::default(),
            chrono_tz::Asia::Ho_Chi_Minh,
        );
        let mut unit = SimUnit::new(office, "t".into());
        let date = NaiveDate::from_ymd_opt(2026, 11, 26).unwrap();
        unit.begin_day(date);
        let noon = local_ms(
            date,
            NaiveTime::from_hms_opt(12, 0, 0).unwrap(),
            chrono_tz::Asia::Ho_Chi_Minh,
        );
        let morning = unit.commit_until(noon);
        assert!(morning > 0);
        assert!(unit.log.iter().all(|e| e.at_ms <= noon));
        unit.commit_until(i64::MAX);
        assert!(unit
            .log
            .iter()
            .enumerate()
            .all(|(i, e)| e.id == i as i64 + 1));
        assert_eq!(unit.unsent(), unit.log.len());
    }
}
