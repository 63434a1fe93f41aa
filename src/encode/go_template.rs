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
}
