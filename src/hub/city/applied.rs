//! What the release poller applied (or refused) of the city's catalogue
//! and calendar, and the versions in use as every push reports them.

use std::sync::Mutex;

use motcua_api::{CatalogueSource, RefusedRelease, ReleaseInUse};

use crate::hub::state::Hub;

/// A city release applied (or refused) here.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Applied {
    /// The release in use, `None` before the first.
    pub version: Option<i64>,
    pub label: Option<String>,
    /// The ETag of the newest release seen (applied or refused): asked
    /// with `If-None-Match`, so a refused release is not fetched again.
    pub etag: Option<String>,
    pub refused: Option<RefusedRelease>,
}

/// What the release poller applied; every push reports it.
#[derive(Debug, Default)]
pub struct Releases {
    pub catalogue: Mutex<Applied>,
    pub calendar: Mutex<Applied>,
    /// Something changed: the pusher reports at once.
    pub changed: tokio::sync::Notify,
}

impl Releases {
    pub fn catalogue(&self) -> Applied {
        self.catalogue
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    pub fn calendar(&self) -> Applied {
        self.calendar
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }
}

/// The catalogue and calendar this hub uses, as the city is told.
pub fn in_use(hub: &Hub, releases: &Releases) -> (ReleaseInUse, ReleaseInUse) {
    use motcua_api::ReleaseSource;
    let config = &hub.rules.config;
    let section = config.city.as_ref();
    let (pin_catalogue, pin_calendar) = (
        section.is_some_and(|c| c.pin_catalogue),
        section.is_some_and(|c| c.pin_calendar),
    );
    let state = hub.filing.catalogue();
    let applied = releases.catalogue();
    let catalogue = ReleaseInUse {
        source: match state.source {
            CatalogueSource::City => ReleaseSource::City,
            CatalogueSource::Portal => ReleaseSource::Portal,
            _ if config.filing.procedures.is_some() => ReleaseSource::Local,
            _ => ReleaseSource::Builtin,
        },
        pinned: pin_catalogue,
        version: applied
            .version
            .filter(|_| state.source == CatalogueSource::City),
        label: Some(state.catalogue.version.clone()).filter(|l| !l.is_empty()),
        refused: applied.refused,
    };
    let applied = releases.calendar();
    let calendar = ReleaseInUse {
        source: if applied.version.is_some() && !pin_calendar {
            ReleaseSource::City
        } else if config.filing.calendar.is_some() {
            ReleaseSource::Local
        } else {
            ReleaseSource::Builtin
        },
        pinned: pin_calendar,
        version: applied.version.filter(|_| !pin_calendar),
        label: None,
        refused: applied.refused,
    };
    (catalogue, calendar)
}
