//! Go's `text/template`, as Helm's `tpl` and Argo CD's ApplicationSet `goTemplate` evaluate it.
//! Text outside `{{ … }}` is copied verbatim, so only a literal `{{` needs protection: it is
//! written as the action `{{ "{{" }}`, which prints `{{`.

/// `text` such that a Go template renders exactly `text`.
pub fn literal(text: &str) -> String {
    if !text.contains("{{") {
        return text.to_owned();
    }
    text.replace("{{", "{{ \"{{\" }}")
}

/// `text` as a Go string constant (`"…"`) inside an action, e.g. an argument of a template
/// function. Go reads it with `strconv.Unquote`: backslash and double quote are escaped, and
/// control characters are written as `\xNN`, so the constant always ends where it should.
pub fn string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if u32::from(c) < 0x20 || c == '\u{7f}' => {
                out.push_str(&format!("\\x{:02x}", u32::from(c)));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAYLOADS: [&str; 9] = [
        "{{ ti.dag_id }}",
        "{{ .Values.x | b64enc }}",
        "{{{",
        "}}",
        "a{{-b",
        "{{/* c */}}",
        "{ {",
        "{{ \"{{\" }}",
        "%(x)s {{",
    ];

    /// Renders the subset of Go templates [`literal`] writes: text, and `{{ "{{" }}`.
    fn render(template: &str) -> String {
        const ACTION: &str = "{{ \"{{\" }}";
        let mut out = String::new();
        let mut rest = template;
        while let Some(at) = rest.find("{{") {
            out.push_str(&rest[..at]);
            assert!(
                rest[at..].starts_with(ACTION),
                "spec text became an action: {template}"
            );
            out.push_str("{{");
            rest = &rest[at + ACTION.len()..];
        }
        out.push_str(rest);
        out
    }

    #[test]
    fn go_templates_print_the_text() {
        for payload in PAYLOADS {
            assert_eq!(render(&literal(payload)), payload, "{payload}");
        }
        assert_eq!(literal("no braces"), "no braces");
    }

    /// Reads a Go interpreted string constant back, for the escapes [`string`] writes.
    fn unquote(constant: &str) -> String {
        let body = constant
            .strip_prefix('"')
            .and_then(|c| c.strip_suffix('"'))
            .expect("quoted");
        let mut out = String::new();
        let mut chars = body.chars();
        while let Some(c) = chars.next() {
            assert_ne!(c, '"', "unescaped quote in {constant}");
            if c != '\\' {
                out.push(c);
                continue;
            }
            match chars.next() {
                Some('"') => out.push('"'),
                Some('\\') => out.push('\\'),
                Some('x') => {
                    let hex: String = chars.by_ref().take(2).collect();
                    let code = u32::from_str_radix(&hex, 16).expect("hex");
                    out.push(char::from_u32(code).expect("char"));
                }
                other => panic!("unexpected escape {other:?} in {constant}"),
            }
        }
        out
    }

    #[test]
    fn string_constants_hold_the_text() {
        for payload in PAYLOADS.iter().copied().chain([
            "feature/",
            "a\"b",
            "\\\"",
            "line\nbreak\t\u{7f}",
            "ü/日本",
        ]) {
            assert_eq!(unquote(&string(payload)), payload, "{payload}");
        }
        assert_eq!(string("feature/"), "\"feature/\"");
    }
}
