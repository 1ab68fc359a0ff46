//! The sample queue ticket and the sample dossier receipt (Mẫu số 01,
//! TT 01/2018/TT-VPCP) with synthetic data: printed by
//! `motcua diag print-sample`, measured by the wire benchmark, and used by
//! the round-trip tests.

use super::receipt::{Line, Receipt};

/// Payload of the sample ticket's QR code.
pub const TICKET_QR: &str = "https://dichvucong.gov.vn/motcua/ve?so=A012&ngay=2026-11-26";
/// Payload of the sample receipt's QR code.
pub const RECEIPT_QR: &str = "https://dichvucong.gov.vn/tra-cuu-ho-so?ma=000.25.31.H26-261126-0001";

/// A queue ticket as the kiosk prints it.
pub fn queue_ticket() -> Receipt {
    Receipt::new()
        .title("UBND PHƯỜNG HOÀN KIẾM")
        .line(Line::new("Bộ phận Một cửa").center())
        .separator()
        .line(Line::new("SỐ THỨ TỰ").bold().center())
        .line(Line::new("A012").bold().size(4, 4).center())
        .line(Line::new("Lĩnh vực: Hộ tịch").center())
        .line(Line::new("Mời đến quầy số 1 hoặc 2").center())
        .line(Line::new("Số người đang chờ: 5").center())
        .line(Line::new("Lấy số lúc 08 giờ 15 phút, 26/11/2026").center())
        .separator()
        .qr(TICKET_QR)
        .line(Line::new("Quét mã để theo dõi lượt gọi số").center())
        .line(Line::new("Xin cảm ơn quý công dân!").center())
        .cut()
}

/// A dossier receipt (Giấy tiếp nhận hồ sơ và hẹn trả kết quả).
pub fn dossier_receipt() -> Receipt {
    Receipt::new()
        .title("UBND PHƯỜNG HOÀN KIẾM")
        .line(Line::new("BỘ PHẬN TIẾP NHẬN VÀ TRẢ KẾT QUẢ").center())
        .separator()
        .line(
            Line::new("GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ")
                .bold()
                .center(),
        )
        .line(Line::new("Mã hồ sơ: 000.25.31.H26-261126-0001").center())
        .separator()
        .text("Tiếp nhận hồ sơ của: Nguyễn Văn An")
        .text("Số định danh cá nhân: 001******345")
        .text("Địa chỉ: Số 1 Tràng Tiền, Phường Tràng Tiền, Quận Hoàn Kiếm, Hà Nội")
        .text("Số điện thoại: 09******12")
        .text("Nội dung yêu cầu giải quyết: Cấp bản sao trích lục hộ tịch")
        .line(Line::new("Thành phần hồ sơ:").bold())
        .text("1. Tờ khai theo mẫu (01 bản chính)")
        .text("2. Giấy tờ tùy thân (01 bản sao)")
        .pair("Số lượng hồ sơ:", "01 bộ")
        .pair("Thời hạn giải quyết:", "trong ngày")
        .text("Nhận hồ sơ: 08 giờ 15 phút, ngày 26 tháng 11 năm 2026")
        .text("Hẹn trả kết quả: 16 giờ 00 phút, ngày 26 tháng 11 năm 2026")
        .text("Nơi trả kết quả: Bộ phận Một cửa, quầy số 2")
        .pair("Lệ phí:", "8.000 đồng")
        .separator()
        .qr(RECEIPT_QR)
        .line(Line::new("Tra cứu hồ sơ bằng mã QR").center())
        .pair("NGƯỜI NỘP HỒ SƠ", "NGƯỜI TIẾP NHẬN")
        .feed(3)
        .pair("Nguyễn Văn An", "Trần Thị Bình")
        .cut()
}
