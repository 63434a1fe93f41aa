//! PromQL: string literals and label regular expressions (RE2, anchored by Prometheus).
//!
//! Spec values reach PromQL (dashboards, alert rules) only through these functions; the schema
//! keeps them to safe characters already, and these quote them anyway.

/// `s` as a PromQL double-quoted string literal.
pub fn string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A glob (`*` any run of characters) as an RE2 regular expression matching it whole (PromQL
/// anchors label regexes).
pub fn glob_regex(glob: &str) -> String {
    let mut out = String::with_capacity(glob.len() * 2);
    for c in glob.chars() {
        match c {
            '*' => out.push_str(".*"),
            c if c.is_ascii_alphanumeric() || c == '_' || c == '-' => out.push(c),
            c => {
                out.push('\\');
                out.push(c);
            }
        }
    }
    out
}

/// Several globs as one alternation.
pub fn globs_regex<'a>(globs: impl IntoIterator<Item = &'a str>) -> String {
    globs
        .into_iter()
        .map(glob_regex)
        .collect::<Vec<_>>()
        .join("|")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_are_quoted() {
        assert_eq!(string("prod"), "\"prod\"");
        assert_eq!(string("a\"b\\c\nd"), "\"a\\\"b\\\\c\\nd\"");
    }

    #[test]
    fn globs_become_anchored_regex_bodies() {
        assert_eq!(glob_regex("reports__*"), "reports__.*");
        assert_eq!(glob_regex("a.b*"), "a\\.b.*");
        assert_eq!(globs_regex(["a", "b.*"]), "a|b\\..*");
        // In a PromQL string the backslash is escaped once more.
        assert_eq!(string(&glob_regex("a.b")), "\"a\\\\.b\"");
    }
}
