//! The one secret detector. Validation refuses every credential it finds in the spec or the
//! requirements file, compile checks the rendered tree with it as a last wall, and every printed
//! text (diagnostics, snippets, diffs) is masked with it.
//!
//! Three forms, each in its own file: [`tokens`] (known token formats, private keys, JWTs,
//! webhook URLs), [`url`] (credentials in the userinfo of any URL in a text) and [`pairs`]
//! (credential-shaped names with a literal value: `password=…`, `"token": "…"`). [`mask`] turns
//! findings into starred or masked text.

mod mask;
mod pairs;
mod tokens;
mod url;

use std::ops::Range;

pub use mask::{MASK, mask_secrets, redact_prose, star_ranges, star_secrets};
pub use pairs::credential_name;

/// Which form a credential takes; each form is its own validation rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Form {
    /// A known token format (`secret-token`).
    Token,
    /// Credentials in a URL's userinfo (`secret-url-password`).
    Url,
    /// A credential-shaped name with a literal value inside a text (`secret-literal`).
    Pair,
}

impl Form {
    /// The rule id that reports this form.
    pub fn code(self) -> &'static str {
        match self {
            Form::Token => "secret-token",
            Form::Url => "secret-url-password",
            Form::Pair => "secret-literal",
        }
    }
}

/// A credential found in a text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    /// Byte range of the credential itself (for a URL: its password, or the whole userinfo).
    pub range: Range<usize>,
    /// What it looks like, for messages: "a GitHub token".
    pub kind: &'static str,
    /// The form, which picks the rule.
    pub form: Form,
    /// How many leading bytes of the range are a public prefix (`ghp_`) that masking may keep.
    pub keep: usize,
}

/// Every credential in `text`, in order and without overlaps (the longer of two overlapping
/// findings wins).
pub fn scan(text: &str) -> Vec<Found> {
    let mut found = tokens::find(text);
    found.extend(url::find(text));
    found.extend(pairs::find(text));
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

/// Whether `text` holds any credential.
pub fn has_secret(text: &str) -> bool {
    !scan(text).is_empty()
}

#[cfg(test)]
mod tests;
