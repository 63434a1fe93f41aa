//! Credentials in the userinfo of every URL in a text: `scheme://user:password@host`, the same
//! with the colon percent-encoded (`u%3Apw@`), and on http(s) any userinfo at all (a token used
//! as the user name, as git and pip accept it).

use std::ops::Range;

use super::{Form, Found};

const KIND: &str = "a URL with credentials";

/// Characters that end a URL's authority inside running text.
fn ends_authority(c: char) -> bool {
    c.is_whitespace() || "/?#\"'`<>\\".contains(c)
}

/// The credential of every URL in `text`, wherever it starts.
pub fn find(text: &str) -> Vec<Found> {
    let mut out = Vec::new();
    for (at, _) in text.match_indices("://") {
        let scheme_start = text[..at]
            .rfind(|c: char| !(c.is_ascii_alphanumeric() || "+.-".contains(c)))
            .map_or(0, |i| i + 1);
        let scheme = &text[scheme_start..at];
        if !scheme.starts_with(|c: char| c.is_ascii_alphabetic()) {
            continue;
        }
        let from = at + 3;
        let authority_end = text[from..]
            .find(ends_authority)
            .map_or(text.len(), |i| from + i);
        if let Some(range) = credential(scheme, &text[from..authority_end])
            && !super::pairs::is_placeholder(&text[from + range.start..from + range.end])
        {
            out.push(Found {
                range: from + range.start..from + range.end,
                kind: KIND,
                form: Form::Url,
                keep: 0,
            });
        }
    }
    out
}

/// The byte range (within `authority`) of the credential it carries, if any.
fn credential(scheme: &str, authority: &str) -> Option<Range<usize>> {
    let (userinfo, _) = authority.rsplit_once('@')?;
    if userinfo.is_empty() {
        return None;
    }
    if let Some(colon) = userinfo.find(':') {
        return (colon + 1 < userinfo.len()).then_some(colon + 1..userinfo.len());
    }
    let encoded_colon = userinfo.to_ascii_lowercase().contains("%3a");
    let web = scheme.to_ascii_lowercase().contains("http");
    (encoded_colon || web).then_some(0..userinfo.len())
}
