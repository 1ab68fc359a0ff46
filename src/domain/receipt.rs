//! The filing receipt: *Giấy tiếp nhận hồ sơ và hẹn trả kết quả* (Mẫu số 01,
//! TT 01/2018/TT-VPCP) in its thermal-printer form, device-independent.
//!
//! The hub answers a filing with a [`ReceiptData`] (also in
//! `GET /api/v1/dossiers/{code}` for staff reprints); [`receipt`] turns it
//! into lines with an emphasis and an alignment, wrapped to the paper's
//! width in characters, plus the payload of the lookup QR code. The kiosk
//! maps them to its printer driver: this module knows no printer.
//!
//! For the printer: print `lines`, then the QR code of `qr_payload`, then
//! `footer`.

use chrono::{DateTime, Datelike, FixedOffset, Timelike};
use serde::{Deserialize, Serialize};

use super::fee::format_dong;

/// Everything the receipt shows, as the hub sends it (a wire type).
pub use motcua_api::ReceiptData;

/// How a line stands out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Emphasis {
    Normal,
    Bold,
    /// Double size: the title and the dossier code.
    Large,
}

/// Where a line sits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Align {
    Left,
    Center,
}

/// One printed line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReceiptLine {
    pub text: String,
    pub emphasis: Emphasis,
    pub align: Align,
}

/// A receipt ready for a printer driver.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Receipt {
    pub lines: Vec<ReceiptLine>,
    pub qr_payload: String,
    /// Printed after the QR code.
    pub footer: Vec<ReceiptLine>,
}

/// When no counter serving the service is open.
pub const NO_COUNTER_OPEN_VI: &str = "Hiện chưa có quầy mở cho lĩnh vực này.";
pub const NO_COUNTER_OPEN_EN: &str = "No counter for this service is open at the moment.";

/// The one next step after filing, worded once for the kiosk's screen and
/// its printed receipt: to a counter with the queue number (why, and which
/// counters serve it), or nothing more to do (when and where to collect).
#[derive(Debug, Clone, Copy)]
pub struct NextStep<'a> {
    /// The queue number printed with the receipt: the procedure needs the
    /// citizen at a counter.
    pub ticket: Option<&'a str>,
    /// Why the counter, in the sentence's language.
    pub reason: Option<&'a str>,
    /// The open counters serving the ticket's service.
    pub counters: &'a [String],
    /// When the result is due, written in the sentence's language.
    pub due: &'a str,
    /// Where to collect it.
    pub collect_at: &'a str,
    /// The dossier still waits for the public service portal.
    pub portal_pending: bool,
}

impl NextStep<'_> {
    /// " Hồ sơ sẽ được tự động gửi …": a fact, not a step, said either way.
    fn portal(&self, vi: bool) -> &'static str {
        match (self.portal_pending, vi) {
            (false, _) => "",
            (true, true) => " Hồ sơ sẽ được tự động gửi lên Cổng dịch vụ công.",
            (true, false) => " The dossier is sent to the public service portal automatically.",
        }
    }

    fn why(&self) -> String {
        self.reason
            .filter(|r| !r.is_empty())
            .map(|r| format!(" {r}"))
            .unwrap_or_default()
    }

    /// In Vietnamese (the screen and the paper).
    pub fn vi(&self) -> String {
        match self.ticket {
            Some(number) => {
                let counters = if self.counters.is_empty() {
                    NO_COUNTER_OPEN_VI.to_owned()
                } else {
                    format!("Quầy phục vụ: {}.", self.counters.join(", "))
                };
                format!(
                    "Bước tiếp theo: mời bạn đến quầy với số thứ tự {number} (đã in kèm).{} {counters}{}",
                    self.why(),
                    self.portal(true)
                )
            }
            None => format!(
                "Bạn không cần làm gì thêm.{} Mời bạn quay lại nhận kết quả lúc {} tại {}.",
                self.portal(true),
                self.due,
                self.collect_at
            ),
        }
    }

    /// In English (the screen).
    pub fn en(&self) -> String {
        match self.ticket {
            Some(number) => {
                let counters = if self.counters.is_empty() {
                    NO_COUNTER_OPEN_EN.to_owned()
                } else {
                    format!("Counters serving it: {}.", self.counters.join(", "))
                };
                format!(
                    "Next: please go to a counter with queue number {number} (printed too).{} {counters}{}",
                    self.why(),
                    self.portal(false)
                )
            }
            None => format!(
                "Nothing more to do.{} Please come back for the result at {} ({}).",
                self.portal(false),
                self.due,
                self.collect_at
            ),
        }
    }
}

/// The fee's parts, "5 trang × 1 bản: 7.000đ" (or their English labels).
pub fn fee_breakdown(lines: &[motcua_api::FeeLine], english: bool) -> Vec<String> {
    lines
        .iter()
        .map(|f| {
            let label = if english { &f.label_en } else { &f.label_vi };
            format!("{label}: {}", format_dong(f.amount))
        })
        .collect()
}

/// How and where to pay a fee.
pub fn pay_where_vi(collect_at: &str) -> String {
    format!("Nộp lệ phí tại {collect_at} khi nhận kết quả.")
}

/// How and where to pay a fee, in English.
pub fn pay_where_en(collect_at: &str) -> String {
    format!("Pay it at {collect_at} when you collect the result.")
}

/// `HH giờ MM phút, ngày DD tháng MM năm YYYY`, in the instant's own offset
/// (the office's).
pub fn format_vn_datetime(at: DateTime<FixedOffset>) -> String {
    format!(
        "{:02} giờ {:02} phút, ngày {:02} tháng {:02} năm {}",
        at.hour(),
        at.minute(),
        at.day(),
        at.month(),
        at.year()
    )
}

/// Printed at the top and the bottom of a training office's receipt
/// (`filing.portal_url = "sandbox"`): the paper must not pass for a real one.
pub const TRAINING_RECEIPT_VI: &str = "HỒ SƠ ĐÀO TẠO - KHÔNG CÓ GIÁ TRỊ PHÁP LÝ";

/// Builds the receipt, wrapping text to `columns` characters (48 on 80 mm
/// paper in the normal font, 32 on 58 mm). Large lines are wrapped to half.
/// `counters`: the open counters serving the linked ticket's service (for
/// the next step; empty when unknown).
pub fn receipt(data: &ReceiptData, counters: &[String], columns: usize) -> Receipt {
    let columns = columns.max(16);
    let mut out = Builder {
        columns,
        lines: Vec::new(),
    };
    out.center(&data.unit_name.to_uppercase(), Emphasis::Bold);
    out.center("BỘ PHẬN TIẾP NHẬN VÀ TRẢ KẾT QUẢ", Emphasis::Normal);
    out.rule();
    if data.training {
        out.center(TRAINING_RECEIPT_VI, Emphasis::Bold);
        out.rule();
    }
    out.center("GIẤY TIẾP NHẬN HỒ SƠ", Emphasis::Large);
    out.center("VÀ HẸN TRẢ KẾT QUẢ", Emphasis::Bold);
    out.center(&format!("Mã hồ sơ: {}", data.code), Emphasis::Bold);
    // The short code citizens type at the kiosk's lookup (issue 14 item 7).
    if let Some(short) = super::dossier::ShortCode::of_code(&data.code) {
        out.center(
            &format!("Mã tra cứu nhanh: {}", short.typed()),
            Emphasis::Bold,
        );
    }
    out.rule();
    out.field("Tiếp nhận hồ sơ của", &data.applicant_name, Emphasis::Bold);
    out.field("Số định danh", &data.masked_id, Emphasis::Normal);
    out.field("Địa chỉ", &data.address, Emphasis::Normal);
    if let Some(phone) = &data.phone {
        out.field("Số điện thoại", phone, Emphasis::Normal);
    }
    out.field(
        "Nội dung yêu cầu giải quyết",
        &data.procedure_name,
        Emphasis::Bold,
    );
    out.left("Thành phần hồ sơ:", Emphasis::Normal);
    for (i, doc) in data.documents.iter().enumerate() {
        out.hanging(&format!("{}. {doc}", i + 1), 3, Emphasis::Normal);
    }
    out.field("Số lượng hồ sơ", "01 bộ", Emphasis::Normal);
    out.field(
        "Thời gian giải quyết theo quy định",
        &data.processing_text,
        Emphasis::Normal,
    );
    // The times go under their labels so that each stays on one line.
    out.field_below(
        "Thời gian nhận hồ sơ",
        &format_vn_datetime(data.received_at),
        Emphasis::Normal,
    );
    out.field_below(
        "Thời gian trả kết quả",
        &format_vn_datetime(data.due_at),
        Emphasis::Bold,
    );
    out.field("Nơi trả kết quả", &data.collect_at, Emphasis::Normal);
    let fee = if data.fee == 0 {
        "Miễn lệ phí".to_owned()
    } else {
        format_dong(data.fee)
    };
    out.field("Lệ phí", &fee, Emphasis::Bold);
    if data.fee > 0 {
        // Its parts and how to pay, as on the screen.
        for line in fee_breakdown(&data.fee_lines, false) {
            out.hanging(&format!("- {line}"), 2, Emphasis::Normal);
        }
        out.left(&pay_where_vi(&data.collect_at), Emphasis::Normal);
    }
    if let Some(ticket) = &data.ticket_number {
        out.rule();
        out.center(&format!("Số thứ tự tại quầy: {ticket}"), Emphasis::Large);
    }
    // Exactly one next step, worded as on the kiosk's screen.
    out.rule();
    let due = format_vn_datetime(data.due_at);
    let step = NextStep {
        ticket: data.ticket_number.as_deref(),
        reason: data.presence_note.as_deref(),
        counters,
        due: &due,
        collect_at: &data.collect_at,
        portal_pending: data.waiting_for_portal,
    };
    out.left(&step.vi(), Emphasis::Bold);
    if data.training {
        out.rule();
        out.center(TRAINING_RECEIPT_VI, Emphasis::Bold);
    }
    out.rule();
    out.center(
        "Tra cứu: quét mã QR hoặc nhập mã hồ sơ tại ki-ốt",
        Emphasis::Normal,
    );
    let lines = std::mem::take(&mut out.lines);
    out.center(&data.code, Emphasis::Normal);
    out.center("Xin cảm ơn!", Emphasis::Normal);
    Receipt {
        lines,
        qr_payload: data.qr_payload.clone(),
        footer: out.lines,
    }
}

struct Builder {
    columns: usize,
    lines: Vec<ReceiptLine>,
}

impl Builder {
    fn width(&self, emphasis: Emphasis) -> usize {
        match emphasis {
            Emphasis::Large => self.columns / 2,
            _ => self.columns,
        }
    }

    fn push(&mut self, text: String, emphasis: Emphasis, align: Align) {
        self.lines.push(ReceiptLine {
            text,
            emphasis,
            align,
        });
    }

    fn center(&mut self, text: &str, emphasis: Emphasis) {
        for line in wrap(text, self.width(emphasis), 0) {
            self.push(line, emphasis, Align::Center);
        }
    }

    fn left(&mut self, text: &str, emphasis: Emphasis) {
        self.hanging(text, 0, emphasis);
    }

    /// Wrapped text whose continuation lines are indented by `indent`.
    fn hanging(&mut self, text: &str, indent: usize, emphasis: Emphasis) {
        for line in wrap(text, self.width(emphasis), indent) {
            self.push(line, emphasis, Align::Left);
        }
    }

    fn field(&mut self, label: &str, value: &str, emphasis: Emphasis) {
        self.hanging(&format!("{label}: {value}"), 2, emphasis);
    }

    fn field_below(&mut self, label: &str, value: &str, emphasis: Emphasis) {
        self.left(&format!("{label}:"), emphasis);
        for line in wrap(value, self.width(emphasis) - 2, 0) {
            self.push(format!("  {line}"), emphasis, Align::Left);
        }
    }

    fn rule(&mut self) {
        self.push("-".repeat(self.columns), Emphasis::Normal, Align::Left);
    }
}

/// Word-wraps `text` to `width` characters; continuation lines start with
/// `indent` spaces. Words longer than a line are cut.
pub fn wrap(text: &str, width: usize, indent: usize) -> Vec<String> {
    let width = width.max(indent + 8);
    let mut lines = Vec::new();
    let mut line = String::new();
    let mut len = 0;
    for word in text.split_whitespace() {
        let mut word: Vec<char> = word.chars().collect();
        loop {
            let room = if len == 0 {
                width - line_indent(&lines, indent)
            } else {
                width.saturating_sub(len + 1)
            };
            if word.len() <= room {
                if len > 0 {
                    line.push(' ');
                    len += 1;
                } else {
                    let pad = line_indent(&lines, indent);
                    line.push_str(&" ".repeat(pad));
                    len = pad;
                }
                line.extend(word.iter());
                len += word.len();
                break;
            }
            if len > 0 {
                lines.push(std::mem::take(&mut line));
                len = 0;
                continue;
            }
            // A word longer than a whole line: cut it.
            let pad = line_indent(&lines, indent);
            let rest = word.split_off(width - pad);
            lines.push(format!(
                "{}{}",
                " ".repeat(pad),
                word.iter().collect::<String>()
            ));
            word = rest;
        }
    }
    if len > 0 || lines.is_empty() {
        lines.push(line);
    }
    lines
}

fn line_indent(lines: &[String], indent: usize) -> usize {
    if lines.is_empty() {
        0
    } else {
        indent
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn data() -> ReceiptData {
        let tz = FixedOffset::east_opt(7 * 3600).unwrap();
        ReceiptData {
            unit_name: "UBND Phường Hoàn Kiếm".into(),
            code: "000.25.31.H26-261126-0001".into(),
            applicant_name: "Nguyễn Văn An".into(),
            masked_id: "001******345".into(),
            address: "Số 1 Tràng Tiền, Phường Hoàn Kiếm, Hà Nội".into(),
            phone: Some("0912345678".into()),
            procedure_code: "2.000815".into(),
            procedure_name: "Chứng thực bản sao từ bản chính giấy tờ, văn bản".into(),
            documents: vec!["Bản chính giấy tờ, văn bản cần chứng thực bản sao".into()],
            processing_text: "Trong ngày làm việc".into(),
            received_at: "2026-11-26T09:05:00+07:00"
                .parse::<DateTime<FixedOffset>>()
                .unwrap()
                .with_timezone(&tz),
            due_at: "2026-11-26T17:00:00+07:00".parse().unwrap(),
            collect_at: "Bộ phận Một cửa, UBND Phường Hoàn Kiếm".into(),
            fee: 7000,
            fee_lines: vec![],
            qr_payload: "000.25.31.H26-261126-0001".into(),
            waiting_for_portal: true,
            ticket_number: Some("B003".into()),
            presence_note: Some("Mang bản chính đến quầy để đối chiếu.".into()),
            training: false,
        }
    }

    fn text(r: &Receipt) -> String {
        r.lines
            .iter()
            .chain(&r.footer)
            .map(|l| l.text.as_str())
            .collect::<Vec<_>>()
            .join("\n")
    }

    #[test]
    fn the_receipt_prints_the_short_code_for_the_lookup_on_its_own_line() {
        let r = receipt(&data(), &[], 32);
        let line = r
            .lines
            .iter()
            .find(|l| l.text.starts_with("Mã tra cứu nhanh"))
            .expect("a short-code line");
        assert_eq!(line.text, "Mã tra cứu nhanh: 0001 26/11");
    }

    #[test]
    fn times_read_as_on_the_paper_form() {
        let at: DateTime<FixedOffset> = "2026-11-26T09:05:00+07:00".parse().unwrap();
        assert_eq!(
            format_vn_datetime(at),
            "09 giờ 05 phút, ngày 26 tháng 11 năm 2026"
        );
    }

    #[test]
    fn the_receipt_holds_what_mau_01_asks_for() {
        let r = receipt(&data(), &[], 48);
        let all = text(&r);
        for expected in [
            "UBND PHƯỜNG HOÀN KIẾM",
            "GIẤY TIẾP NHẬN HỒ SƠ",
            "Mã hồ sơ: 000.25.31.H26-261126-0001",
            "Nguyễn Văn An",
            "001******345",
            "Chứng thực bản sao",
            "1. Bản chính giấy tờ",
            "  09 giờ 05 phút, ngày 26 tháng 11 năm 2026",
            "  17 giờ 00 phút, ngày 26 tháng 11 năm 2026",
            "Lệ phí: 7.000đ",
            "Số thứ tự tại quầy:",
            "B003",
        ] {
            assert!(all.contains(expected), "missing {expected:?} in\n{all}");
        }
        assert!(!all.contains("001090012345"));
        assert_eq!(r.qr_payload, "000.25.31.H26-261126-0001");
        assert!(r.lines.iter().any(|l| l.emphasis == Emphasis::Large));
    }

    /// One line of text, whatever the paper's wrapping.
    fn flat(r: &Receipt) -> String {
        text(r).lines().map(str::trim).collect::<Vec<_>>().join(" ")
    }

    /// Issue 14 item 1: a counter visit says so, why, with the number and
    /// the counters — and never "nothing more to do" as well.
    #[test]
    fn a_counter_visit_is_the_one_next_step_on_paper() {
        let r = receipt(&data(), &["Quầy 1".into(), "Quầy 3".into()], 48);
        let all = flat(&r);
        assert!(
            all.contains("Bước tiếp theo: mời bạn đến quầy với số thứ tự B003 (đã in kèm). Mang bản chính đến quầy để đối chiếu. Quầy phục vụ: Quầy 1, Quầy 3."),
            "{all}"
        );
        assert!(!all.contains("không cần làm gì thêm"), "{all}");
        let none_open = flat(&receipt(&data(), &[], 48));
        assert!(none_open.contains(NO_COUNTER_OPEN_VI), "{none_open}");
    }

    /// Otherwise: nothing more to do, when and where to collect; the fee's
    /// parts and how and where to pay.
    #[test]
    fn nothing_more_to_do_says_when_and_where_to_collect_and_how_to_pay() {
        let mut d = data();
        d.ticket_number = None;
        d.presence_note = None;
        d.fee_lines = vec![motcua_api::FeeLine {
            label_vi: "5 trang × 1 bản".into(),
            label_en: "5 pages × 1 copy".into(),
            amount: 7000,
        }];
        let all = flat(&receipt(&d, &[], 48));
        for expected in [
            "Lệ phí: 7.000đ",
            "- 5 trang × 1 bản: 7.000đ",
            "Nộp lệ phí tại Bộ phận Một cửa, UBND Phường Hoàn Kiếm khi nhận kết quả.",
            "Bạn không cần làm gì thêm. Hồ sơ sẽ được tự động gửi lên Cổng dịch vụ công. Mời bạn quay lại nhận kết quả lúc 17 giờ 00 phút, ngày 26 tháng 11 năm 2026 tại Bộ phận Một cửa, UBND Phường Hoàn Kiếm.",
        ] {
            assert!(all.contains(expected), "missing {expected:?} in\n{all}");
        }
        assert!(!all.contains("Bước tiếp theo"), "{all}");
        assert!(!all.contains("Số thứ tự"), "{all}");
    }

    #[test]
    fn no_waiting_line_once_sent_and_free_reads_free() {
        let mut d = data();
        d.waiting_for_portal = false;
        d.fee = 0;
        d.ticket_number = None;
        let all = text(&receipt(&d, &[], 48));
        assert!(!all.contains("tự động gửi"), "{all}");
        assert!(all.contains("Lệ phí: Miễn lệ phí"), "{all}");
        assert!(!all.contains("Số thứ tự"), "{all}");
    }

    #[test]
    fn a_training_receipt_says_so_at_top_and_bottom() {
        let plain = text(&receipt(&data(), &[], 48));
        assert!(!plain.contains(TRAINING_RECEIPT_VI), "{plain}");
        let mut training = data();
        training.training = true;
        let printed = text(&receipt(&training, &[], 48));
        assert_eq!(printed.matches(TRAINING_RECEIPT_VI).count(), 2, "{printed}");
    }

    #[test]
    fn lines_fit_the_paper() {
        for columns in [32, 48] {
            let r = receipt(&data(), &[], columns);
            for line in r.lines.iter().chain(&r.footer) {
                let width = match line.emphasis {
                    Emphasis::Large => columns / 2,
                    _ => columns,
                };
                assert!(
                    line.text.chars().count() <= width,
                    "{columns}: {:?} is too long",
                    line.text
                );
            }
        }
    }

    #[test]
    fn wrapping_indents_continuations_and_cuts_long_words() {
        assert_eq!(
            wrap("Nơi trả kết quả: Bộ phận Một cửa", 20, 2),
            ["Nơi trả kết quả: Bộ", "  phận Một cửa"]
        );
        assert_eq!(wrap("", 20, 2), [""]);
        let cut = wrap("000.25.31.H26-261126-0001", 10, 0);
        assert_eq!(cut, ["000.25.31.", "H26-261126", "-0001"]);
    }
}
