//! Every sentence of the phone pages, Vietnamese (the source language) and
//! English. The page's script gets the same words as JSON ([`Words::json`]),
//! so what it renders reads exactly like what the server rendered.

use motcua_api::phone::DossierStepKind;
use motcua_api::{RatingLevel, TicketState};
use serde_json::{json, Value};

use crate::Lang;

/// The words of one language.
pub(crate) struct Words {
    pub lang: Lang,
    /// The toggle's label (in the other language).
    pub toggle: &'static str,
    pub ticket_title: &'static str,
    pub your_number: &'static str,
    pub ahead: &'static str,
    pub wait: &'static str,
    pub minutes: &'static str,
    pub waiting: &'static str,
    /// Followed by the counter's number.
    pub call: &'static str,
    /// The title of a called page, followed by the counter's number.
    pub title_call: &'static str,
    pub serving: &'static str,
    pub done: &'static str,
    pub no_show: &'static str,
    pub cancelled: &'static str,
    pub counters: &'static str,
    pub open: &'static str,
    pub closed: &'static str,
    pub rate_question: &'static str,
    pub reasons: &'static str,
    pub rated: &'static str,
    pub sending: &'static str,
    pub send_failed: &'static str,
    pub live: &'static str,
    pub dossier_title: &'static str,
    pub code: &'static str,
    pub progress: &'static str,
    pub due: &'static str,
    pub collect: &'static str,
    pub bring: &'static str,
    pub training: &'static str,
    pub not_found_title: &'static str,
    pub not_found: &'static str,
    pub too_many_title: &'static str,
    pub too_many: &'static str,
}

const VI: Words = Words {
    lang: Lang::Vi,
    toggle: "English",
    ticket_title: "Số thứ tự",
    your_number: "Số thứ tự của bạn",
    ahead: "Số người trước bạn",
    wait: "Thời gian chờ dự kiến",
    minutes: "phút",
    waiting: "Vui lòng chờ đến lượt. Trang này tự cập nhật, bạn có thể đi lại gần đây.",
    call: "Mời bạn đến Quầy số ",
    title_call: "Mời đến Quầy ",
    serving: "Bạn đang được phục vụ tại Quầy số ",
    done: "Đã phục vụ xong. Cảm ơn bạn!",
    no_show: "Bạn đã vắng mặt khi được gọi. Vui lòng hỏi tại bàn hướng dẫn.",
    cancelled: "Số thứ tự này đã được huỷ.",
    counters: "Quầy phục vụ",
    open: "Đang mở",
    closed: "Đang đóng",
    rate_question: "Bạn có hài lòng với sự phục vụ?",
    reasons: "Nếu không hài lòng, chọn lý do:",
    rated: "Cảm ơn bạn đã đánh giá: ",
    sending: "Đang gửi…",
    send_failed: "Chưa gửi được. Vui lòng thử lại.",
    live: "Trang tự cập nhật khi có thay đổi. Không hiển thị thông tin cá nhân.",
    dossier_title: "Hồ sơ",
    code: "Mã hồ sơ",
    progress: "Tiến trình",
    due: "Hẹn trả kết quả",
    collect: "Nơi nhận kết quả",
    bring: "Khi đến nhận, mang theo",
    training: "Hồ sơ tập huấn: không có giá trị pháp lý.",
    not_found_title: "Không tìm thấy",
    not_found: "Không tìm thấy số thứ tự hoặc hồ sơ này. Vui lòng quét lại mã QR trên phiếu.",
    too_many_title: "Quá nhiều yêu cầu",
    too_many: "Quá nhiều yêu cầu từ thiết bị này. Vui lòng thử lại sau một phút.",
};

const EN: Words = Words {
    lang: Lang::En,
    toggle: "Tiếng Việt",
    ticket_title: "Queue ticket",
    your_number: "Your number",
    ahead: "People ahead of you",
    wait: "Estimated wait",
    minutes: "min",
    waiting: "Please wait for your turn. This page updates itself; you may walk around nearby.",
    call: "Please go to counter ",
    title_call: "Go to counter ",
    serving: "You are being served at counter ",
    done: "Service finished. Thank you!",
    no_show: "You were absent when called. Please ask at the information desk.",
    cancelled: "This ticket was cancelled.",
    counters: "Counters for this service",
    open: "Open",
    closed: "Closed",
    rate_question: "Were you satisfied with the service?",
    reasons: "If not satisfied, choose the reasons:",
    rated: "Thank you for your rating: ",
    sending: "Sending…",
    send_failed: "Could not send. Please try again.",
    live: "This page updates by itself. It shows no personal data.",
    dossier_title: "Dossier",
    code: "Dossier code",
    progress: "Progress",
    due: "Result due",
    collect: "Where to collect the result",
    bring: "Bring when collecting",
    training: "Training dossier: no legal effect.",
    not_found_title: "Not found",
    not_found: "No such ticket or dossier. Please scan the QR code on your paper again.",
    too_many_title: "Too many requests",
    too_many: "Too many requests from this device. Please try again in a minute.",
};

pub(crate) fn words(lang: Lang) -> &'static Words {
    match lang {
        Lang::Vi => &VI,
        Lang::En => &EN,
    }
}

impl Words {
    pub fn en(&self) -> bool {
        self.lang == Lang::En
    }

    /// Picks the Vietnamese or English form of a view's text.
    pub fn pick<'a>(&self, vi: &'a str, en: &'a str) -> &'a str {
        if self.en() && !en.is_empty() {
            en
        } else {
            vi
        }
    }

    /// A ticket's state as one sentence, when the page shows one.
    pub fn state_sentence(&self, state: TicketState) -> Option<&'static str> {
        match state {
            TicketState::Done => Some(self.done),
            TicketState::NoShow => Some(self.no_show),
            TicketState::Cancelled => Some(self.cancelled),
            _ => None,
        }
    }

    pub fn level(&self, level: RatingLevel) -> &'static str {
        if self.en() {
            level.label_en()
        } else {
            level.label_vi()
        }
    }

    pub fn step(&self, kind: DossierStepKind) -> &'static str {
        if self.en() {
            kind.label_en()
        } else {
            kind.label_vi()
        }
    }

    /// What the page's script needs, as a JSON object.
    pub fn json(&self) -> Value {
        let steps: serde_json::Map<String, Value> = DossierStepKind::ALL
            .into_iter()
            .map(|k| (k.as_str().to_owned(), Value::from(self.step(k))))
            .collect();
        let levels: serde_json::Map<String, Value> = RatingLevel::ALL
            .into_iter()
            .map(|l| (l.as_str().to_owned(), Value::from(self.level(l))))
            .collect();
        json!({
            "en": self.en(),
            "ahead": self.ahead,
            "wait": self.wait,
            "minutes": self.minutes,
            "waiting": self.waiting,
            "call": self.call,
            "title_call": self.title_call,
            "ticket_title": self.ticket_title,
            "serving": self.serving,
            "done": self.done,
            "no_show": self.no_show,
            "cancelled": self.cancelled,
            "open": self.open,
            "closed": self.closed,
            "rate_question": self.rate_question,
            "reasons": self.reasons,
            "rated": self.rated,
            "sending": self.sending,
            "send_failed": self.send_failed,
            "steps": steps,
            "levels": levels,
        })
    }
}
