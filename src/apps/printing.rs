//! Paper documents: what a queue ticket says, as a device-independent
//! [`Receipt`] the printer driver renders in the printer's text mode.

use motcua_drivers::{Line, Receipt};

use motcua_api::{FiledDossier, TicketView};

use crate::domain::ticket_ref::{is_link, short_url, PhoneLinks};

/// Characters a ticket's line holds on the narrowest paper (58 mm).
const TICKET_COLUMNS: usize = 32;

/// Where lookup QR codes point.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct QrPolicy {
    /// When set, QR codes are links a phone opens: the ticket's page
    /// (`…/t/{id}?k=…`) and the dossier's (`…/d/{code}?k=…`), at the
    /// office hub (`kiosk.public_url`) or the city (`[city] public_url`).
    pub links: Option<PhoneLinks>,
}

impl QrPolicy {
    /// The links an office's configuration asks for.
    pub fn from_config(config: &crate::config::Config) -> Self {
        Self {
            links: PhoneLinks::choose(
                config.kiosk.public_url.as_deref(),
                config.city.as_ref().and_then(|c| c.public_url.as_deref()),
                &config.office.unit_code,
            ),
        }
    }

    /// The lookup payload of a ticket: its id and short token.
    pub fn ticket_payload(&self, ticket: &TicketView) -> String {
        let token = ticket.lookup_token.as_deref().unwrap_or("");
        match &self.links {
            Some(links) if !token.is_empty() => links.ticket(ticket.id, token),
            _ => crate::domain::ticket_ref::ticket_payload(ticket.id, token, None),
        }
    }

    /// The QR payload of a filing receipt: the dossier's page when there
    /// are links (and the hub gave a token), else what the hub wrote (the
    /// code, which kiosks' lookup reads).
    pub fn receipt_payload(&self, filed: &FiledDossier) -> String {
        match (&self.links, &filed.lookup_token) {
            (Some(links), Some(token)) => links.dossier(&filed.code, token),
            _ => filed.receipt.qr_payload.clone(),
        }
    }
}

/// A link printed under its QR code, without its scheme, in lines of at
/// most `columns` characters (a phone without a camera app can type it).
fn link_lines(payload: &str, columns: usize) -> Vec<Line> {
    if !is_link(payload) {
        return Vec::new();
    }
    let chars: Vec<char> = short_url(payload).chars().collect();
    chars
        .chunks(columns.max(16))
        .map(|c| Line::new(c.iter().collect::<String>()).center())
        .collect()
}

/// The queue ticket: office, the number large, service, people ahead,
/// estimated wait, issue time, the lookup QR and what to do next.
pub fn ticket_receipt(office: &str, ticket: &TicketView, qr_payload: &str) -> Receipt {
    let issued = chrono::DateTime::parse_from_rfc3339(&ticket.issued_at)
        .map(|t| t.format("%H:%M ngày %d/%m/%Y").to_string())
        .unwrap_or_default();
    let mut receipt = Receipt::new()
        .line(Line::new(office).bold().center())
        .line(Line::new("BỘ PHẬN MỘT CỬA").center())
        .separator()
        .line(Line::new("SỐ THỨ TỰ").bold().center())
        .line(Line::new(&ticket.number).bold().size(4, 4).center())
        .line(
            Line::new(&ticket.service_name_vi)
                .bold()
                .size(1, 2)
                .center(),
        );
    if let Some(p) = &ticket.priority_name_vi {
        receipt = receipt.line(Line::new(format!("Ưu tiên: {p}")).center());
    }
    let ahead = match ticket.people_ahead {
        0 => "Không có ai chờ trước bạn".to_owned(),
        n => format!("Có {n} người chờ trước bạn"),
    };
    receipt = receipt.line(Line::new(ahead).center());
    if ticket.estimated_wait_minutes > 0 {
        receipt = receipt.line(
            Line::new(format!(
                "Thời gian chờ dự kiến: khoảng {} phút",
                ticket.estimated_wait_minutes
            ))
            .center(),
        );
    }
    receipt = receipt
        .line(Line::new(format!("Lấy lúc {issued}")).center())
        .qr(qr_payload);
    for line in link_lines(qr_payload, TICKET_COLUMNS) {
        receipt = receipt.line(line);
    }
    // Rating by the typed number asks for it (the number alone is public).
    if let Some(token) = &ticket.lookup_token {
        let code = crate::domain::ticket_ref::check_code(token);
        receipt = receipt.line(Line::new(format!("Mã kiểm tra: {code}")).bold().center());
    }
    receipt
        .line(Line::new("Vui lòng chờ gọi số trên màn hình").center())
        .line(Line::new("và loa thông báo.").center())
        .feed(2)
        .cut()
}

/// The filing receipt (Mẫu số 01) from the hub's answer, wrapped to the
/// paper: its lines, the lookup QR code, then the footer. `counters`: the
/// open counters serving the linked ticket's service (the next step).
pub fn dossier_receipt(
    data: &motcua_api::ReceiptData,
    counters: &[String],
    columns: usize,
) -> Receipt {
    use crate::domain::receipt::{receipt, Align, Emphasis};
    let doc = receipt(data, counters, columns);
    let line = |l: &crate::domain::receipt::ReceiptLine| {
        let mut out = Line::new(&l.text);
        out = match l.emphasis {
            Emphasis::Normal => out,
            Emphasis::Bold => out.bold(),
            Emphasis::Large => out.bold().size(2, 2),
        };
        match l.align {
            Align::Left => out,
            Align::Center => out.center(),
        }
    };
    let mut out = Receipt::new();
    for l in &doc.lines {
        out = out.line(line(l));
    }
    out = out.qr(&doc.qr_payload);
    for l in link_lines(&doc.qr_payload, columns) {
        out = out.line(l);
    }
    for l in &doc.footer {
        out = out.line(line(l));
    }
    out.feed(2).cut()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn issued(token: Option<&str>) -> TicketView {
        serde_json::from_value(serde_json::json!({
            "id": 12, "number": "A012", "service": "hotich", "service_name_vi": "Hộ tịch",
            "service_name_en": "Civil status", "state": "issued", "business_date": "2026-11-26",
            "issued_at": "2026-11-26T08:30:00+07:00", "recall_count": 0, "transfer_count": 0,
            "people_ahead": 0, "estimated_wait_minutes": 0, "lookup_token": token,
        }))
        .unwrap()
    }

    fn lines(ticket: &TicketView) -> Vec<String> {
        ticket_receipt("UBND phường", ticket, "MOTCUA:T:12:K7Q2MX9P")
            .text_lines()
            .map(|l| l.text.clone())
            .collect()
    }

    /// #12 item 8: the paper carries the check code a typed number needs.
    #[test]
    fn the_ticket_prints_its_check_code() {
        let printed = lines(&issued(Some("K7Q2MX9P")));
        assert!(
            printed.contains(&"Mã kiểm tra: 9205".to_owned()),
            "{printed:?}"
        );
        // No token (a ticket read back later): no code to print.
        let printed = lines(&issued(None));
        assert!(
            !printed.iter().any(|l| l.contains("Mã kiểm tra")),
            "{printed:?}"
        );
    }

    /// #16: a link under the QR, without its scheme, in lines that fit
    /// 58 mm paper; an office payload prints nothing more.
    #[test]
    fn the_ticket_prints_its_short_link_under_the_qr() {
        let policy = QrPolicy {
            links: PhoneLinks::choose(None, Some("https://dvc.hanoi.gov.vn"), "000.25.31.H26"),
        };
        let ticket = issued(Some("K7Q2MX9P"));
        let payload = policy.ticket_payload(&ticket);
        assert_eq!(
            payload,
            "https://dvc.hanoi.gov.vn/t/000.25.31.H26/12?k=K7Q2MX9P"
        );
        let printed: Vec<String> = ticket_receipt("UBND phường", &ticket, &payload)
            .text_lines()
            .map(|l| l.text.clone())
            .collect();
        let link: String = printed
            .iter()
            .filter(|l| l.starts_with("dvc.") || l.contains("?k="))
            .cloned()
            .collect();
        assert_eq!(link, "dvc.hanoi.gov.vn/t/000.25.31.H26/12?k=K7Q2MX9P");
        assert!(printed.iter().all(|l| l.chars().count() <= 32 || !l.contains('/')));
        assert!(!lines(&ticket).iter().any(|l| l.contains("MOTCUA")));
    }

    /// Issue 14 item 1, on paper: the bytes sent to the printer carry the
    /// one next step and the fee's breakdown, in the printer's code page.
    #[test]
    fn the_printed_filing_receipt_carries_the_next_step_and_the_fee() {
        use motcua_drivers::printer::encoding::encode_cp1258;
        use motcua_drivers::printer::render::render;
        use motcua_drivers::{Paper, PrinterProfile, TextMode};
        let data = motcua_api::ReceiptData {
            unit_name: "UBND Phường Hoàn Kiếm".into(),
            code: "000.25.31.H26-261126-0001".into(),
            applicant_name: "Nguyễn Văn An".into(),
            masked_id: "001******345".into(),
            address: "Số 1 Tràng Tiền".into(),
            phone: None,
            procedure_code: "2.000815".into(),
            procedure_name: "Chứng thực bản sao từ bản chính".into(),
            documents: vec!["Bản chính giấy tờ".into()],
            processing_text: "Trong ngày làm việc".into(),
            received_at: "2026-11-26T09:05:00+07:00".parse().unwrap(),
            due_at: "2026-11-26T17:00:00+07:00".parse().unwrap(),
            collect_at: "Bộ phận Một cửa".into(),
            fee: 7000,
            fee_lines: vec![motcua_api::FeeLine {
                label_vi: "5 trang × 1 bản".into(),
                label_en: "5 pages × 1 copy".into(),
                amount: 7000,
            }],
            qr_payload: "000.25.31.H26-261126-0001".into(),
            waiting_for_portal: false,
            ticket_number: Some("B003".into()),
            presence_note: Some("Mang bản chính để đối chiếu.".into()),
            training: false,
        };
        let counters = ["Quầy 2".to_owned()];
        let profile = PrinterProfile::new(TextMode::Cp1258, Paper::Mm80);
        let bytes = render(&dossier_receipt(&data, &counters, 48), &profile).unwrap();
        let has = |text: &str| {
            let needle = encode_cp1258(text);
            bytes.windows(needle.len()).any(|w| w == needle.as_slice())
        };
        for expected in [
            "- 5 trang × 1 bản: 7.000đ",
            "Bước tiếp theo: mời bạn đến quầy với số",
            "Mang bản chính để đối chiếu.",
            "Quầy phục vụ: Quầy 2.",
        ] {
            assert!(has(expected), "{expected:?} not printed");
        }
        assert!(!has("không cần làm gì thêm"));
    }
}
