//! `#` comment lines (YAML, Dockerfile, requirements.txt, shell, Python): a value quoted in a
//! comment must not end the comment, or the next line of text becomes code.

/// `text` for the inside of a `#` comment line: control characters (a line break would end the
/// comment) written as Rust escapes, so the comment stays one line.
pub fn text(text: &str) -> String {
    if !text.chars().any(char::is_control) {
        return text.to_owned();
    }
    text.chars()
        .map(|c| {
            if c.is_control() {
                c.escape_default().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::text;

    #[test]
    fn comments_stay_one_line() {
        for payload in [
            "a\nFROM alpine",
            "a\r\nRUN id",
            "x\u{2028}y",
            "tab\there",
            "\u{85}next",
        ] {
            let line = text(payload);
            assert!(!line.contains(['\n', '\r', '\u{85}']), "{payload:?}");
        }
        assert_eq!(text("a\nFROM alpine"), "a\\nFROM alpine");
        assert_eq!(text("platform.yaml"), "platform.yaml");
    }
}
