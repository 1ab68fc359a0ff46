//! Citizen satisfaction (DOMAIN.md §6): the three-level scale in use at
//! one-stop offices and the rule that reasons go with "Không hài lòng"
//! only. The ticket a citizen names to rate is read by
//! [`super::ticket_ref`].

/// The scale is the wire's.
pub use motcua_api::RatingLevel;

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
}
