//! The city's procedure catalogue and working-day calendar, applied here.
//!
//! Every `city.poll_seconds` the poller asks the city for each with the
//! ETag of the last release it saw: unchanged costs a `304`. A new release
//! is checked in full with the hub's own rules — the catalogue as
//! `filing.procedures` would be (`Catalogue::validate`, the office's queue
//! services), each calendar year as a year file of `filing.calendar` — and
//! only then swapped in, whole and at once; a release that fails is
//! refused, named in the office's reports to the city, and the office
//! keeps what it had. A dossier keeps the due time it was filed with: the
//! calendar decides due times at filing only.
//!
//! Applied releases are kept beside the database (`motcua-city-*.json`,
//! written to a temporary file, synced and renamed) and applied again at
//! start, so an office that restarts during a WAN outage still uses them.
//! `city.pin_catalogue` / `city.pin_calendar` keep the office's own: the
//! city's are then neither fetched nor applied, and the city is told so.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use motcua_api::{CalendarRelease, CatalogueRelease, RefusedRelease};

use super::applied::{Applied, Releases};
use super::client::CityClient;
use crate::hub::filing::catalogue::load_calendar;
use crate::hub::state::Hub;

/// Where applied releases are kept.
pub struct Kept {
    catalogue: PathBuf,
    calendar: PathBuf,
}

impl Kept {
    /// Beside the hub's database.
    pub fn beside(database: &Path) -> Self {
        let dir = database.parent().unwrap_or(Path::new("."));
        Self {
            catalogue: dir.join("motcua-city-catalogue.json"),
            calendar: dir.join("motcua-city-calendar.json"),
        }
    }
}

/// Writes `text` to `path` so that a crash leaves the old file or the new
/// one, never half of one.
fn write_atomically(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    let tmp = path.with_extension("json.tmp");
    {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(text.as_bytes())?;
        f.sync_all()?;
    }
    std::fs::rename(&tmp, path)
}

/// Applies a catalogue release; `Err` says why it cannot be used.
fn apply_catalogue(hub: &Hub, text: &str) -> Result<CatalogueRelease, (i64, String)> {
    let release: CatalogueRelease =
        serde_json::from_str(text).map_err(|e| (0, format!("not a catalogue release: {e}")))?;
    let version = release.version;
    // The release carries the wire's procedures; the hub reads them as its
    // own catalogue, the format of `filing.procedures`, and checks them.
    let catalogue = serde_json::to_value(serde_json::json!({
        "version": release.label,
        "procedures": release.procedures,
    }))
    .and_then(serde_json::from_value::<crate::domain::procedure::Catalogue>)
    .map_err(|e| (version, e.to_string()))?;
    catalogue.validate().map_err(|e| (version, e.to_string()))?;
    hub.filing
        .adopt_city_catalogue(catalogue, &hub.rules.config, hub.now());
    Ok(release)
}

/// Applies a calendar release on top of the office's calendar (the shipped
/// years and its `filing.calendar` folder); `Err` says why it cannot be
/// used.
fn apply_calendar(hub: &Hub, text: &str) -> Result<CalendarRelease, (i64, String)> {
    let release: CalendarRelease =
        serde_json::from_str(text).map_err(|e| (0, format!("not a calendar release: {e}")))?;
    let version = release.version;
    let mut calendar = load_calendar(&hub.rules.config).map_err(|e| (version, e.to_string()))?;
    for year in &release.years {
        let file = toml::to_string(year).map_err(|e| (version, e.to_string()))?;
        calendar
            .add_year(&format!("city calendar {version}"), &file)
            .map_err(|e| (version, e.to_string()))?;
    }
    hub.filing.set_calendar(calendar);
    Ok(release)
}

/// One kind of release: its route, where it is kept, how it applies.
struct Kind {
    what: &'static str,
    pinned: bool,
    kept: PathBuf,
}

/// Applies `text` of `kind`, records the outcome, keeps it on disk.
fn take(hub: &Hub, releases: &Releases, kind: &Kind, text: &str, etag: Option<String>) {
    let outcome = match kind.what {
        "catalogue" => apply_catalogue(hub, text).map(|r| (r.version, Some(r.label))),
        _ => apply_calendar(hub, text).map(|r| (r.version, None)),
    };
    let slot = match kind.what {
        "catalogue" => &releases.catalogue,
        _ => &releases.calendar,
    };
    let mut applied = slot.lock().unwrap_or_else(|p| p.into_inner());
    applied.etag = etag;
    match outcome {
        Ok((version, label)) => {
            tracing::info!(what = kind.what, version, "city release applied");
            applied.version = Some(version);
            applied.label = label.filter(|l| !l.is_empty());
            applied.refused = None;
        }
        Err((version, reason)) => {
            tracing::warn!(what = kind.what, version, %reason, "city release refused; keeping the one in use");
            applied.refused = Some(RefusedRelease { version, reason });
        }
    }
}

/// At start: the releases applied before (unless pinned).
pub fn apply_kept(hub: &Hub, releases: &Releases, kept: &Kept) {
    for kind in kinds(hub, kept) {
        if kind.pinned {
            continue;
        }
        if let Ok(text) = std::fs::read_to_string(&kind.kept) {
            take(hub, releases, &kind, &text, None);
        }
    }
}

fn kinds(hub: &Hub, kept: &Kept) -> [Kind; 2] {
    let section = hub.rules.config.city.as_ref();
    [
        Kind {
            what: "catalogue",
            pinned: section.is_some_and(|c| c.pin_catalogue),
            kept: kept.catalogue.clone(),
        },
        Kind {
            what: "calendar",
            pinned: section.is_some_and(|c| c.pin_calendar),
            kept: kept.calendar.clone(),
        },
    ]
}

/// The poller: until the hub shuts down.
pub async fn run(hub: Arc<Hub>, client: CityClient, releases: Arc<Releases>, kept: Kept) {
    let Some(section) = hub.rules.config.city.clone() else {
        return;
    };
    let every = Duration::from_secs(section.poll_seconds.max(1));
    let mut stop = hub.shutdown.subscribe();
    loop {
        for kind in kinds(&hub, &kept) {
            if kind.pinned {
                continue;
            }
            let slot = match kind.what {
                "catalogue" => &releases.catalogue,
                _ => &releases.calendar,
            };
            let etag = slot.lock().unwrap_or_else(|p| p.into_inner()).etag.clone();
            match client.release(kind.what, etag.as_deref()).await {
                Ok(Some((text, tag))) => {
                    take(&hub, &releases, &kind, &text, tag);
                    let applied = slot.lock().unwrap_or_else(|p| p.into_inner()).clone();
                    if applied.refused.is_none() {
                        if let Err(err) = write_atomically(&kind.kept, &text) {
                            tracing::warn!(%err, path = %kind.kept.display(), "cannot keep the city release on disk");
                        }
                    }
                    releases.changed.notify_one();
                }
                Ok(None) => {}
                Err(err) => tracing::debug!(%err, what = kind.what, "city release not checked"),
            }
        }
        tokio::select! {
            _ = tokio::time::sleep(every) => {}
            _ = stop.wait_for(|s| *s) => return,
        }
    }
}

/// What was applied, for tests and diagnostics.
pub fn applied(releases: &Releases) -> (Applied, Applied) {
    (releases.catalogue(), releases.calendar())
}
