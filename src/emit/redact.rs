//! The one credential detector: the `secret-token` rule finds tokens with it, and every printed
//! text (diffs, diagnostics, snippets of the spec) is masked with it.
//!
//! Secret values never reach the output tree (platc writes only Secret names), so masking output
//! should never fire; if it does, the rest of the line from the token on is masked, and so is
//! every line of a private key block. Snippets of the spec are masked with `*`, byte for byte,
//! so the places of diagnostics stay right.

use std::ops::Range;

/// A token prefix, the characters that may follow it, how many of them at least, and what it is.
type Token = (&'static str, fn(u8) -> bool, usize, &'static str);

const GITHUB: &str = "a GitHub token";
const GITLAB: &str = "a GitLab token";
const SLACK: &str = "a Slack token";
const AWS: &str = "an AWS access key";
const GOOGLE: &str = "a Google API key";
const STRIPE: &str = "a Stripe key";
const PRIVATE_KEY: &str = "a private key";

const TOKENS: &[Token] = &[
    ("ghp_", alnum, 20, GITHUB),
    ("gho_", alnum, 20, GITHUB),
    ("ghu_", alnum, 20, GITHUB),
    ("ghs_", alnum, 20, GITHUB),
    ("ghr_", alnum, 20, GITHUB),
    ("github_pat_", word, 20, GITHUB),
    ("glpat-", slug, 20, GITLAB),
    ("xoxb-", slug, 8, SLACK),
    ("xoxp-", slug, 8, SLACK),
    ("xoxa-", slug, 8, SLACK),
    ("xoxr-", slug, 8, SLACK),
    ("xoxs-", slug, 8, SLACK),
    ("xapp-", slug, 8, SLACK),
    ("AKIA", upper_digit, 16, AWS),
    ("ASIA", upper_digit, 16, AWS),
    ("AIza", slug, 30, GOOGLE),
    ("sk_live_", alnum, 16, STRIPE),
    ("rk_live_", alnum, 16, STRIPE),
];

/// How a PEM block starts; a private key's header names `PRIVATE KEY`.
const PEM_BEGIN: &str = "-----BEGIN";
const PEM_END: &str = "-----END";

const MASK: &str = "[masked by platc]";

/// A credential found in a text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    /// Byte range of the credential (a private key: from its BEGIN line to the end of its END
    /// line, or to the end of the text).
    pub range: Range<usize>,
    /// What it looks like, for messages: "a GitHub token".
    pub kind: &'static str,
    /// The recognised prefix (`ghp_`, `-----BEGIN`), which masking may keep.
    pub prefix: &'static str,
}

/// Every credential in `text`, anywhere in it, in order and without overlaps.
pub fn find_secrets(text: &str) -> Vec<Found> {
    let bytes = text.as_bytes();
    let mut found: Vec<Found> = TOKENS
        .iter()
        .flat_map(|&(prefix, allowed, min, kind)| {
            text.match_indices(prefix).filter_map(move |(at, _)| {
                let boundary = at == 0 || !bytes[at - 1].is_ascii_alphanumeric();
                let run = bytes[at + prefix.len()..]
                    .iter()
                    .take_while(|b| allowed(**b))
                    .count();
                (boundary && run >= min).then_some(Found {
                    range: at..at + prefix.len() + run,
                    kind,
                    prefix,
                })
            })
        })
        .collect();
    found.extend(text.match_indices(PEM_BEGIN).filter_map(|(at, _)| {
        let header_end = text[at..].find('\n').map_or(text.len(), |i| at + i);
        if !text[at..header_end].contains("PRIVATE KEY") {
            return None;
        }
        let end = match text[at + PEM_BEGIN.len()..].find(PEM_END) {
            Some(i) => {
                let end_line = at + PEM_BEGIN.len() + i;
                text[end_line..]
                    .find('\n')
                    .map_or(text.len(), |j| end_line + j)
            }
            None => text.len(),
        };
        Some(Found {
            range: at..end,
            kind: PRIVATE_KEY,
            prefix: PEM_BEGIN,
        })
    }));
    found.sort_by_key(|f| (f.range.start, std::cmp::Reverse(f.range.end)));
    let mut out: Vec<Found> = Vec::with_capacity(found.len());
    for f in found {
        match out.last() {
            Some(last) if f.range.start < last.range.end => {}
            _ => out.push(f),
        }
    }
    out
}

/// What the first credential in `text` looks like, if there is one.
pub fn secret_kind(text: &str) -> Option<&'static str> {
    find_secrets(text).first().map(|f| f.kind)
}

/// The byte range of the password of a `scheme://user:password@host` URL in `text`.
pub fn url_password(text: &str) -> Option<Range<usize>> {
    let (scheme, _) = text.split_once("://")?;
    let authority_start = scheme.len() + 3;
    let rest = &text[authority_start..];
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let (userinfo, _) = authority.rsplit_once('@')?;
    let colon = userinfo.find(':')?;
    let start = authority_start + colon + 1;
    let end = authority_start + userinfo.len();
    (end > start).then_some(start..end)
}

/// Replaces every byte in `range` of `text` with `*`, keeping line breaks and blanks (so line
/// numbers, indentation and byte offsets stay as they were). `range` is clamped to char boundaries.
pub fn star_out(text: &mut String, range: Range<usize>) {
    let mut start = range.start.min(text.len());
    while !text.is_char_boundary(start) {
        start -= 1;
    }
    let mut end = range.end.clamp(start, text.len());
    while !text.is_char_boundary(end) {
        end += 1;
    }
    let masked: String = text[start..end]
        .chars()
        .map(|c| match c {
            '\n' | '\r' | ' ' | '\t' => c.to_string(),
            c => "*".repeat(c.len_utf8()),
        })
        .collect();
    text.replace_range(start..end, &masked);
}

/// `text` with every credential replaced by `*` of the same byte length.
pub fn star_secrets(text: &str) -> String {
    let mut out = text.to_owned();
    for f in find_secrets(text) {
        star_out(&mut out, f.range);
    }
    out
}

/// A message or other prose with its credentials masked: tokens as in [`mask_secrets`], and the
/// password of every `scheme://user:password@host` URL in it replaced by `***`.
pub fn redact_prose(text: &str) -> String {
    let mut out = mask_secrets(text);
    let delimiter = |c: char| c.is_whitespace() || "`'\"()<>[]{},;".contains(c);
    let mut from = 0;
    while let Some(i) = out[from..].find("://") {
        let at = from + i;
        let start = out[..at].rfind(delimiter).map_or(0, |j| j + 1);
        let end = out[at..].find(delimiter).map_or(out.len(), |j| at + j);
        let next = match url_password(&out[start..end]) {
            Some(pw) => {
                out.replace_range(start + pw.start..start + pw.end, "***");
                start + pw.start + 3
            }
            None => end,
        };
        from = next.max(at + 3);
    }
    out
}

/// Masks credential-looking text in every line of `text`, keeping line breaks: the rest of the
/// line from a token on, and every line of a private key block.
pub fn mask_secrets(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut in_pem = false;
    for line in text.split_inclusive('\n') {
        let (body, end) = match line.strip_suffix('\n') {
            Some(body) => (body, "\n"),
            None => (line, ""),
        };
        if in_pem {
            in_pem = !body.contains(PEM_END);
            if in_pem {
                let keep = body.len() - body.trim_start_matches(['+', '-', ' ', '\t']).len();
                out.push_str(&body[..keep]);
                out.push_str(MASK);
                out.push_str(end);
                continue;
            }
        }
        match find_secrets(body).first() {
            Some(found) => {
                let at = found.range.start;
                in_pem = found.prefix == PEM_BEGIN && !body[at..].contains(PEM_END);
                out.push_str(&body[..at]);
                out.push_str(found.prefix);
                out.push_str(MASK);
            }
            None => out.push_str(body),
        }
        out.push_str(end);
    }
    out
}

fn alnum(b: u8) -> bool {
    b.is_ascii_alphanumeric()
}

fn word(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

fn slug(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'-'
}

fn upper_digit(b: u8) -> bool {
    b.is_ascii_uppercase() || b.is_ascii_digit()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_tokens_and_pem_blocks() {
        let text = "+token: ghp_abcdefghijklmnopqrstuvwxyz0123\n key: AKIAABCDEFGHIJKLMNOP\n+-----BEGIN PRIVATE KEY-----\n+MIIEvQIBADANBg\n+-----END PRIVATE KEY-----\n name: keep\n";
        let masked = mask_secrets(text);
        assert_eq!(
            masked,
            "+token: ghp_[masked by platc]\n key: AKIA[masked by platc]\n+-----BEGIN[masked by platc]\n+[masked by platc]\n+-----END PRIVATE KEY-----\n name: keep\n"
        );
    }

    #[test]
    fn leaves_ordinary_text_alone() {
        let text = "image: airflow\nTAKIAXXXXXXXXXXXXXXXXXX\nsecretName: ghp_short\n-----BEGIN CERTIFICATE-----\n";
        assert_eq!(mask_secrets(text), text);
        assert_eq!(star_secrets(text), text);
    }

    #[test]
    fn finds_tokens_anywhere_in_a_string() {
        for (text, kind) in [
            ("Bearer ghp_0123456789abcdefghijABCDEFGHIJ012345", GITHUB),
            ("ghu_0123456789abcdefghijABCDEFGHIJ012345", GITHUB),
            ("token=glpat-abcdefghij0123456789", GITLAB),
            ("xapp-1-A0123456789-abcdef", SLACK),
            ("key ASIAIOSFODNN7EXAMPLE", AWS),
            ("AKIAIOSFODNN7EXAMPLE", AWS),
            ("sk_live_0123456789abcdefXYZ", STRIPE),
            ("AIzaSyA-0123456789abcdefghijklmnopqrstu", GOOGLE),
            (
                "x\n-----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY-----\n",
                PRIVATE_KEY,
            ),
        ] {
            assert_eq!(secret_kind(text), Some(kind), "{text}");
        }
        assert_eq!(secret_kind("plain text"), None);
        assert_eq!(
            secret_kind("myghp_0123456789abcdefghijABCDEFGHIJ012345"),
            None
        );
    }

    #[test]
    fn stars_keep_byte_length_and_lines() {
        let text = "a: Bearer ghp_0123456789abcdefghijABCDEFGHIJ012345 # é\nk: |\n  -----BEGIN PRIVATE KEY-----\n  MIIE\n  -----END PRIVATE KEY-----\nz: 1\n";
        let starred = star_secrets(text);
        assert_eq!(starred.len(), text.len());
        assert_eq!(starred.lines().count(), text.lines().count());
        assert!(!starred.contains("ghp_") && !starred.contains("MIIE"));
        assert!(starred.starts_with("a: Bearer ****"));
        assert!(starred.ends_with(" # é\nk: |\n  ********** ******* ********\n  ****\n  ******** ******* ********\nz: 1\n"), "{starred}");
    }

    #[test]
    fn prose_keeps_no_credential() {
        let text = "repo `https://bot:s3cret@github.com/x.git` and ghp_0123456789abcdefghijABCDEFGHIJ012345 here\nnext: https://a:b@h";
        assert_eq!(
            redact_prose(text),
            "repo `https://bot:***@github.com/x.git` and ghp_[masked by platc]\nnext: https://a:***@h"
        );
        assert_eq!(
            redact_prose("see https://example.com/x"),
            "see https://example.com/x"
        );
    }

    #[test]
    fn url_passwords() {
        let url = "postgresql://airflow:hunter2@db:5432/airflow";
        assert_eq!(url_password(url).map(|r| &url[r]), Some("hunter2"));
        assert_eq!(url_password("https://github.com/org/repo.git"), None);
        assert_eq!(url_password("git@github.com:org/repo.git"), None);
        assert_eq!(url_password("https://user:@host/"), None);
        let odd = "x https://a:b:c@h/p?q=@";
        assert_eq!(url_password(odd).map(|r| &odd[r]), Some("b:c"));
    }
}
