//! The screen's heartbeat to systemd: `READY=1` and `WATCHDOG=1` sent from
//! a timer on the UI thread.
//!
//! ## Why from the UI thread
//!
//! A kiosk whose process is alive but whose screen is frozen — a callback
//! stuck on a lock, a render that never returns — is as useless to a
//! citizen as a crashed one, and nobody in the hall can restart it. The
//! pings therefore come from a `slint::Timer`, which only fires while the
//! UI event loop turns: when the loop stops, the pings stop, and after
//! `WatchdogSec` systemd kills and restarts the unit. A ping from a worker
//! thread would keep a frozen screen "healthy" forever.
//!
//! `READY=1` is sent from the loop's first turn, so "started" means the
//! window's event loop runs, not merely that the process exists.
//!
//! For app authors: [`run_until_closed`] runs a window that way — one
//! [`UiWatchdog`] created on the UI thread before `window.run()` and kept
//! alive until `run` returns (dropping it tells systemd the app is
//! stopping), and SIGTERM leaving the event loop.

use std::rc::Rc;
use std::time::Duration;

use crate::notify::{self, Notifier};

/// Runs `window`'s event loop on this (the UI) thread under the watchdog
/// until the window closes or systemd stops the app with SIGTERM; `what`
/// names the app in the error ("the kiosk window failed: …").
pub fn run_until_closed(
    window: &impl slint::ComponentHandle,
    runtime: &tokio::runtime::Handle,
    what: &str,
) -> anyhow::Result<()> {
    let watchdog = UiWatchdog::from_env();
    runtime.spawn(async {
        crate::web::terminated().await;
        let _ = slint::quit_event_loop();
    });
    window
        .run()
        .map_err(|e| anyhow::anyhow!("the {what} window failed: {e}"))?;
    drop(watchdog);
    Ok(())
}

/// Pings systemd from the UI event loop; see the module doc.
pub struct UiWatchdog {
    notifier: Rc<Notifier>,
    /// Repeats every half `WatchdogSec`; stops with the event loop.
    _pings: slint::Timer,
}

impl UiWatchdog {
    /// The watchdog systemd asked for (`NOTIFY_SOCKET`, `WATCHDOG_USEC`,
    /// `WATCHDOG_PID`), or `None` outside a `Type=notify` unit.
    pub fn from_env() -> Option<Self> {
        let notifier = notify::from_env_or_log()?;
        let interval = notify::watchdog_interval_from_env();
        if interval.is_none() {
            tracing::info!("no watchdog armed for this process; sending READY=1 only");
        }
        Some(Self::start(notifier, interval))
    }

    /// Starts on the current (UI) thread: `READY=1` at the event loop's
    /// next turn, then `WATCHDOG=1` every `interval` while the loop runs.
    pub fn start(notifier: Notifier, interval: Option<Duration>) -> Self {
        let notifier = Rc::new(notifier);
        let n = Rc::clone(&notifier);
        slint::Timer::single_shot(Duration::ZERO, move || n.send("READY=1"));
        let pings = slint::Timer::default();
        if let Some(interval) = interval {
            let n = Rc::clone(&notifier);
            pings.start(slint::TimerMode::Repeated, interval, move || {
                n.send("WATCHDOG=1")
            });
        }
        Self {
            notifier,
            _pings: pings,
        }
    }
}

impl Drop for UiWatchdog {
    /// The event loop has returned: the app is on its way out. Saying so
    /// keeps systemd from reading the missing pings as a hang during a
    /// slow shutdown (the embedded hub closing its database).
    fn drop(&mut self) {
        self.notifier.send("STOPPING=1");
    }
}
