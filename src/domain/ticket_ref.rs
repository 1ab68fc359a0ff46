//! The ticket reference a citizen carries: the payload of the QR code
//! printed on a queue ticket, and the number typed by hand at a rating
//! screen.
//!
//! A ticket's QR code holds its id and its short lookup token, either as
//! `MOTCUA:T:{id}:{token}` or, when the office has a public address for
//! phones, as the link `{public_url}/t/{id}?k={token}`. The kiosk prints it
//! ([`ticket_payload`]); rating screens read it back ([`TicketRef::from_scan`]).
//!
//! A number typed by hand (`A012`) is public — it is called out loud and
//! shown on the hall board — so rating by it also needs the ticket's
//! [`check_code`]: 4 digits printed on the paper, derived from the lookup
//! token (so the hub stores nothing more, and the paper and the hub always
//! agree).

/// The QR payload of ticket `id` with lookup `token`: a link when the
/// office has a `public_url`, else `MOTCUA:T:{id}:{token}`.
pub fn ticket_payload(id: i64, token: &str, public_url: Option<&str>) -> String {
    match public_url {
        Some(url) => format!("{}/t/{id}?k={token}", url.trim_end_matches('/')),
        None => format!("{PREFIX}{id}:{token}"),
    }
}

/// Where the links in QR codes point: the office hub's address for phones
/// (`kiosk.public_url`: `/t/{id}`, `/d/{code}`), or the city service's
/// (`[city] public_url`: `/t/{unit}/{id}`, `/d/{unit}/{code}`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PhoneLinks {
    Hub { url: String },
    City { url: String, unit: String },
}

impl PhoneLinks {
    /// The links an office prints: its own public address wins over the
    /// city's; neither, no links (the QR codes keep their office payloads).
    pub fn choose(hub_url: Option<&str>, city_url: Option<&str>, unit: &str) -> Option<Self> {
        let clean = |u: &str| u.trim().trim_end_matches('/').to_owned();
        match (hub_url, city_url) {
            (Some(url), _) if !url.trim().is_empty() => Some(Self::Hub { url: clean(url) }),
            (_, Some(url)) if !url.trim().is_empty() => Some(Self::City {
                url: clean(url),
                unit: unit.to_owned(),
            }),
            _ => None,
        }
    }

    fn base(&self, kind: char) -> String {
        match self {
            Self::Hub { url } => format!("{url}/{kind}"),
            Self::City { url, unit } => format!("{url}/{kind}/{unit}"),
        }
    }

    /// A ticket's page.
    pub fn ticket(&self, id: i64, token: &str) -> String {
        format!("{}/{id}?k={token}", self.base('t'))
    }

    /// A dossier's page.
    pub fn dossier(&self, code: &str, token: &str) -> String {
        format!("{}/{code}?k={token}", self.base('d'))
    }
}

/// A link as printed under its QR code: without `https://`.
pub fn short_url(url: &str) -> &str {
    url.split_once("://").map_or(url, |(_, rest)| rest)
}

/// Whether a QR payload is a link a phone opens.
pub fn is_link(payload: &str) -> bool {
    payload.starts_with("https://") || payload.starts_with("http://")
}

/// The dossier code a scanned receipt QR holds: the code itself (older
/// receipts, offices without links) or a dossier page's link
/// (`…/d/{code}?k=…` or `…/d/{unit}/{code}?k=…`).
pub fn dossier_code_from_scan(payload: &str) -> String {
    let payload = payload.trim();
    if is_link(payload) {
        if let Some((_, tail)) = payload.rsplit_once("/d/") {
            let path = tail.split(['?', '#']).next().unwrap_or("");
            if let Some(code) = path.rsplit('/').next().filter(|c| !c.is_empty()) {
                return code.to_owned();
            }
        }
    }
    payload.to_owned()
}

/// Whether a scanned payload is a queue ticket's (of either form), even a
/// damaged one: a lookup screen that wants a dossier receipt says so.
pub fn is_ticket_payload(payload: &str) -> bool {
    payload.starts_with(PREFIX) || payload.contains("/t/")
}

const PREFIX: &str = "MOTCUA:T:";

/// How a citizen names the ticket they want to rate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TicketRef {
    /// From the ticket's QR code: id and lookup token.
    Scanned { id: i64, token: String },
    /// Typed by hand, e.g. `A012`.
    Number(String),
}

impl TicketRef {
    /// Reads a scanned QR payload: `MOTCUA:T:{id}:{token}` or a link
    /// `{public_url}/t/{id}?k={token}` (the city's:
    /// `{public_url}/t/{unit}/{id}?k={token}`). `None` for anything else (an ID card,
    /// a dossier receipt).
    pub fn from_scan(payload: &str) -> Option<Self> {
        let payload = payload.trim();
        let (id, token) = if let Some(rest) = payload.strip_prefix(PREFIX) {
            rest.split_once(':')?
        } else {
            let path = payload.split_once("://").map(|(_, p)| p)?;
            let (_, tail) = path.rsplit_once("/t/")?;
            let (path, query) = tail.split_once('?')?;
            // `/t/{id}` (the hub) or `/t/{unit}/{id}` (the city).
            let id = path.rsplit('/').next()?;
            let token = query.split('&').find_map(|kv| kv.strip_prefix("k="))?;
            (id, token)
        };
        let id = id.parse::<i64>().ok().filter(|id| *id > 0)?;
        let token = token.trim();
        let valid = !token.is_empty()
            && token.len() <= 32
            && token.bytes().all(|b| b.is_ascii_alphanumeric());
        valid.then(|| TicketRef::Scanned {
            id,
            token: token.to_owned(),
        })
    }

    /// Normalises a typed number: `a12` → `A012`, ` b 007 ` → `B007`. `None`
    /// unless it is one letter and 1–4 digits.
    pub fn from_typed(text: &str) -> Option<Self> {
        let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
        let mut chars = compact.chars();
        let letter = chars.next()?.to_ascii_uppercase();
        let digits: String = chars.collect();
        if !letter.is_ascii_uppercase()
            || digits.is_empty()
            || digits.len() > 4
            || !digits.bytes().all(|b| b.is_ascii_digit())
        {
            return None;
        }
        let n: u32 = digits.parse().ok()?;
        Some(TicketRef::Number(super::ticket::display_number(
            &letter.to_string(),
            n,
        )))
    }
}

/// The 4-digit check code printed on a ticket: the first 32 bits of the
/// SHA-256 of its lookup token, modulo 10 000, with leading zeros. A guess
/// is right once in 10 000; the rating window and the one rating per
/// ticket keep guessing unrewarding.
pub fn check_code(token: &str) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(token.as_bytes());
    let n = u32::from_be_bytes([digest[0], digest[1], digest[2], digest[3]]);
    format!("{:04}", n % 10_000)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_codes_are_four_digits_fixed_by_the_token() {
        // Vectors computed independently: the first 8 hex digits of
        // `printf ABCD2345 | sha256sum`, as a number, modulo 10 000.
        assert_eq!(check_code("ABCD2345"), "6836");
        assert_eq!(check_code("K7Q2MX9P"), "9205");
        for token in ["ABCD2345", "K7Q2MX9P", ""] {
            let code = check_code(token);
            assert_eq!(code.len(), 4, "{code}");
            assert!(code.bytes().all(|b| b.is_ascii_digit()));
            assert_eq!(code, check_code(token), "the same token, the same code");
        }
        assert_ne!(check_code("ABCD2345"), check_code("ABCD2346"));
    }

    #[test]
    fn a_printed_payload_reads_back() {
        for url in [None, Some("https://motcua.example.vn/")] {
            let payload = ticket_payload(7, "K7Q2MX9P", url);
            assert!(is_ticket_payload(&payload), "{payload}");
            assert_eq!(
                TicketRef::from_scan(&payload),
                Some(TicketRef::Scanned {
                    id: 7,
                    token: "K7Q2MX9P".into()
                }),
                "{payload}"
            );
        }
        assert_eq!(ticket_payload(7, "K", None), "MOTCUA:T:7:K");
        assert_eq!(
            ticket_payload(7, "K", Some("https://x.vn/")),
            "https://x.vn/t/7?k=K"
        );
        assert!(!is_ticket_payload("000.25.31.H26-261126-0001"));
    }

    #[test]
    fn scanned_ticket_payloads() {
        assert_eq!(
            TicketRef::from_scan("MOTCUA:T:12:ABCD2345\r\n"),
            Some(TicketRef::Scanned {
                id: 12,
                token: "ABCD2345".into()
            })
        );
        assert_eq!(
            TicketRef::from_scan("https://motcua.example.vn/t/7?k=K7Q2MX9P"),
            Some(TicketRef::Scanned {
                id: 7,
                token: "K7Q2MX9P".into()
            })
        );
        for bad in [
            "001090012345|012345678|Nguyễn Văn An|15031990|Nam|Hà Nội|20042021",
            "MOTCUA:T:x:ABC",
            "MOTCUA:T:0:ABC",
            "MOTCUA:T:5:",
            "MOTCUA:T:5:AB CD",
            "https://x/t/5",
        ] {
            assert_eq!(TicketRef::from_scan(bad), None, "{bad}");
        }
    }

    #[test]
    fn the_city_links_read_back_too() {
        let city =
            PhoneLinks::choose(None, Some("https://dvc.hanoi.vn/"), "000.25.31.H26").unwrap();
        let link = city.ticket(7, "K7Q2MX9P");
        assert_eq!(link, "https://dvc.hanoi.vn/t/000.25.31.H26/7?k=K7Q2MX9P");
        assert!(is_ticket_payload(&link));
        assert_eq!(
            TicketRef::from_scan(&link),
            Some(TicketRef::Scanned {
                id: 7,
                token: "K7Q2MX9P".into()
            })
        );
        assert_eq!(
            short_url(&link),
            "dvc.hanoi.vn/t/000.25.31.H26/7?k=K7Q2MX9P"
        );
        // The office's own address wins.
        let hub = PhoneLinks::choose(Some("http://10.0.0.2:8686"), Some("https://x"), "u").unwrap();
        assert_eq!(hub.ticket(7, "K"), "http://10.0.0.2:8686/t/7?k=K");
        assert_eq!(PhoneLinks::choose(None, None, "u"), None);
    }

    #[test]
    fn a_receipt_link_gives_its_dossier_code() {
        let code = "000.25.31.H26-261126-0001";
        for links in [
            PhoneLinks::choose(Some("https://x.vn"), None, "u").unwrap(),
            PhoneLinks::choose(None, Some("https://dvc.hanoi.vn"), "000.25.31.H26").unwrap(),
        ] {
            let link = links.dossier(code, "ABCDEFGH2345");
            assert!(!is_ticket_payload(&link), "{link}");
            assert_eq!(dossier_code_from_scan(&link), code, "{link}");
        }
        assert_eq!(dossier_code_from_scan(&format!(" {code}\r\n")), code);
    }

    #[test]
    fn typed_numbers_are_normalised() {
        assert_eq!(
            TicketRef::from_typed("a12"),
            Some(TicketRef::Number("A012".into()))
        );
        assert_eq!(
            TicketRef::from_typed(" B 1005 "),
            Some(TicketRef::Number("B1005".into()))
        );
        for bad in ["", "12", "AB12", "A", "A12345", "Ă12"] {
            assert_eq!(TicketRef::from_typed(bad), None, "{bad}");
        }
    }
}
