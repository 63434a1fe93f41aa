//! URL paths: a segment percent-encoded so `%`, `#`, `?` and `/` cannot change what the URL
//! names.

/// `text` as one path segment (RFC 3986 `segment`): unreserved characters stay, every other
/// byte of the UTF-8 text is `%XX`.
pub fn path_segment(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A `/`-separated path with each segment encoded by [`path_segment`].
pub fn path(text: &str) -> String {
    text.split('/')
        .map(path_segment)
        .collect::<Vec<_>>()
        .join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(text: &str) -> String {
        let bytes = text.as_bytes();
        let mut out = Vec::new();
        let mut i = 0;
        while i < bytes.len() {
            if bytes[i] == b'%' {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).expect("hex");
                out.push(u8::from_str_radix(hex, 16).expect("hex"));
                i += 3;
            } else {
                out.push(bytes[i]);
                i += 1;
            }
        }
        String::from_utf8(out).expect("UTF-8")
    }

    #[test]
    fn segments_round_trip_and_hold_no_delimiters() {
        for payload in [
            "feature/100%",
            "a#b",
            "a?b",
            "é",
            "a b",
            "..",
            "{{x}}",
            "plain-1.2_x~",
        ] {
            let segment = path_segment(payload);
            assert!(!segment.contains(['/', '#', '?', ' ', '{']), "{payload}");
            assert_eq!(decode(&segment), payload);
        }
        assert_eq!(path("/feature/100%"), "/feature/100%25");
    }
}
