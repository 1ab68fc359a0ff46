//! systemd's service notification protocol (`sd_notify(3)`), spoken by hand.
//!
//! A `Type=notify` unit gives the service a datagram socket in
//! `NOTIFY_SOCKET`; the service sends newline-separated `KEY=VALUE`
//! assignments to it: `READY=1` once it is serving, `WATCHDOG=1` at least
//! every `WatchdogSec`, `STOPPING=1` when it begins to shut down. That is all
//! motcua needs, so it is a few lines here rather than a dependency on
//! libsystemd.
//!
//! ## Who may ping the watchdog
//!
//! systemd exports `WATCHDOG_USEC` and `WATCHDOG_PID` to the unit's main
//! process, and `sd_watchdog_enabled(3)` says the watchdog is meant for us
//! only when `WATCHDOG_PID` is our own PID. The kiosk and the hall display
//! run *inside* the `cage` compositor: cage is the main process, it passes
//! its environment to the app it starts, so the app sees cage's PID. The
//! units set `NotifyAccess=all` so systemd accepts the app's messages, and
//! [`watchdog_interval`] accepts our parent's PID as well as our own.
//!
//! Without `NOTIFY_SOCKET` (a terminal, a test, another init) every call
//! here is a no-op: [`Notifier::from_env`] returns `None`.

use std::os::unix::net::{SocketAddr, UnixDatagram};
use std::path::PathBuf;
use std::time::Duration;

/// Why a notification could not be sent.
#[derive(Debug, thiserror::Error)]
pub enum NotifyError {
    #[error("NOTIFY_SOCKET {0:?} is not a Unix socket address this motcua can use")]
    UnsupportedAddress(String),
    #[error("cannot send to the notify socket {socket}: {source}")]
    Send {
        socket: String,
        source: std::io::Error,
    },
}

/// A handle on the service manager's notification socket.
#[derive(Debug)]
pub struct Notifier {
    /// Our end: unbound, so systemd identifies us by our credentials (PID,
    /// cgroup), which is what `NotifyAccess` checks.
    socket: UnixDatagram,
    addr: SocketAddr,
    /// `NOTIFY_SOCKET` as given, for messages.
    name: String,
}

impl Notifier {
    /// The socket named by `NOTIFY_SOCKET`, or `None` when motcua was not
    /// started by a service manager that wants notifications.
    pub fn from_env() -> Option<Result<Self, NotifyError>> {
        let name = std::env::var_os("NOTIFY_SOCKET")?;
        Some(Self::connect(&name.to_string_lossy()))
    }

    /// A notifier for the socket `name`: a filesystem path, or `@name` for
    /// Linux's abstract namespace (what systemd itself uses).
    pub fn connect(name: &str) -> Result<Self, NotifyError> {
        let unsupported = || NotifyError::UnsupportedAddress(name.to_owned());
        let addr = if let Some(abstract_name) = name.strip_prefix('@') {
            #[cfg(target_os = "linux")]
            {
                use std::os::linux::net::SocketAddrExt;
                SocketAddr::from_abstract_name(abstract_name.as_bytes())
                    .map_err(|_| unsupported())?
            }
            #[cfg(not(target_os = "linux"))]
            {
                let _ = abstract_name;
                return Err(unsupported());
            }
        } else if name.starts_with('/') {
            SocketAddr::from_pathname(PathBuf::from(name)).map_err(|_| unsupported())?
        } else {
            // `vsock:` and other forms newer systemd versions accept are for
            // virtual machines, not for a kiosk.
            return Err(unsupported());
        };
        let socket = UnixDatagram::unbound().map_err(|source| NotifyError::Send {
            socket: name.to_owned(),
            source,
        })?;
        Ok(Self {
            socket,
            addr,
            name: name.to_owned(),
        })
    }

    /// Sends one message: one or more `KEY=VALUE` lines.
    pub fn notify(&self, state: &str) -> Result<(), NotifyError> {
        self.socket
            .send_to_addr(state.as_bytes(), &self.addr)
            .map(|_| ())
            .map_err(|source| NotifyError::Send {
                socket: self.name.clone(),
                source,
            })
    }

    /// [`Notifier::notify`] that logs a failure instead of returning it:
    /// a service manager that stopped listening must not stop the kiosk.
    pub fn send(&self, state: &str) {
        if let Err(err) = self.notify(state) {
            tracing::warn!(%err, state, "service manager notification failed");
        }
    }
}

/// The notifier of this process, if systemd wants notifications; a socket
/// we cannot use is logged once and treated as none.
pub fn from_env_or_log() -> Option<Notifier> {
    match Notifier::from_env()? {
        Ok(notifier) => Some(notifier),
        Err(err) => {
            tracing::warn!(%err, "not notifying the service manager");
            None
        }
    }
}

/// How often this process should send `WATCHDOG=1`, from `WATCHDOG_USEC`
/// and `WATCHDOG_PID`; `None` when no watchdog is armed for us.
pub fn watchdog_interval_from_env() -> Option<Duration> {
    let usec = std::env::var("WATCHDOG_USEC").ok();
    let pid = std::env::var("WATCHDOG_PID").ok();
    watchdog_interval(
        usec.as_deref(),
        pid.as_deref(),
        std::process::id(),
        std::os::unix::process::parent_id(),
    )
}

/// The ping interval for a watchdog of `usec` microseconds meant for
/// process `pid` (absent: for whoever reads it, as `sd_watchdog_enabled`
/// treats it), seen from process `me` whose parent is `parent`.
///
/// Half the timeout, as `sd_watchdog_enabled(3)` advises: one late ping
/// never trips it. The parent is accepted because under `cage` the
/// watchdog belongs to the compositor that started us (see the module doc).
pub fn watchdog_interval(
    usec: Option<&str>,
    pid: Option<&str>,
    me: u32,
    parent: u32,
) -> Option<Duration> {
    let usec: u64 = usec?.trim().parse().ok().filter(|&u| u > 0)?;
    if let Some(pid) = pid {
        let pid: u32 = pid.trim().parse().ok()?;
        if pid != me && pid != parent {
            return None;
        }
    }
    Some(Duration::from_micros(usec / 2))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn watchdog_is_ours_or_our_parents_and_pinged_at_half_the_timeout() {
        let half = Some(Duration::from_secs(15));
        assert_eq!(watchdog_interval(Some("30000000"), Some("42"), 42, 1), half);
        // Under cage: the watchdog PID is the compositor, our parent.
        assert_eq!(watchdog_interval(Some("30000000"), Some("7"), 42, 7), half);
        assert_eq!(watchdog_interval(Some("30000000"), None, 42, 7), half);
        // Someone else's watchdog, inherited through a grandparent.
        assert_eq!(watchdog_interval(Some("30000000"), Some("3"), 42, 7), None);
        assert_eq!(watchdog_interval(None, Some("42"), 42, 7), None);
        assert_eq!(watchdog_interval(Some("0"), Some("42"), 42, 7), None);
        assert_eq!(watchdog_interval(Some("soon"), None, 42, 7), None);
        assert_eq!(watchdog_interval(Some("30000000"), Some("x"), 42, 7), None);
    }

    #[test]
    fn messages_reach_a_path_socket_and_an_abstract_one() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("notify");
        let listener = UnixDatagram::bind(&path).unwrap();
        Notifier::connect(path.to_str().unwrap())
            .unwrap()
            .notify("READY=1\nSTATUS=serving")
            .unwrap();
        let mut buf = [0u8; 64];
        let n = listener.recv(&mut buf).unwrap();
        assert_eq!(&buf[..n], b"READY=1\nSTATUS=serving");

        #[cfg(target_os = "linux")]
        {
            use std::os::linux::net::SocketAddrExt;
            let name = format!("motcua-notify-test-{}", std::process::id());
            let addr = SocketAddr::from_abstract_name(name.as_bytes()).unwrap();
            let listener = UnixDatagram::bind_addr(&addr).unwrap();
            Notifier::connect(&format!("@{name}"))
                .unwrap()
                .notify("WATCHDOG=1")
                .unwrap();
            let n = listener.recv(&mut buf).unwrap();
            assert_eq!(&buf[..n], b"WATCHDOG=1");
        }
    }

    #[test]
    fn addresses_that_are_not_unix_sockets_are_refused() {
        for bad in ["vsock:2:1234", "relative/path", ""] {
            assert!(
                matches!(
                    Notifier::connect(bad),
                    Err(NotifyError::UnsupportedAddress(_))
                ),
                "{bad:?}"
            );
        }
    }
}
