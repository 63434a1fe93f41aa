//! JSON: strings and documents serialized, never concatenated; JSON Pointer tokens for patches.

/// `text` as a JSON string literal, quotes included.
pub fn string(text: &str) -> String {
    serde_json::Value::String(text.to_owned()).to_string()
}

/// One reference token of a JSON Pointer (RFC 6901): `~` as `~0`, `/` as `~1`.
pub fn pointer_token(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_round_trip() {
        for payload in [
            "",
            "\"}, {\"op\": \"remove\"",
            "a\nb",
            "\\",
            "\u{0}",
            "{{ x }}",
            "é",
        ] {
            let back: String = serde_json::from_str(&string(payload)).expect("JSON string");
            assert_eq!(back, payload);
        }
    }

    #[test]
    fn pointer_tokens_address_one_key() {
        let key = "a/b~c";
        let doc = serde_json::json!({ key: 1, "a": {"b~c": 2} });
        let pointer = format!("/{}", pointer_token(key));
        assert_eq!(pointer, "/a~1b~0c");
        assert_eq!(doc.pointer(&pointer), Some(&serde_json::json!(1)));
    }
}
