//! systemd's notify protocol against a fake notify socket: a Unix datagram
//! socket the test binds and names in `NOTIFY_SOCKET`, as systemd would.
//!
//! - the UI watchdog on a real Slint event loop: `READY=1` first,
//!   `WATCHDOG=1` while the loop turns, nothing while it is blocked, pings
//!   again once it is free, `STOPPING=1` at the end;
//! - the real `motcua kiosk` process, with the watchdog PID its parent's
//!   (the situation under cage);
//! - the real `motcua hub` process: `READY=1` only once it answers.
//!
//! The test waits on the socket for each message (a signal, not a sleep).
//! The one bounded wait is for the message that must *not* come while the
//! loop is blocked: a slow machine can only make fewer pings, so no timing
//! can fail it.

use std::io::ErrorKind;
use std::os::unix::net::UnixDatagram;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::rc::Rc;
use std::sync::mpsc;
use std::time::Duration;

use motcua::apps::watchdog::UiWatchdog;
use motcua::notify::Notifier;
use slint::platform::{Platform, WindowAdapter};
use slint::PlatformError;

use crate::util::{motcua, Api, DISPLAY};

/// Longest wait for a message that must come: a guard against hanging on
/// a broken build, far above any real delay.
const GUARD: Duration = Duration::from_secs(120);

/// The fake service manager's end of `NOTIFY_SOCKET`.
struct NotifySocket {
    socket: UnixDatagram,
    _dir: tempfile::TempDir,
    path: std::path::PathBuf,
}

impl NotifySocket {
    fn bind() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("notify");
        let socket = UnixDatagram::bind(&path).unwrap();
        socket.set_read_timeout(Some(GUARD)).unwrap();
        Self {
            socket,
            _dir: dir,
            path,
        }
    }

    /// The next message.
    fn next(&self) -> String {
        let mut buf = [0u8; 4096];
        let n = self.socket.recv(&mut buf).expect("no notification arrived");
        String::from_utf8(buf[..n].to_vec()).unwrap()
    }

    /// The next message that is not a watchdog ping.
    fn next_besides_pings(&self) -> String {
        loop {
            let m = self.next();
            if m != "WATCHDOG=1" {
                return m;
            }
        }
    }

    /// Messages already waiting, without blocking.
    fn drain(&self) -> Vec<String> {
        self.socket.set_nonblocking(true).unwrap();
        let mut buf = [0u8; 4096];
        let mut out = Vec::new();
        while let Ok(n) = self.socket.recv(&mut buf) {
            out.push(String::from_utf8(buf[..n].to_vec()).unwrap());
        }
        self.socket.set_nonblocking(false).unwrap();
        out
    }

    /// A message arriving within `window`, if any.
    fn within(&self, window: Duration) -> Option<String> {
        self.socket.set_read_timeout(Some(window)).unwrap();
        let mut buf = [0u8; 4096];
        let got = match self.socket.recv(&mut buf) {
            Ok(n) => Some(String::from_utf8(buf[..n].to_vec()).unwrap()),
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => None,
            Err(e) => panic!("{e}"),
        };
        self.socket.set_read_timeout(Some(GUARD)).unwrap();
        got
    }
}

/// A Slint platform with nothing but time: no window, no event loop proxy
/// (so it touches no process-wide Slint state other tests use). The test
/// thread turns the loop itself.
struct LoopOnly;

impl Platform for LoopOnly {
    fn create_window_adapter(&self) -> Result<Rc<dyn WindowAdapter>, PlatformError> {
        Err(PlatformError::Other("no windows in this test".into()))
    }
}

enum UiCommand {
    /// Block the UI thread until the sender is dropped, as a stuck
    /// callback would.
    Freeze(mpsc::Receiver<()>),
    Quit,
}

#[test]
fn ui_watchdog_pings_while_the_loop_runs_and_never_while_it_is_blocked() {
    let socket = NotifySocket::bind();
    let path = socket.path.clone();
    let (commands, inbox) = mpsc::channel::<UiCommand>();
    let (frozen_tx, frozen) = mpsc::channel::<()>();
    let interval = Duration::from_millis(20);

    let ui = std::thread::spawn(move || {
        slint::platform::set_platform(Box::new(LoopOnly)).unwrap();
        let watchdog = UiWatchdog::start(
            Notifier::connect(path.to_str().unwrap()).unwrap(),
            Some(interval),
        );
        // The event loop: run due timers, then wait for the next one or a
        // command, like every Slint backend's loop.
        loop {
            slint::platform::update_timers_and_animations();
            let wait = slint::platform::duration_until_next_timer_update()
                .unwrap_or(Duration::from_secs(1));
            match inbox.recv_timeout(wait) {
                Ok(UiCommand::Freeze(until)) => {
                    frozen_tx.send(()).unwrap();
                    let _ = until.recv();
                }
                Ok(UiCommand::Quit) | Err(mpsc::RecvTimeoutError::Disconnected) => break,
                Err(mpsc::RecvTimeoutError::Timeout) => {}
            }
        }
        drop(watchdog);
    });

    assert_eq!(socket.next(), "READY=1", "READY=1 comes first");
    for _ in 0..3 {
        assert_eq!(socket.next(), "WATCHDOG=1");
    }

    let (release, until) = mpsc::channel::<()>();
    commands.send(UiCommand::Freeze(until)).unwrap();
    frozen.recv().unwrap();
    // Pings sent before the freeze are already in the socket: the UI
    // thread sends synchronously and is now blocked.
    assert!(socket.drain().iter().all(|m| m == "WATCHDOG=1"));
    assert_eq!(
        socket.within(interval * 50),
        None,
        "a ping came while the UI thread was blocked"
    );

    drop(release);
    assert_eq!(socket.next(), "WATCHDOG=1", "pings resume with the loop");
    commands.send(UiCommand::Quit).unwrap();
    ui.join().unwrap();
    assert_eq!(socket.next_besides_pings(), "STOPPING=1");
}

fn terminate(child: &mut Child) -> std::process::ExitStatus {
    Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    child.wait().unwrap()
}

/// `motcua` with the fake socket and a watchdog of `watchdog_usec`.
fn notified(socket: &NotifySocket, watchdog_usec: u64, cwd: &Path) -> Command {
    let mut cmd = motcua();
    cmd.current_dir(cwd)
        .env("NOTIFY_SOCKET", &socket.path)
        .env("WATCHDOG_USEC", watchdog_usec.to_string())
        .env("MOTCUA_LOG", "warn")
        .env_remove("MOTCUA_CONFIG")
        .env_remove("WATCHDOG_PID")
        .stdin(Stdio::null())
        .stdout(Stdio::null());
    cmd
}

#[test]
fn the_kiosk_process_is_ready_and_pings_when_the_watchdog_is_its_parents() {
    let socket = NotifySocket::bind();
    let dir = tempfile::tempdir().unwrap();
    let mut kiosk = notified(&socket, 200_000, dir.path())
        // Under cage, systemd's WATCHDOG_PID is the compositor: our parent.
        // Here the parent is this test process.
        .env("WATCHDOG_PID", std::process::id().to_string())
        // No display: the kiosk runs on its headless event loop.
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .args(["kiosk", "--screen-file"])
        .arg(dir.path().join("screen.png"))
        .spawn()
        .unwrap();
    assert_eq!(socket.next(), "READY=1");
    assert_eq!(socket.next(), "WATCHDOG=1");
    assert_eq!(socket.next(), "WATCHDOG=1");
    let status = terminate(&mut kiosk);
    assert!(status.success(), "kiosk exited with {status}");
    assert_eq!(socket.next_besides_pings(), "STOPPING=1");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_hub_process_is_ready_only_once_it_answers_and_says_when_it_stops() {
    let socket = NotifySocket::bind();
    let dir = tempfile::tempdir().unwrap();
    let mut hub = notified(&socket, 200_000, dir.path())
        .args(["hub", "--listen", "127.0.0.1:0", "--db"])
        .arg(dir.path().join("hub.db"))
        .spawn()
        .unwrap();
    let ready = tokio::task::block_in_place(|| socket.next());
    let url = ready
        .strip_prefix("READY=1\nSTATUS=listening on ")
        .unwrap_or_else(|| panic!("unexpected {ready:?}"))
        .to_owned();
    // Ready means serving: the first request after READY=1 is answered.
    let (status, _) = Api::new(&url, DISPLAY).get("/api/v1/queue").await;
    assert_eq!(status, reqwest::StatusCode::OK);
    assert_eq!(tokio::task::block_in_place(|| socket.next()), "WATCHDOG=1");
    let status = terminate(&mut hub);
    assert!(status.success(), "hub exited with {status}");
    assert_eq!(socket.next_besides_pings(), "STOPPING=1");
}
