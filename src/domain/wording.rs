//! What the house says about devices, in one place: a device's problem in
//! a few words (staff screens, the counter's banner), as a sentence for the
//! citizen in front of the kiosk, and the state of a kiosk's device for
//! staff. Vietnamese is the source; English the translation.
//!
//! The drivers classify a failure ([`motcua_drivers::DeviceErrorKind`]);
//! the wire names it ([`DeviceKind`], the same names); the words are here,
//! not in the drivers.

use motcua_api::{Device, DeviceKind, DeviceState};
use motcua_drivers::DeviceErrorKind;

/// The wire's name of a driver's error kind (they share their names).
pub fn device_kind(kind: DeviceErrorKind) -> DeviceKind {
    DeviceKind::parse(kind.as_str())
}

/// A device's problem in a few words: ("hết giấy", "out of paper").
pub fn kind_words(kind: DeviceKind) -> (&'static str, &'static str) {
    match kind {
        DeviceKind::PaperOut => ("hết giấy", "out of paper"),
        DeviceKind::PaperNearEnd => ("sắp hết giấy", "paper nearly out"),
        DeviceKind::CoverOpen => ("đang mở nắp", "cover open"),
        DeviceKind::Offline => ("tạm ngừng hoạt động", "offline"),
        DeviceKind::Timeout => ("không phản hồi", "not responding"),
        DeviceKind::Disconnected => ("mất kết nối", "disconnected"),
        DeviceKind::Busy => ("bị chương trình khác chiếm", "held by another program"),
        DeviceKind::BadData => ("gửi dữ liệu lỗi", "sending bad data"),
        DeviceKind::Other => ("gặp lỗi", "reporting an error"),
    }
}

/// A device's problem as a sentence for the person beside the kiosk:
/// what happened and what to do.
pub fn kind_sentence(kind: DeviceKind) -> (&'static str, &'static str) {
    match kind {
        DeviceKind::Offline => (
            "Máy in đang tạm ngừng hoạt động. Vui lòng báo cán bộ.",
            "The printer is offline. Please tell a member of staff.",
        ),
        DeviceKind::PaperOut => (
            "Máy in đã hết giấy. Vui lòng báo cán bộ.",
            "The printer is out of paper. Please tell a member of staff.",
        ),
        DeviceKind::PaperNearEnd => (
            "Máy in sắp hết giấy: hãy thay cuộn giấy.",
            "The printer's paper is nearly out: change the roll soon.",
        ),
        DeviceKind::CoverOpen => (
            "Nắp máy in đang mở. Vui lòng báo cán bộ.",
            "The printer cover is open. Please tell a member of staff.",
        ),
        DeviceKind::Timeout => (
            "Thiết bị không phản hồi. Vui lòng thử lại hoặc báo cán bộ.",
            "The device is not responding. Please try again or tell a member of staff.",
        ),
        DeviceKind::Disconnected => (
            "Thiết bị chưa được kết nối. Vui lòng báo cán bộ.",
            "The device is not connected. Please tell a member of staff.",
        ),
        DeviceKind::Busy => (
            "Thiết bị đang được chương trình khác sử dụng.",
            "The device is in use by another program.",
        ),
        DeviceKind::BadData => (
            "Dữ liệu không hợp lệ. Vui lòng thử lại.",
            "The data is not valid. Please try again.",
        ),
        DeviceKind::Other => (
            "Thiết bị gặp lỗi. Vui lòng báo cán bộ.",
            "The device reported an error. Please tell a member of staff.",
        ),
    }
}

/// [`kind_sentence`] of a driver's error kind.
pub fn sentence(kind: DeviceErrorKind) -> (&'static str, &'static str) {
    kind_sentence(device_kind(kind))
}

/// "Máy in đã hết giấy nên chưa in được phiếu." — why the printed `what`
/// (Vietnamese, English) did not come out: (Vietnamese, English).
pub fn not_printed(kind: DeviceKind, what: (&str, &str)) -> (String, String) {
    let (vi, en) = match kind {
        DeviceKind::PaperOut => ("Máy in đã hết giấy", "The printer is out of paper"),
        DeviceKind::CoverOpen => ("Nắp máy in đang mở", "The printer cover is open"),
        DeviceKind::Offline => ("Máy in đang tạm dừng", "The printer is paused"),
        DeviceKind::Timeout => ("Máy in không phản hồi", "The printer did not answer"),
        DeviceKind::Disconnected => ("Máy in chưa được kết nối", "The printer is not connected"),
        _ => ("Máy in gặp lỗi", "The printer had a problem"),
    };
    (
        format!("{vi} nên chưa in được {}.", what.0),
        format!("{en}, so the {} was not printed.", what.1),
    )
}

/// The device in a word: ("máy in", "printer").
pub fn device_words(device: Device) -> (&'static str, &'static str) {
    match device {
        Device::Printer => ("máy in", "printer"),
        Device::Scanner => ("đầu đọc", "scanner"),
    }
}

/// "Kiosk kiosk-2: máy in hết giấy." and its English: a kiosk's device as
/// staff see it.
pub fn device_state_message(
    kiosk: &str,
    device: Device,
    state: DeviceState,
    kind: Option<DeviceKind>,
) -> (String, String) {
    let (d_vi, d_en) = device_words(device);
    match state {
        DeviceState::Ok => (
            format!("Kiosk {kiosk}: {d_vi} hoạt động bình thường."),
            format!("Kiosk {kiosk}: {d_en} working."),
        ),
        DeviceState::Warning | DeviceState::Fault => {
            let (k_vi, k_en) = kind_words(kind.unwrap_or(DeviceKind::Other));
            (
                format!("Kiosk {kiosk}: {d_vi} {k_vi}."),
                format!("Kiosk {kiosk}: {d_en} {k_en}."),
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_has_words_and_a_sentence_in_both_languages() {
        for kind in DeviceKind::ALL {
            let (vi, en) = kind_words(kind);
            assert!(!vi.is_empty() && !en.is_empty(), "{kind:?}");
            let (vi, en) = kind_sentence(kind);
            assert!(vi.ends_with('.') && en.ends_with('.'), "{kind:?}");
            assert_ne!(vi, en, "{kind:?}");
        }
    }

    #[test]
    fn staff_read_which_kiosk_and_what() {
        assert_eq!(
            device_state_message(
                "kiosk-2",
                Device::Printer,
                DeviceState::Fault,
                Some(DeviceKind::PaperOut)
            ),
            (
                "Kiosk kiosk-2: máy in hết giấy.".to_owned(),
                "Kiosk kiosk-2: printer out of paper.".to_owned()
            )
        );
        assert_eq!(
            device_state_message("k", Device::Scanner, DeviceState::Ok, None).0,
            "Kiosk k: đầu đọc hoạt động bình thường."
        );
        assert_eq!(
            not_printed(DeviceKind::CoverOpen, ("phiếu", "ticket")).0,
            "Nắp máy in đang mở nên chưa in được phiếu."
        );
    }
}
