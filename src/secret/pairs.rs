//! Credential-shaped names with literal values inside a text: libpq and JDBC DSNs and query
//! strings (`password=…`), connection JSON and its `extra` (`"token": "…"`).

use super::{Form, Found};

/// Parts of names that mark a credential, matched case-insensitively anywhere in the name.
const MARKS: [&str; 7] = [
    "pass",
    "secret",
    "token",
    "apikey",
    "api_key",
    "credential",
    "sql_alchemy_conn",
];

/// Name endings that mark a credential (`DB_KEY`, `fernet_key`, `x-api-key`).
const KEY_ENDINGS: [&str; 2] = ["_key", "-key"];

/// Endings that name a reference to a credential, not the credential: a command, a file or
/// path, a Secret's name, a URL.
const REFERENCE_ENDINGS: [&str; 7] = [
    "_cmd",
    "_name",
    "_file",
    "_path",
    "_url",
    "_uri",
    "_secret_name",
];

/// Whether `name` looks like it holds a credential (`DB_PASS`, `OPENAI_APIKEY`, `slack_token`,
/// `FERNET_KEY`), case-insensitively.
pub fn credential_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    let shaped = MARKS.iter().any(|m| lower.contains(m))
        || KEY_ENDINGS.iter().any(|e| lower.ends_with(e))
        || lower == "password";
    shaped && !REFERENCE_ENDINGS.iter().any(|e| lower.ends_with(e))
}

/// Whether a value is no credential but a stand-in for one: empty, a reference (`$DB_PASS`,
/// `${X}`, `{{ … }}`, `%(x)s`, `<password>`, `{password}`), a null, stars, or a placeholder word in capitals
/// (`PASSWORD`, `TOKEN`) as documentation writes it.
pub fn is_placeholder(value: &str) -> bool {
    let v = value.trim();
    const WORDS: [&str; 5] = ["PASSWORD", "PASS", "SECRET", "TOKEN", "KEY"];
    v.is_empty()
        || v.starts_with('$')
        || v.starts_with("{{")
        || v.starts_with("%(")
        || (v.starts_with('<') && v.ends_with('>'))
        || (v.starts_with('{') && v.ends_with('}'))
        || v.bytes().all(|b| b == b'*')
        || WORDS.contains(&v)
        || v.eq_ignore_ascii_case("null")
        || v.eq_ignore_ascii_case("none")
}

fn name_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'-' || b == b'.'
}

/// Every `name=value` and `"name": value` whose name is credential-shaped.
pub fn find(text: &str) -> Vec<Found> {
    let bytes = text.as_bytes();
    let mut ends = Ends::default();
    let mut out = Vec::new();
    for (at, sep) in text.match_indices(['=', ':']) {
        let name = if sep == "=" {
            // `==`, `>=`, `!=`, `~=` compare versions; they never assign.
            if bytes.get(at + 1) == Some(&b'=')
                || at
                    .checked_sub(1)
                    .is_some_and(|i| b"=<>!~".contains(&bytes[i]))
            {
                continue;
            }
            // DSNs and query strings write `name=value` tight; `name = value` is code (an
            // assignment in a Python file), whose value is an expression, not a literal.
            if at
                .checked_sub(1)
                .is_none_or(|i| bytes[i].is_ascii_whitespace())
                || bytes.get(at + 1).is_none_or(|b| b.is_ascii_whitespace())
            {
                continue;
            }
            let start = bytes[..at]
                .iter()
                .rposition(|b| !name_char(*b))
                .map_or(0, |i| i + 1);
            &text[start..at]
        } else {
            // A JSON key: `"name"` right before the colon.
            let end = text[..at].trim_end_matches([' ', '\t']).len();
            let Some(inner_end) = end.checked_sub(1).filter(|&i| bytes[i] == b'"') else {
                continue;
            };
            let Some(open) = text[..inner_end].rfind('"') else {
                continue;
            };
            // `\"name\"` in a JSON string inside a string: the escape is no part of the name.
            let key = text[open + 1..inner_end].trim_end_matches('\\');
            // A namespaced key (an IAM condition key `token.actions.githubusercontent.com:aud`)
            // is named by its last part: the namespace is an issuer, not the value's meaning.
            key.rsplit(':').next().unwrap_or(key)
        };
        if name.is_empty() || !credential_name(name) {
            continue;
        }
        let Some(range) = ends.value_after(text, at + 1) else {
            continue;
        };
        if is_placeholder(&text[range.clone()]) {
            continue;
        }
        out.push(Found {
            range,
            kind: "a password, token or key given by name",
            form: Form::Pair,
            keep: 0,
        });
    }
    out
}

/// Where the next value terminator of each kind is, remembered: values are looked up left to
/// right, so each search resumes where the last one stopped and a scan stays linear.
#[derive(Default)]
struct Ends {
    bare: Option<usize>,
    quote: [Option<usize>; 2],
    escaped_quote: Option<usize>,
}

/// Where the next byte at or after `from` satisfying `stop` is (or the end), reusing `cached`.
fn next_stop(
    text: &[u8],
    from: usize,
    cached: &mut Option<usize>,
    stop: impl Fn(&[u8], usize) -> bool,
) -> usize {
    if let Some(c) = *cached
        && c >= from
    {
        return c;
    }
    let mut i = from;
    while i < text.len() && !stop(text, i) {
        i += 1;
    }
    *cached = Some(i);
    i
}

impl Ends {
    /// The literal value starting at `from` (after blanks): a quoted string's contents, or a
    /// bare run up to a blank, `&`, `;`, `,`, a quote or a closing bracket. Objects and arrays
    /// are no literal.
    fn value_after(&mut self, text: &str, from: usize) -> Option<std::ops::Range<usize>> {
        let rest = &text[from..];
        let start = from + (rest.len() - rest.trim_start_matches([' ', '\t']).len());
        let bytes = text.as_bytes();
        match *bytes.get(start)? {
            b'{' | b'[' => None,
            // `\"pw\"`: JSON inside a double-quoted YAML or JSON string, as the source shows it.
            b'\\' if bytes.get(start + 1) == Some(&b'"') => {
                let end = next_stop(bytes, start + 2, &mut self.escaped_quote, |b, i| {
                    b[i] == b'\\' && b.get(i + 1) == Some(&b'"')
                });
                (end > start + 2).then_some(start + 2..end)
            }
            q @ (b'"' | b'\'') => {
                let slot = &mut self.quote[usize::from(q == b'\'')];
                let end = next_stop(bytes, start + 1, slot, |b, i| {
                    b[i] == q && b[i - 1] != b'\\'
                });
                (end > start + 1).then_some(start + 1..end)
            }
            _ => {
                let end = next_stop(bytes, start, &mut self.bare, |b, i| {
                    b[i].is_ascii_whitespace() || b"&;,}]\"'".contains(&b[i])
                });
                // A multi-byte character never holds a terminator byte, so `end` is a boundary.
                (end > start).then_some(start..end)
            }
        }
    }
}
