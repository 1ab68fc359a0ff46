//! Citizen satisfaction (DOMAIN.md §6): the three-level scale in use at
//! one-stop offices, the rule that reasons go with "Không hài lòng" only,
//! and the ticket references a citizen brings to a rating screen (the QR
//! code printed on the ticket, or the number typed by hand).

use serde::{Deserialize, Serialize};

/// The scale: Rất hài lòng / Hài lòng / Không hài lòng.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RatingLevel {
    VerySatisfied,
    Satisfied,
    Unsatisfied,
}

impl RatingLevel {
    pub const ALL: [RatingLevel; 3] = [
        RatingLevel::VerySatisfied,
        RatingLevel::Satisfied,
        RatingLevel::Unsatisfied,
    ];

    /// Storage and API spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            RatingLevel::VerySatisfied => "very_satisfied",
            RatingLevel::Satisfied => "satisfied",
            RatingLevel::Unsatisfied => "unsatisfied",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|l| l.as_str() == s)
    }

    pub fn label_vi(self) -> &'static str {
        match self {
            RatingLevel::VerySatisfied => "Rất hài lòng",
            RatingLevel::Satisfied => "Hài lòng",
            RatingLevel::Unsatisfied => "Không hài lòng",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            RatingLevel::VerySatisfied => "Very satisfied",
            RatingLevel::Satisfied => "Satisfied",
            RatingLevel::Unsatisfied => "Not satisfied",
        }
    }
}

/// Why a rating cannot be accepted as sent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RatingError {
    #[error("reasons are only given with \"unsatisfied\"")]
    ReasonsWithoutComplaint,
    #[error("unknown reason {0:?}")]
    UnknownReason(String),
    #[error("reason {0:?} is given twice")]
    DuplicateReason(String),
}

/// Checks the reasons of a rating against the configured list: only for
/// "Không hài lòng", each known, none twice. Returns them in the order of
/// the configured list (so reports group them the same way).
pub fn check_reasons(
    level: RatingLevel,
    reasons: &[String],
    known: &[&str],
) -> Result<Vec<String>, RatingError> {
    if reasons.is_empty() {
        return Ok(Vec::new());
    }
    if level != RatingLevel::Unsatisfied {
        return Err(RatingError::ReasonsWithoutComplaint);
    }
    for (i, r) in reasons.iter().enumerate() {
        if !known.contains(&r.as_str()) {
            return Err(RatingError::UnknownReason(r.clone()));
        }
        if reasons[..i].contains(r) {
            return Err(RatingError::DuplicateReason(r.clone()));
        }
    }
    Ok(known
        .iter()
        .filter(|k| reasons.iter().any(|r| r == *k))
        .map(|k| (*k).to_owned())
        .collect())
}

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
    /// `{public_url}/t/{id}?k={token}`. `None` for anything else (an ID card,
    /// a dossier receipt).
    pub fn from_scan(payload: &str) -> Option<Self> {
        let payload = payload.trim();
        let (id, token) = if let Some(rest) = payload.strip_prefix("MOTCUA:T:") {
            rest.split_once(':')?
        } else {
            let path = payload.split_once("://").map(|(_, p)| p)?;
            let (_, tail) = path.rsplit_once("/t/")?;
            let (id, query) = tail.split_once('?')?;
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
        Some(TicketRef::Number(crate::domain::ticket::display_number(
            &letter.to_string(),
            n,
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_round_trip() {
        for l in RatingLevel::ALL {
            assert_eq!(RatingLevel::parse(l.as_str()), Some(l));
        }
        assert_eq!(RatingLevel::VerySatisfied.label_vi(), "Rất hài lòng");
        assert_eq!(RatingLevel::Unsatisfied.label_vi(), "Không hài lòng");
        assert_eq!(RatingLevel::parse("great"), None);
    }

    #[test]
    fn reasons_only_with_a_complaint_and_only_known_ones() {
        let known = ["slow", "attitude", "unclear"];
        let r = |v: &[&str]| v.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        assert_eq!(
            check_reasons(RatingLevel::Unsatisfied, &r(&["unclear", "slow"]), &known),
            Ok(r(&["slow", "unclear"]))
        );
        assert_eq!(
            check_reasons(RatingLevel::Satisfied, &r(&["slow"]), &known),
            Err(RatingError::ReasonsWithoutComplaint)
        );
        assert_eq!(
            check_reasons(RatingLevel::Unsatisfied, &r(&["rude"]), &known),
            Err(RatingError::UnknownReason("rude".into()))
        );
        assert_eq!(
            check_reasons(RatingLevel::Unsatisfied, &r(&["slow", "slow"]), &known),
            Err(RatingError::DuplicateReason("slow".into()))
        );
        assert_eq!(
            check_reasons(RatingLevel::Satisfied, &[], &known),
            Ok(vec![])
        );
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
