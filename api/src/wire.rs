//! Key order on the wire.
//!
//! Most answers are serialised straight from their type, so their keys come
//! in the order the type declares them. A few bodies were built as
//! `serde_json::Value`s before this crate existed — the health answer, the
//! device list, the outbox retry answer and every event's data — and a
//! `Value` object keeps its keys in alphabetical order (serde_json without
//! `preserve_order`). Those bodies are still written in that order, nested
//! objects included, so that nothing an office's clients or the city have
//! recorded changes: [`sorted_json`] does it.

use serde::Serialize;

/// `value` as JSON text with every object's keys in alphabetical order.
pub fn sorted_json(value: &impl Serialize) -> serde_json::Result<String> {
    Ok(serde_json::to_value(value)?.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `sorted_json` relies on serde_json's map being ordered by key; a
    /// dependency turning on `preserve_order` anywhere in the build would
    /// change the hub's bytes on the wire.
    #[test]
    fn json_objects_keep_their_keys_sorted() {
        #[derive(Serialize)]
        struct Late {
            zebra: u8,
            apple: Inner,
        }
        #[derive(Serialize)]
        struct Inner {
            y: u8,
            b: u8,
        }
        let text = sorted_json(&Late {
            zebra: 1,
            apple: Inner { y: 2, b: 3 },
        })
        .unwrap();
        assert_eq!(text, r#"{"apple":{"b":3,"y":2},"zebra":1}"#);
    }
}
