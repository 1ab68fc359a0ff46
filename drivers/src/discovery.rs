//! Device discovery: which serial ports exist, and which USB device is behind each.
//!
//! Built without libudev: `serialport` reads `/sys/class/tty/*/device/..`
//! (USB `idVendor`, `idProduct`, `serial`, `manufacturer`, `product`)
//! itself. This module adds the udev-made aliases (`/dev/serial/by-id`,
//! `/dev/motcua-*`) when they exist, and never panics on a machine
//! without sysfs.

use std::fmt;
use std::path::Path;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A USB vendor:product pair, written `0fe6:811e`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct UsbId {
    pub vid: u16,
    pub pid: u16,
}

impl fmt::Display for UsbId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04x}:{:04x}", self.vid, self.pid)
    }
}

impl FromStr for UsbId {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || format!("USB id {s:?} is not VID:PID in hexadecimal, e.g. 0fe6:811e");
        let (v, p) = s.split_once(':').ok_or_else(bad)?;
        let hex = |x: &str| {
            if x.is_empty() || x.len() > 4 {
                return Err(bad());
            }
            u16::from_str_radix(x, 16).map_err(|_| bad())
        };
        Ok(UsbId {
            vid: hex(v)?,
            pid: hex(p)?,
        })
    }
}

impl Serialize for UsbId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for UsbId {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// One serial port found on this machine.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PortInfo {
    /// Device path, e.g. `/dev/ttyUSB0`.
    pub path: String,
    /// `usb`, `pci`, `bluetooth` or `other`.
    pub kind: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub usb: Option<UsbId>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub serial_number: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub manufacturer: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub product: Option<String>,
    /// Symlinks pointing at this device (udev rules, `/dev/serial/by-id`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
}

impl PortInfo {
    /// A one-line description for people.
    pub fn description(&self) -> String {
        let mut parts = Vec::new();
        if let Some(m) = &self.manufacturer {
            parts.push(m.clone());
        }
        if let Some(p) = &self.product {
            parts.push(p.clone());
        }
        if parts.is_empty() {
            parts.push(self.kind.clone());
        }
        parts.join(" ")
    }
}

/// Lists the serial ports of this machine, sorted by path.
pub fn list_ports() -> Vec<PortInfo> {
    let mut ports = scan();
    add_aliases(&mut ports);
    ports.sort_by(|a, b| a.path.cmp(&b.path));
    ports
}

/// The port of the USB device `id` (and `serial`, when given), if plugged in;
/// the first by path when several match. Its `aliases` are left empty: this
/// runs on every reconnect attempt and needs only the path.
pub fn find_usb(id: UsbId, serial: Option<&str>) -> Option<PortInfo> {
    scan()
        .into_iter()
        .filter(|p| {
            p.usb == Some(id) && serial.is_none_or(|s| p.serial_number.as_deref() == Some(s))
        })
        .min_by(|a, b| a.path.cmp(&b.path))
}

/// The ports `serialport` finds in sysfs, unsorted and without aliases.
fn scan() -> Vec<PortInfo> {
    if !Path::new("/sys/class/tty").is_dir() {
        // serialport's sysfs scan would panic without sysfs (containers).
        return Vec::new();
    }
    match serialport::available_ports() {
        Ok(found) => found.into_iter().map(from_serialport).collect(),
        Err(err) => {
            tracing::warn!(error = %err, "cannot list serial ports");
            Vec::new()
        }
    }
}

fn from_serialport(info: serialport::SerialPortInfo) -> PortInfo {
    use serialport::SerialPortType as T;
    let mut port = PortInfo {
        path: info.port_name,
        kind: "other".to_owned(),
        usb: None,
        serial_number: None,
        manufacturer: None,
        product: None,
        aliases: Vec::new(),
    };
    match info.port_type {
        T::UsbPort(usb) => {
            port.kind = "usb".to_owned();
            port.usb = Some(UsbId {
                vid: usb.vid,
                pid: usb.pid,
            });
            port.serial_number = usb.serial_number;
            port.manufacturer = usb.manufacturer;
            port.product = usb.product;
        }
        T::PciPort => port.kind = "pci".to_owned(),
        T::BluetoothPort => port.kind = "bluetooth".to_owned(),
        T::Unknown => {}
    }
    port
}

fn add_aliases(ports: &mut [PortInfo]) {
    let mut links = Vec::new();
    for dir in ["/dev/serial/by-id", "/dev"] {
        let Ok(entries) = std::fs::read_dir(dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let is_candidate = dir != "/dev"
                || path
                    .file_name()
                    .is_some_and(|n| n.to_string_lossy().starts_with("motcua"));
            if !is_candidate || !path.is_symlink() {
                continue;
            }
            if let Ok(target) = std::fs::canonicalize(&path) {
                links.push((path, target));
            }
        }
    }
    for port in ports.iter_mut() {
        let Ok(target) = std::fs::canonicalize(&port.path) else {
            continue;
        };
        for (link, t) in &links {
            if *t == target {
                port.aliases.push(link.display().to_string());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usb_ids_parse_and_print_in_lowercase_hex() {
        let id: UsbId = "0FE6:811e".parse().unwrap();
        assert_eq!(
            id,
            UsbId {
                vid: 0x0fe6,
                pid: 0x811e
            }
        );
        assert_eq!(id.to_string(), "0fe6:811e");
        assert!("0fe6".parse::<UsbId>().is_err());
        assert!("12345:1".parse::<UsbId>().is_err());
        assert!(":".parse::<UsbId>().is_err());
    }

    #[test]
    fn listing_ports_never_panics() {
        let ports = list_ports();
        for p in ports {
            assert!(p.path.starts_with("/dev/"));
        }
    }

    #[test]
    fn description_prefers_manufacturer_and_product() {
        let p = PortInfo {
            path: "/dev/ttyACM0".into(),
            kind: "usb".into(),
            usb: Some(UsbId { vid: 1, pid: 2 }),
            serial_number: None,
            manufacturer: Some("Xprinter".into()),
            product: Some("XP-80".into()),
            aliases: vec![],
        };
        assert_eq!(p.description(), "Xprinter XP-80");
    }
}
