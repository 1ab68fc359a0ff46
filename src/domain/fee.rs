//! Fees (lệ phí, phí) from a procedure's fee rule and the citizen's choices.
//!
//! A rule is a list of items, all in đồng, summed: an empty list is free.
//! The items cover what ward-level procedures charge (DOMAIN.md §4):
//!
//! - `flat`: one amount per dossier (chứng thực chữ ký: 10.000đ);
//! - `per_copy`: an amount per copy requested, optionally with some copies
//!   free (cấp bản sao trích lục: 8.000đ/bản);
//! - `per_page`: a rate for the first pages and another from the next page
//!   on, capped per copy, times the copies (chứng thực bản sao: 2.000đ/trang
//!   for pages 1–2, 1.000đ/trang from page 3, at most 200.000đ/bản);
//! - `late`: an amount charged only when a date in the form (birth, death)
//!   is more than N days before the day the dossier is received — "free on
//!   time" registrations.
//!
//! Amounts vary by province and change: they live in the catalogue data,
//! never in code. [`compute`] is what the hub charges and what the kiosk
//! shows before submission, so both always agree.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

pub use motcua_api::{FeeItem, FeeLine};

/// What the citizen chose, and the dates the `late` items look at.
#[derive(Clone, Copy)]
pub struct FeeInput<'a> {
    /// Pages of the original (for `per_page`).
    pub pages: Option<u32>,
    /// Copies requested; absent means one.
    pub copies: Option<u32>,
    /// The office-local day the dossier is received.
    pub received_on: NaiveDate,
    /// The value of a date field of the form, by name.
    pub date_field: &'a dyn Fn(&str) -> Option<NaiveDate>,
}

/// A computed fee in đồng.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Fee {
    pub total: u64,
    pub lines: Vec<FeeLine>,
}

/// Why a fee cannot be computed yet.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FeeError {
    #[error("the fee needs the number of pages")]
    PagesMissing,
}

/// The fee for `items` given the citizen's choices.
pub fn compute(items: &[FeeItem], input: &FeeInput<'_>) -> Result<Fee, FeeError> {
    let copies = input.copies.unwrap_or(1);
    let mut fee = Fee::default();
    for item in items {
        let line = match item {
            FeeItem::Flat {
                amount,
                label_vi,
                label_en,
            } => Some(FeeLine {
                label_vi: label_vi.clone().unwrap_or_else(|| "Lệ phí".to_owned()),
                label_en: label_en.clone().unwrap_or_else(|| "Fee".to_owned()),
                amount: *amount,
            }),
            FeeItem::PerCopy {
                amount,
                free_copies,
            } => {
                let billable = copies.saturating_sub(*free_copies);
                (billable > 0).then(|| FeeLine {
                    label_vi: format!("Bản sao: {billable} × {}", format_dong(*amount)),
                    label_en: format!("Copies: {billable} × {}", format_dong(*amount)),
                    amount: u64::from(billable) * amount,
                })
            }
            FeeItem::PerPage {
                first_pages,
                first_page_rate,
                next_page_rate,
                max_per_copy,
            } => {
                let pages = input.pages.ok_or(FeeError::PagesMissing)?;
                let first = pages.min(*first_pages);
                let rest = pages - first;
                let mut per_copy =
                    u64::from(first) * first_page_rate + u64::from(rest) * next_page_rate;
                if let Some(cap) = max_per_copy {
                    per_copy = per_copy.min(*cap);
                }
                Some(FeeLine {
                    label_vi: format!("{pages} trang × {copies} bản"),
                    label_en: format!("{pages} pages × {copies} copies"),
                    amount: per_copy * u64::from(copies),
                })
            }
            FeeItem::Late {
                field,
                within_days,
                amount,
            } => (input.date_field)(field)
                .filter(|date| (input.received_on - *date).num_days() > i64::from(*within_days))
                .map(|_| FeeLine {
                    label_vi: format!("Lệ phí đăng ký quá hạn (quá {within_days} ngày)"),
                    label_en: format!("Late registration fee (over {within_days} days)"),
                    amount: *amount,
                }),
        };
        if let Some(line) = line {
            fee.total += line.amount;
            fee.lines.push(line);
        }
    }
    Ok(fee)
}

/// The rule in words, for the "what it costs" page: (Vietnamese, English).
pub fn describe(items: &[FeeItem]) -> (String, String) {
    if items.is_empty() {
        return ("Miễn lệ phí".to_owned(), "Free".to_owned());
    }
    let (mut vi, mut en) = (Vec::new(), Vec::new());
    for item in items {
        match item {
            FeeItem::Flat {
                amount,
                label_vi,
                label_en,
            } => {
                let d = format_dong(*amount);
                vi.push(match label_vi {
                    Some(l) => format!("{l}: {d}"),
                    None => d.clone(),
                });
                en.push(match label_en {
                    Some(l) => format!("{l}: {d}"),
                    None => d,
                });
            }
            FeeItem::PerCopy {
                amount,
                free_copies,
            } => {
                let d = format_dong(*amount);
                if *free_copies > 0 {
                    vi.push(format!("{d}/bản từ bản thứ {}", free_copies + 1));
                    en.push(format!("{d} per copy after the first {free_copies}"));
                } else {
                    vi.push(format!("{d}/bản"));
                    en.push(format!("{d} per copy"));
                }
            }
            FeeItem::PerPage {
                first_pages,
                first_page_rate,
                next_page_rate,
                max_per_copy,
            } => {
                let (a, b) = (format_dong(*first_page_rate), format_dong(*next_page_rate));
                let (mut v, mut e) = (
                    format!(
                        "{a}/trang cho trang 1–{first_pages}, {b}/trang từ trang {}",
                        first_pages + 1
                    ),
                    format!(
                        "{a} per page for pages 1–{first_pages}, {b} per page from page {}",
                        first_pages + 1
                    ),
                );
                if let Some(cap) = max_per_copy {
                    v += &format!(", tối đa {}/bản", format_dong(*cap));
                    e += &format!(", at most {} per copy", format_dong(*cap));
                }
                vi.push(v);
                en.push(e);
            }
            FeeItem::Late {
                within_days,
                amount,
                ..
            } => {
                vi.push(format!(
                    "miễn phí nếu đăng ký trong {within_days} ngày; quá hạn: {}",
                    format_dong(*amount)
                ));
                en.push(format!(
                    "free within {within_days} days; late: {}",
                    format_dong(*amount)
                ));
            }
        }
    }
    (capitalise(&vi.join("; ")), capitalise(&en.join("; ")))
}

fn capitalise(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// Đồng as Vietnamese write them: thousands separated by dots, `đ` after:
/// `7000` → `7.000đ`.
pub fn format_dong(amount: u64) -> String {
    let digits = amount.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 2);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push('.');
        }
        out.push(c);
    }
    out.push('đ');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_dates(_: &str) -> Option<NaiveDate> {
        None
    }

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn copy_certification() -> Vec<FeeItem> {
        vec![FeeItem::PerPage {
            first_pages: 2,
            first_page_rate: 2000,
            next_page_rate: 1000,
            max_per_copy: Some(200_000),
        }]
    }

    fn fee(items: &[FeeItem], pages: Option<u32>, copies: Option<u32>) -> u64 {
        compute(
            items,
            &FeeInput {
                pages,
                copies,
                received_on: day("2026-11-26"),
                date_field: &no_dates,
            },
        )
        .unwrap()
        .total
    }

    #[test]
    fn copy_certification_five_pages_costs_7000() {
        assert_eq!(fee(&copy_certification(), Some(5), None), 7000);
        assert_eq!(format_dong(7000), "7.000đ");
    }

    #[test]
    fn copy_certification_is_capped_per_copy() {
        assert_eq!(fee(&copy_certification(), Some(300), Some(1)), 200_000);
        assert_eq!(fee(&copy_certification(), Some(300), Some(2)), 400_000);
        assert_eq!(format_dong(200_000), "200.000đ");
    }

    #[test]
    fn copy_certification_small_documents() {
        assert_eq!(fee(&copy_certification(), Some(1), None), 2000);
        assert_eq!(fee(&copy_certification(), Some(2), None), 4000);
        assert_eq!(fee(&copy_certification(), Some(3), Some(3)), 15_000);
        // 2×2.000 + 198×1.000 = 202.000 → capped.
        assert_eq!(fee(&copy_certification(), Some(200), None), 200_000);
        assert_eq!(fee(&copy_certification(), Some(198), None), 200_000);
        assert_eq!(fee(&copy_certification(), Some(197), None), 199_000);
    }

    #[test]
    fn pages_are_needed_for_a_per_page_rule() {
        let err = compute(
            &copy_certification(),
            &FeeInput {
                pages: None,
                copies: None,
                received_on: day("2026-11-26"),
                date_field: &no_dates,
            },
        )
        .unwrap_err();
        assert_eq!(err, FeeError::PagesMissing);
    }

    #[test]
    fn per_copy_and_flat_and_free() {
        let extract = [FeeItem::PerCopy {
            amount: 8000,
            free_copies: 0,
        }];
        assert_eq!(fee(&extract, None, Some(3)), 24_000);
        assert_eq!(fee(&extract, None, None), 8000);
        let with_free = [FeeItem::PerCopy {
            amount: 8000,
            free_copies: 1,
        }];
        assert_eq!(fee(&with_free, None, Some(1)), 0);
        assert_eq!(fee(&with_free, None, Some(3)), 16_000);
        let signature = [FeeItem::Flat {
            amount: 10_000,
            label_vi: None,
            label_en: None,
        }];
        assert_eq!(fee(&signature, None, None), 10_000);
        assert_eq!(fee(&[], None, None), 0);
    }

    #[test]
    fn late_registration_is_charged_only_after_the_grace_period() {
        let rule = [FeeItem::Late {
            field: "child_birth_date".into(),
            within_days: 60,
            amount: 5000,
        }];
        let at = |birth: &'static str| {
            let lookup = move |name: &str| (name == "child_birth_date").then(|| day(birth));
            compute(
                &rule,
                &FeeInput {
                    pages: None,
                    copies: None,
                    received_on: day("2026-11-26"),
                    date_field: &lookup,
                },
            )
            .unwrap()
        };
        // 60 days before 26/11 is 27/9: still on time.
        assert_eq!(at("2026-09-27").total, 0);
        assert!(at("2026-09-27").lines.is_empty());
        assert_eq!(at("2026-09-26").total, 5000);
        assert_eq!(at("2026-09-26").lines.len(), 1);
    }

    #[test]
    fn dong_formatting() {
        assert_eq!(format_dong(0), "0đ");
        assert_eq!(format_dong(999), "999đ");
        assert_eq!(format_dong(1000), "1.000đ");
        assert_eq!(format_dong(1_234_567), "1.234.567đ");
    }

    #[test]
    fn rules_read_as_sentences() {
        let (vi, en) = describe(&copy_certification());
        assert_eq!(
            vi,
            "2.000đ/trang cho trang 1–2, 1.000đ/trang từ trang 3, tối đa 200.000đ/bản"
        );
        assert!(en.starts_with("2.000đ per page for pages 1–2"), "{en}");
        assert_eq!(describe(&[]).0, "Miễn lệ phí");
    }

    #[test]
    fn rules_parse_from_catalogue_data() {
        let items: Vec<FeeItem> = serde_json::from_str(
            r#"[{"kind":"per_page","first_pages":2,"first_page_rate":2000,"next_page_rate":1000,"max_per_copy":200000}]"#,
        )
        .unwrap();
        assert_eq!(items, copy_certification());
        let bad = serde_json::from_str::<Vec<FeeItem>>(r#"[{"kind":"flat","amount":1,"x":2}]"#);
        assert!(bad.is_err(), "unknown keys are refused");
    }
}
