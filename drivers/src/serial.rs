//! Serial transport: settings, opening, timeouts and reconnecting.
//!
//! For driver authors: talk to a device through the [`Transport`] trait.
//! [`SerialTransport`] is the real one — a serial port (RS-232 or USB-CDC)
//! opened exclusively, with read and write timeouts, which closes itself
//! when the device goes away and opens again, with backoff, on the next
//! call (same path, or the same USB vendor/product/serial number found at
//! a new path). Tests use it over pseudo-terminals; in-process fakes
//! implement the device traits directly instead.

use std::fmt;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use serialport::{ClearBuffer, SerialPort, TTYPort};

use crate::discovery::{self, UsbId};
use crate::error::DeviceErrorKind;

/// Which port to open: a path, or a USB device found wherever it is plugged.
///
/// In TOML: `port = "/dev/ttyUSB0"` or
/// `port = { usb = "0fe6:811e", serial = "A1B2" }`. On the command line:
/// a path, or `usb:0fe6:811e` / `usb:0fe6:811e/A1B2`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum PortSelector {
    /// A device path, e.g. `/dev/ttyUSB0` or a udev symlink `/dev/motcua-printer`.
    Path(PathBuf),
    /// A USB serial device by vendor:product id and, optionally, serial number.
    Usb {
        usb: UsbId,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        serial: Option<String>,
    },
}

impl Default for PortSelector {
    fn default() -> Self {
        PortSelector::Path(PathBuf::from("/dev/ttyUSB0"))
    }
}

impl fmt::Display for PortSelector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PortSelector::Path(p) => write!(f, "{}", p.display()),
            PortSelector::Usb { usb, serial: None } => write!(f, "usb:{usb}"),
            PortSelector::Usb {
                usb,
                serial: Some(s),
            } => write!(f, "usb:{usb}/{s}"),
        }
    }
}

impl FromStr for PortSelector {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.strip_prefix("usb:") {
            Some(rest) => {
                let (id, serial) = match rest.split_once('/') {
                    Some((id, serial)) => (id, Some(serial.to_owned())),
                    None => (rest, None),
                };
                Ok(PortSelector::Usb {
                    usb: id.parse()?,
                    serial,
                })
            }
            None if s.is_empty() => Err("empty port path".to_owned()),
            None => Ok(PortSelector::Path(PathBuf::from(s))),
        }
    }
}

/// Parity bit setting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Parity {
    #[default]
    None,
    Odd,
    Even,
}

/// Flow control.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FlowControl {
    #[default]
    None,
    /// Hardware handshake; what most receipt printers' RS-232 ports want.
    RtsCts,
    /// Software handshake.
    XonXoff,
}

/// How to reach a serial device. Embedded in the application's TOML.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SerialSettings {
    pub port: PortSelector,
    pub baud: u32,
    /// 5, 6, 7 or 8.
    pub data_bits: u8,
    pub parity: Parity,
    /// 1 or 2.
    pub stop_bits: u8,
    pub flow_control: FlowControl,
    /// How long one read waits for the device (e.g. a status reply).
    pub read_timeout_ms: u64,
    /// How long a write may wait for the device to accept more data.
    pub write_timeout_ms: u64,
    /// How long an operation keeps trying to (re)open a missing device
    /// before it reports [`DeviceErrorKind::Disconnected`].
    pub reconnect_timeout_ms: u64,
    /// Open the port exclusively (TIOCEXCL + flock), so no other program
    /// interleaves bytes with ours.
    pub exclusive: bool,
}

impl Default for SerialSettings {
    fn default() -> Self {
        Self {
            port: PortSelector::default(),
            baud: 9600,
            data_bits: 8,
            parity: Parity::None,
            stop_bits: 1,
            flow_control: FlowControl::None,
            read_timeout_ms: 1000,
            write_timeout_ms: 5000,
            reconnect_timeout_ms: 2000,
            exclusive: true,
        }
    }
}

impl SerialSettings {
    /// Settings for `port` with every other field at its default.
    pub fn for_port(port: impl Into<PortSelector>) -> Self {
        Self {
            port: port.into(),
            ..Self::default()
        }
    }

    /// Checks the fields serde cannot.
    pub fn validate(&self) -> Result<(), String> {
        if self.baud == 0 {
            return Err("baud must be positive".to_owned());
        }
        if !(5..=8).contains(&self.data_bits) {
            return Err("data_bits must be 5, 6, 7 or 8".to_owned());
        }
        if !(1..=2).contains(&self.stop_bits) {
            return Err("stop_bits must be 1 or 2".to_owned());
        }
        Ok(())
    }

    pub fn read_timeout(&self) -> Duration {
        Duration::from_millis(self.read_timeout_ms)
    }

    pub fn write_timeout(&self) -> Duration {
        Duration::from_millis(self.write_timeout_ms)
    }

    pub fn reconnect_timeout(&self) -> Duration {
        Duration::from_millis(self.reconnect_timeout_ms)
    }
}

impl From<PathBuf> for PortSelector {
    fn from(p: PathBuf) -> Self {
        PortSelector::Path(p)
    }
}

impl From<&Path> for PortSelector {
    fn from(p: &Path) -> Self {
        PortSelector::Path(p.to_owned())
    }
}

/// A transport failure.
#[derive(Debug, thiserror::Error)]
pub enum TransportError {
    #[error("serial port {port} not found")]
    NotFound { port: String },
    #[error("serial port {port} is in use by another program")]
    Busy { port: String },
    #[error("cannot open serial port {port}: {message}")]
    Open { port: String, message: String },
    #[error("invalid serial settings: {0}")]
    Settings(String),
    #[error("serial port timed out after {0:?}")]
    Timeout(Duration),
    #[error("serial device went away: {0}")]
    Disconnected(io::Error),
}

impl TransportError {
    pub fn kind(&self) -> DeviceErrorKind {
        match self {
            TransportError::NotFound { .. } | TransportError::Disconnected(_) => {
                DeviceErrorKind::Disconnected
            }
            TransportError::Busy { .. } => DeviceErrorKind::Busy,
            TransportError::Open { .. } | TransportError::Settings(_) => DeviceErrorKind::Other,
            TransportError::Timeout(_) => DeviceErrorKind::Timeout,
        }
    }
}

/// A byte pipe to a device. `Send` so a driver can live on a worker thread.
pub trait Transport: Send {
    /// Writes every byte, or fails once the device has accepted nothing for
    /// the write timeout.
    fn write_all(&mut self, bytes: &[u8]) -> Result<(), TransportError>;
    /// Reads what is available, waiting at most `timeout`; `Ok(0)` means
    /// nothing arrived in time.
    fn read(&mut self, buf: &mut [u8], timeout: Duration) -> Result<usize, TransportError>;
    /// Drops bytes received but not yet read (stale replies, scanner noise).
    fn clear_input(&mut self) -> Result<(), TransportError>;
}

/// Exponential backoff between attempts to reopen a missing device.
#[derive(Debug, Clone)]
struct Backoff {
    next: Duration,
}

impl Backoff {
    const FIRST: Duration = Duration::from_millis(20);
    const MAX: Duration = Duration::from_millis(1000);

    fn new() -> Self {
        Self { next: Self::FIRST }
    }

    fn step(&mut self) -> Duration {
        let d = self.next;
        self.next = (self.next * 2).min(Self::MAX);
        d
    }
}

/// A serial port that reopens itself after the device was unplugged.
///
/// Nothing is opened until the first operation (or [`connect`](Self::connect)):
/// a kiosk starts even with its printer switched off.
pub struct SerialTransport {
    settings: SerialSettings,
    port: Option<TTYPort>,
    opened_path: Option<PathBuf>,
}

impl fmt::Debug for SerialTransport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SerialTransport")
            .field("port", &self.settings.port.to_string())
            .field("open", &self.port.is_some())
            .finish()
    }
}

impl SerialTransport {
    /// A transport for these settings; the port is opened on first use.
    pub fn new(settings: SerialSettings) -> Result<Self, TransportError> {
        settings.validate().map_err(TransportError::Settings)?;
        Ok(Self {
            settings,
            port: None,
            opened_path: None,
        })
    }

    /// Opens the port now (retrying with backoff up to the reconnect timeout).
    pub fn connect(&mut self) -> Result<(), TransportError> {
        self.port().map(|_| ())
    }

    /// The settings this transport was made with.
    pub fn settings(&self) -> &SerialSettings {
        &self.settings
    }

    /// The device path currently open, if any.
    pub fn opened_path(&self) -> Option<&Path> {
        self.opened_path.as_deref()
    }

    /// Whether the port is open right now.
    pub fn is_open(&self) -> bool {
        self.port.is_some()
    }

    /// Closes the port; the next operation reopens it.
    pub fn close(&mut self) {
        if self.port.take().is_some() {
            tracing::debug!(port = %self.settings.port, "serial port closed");
        }
        self.opened_path = None;
    }

    fn port(&mut self) -> Result<&mut TTYPort, TransportError> {
        if self.port.is_none() {
            let deadline = Instant::now() + self.settings.reconnect_timeout();
            let mut backoff = Backoff::new();
            loop {
                match self.open_once() {
                    Ok((port, path)) => {
                        tracing::info!(port = %path.display(), "serial port open");
                        self.port = Some(port);
                        self.opened_path = Some(path);
                        break;
                    }
                    // Someone else holds the port: waiting will not help.
                    Err(err @ TransportError::Busy { .. }) => return Err(err),
                    Err(err @ TransportError::Settings(_)) => return Err(err),
                    Err(err) => {
                        let now = Instant::now();
                        if now >= deadline {
                            return Err(err);
                        }
                        // No hot-plug signal without udev: poll the device
                        // node with exponential backoff, never past the deadline.
                        std::thread::sleep(backoff.step().min(deadline - now));
                    }
                }
            }
        }
        Ok(self.port.as_mut().expect("opened above"))
    }

    fn resolve(&self) -> Result<PathBuf, TransportError> {
        match &self.settings.port {
            PortSelector::Path(p) => Ok(p.clone()),
            PortSelector::Usb { usb, serial } => discovery::find_usb(*usb, serial.as_deref())
                .map(|info| PathBuf::from(info.path))
                .ok_or_else(|| TransportError::NotFound {
                    port: self.settings.port.to_string(),
                }),
        }
    }

    fn open_once(&self) -> Result<(TTYPort, PathBuf), TransportError> {
        let path = self.resolve()?;
        let name = path.to_string_lossy().into_owned();
        if !path.exists() {
            return Err(TransportError::NotFound { port: name });
        }
        let s = &self.settings;
        let builder = serialport::new(name.clone(), s.baud)
            .data_bits(match s.data_bits {
                5 => serialport::DataBits::Five,
                6 => serialport::DataBits::Six,
                7 => serialport::DataBits::Seven,
                _ => serialport::DataBits::Eight,
            })
            .parity(match s.parity {
                Parity::None => serialport::Parity::None,
                Parity::Odd => serialport::Parity::Odd,
                Parity::Even => serialport::Parity::Even,
            })
            .stop_bits(if s.stop_bits == 2 {
                serialport::StopBits::Two
            } else {
                serialport::StopBits::One
            })
            .flow_control(match s.flow_control {
                FlowControl::None => serialport::FlowControl::None,
                FlowControl::RtsCts => serialport::FlowControl::Hardware,
                FlowControl::XonXoff => serialport::FlowControl::Software,
            })
            .timeout(s.read_timeout())
            .exclusive(s.exclusive);
        match builder.open_native() {
            Ok(port) => {
                set_nonblocking(&port)?;
                Ok((port, path))
            }
            Err(err) => Err(match err.kind() {
                serialport::ErrorKind::NoDevice if path.exists() => {
                    TransportError::Busy { port: name }
                }
                serialport::ErrorKind::NoDevice
                | serialport::ErrorKind::Io(io::ErrorKind::NotFound) => {
                    TransportError::NotFound { port: name }
                }
                _ => TransportError::Open {
                    port: name,
                    message: err.to_string(),
                },
            }),
        }
    }

    /// Classifies an I/O error; anything but a timeout closes the port so
    /// that the next call reopens it.
    fn fail(&mut self, err: io::Error, timeout: Duration) -> TransportError {
        if err.kind() == io::ErrorKind::TimedOut || err.kind() == io::ErrorKind::WouldBlock {
            return TransportError::Timeout(timeout);
        }
        tracing::warn!(port = %self.settings.port, error = %err, "serial device went away");
        self.close();
        TransportError::Disconnected(err)
    }
}

impl Transport for SerialTransport {
    fn write_all(&mut self, mut bytes: &[u8]) -> Result<(), TransportError> {
        let timeout = self.settings.write_timeout();
        while !bytes.is_empty() {
            let port = self.port()?;
            if let Err(err) = port.set_timeout(timeout) {
                return Err(self.fail(err.into(), timeout));
            }
            match port.write(bytes) {
                Ok(0) => {
                    let err = io::Error::new(io::ErrorKind::WriteZero, "device accepted nothing");
                    return Err(self.fail(err, timeout));
                }
                Ok(n) => bytes = &bytes[n..],
                // The device's buffer is full: poll again (up to the timeout).
                Err(err)
                    if matches!(
                        err.kind(),
                        io::ErrorKind::Interrupted | io::ErrorKind::WouldBlock
                    ) => {}
                Err(err) => return Err(self.fail(err, timeout)),
            }
        }
        Ok(())
    }

    fn read(&mut self, buf: &mut [u8], timeout: Duration) -> Result<usize, TransportError> {
        let port = self.port()?;
        if let Err(err) = port.set_timeout(timeout) {
            return Err(self.fail(err.into(), timeout));
        }
        match port.read(buf) {
            Ok(0) if !buf.is_empty() => {
                let err =
                    io::Error::new(io::ErrorKind::UnexpectedEof, "end of file on serial port");
                Err(self.fail(err, timeout))
            }
            Ok(n) => Ok(n),
            Err(err) if err.kind() == io::ErrorKind::TimedOut => Ok(0),
            Err(err)
                if matches!(
                    err.kind(),
                    io::ErrorKind::Interrupted | io::ErrorKind::WouldBlock
                ) =>
            {
                Ok(0)
            }
            Err(err) => Err(self.fail(err, timeout)),
        }
    }

    fn clear_input(&mut self) -> Result<(), TransportError> {
        let port = self.port()?;
        match port.clear(ClearBuffer::Input) {
            Ok(()) => Ok(()),
            Err(err) => Err(self.fail(err.into(), Duration::ZERO)),
        }
    }
}

/// Puts the port's descriptor in non-blocking mode. `serialport` polls
/// before each read and write, but a blocking `write` of more bytes than
/// the device's buffer holds would then block past the timeout — forever,
/// if the printer stalled. Non-blocking, `write` takes what fits and we
/// poll again.
fn set_nonblocking(port: &TTYPort) -> Result<(), TransportError> {
    use std::os::fd::AsRawFd;
    let fd = port.as_raw_fd();
    // SAFETY: `fd` is the open descriptor owned by `port`; F_GETFL/F_SETFL
    // only change its status flags.
    let ok = unsafe {
        let flags = libc::fcntl(fd, libc::F_GETFL);
        flags >= 0 && libc::fcntl(fd, libc::F_SETFL, flags | libc::O_NONBLOCK) >= 0
    };
    if ok {
        Ok(())
    } else {
        Err(TransportError::Open {
            port: port.name().unwrap_or_default(),
            message: io::Error::last_os_error().to_string(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn port_selector_parses_paths_and_usb_ids() {
        assert_eq!(
            "/dev/ttyUSB0".parse::<PortSelector>().unwrap(),
            PortSelector::Path("/dev/ttyUSB0".into())
        );
        assert_eq!(
            "usb:0fe6:811e/A1B2".parse::<PortSelector>().unwrap(),
            PortSelector::Usb {
                usb: UsbId {
                    vid: 0x0fe6,
                    pid: 0x811e
                },
                serial: Some("A1B2".into())
            }
        );
        assert!("usb:xyz".parse::<PortSelector>().is_err());
        assert_eq!(
            "usb:0fe6:811e".parse::<PortSelector>().unwrap().to_string(),
            "usb:0fe6:811e"
        );
    }

    #[test]
    fn settings_round_trip_through_json_with_defaults() {
        let s: SerialSettings =
            serde_json::from_str(r#"{"port": {"usb": "0483:5740"}, "flow_control": "rts_cts"}"#)
                .unwrap();
        assert_eq!(s.baud, 9600);
        assert_eq!(s.flow_control, FlowControl::RtsCts);
        let back: SerialSettings =
            serde_json::from_str(&serde_json::to_string(&s).unwrap()).unwrap();
        assert_eq!(back, s);
        let p: SerialSettings = serde_json::from_str(r#"{"port": "/dev/motcua-printer"}"#).unwrap();
        assert_eq!(p.port, PortSelector::Path("/dev/motcua-printer".into()));
    }

    #[test]
    fn invalid_settings_are_refused() {
        let s = SerialSettings {
            data_bits: 9,
            ..SerialSettings::default()
        };
        assert!(SerialTransport::new(s).is_err());
    }

    #[test]
    fn missing_device_is_disconnected_not_a_hang() {
        let s = SerialSettings {
            port: PortSelector::Path("/dev/motcua-no-such-port".into()),
            reconnect_timeout_ms: 0,
            ..SerialSettings::default()
        };
        let mut t = SerialTransport::new(s).unwrap();
        let err = t.write_all(b"x").unwrap_err();
        assert_eq!(err.kind(), DeviceErrorKind::Disconnected);
    }

    #[test]
    fn backoff_doubles_up_to_a_cap() {
        let mut b = Backoff::new();
        let steps: Vec<_> = (0..10).map(|_| b.step()).collect();
        assert_eq!(steps[0], Duration::from_millis(20));
        assert_eq!(steps[1], Duration::from_millis(40));
        assert_eq!(*steps.last().unwrap(), Duration::from_millis(1000));
    }
}
