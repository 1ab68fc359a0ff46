//! Personal data helpers: masking for display, receipts and logs.
//!
//! NĐ 13/2023/NĐ-CP asks that personal data be shown only as far as the
//! purpose needs. An ID number on a receipt, a ticket or in a log line is
//! always masked (`001******345`): enough for a citizen or an officer to
//! recognise their own card, useless to anyone else.
//!
//! The drivers crate has the same rule for what it reads from a card; the
//! application uses this one (`domain/` depends on nothing of ours).

/// Masks an ID number, keeping the first and last three characters:
/// `001090012345` → `001******345`. Values of six characters or fewer are
/// masked entirely.
pub fn mask_id_number(id: &str) -> String {
    let chars: Vec<char> = id.chars().collect();
    let n = chars.len();
    if n <= 6 {
        return "*".repeat(n);
    }
    chars[..3]
        .iter()
        .chain(std::iter::repeat_n(&'*', n - 6))
        .chain(chars[n - 3..].iter())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masking_keeps_three_and_three() {
        assert_eq!(mask_id_number("001090012345"), "001******345");
        assert_eq!(mask_id_number("012345678"), "012***678");
        assert_eq!(mask_id_number("123456"), "******");
        assert_eq!(mask_id_number(""), "");
    }
}
