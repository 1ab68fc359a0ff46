//! Paper documents: what a queue ticket says, as a device-independent
//! [`Receipt`] the printer driver renders in the printer's text mode.

use motcua_drivers::{Line, Receipt};

use crate::hub::queue::TicketView;

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
    receipt
        .line(Line::new(format!("Lấy lúc {issued}")).center())
        .qr(qr_payload)
        .line(Line::new("Vui lòng chờ gọi số trên màn hình").center())
        .line(Line::new("và loa thông báo.").center())
        .feed(2)
        .cut()
}
