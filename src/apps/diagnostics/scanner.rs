//! The scanner as a technician sees it: the last frame (masked, as text and
//! as hex), what the parser made of it, and the last error.
//!
//! The kiosk's scanner thread records every frame into a
//! [`ScannerMonitor`]. Only the masked frame is kept
//! ([`mask_frame`](super::privacy::mask_frame)): names, birth dates and
//! addresses never stay in memory here, ID numbers only as `001******345`.

use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use motcua_drivers::scanner::DocumentAssembler;
use motcua_drivers::DeviceErrorKind;
use serde::{Deserialize, Serialize};

use super::privacy::{hex, mask_frame};

/// What the parser made of a frame.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ParseSummary {
    /// `document` (an ID card read), `partial` (MRZ line 1 or 2 of 3),
    /// `error` (not an ID document, or a broken one).
    pub result: String,
    /// `cccd_qr`, `mrz_td1`, … for a document.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub masked_id: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
    /// The parser's error code (`not_recognised`, `bad_date`, …).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// The last frame, masked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScanRecord {
    pub at: DateTime<Utc>,
    /// The frame with its personal parts masked.
    pub text: String,
    /// `text` as hexadecimal bytes (UTF-8 problems show here).
    pub hex: String,
    /// Length of the frame as received, in bytes.
    pub bytes: usize,
    pub parse: ParseSummary,
}

/// What the monitor knows.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScannerSnapshot {
    pub frames: u64,
    pub last: Option<ScanRecord>,
    /// The last read error and when, if it came after the last frame.
    pub error: Option<(DeviceErrorKind, DateTime<Utc>)>,
}

#[derive(Default)]
struct State {
    snapshot: ScannerSnapshot,
    assembler: DocumentAssembler,
}

/// The kiosk's scanner, watched. Cheap to clone (shared).
#[derive(Clone, Default)]
pub struct ScannerMonitor {
    state: Arc<Mutex<State>>,
}

impl std::fmt::Debug for ScannerMonitor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ScannerMonitor")
            .field("frames", &self.snapshot().frames)
            .finish()
    }
}

impl ScannerMonitor {
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Records a frame (a line without its terminator).
    pub fn record(&self, line: &str) {
        self.record_at(line, Utc::now());
    }

    /// [`record`](Self::record) at a given time (tests).
    pub fn record_at(&self, line: &str, at: DateTime<Utc>) {
        let mut state = self.lock();
        let parse = match state.assembler.push(line) {
            None => ParseSummary {
                result: "partial".to_owned(),
                kind: None,
                masked_id: None,
                warnings: Vec::new(),
                error: None,
            },
            Some(Ok(doc)) => ParseSummary {
                result: "document".to_owned(),
                kind: serde_json::to_value(doc.kind)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_owned)),
                masked_id: Some(doc.masked_id()),
                warnings: doc.warnings.iter().map(|w| w.code().to_owned()).collect(),
                error: None,
            },
            Some(Err(err)) => ParseSummary {
                result: "error".to_owned(),
                kind: None,
                masked_id: None,
                warnings: Vec::new(),
                error: Some(err.code().to_owned()),
            },
        };
        let text = mask_frame(line);
        state.snapshot.frames += 1;
        state.snapshot.error = None;
        state.snapshot.last = Some(ScanRecord {
            at,
            hex: hex(text.as_bytes()),
            text,
            bytes: line.len(),
            parse,
        });
    }

    /// Records a read error (the scanner was unplugged, sent garbage…).
    pub fn record_error(&self, kind: DeviceErrorKind) {
        self.lock().snapshot.error = Some((kind, Utc::now()));
    }

    /// What is known now.
    pub fn snapshot(&self) -> ScannerSnapshot {
        self.lock().snapshot.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_only_the_masked_frame_and_the_parse_result() {
        let m = ScannerMonitor::new();
        m.record("001090012345|012345678|Nguyễn Văn An|15031990|Nam|Hà Nội|20042021");
        let s = m.snapshot();
        let last = s.last.unwrap();
        assert_eq!(s.frames, 1);
        assert_eq!(last.parse.result, "document");
        assert_eq!(last.parse.kind.as_deref(), Some("cccd_qr"));
        assert_eq!(last.parse.masked_id.as_deref(), Some("001******345"));
        let json = serde_json::to_string(&m.snapshot()).unwrap();
        for personal in ["001090012345", "Nguyễn", "Hà Nội", "15031990"] {
            assert!(!json.contains(personal), "{personal} in {json}");
        }
        assert!(last.hex.starts_with("30 30 31 2a"), "{}", last.hex);
        m.record("IDVNM0900123450001090012345<<1");
        assert_eq!(m.snapshot().last.unwrap().parse.result, "partial");
        m.record("hello");
        assert_eq!(
            m.snapshot().last.unwrap().parse.error.as_deref(),
            Some("mrz_incomplete")
        );
        m.record_error(DeviceErrorKind::Disconnected);
        assert_eq!(m.snapshot().error.unwrap().0, DeviceErrorKind::Disconnected);
    }
}
