//! Masking: what platc prints never holds a credential [`super::scan`] finds.
//!
//! Snippets of the spec are starred byte for byte ([`star_secrets`]), so the places of
//! diagnostics stay right; diffs keep each line's start and mask the rest of it from the
//! credential on ([`mask_secrets`]); prose keeps public prefixes only ([`redact_prose`]).

use std::ops::Range;

use super::scan;
use super::tokens::{PEM_BEGIN, PEM_END};

/// What replaces a credential in diffs and prose.
pub const MASK: &str = "[masked by platc]";

/// `text` with every byte in `ranges` replaced by `*`, keeping line breaks and blanks (so line
/// numbers, indentation and byte offsets stay as they were). Ranges may overlap and come in any
/// order; they are widened to char boundaries. One pass, however many ranges.
pub fn star_ranges(text: &str, ranges: impl IntoIterator<Item = Range<usize>>) -> String {
    let mut ranges: Vec<Range<usize>> = ranges
        .into_iter()
        .map(|r| {
            let mut start = r.start.min(text.len());
            while !text.is_char_boundary(start) {
                start -= 1;
            }
            let mut end = r.end.clamp(start, text.len());
            while !text.is_char_boundary(end) {
                end += 1;
            }
            start..end
        })
        .collect();
    ranges.sort_by_key(|r| r.start);
    let mut out = String::with_capacity(text.len());
    let mut done = 0;
    for r in ranges {
        let start = r.start.max(done);
        if r.end <= start {
            continue;
        }
        out.push_str(&text[done..start]);
        for c in text[start..r.end].chars() {
            match c {
                '\n' | '\r' | ' ' | '\t' => out.push(c),
                c => out.extend(std::iter::repeat_n('*', c.len_utf8())),
            }
        }
        done = r.end;
    }
    out.push_str(&text[done..]);
    out
}

/// `text` with every credential replaced by `*` of the same byte length.
pub fn star_secrets(text: &str) -> String {
    star_ranges(text, scan(text).into_iter().map(|f| f.range))
}

/// A message or other prose with every credential replaced: a token keeps its public prefix
/// and gets [`MASK`], a URL password or named value becomes `***`.
pub fn redact_prose(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut from = 0;
    for f in scan(text) {
        out.push_str(&text[from..f.range.start]);
        if f.keep > 0 {
            out.push_str(&text[f.range.start..f.range.start + f.keep]);
            out.push_str(MASK);
        } else {
            out.push_str("***");
        }
        from = f.range.end;
    }
    out.push_str(&text[from..]);
    out
}

/// Masks credential-looking text in every line of `text`, keeping line breaks: the rest of the
/// line from a credential on (after its public prefix), and every line of a private key block.
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
        match scan(body).first() {
            Some(found) => {
                let at = found.range.start;
                in_pem = body[at..].starts_with(PEM_BEGIN) && !body[at..].contains(PEM_END);
                out.push_str(&body[..at + found.keep]);
                out.push_str(MASK);
            }
            None => out.push_str(body),
        }
        out.push_str(end);
    }
    out
}
