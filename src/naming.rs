//! Argo CD compatible branch naming.
//!
//! An `ApplicationSet` turns git branches into Application (and often Namespace) names with
//! Argo CD's own string functions. This module re-implements the ones that matter, following
//! Argo CD v3.5.1 and the libraries it pins (github.com/gosimple/slug v1.15.0 and
//! github.com/gosimple/unidecode v1.0.1), so platc can predict the exact names a generator
//! will produce for a branch and check them before anything reaches the cluster:
//!
//! * [`sanitize_name`]: the SCM Provider generator's `branchNormalized` param and the
//!   `normalize` template function.
//! * [`slugify`]: the `slugify [max] [smart] name` Go-template function.
//! * [`pr_branch_slug`]: the Pull Request generator's `branch_slug` param.
//! * [`sha256_prefix`]: `{{ .branch | sha256sum | trunc N }}`.
//! * [`preview_name`] / [`preview_name_template`]: platc's naming convention for per-branch
//!   environments, as a Rust function and as the equivalent Go template. Names are not
//!   collision-free: they end in [`PREVIEW_HASH_LEN`] hex digits (56 bits) of the branch's
//!   SHA-256, so two distinct branches share a name with probability about n²/2⁵⁷ among n
//!   branches — below one in 10⁷ for 100 000 branches (birthday bound). `platc preview --check`
//!   finds the actual collisions in a given branch list.
//! * [`is_dns1123_label`] / [`is_dns1123_subdomain`]: the Kubernetes name shape checks.
//! * [`BranchGlob`]: the preview branch pattern, matched here and as the generator's RE2 filter.
//! * [`git_branch_name`]: whether git accepts a name as a branch.
//! * [`github_repo`]: the organization and repository a GitHub clone URL names.
//!
//! The conformance data in `shared/conformance/argocd/branch-name-vectors.json` was computed
//! with the Go implementation; the tests below replay it.

use sha2::{Digest, Sha256};

use crate::encode::go_template;

mod branch_glob;
mod git_branch;
mod github;
pub mod oci;
pub mod urls;

pub use branch_glob::{BranchGlob, re2_escape};
pub use git_branch::git_branch_name;
pub use github::{GITHUB_KNOWN_HOSTS, github_repo, is_github_ssh};

/// Longest DNS-1123 label (Namespace name, label value, Helm-friendly object name).
pub const DNS1123_LABEL_MAX_LEN: usize = 63;

/// Longest DNS-1123 subdomain (most Kubernetes object names); also the cut `sanitize_name` applies.
pub const DNS1123_SUBDOMAIN_MAX_LEN: usize = 253;

/// Default maximum length of Argo CD's `slugify` template function when no length is given.
pub const SLUGIFY_DEFAULT_MAX_LEN: usize = 50;

/// Maximum length the Pull Request generator uses for `branch_slug`.
pub const PR_BRANCH_SLUG_MAX_LEN: usize = 50;

/// Number of hex characters of the branch hash that [`preview_name`] appends: 14 digits are 56
/// bits, so by the birthday bound (n²/2^(bits+1)) 100 000 branches collide with probability
/// below 7·10⁻⁸, under the one-in-a-million target that needs at least 53 bits. Argo CD
/// computes the same digits with Sprig's `sha256sum | trunc 14`.
pub const PREVIEW_HASH_LEN: usize = 14;

/// Longest prefix [`preview_name`] accepts while still fitting a DNS-1123 label
/// (`<prefix>-<hash>` with the slug part dropped).
pub const PREVIEW_PREFIX_MAX_LEN: usize = DNS1123_LABEL_MAX_LEN - 1 - PREVIEW_HASH_LEN;

/// Argo CD's `SanitizeName`, i.e. the SCM Provider generator's `branchNormalized` param.
///
/// Lowercases, replaces every character outside `[-a-z0-9.]` with one `-` (one per character,
/// so non-ASCII letters become dashes rather than being transliterated), cuts the result at
/// 253 bytes and trims leading and trailing `-` and `.`. Dots and repeated dashes survive, so
/// the result is a DNS-1123 subdomain in most cases but frequently not a DNS-1123 label.
#[must_use]
pub fn sanitize_name(branch: &str) -> String {
    let mut out: String = branch
        .chars()
        .map(|c| {
            let lower = go_simple_lowercase(c);
            if lower.is_ascii_lowercase() || lower.is_ascii_digit() || lower == '-' || lower == '.'
            {
                lower
            } else {
                '-'
            }
        })
        .collect();
    // Every character is ASCII at this point, so a byte cut is a char-boundary cut.
    out.truncate(DNS1123_SUBDOMAIN_MAX_LEN);
    out.trim_matches(|c| c == '-' || c == '.').to_owned()
}

/// Argo CD's `slugify` Go-template function (`SlugifyName`): `slugify max_len smart name`.
///
/// The name first goes through [`sanitize_name`] (so non-ASCII characters are already dashes
/// and are dropped, not transliterated), then through gosimple/slug's `Make`: dots become
/// dashes, dash runs collapse, and the result is cut to `max_len` bytes. With `smart_truncate`
/// the cut happens at the last dash at or before `max_len` (a long single word can shrink the
/// slug to its first word); without it the string is cut at exactly `max_len` bytes before the
/// dash clean-up, so the result may come out shorter. Argo CD's defaults are
/// [`SLUGIFY_DEFAULT_MAX_LEN`] and smart truncation on.
///
/// Edge cases mirror the pinned library: `max_len == 0` with smart truncation means "no
/// limit", while `max_len == 0` without it yields an empty string.
#[must_use]
pub fn slugify(name: &str, max_len: usize, smart_truncate: bool) -> String {
    gosimple_make(&sanitize_name(name), max_len, smart_truncate)
}

/// The Pull Request generator's `branch_slug` (and `target_branch_slug`) param.
///
/// gosimple/slug's `Make` on the raw branch, with `_` replaced by `-`, a maximum length of
/// [`PR_BRANCH_SLUG_MAX_LEN`] and smart truncation. Unlike [`slugify`], non-ASCII characters
/// are transliterated (`ü` → `u`, `ß` → `ss`), `&` becomes `and` and `@` becomes `at`.
///
/// Transliteration uses a built-in table covering Latin-1, Latin Extended-A and the CJK
/// characters of the conformance vectors; other non-ASCII characters are dropped, where the
/// full unidecode table might romanize them, so treat results for such branches as a guess.
#[must_use]
pub fn pr_branch_slug(branch: &str) -> String {
    gosimple_make(&branch.replace('_', "-"), PR_BRANCH_SLUG_MAX_LEN, true)
}

/// The first `n` lowercase hex characters of the SHA-256 of `branch`.
///
/// Equals the Go template `{{ .branch | sha256sum | trunc n }}`; `n` larger than 64 returns the
/// whole digest, like Sprig's `trunc`.
#[must_use]
pub fn sha256_prefix(branch: &str, n: usize) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let digest = Sha256::digest(branch.as_bytes());
    let mut hex = String::with_capacity(64);
    for byte in &digest {
        hex.push(char::from(HEX[usize::from(byte >> 4)]));
        hex.push(char::from(HEX[usize::from(byte & 0x0f)]));
    }
    hex.truncate(n);
    hex
}

/// How a preview environment turns a branch into the readable middle part of its names: the
/// branch without the glob's fixed prefix ([`BranchGlob::fixed_prefix`]), slugified to at most
/// `len` characters. With `feature/*`, `feature/Add-Login` gives `add-login`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Slug<'a> {
    /// Text every preview branch starts with; left out of the slug.
    pub strip: &'a str,
    /// Most characters of the branch that go into a name.
    pub len: usize,
}

impl<'a> Slug<'a> {
    /// The slug of a preview environment whose branches match `glob`.
    #[must_use]
    pub fn new(glob: &'a str, len: usize) -> Self {
        Slug {
            strip: BranchGlob(glob).fixed_prefix(),
            len,
        }
    }
}

/// platc's per-branch preview name: `<prefix>-<slugify(branch − strip, len, false)>-<hash>`.
///
/// The hash ([`sha256_prefix`] of the whole raw branch, [`PREVIEW_HASH_LEN`] characters) keeps
/// branches that slugify alike (case, dropped non-ASCII, truncation) apart. When the slug is
/// empty the middle part is left out (`<prefix>-<hash>`). The slug length is lowered as needed
/// so the whole name fits [`DNS1123_LABEL_MAX_LEN`]; the result is therefore a valid DNS-1123
/// label whenever `prefix` is one of at most [`PREVIEW_PREFIX_MAX_LEN`] characters (see
/// [`is_valid_preview_prefix`]). [`preview_name_template`] produces the matching Go template.
#[must_use]
pub fn preview_name(prefix: &str, branch: &str, slug: Slug<'_>) -> String {
    let hash = sha256_prefix(branch, PREVIEW_HASH_LEN);
    let slug_len = preview_slug_len(prefix, slug.len);
    let slug = if slug_len == 0 {
        String::new()
    } else {
        slugify(
            branch.strip_prefix(slug.strip).unwrap_or(branch),
            slug_len,
            false,
        )
    };
    if slug.is_empty() {
        format!("{prefix}-{hash}")
    } else {
        format!("{prefix}-{slug}-{hash}")
    }
}

/// The Argo CD Go template (for a `goTemplate: true` `ApplicationSet`) that renders the same name
/// as [`preview_name`] from the generator's `.branch` param.
///
/// For `("airflow-dev", Slug { strip: "feature/", len: 40 })` it returns
/// `airflow-dev-{{ with slugify 40 false (trimPrefix "feature/" .branch) }}{{ . }}-{{ end }}{{ .branch | sha256sum | trunc 14 }}`.
/// Sprig's `trimPrefix` removes the prefix once, as `strip_prefix` does; the `with` block drops
/// the slug and its dash when the slug is empty, exactly as [`preview_name`] does. The slug
/// length is lowered by the same rule, and when it reaches zero the slug part is omitted from
/// the template altogether.
#[must_use]
pub fn preview_name_template(prefix: &str, slug: Slug<'_>) -> String {
    let hash = format!("{{{{ .branch | sha256sum | trunc {PREVIEW_HASH_LEN} }}}}");
    let branch = if slug.strip.is_empty() {
        ".branch".to_owned()
    } else {
        format!("(trimPrefix {} .branch)", go_template::string(slug.strip))
    };
    match preview_slug_len(prefix, slug.len) {
        0 => format!("{prefix}-{hash}"),
        n => format!(
            "{prefix}-{{{{ with slugify {n} false {branch} }}}}{{{{ . }}}}-{{{{ end }}}}{hash}"
        ),
    }
}

/// Whether `prefix` can be used with [`preview_name`] and still guarantee a DNS-1123 label:
/// a DNS-1123 label of at most [`PREVIEW_PREFIX_MAX_LEN`] characters.
#[must_use]
pub fn is_valid_preview_prefix(prefix: &str) -> bool {
    prefix.len() <= PREVIEW_PREFIX_MAX_LEN && is_dns1123_label(prefix)
}

/// Whether `s` is a Kubernetes DNS-1123 label: 1 to 63 characters of `[a-z0-9-]`, starting and
/// ending with a letter or digit (Namespace names, label values, Service names).
#[must_use]
pub fn is_dns1123_label(s: &str) -> bool {
    s.len() <= DNS1123_LABEL_MAX_LEN && is_label_shape(s)
}

/// Whether `s` is a Kubernetes DNS-1123 subdomain: at most 253 characters, one or more
/// dot-separated parts each shaped like a DNS-1123 label (Kubernetes does not cap the parts at
/// 63 here). Most object names, including Argo CD Applications, must be subdomains.
#[must_use]
pub fn is_dns1123_subdomain(s: &str) -> bool {
    s.len() <= DNS1123_SUBDOMAIN_MAX_LEN && s.split('.').all(is_label_shape)
}

/// `[a-z0-9]([-a-z0-9]*[a-z0-9])?` without a length limit.
fn is_label_shape(s: &str) -> bool {
    let bytes = s.as_bytes();
    let alnum = |b: &u8| b.is_ascii_lowercase() || b.is_ascii_digit();
    match (bytes.first(), bytes.last()) {
        (Some(first), Some(last)) => {
            alnum(first) && alnum(last) && bytes.iter().all(|b| alnum(b) || *b == b'-')
        }
        _ => false,
    }
}

/// The slug length [`preview_name`] and [`preview_name_template`] actually use: the requested
/// one, lowered so `<prefix>-<slug>-<hash>` fits a DNS-1123 label.
fn preview_slug_len(prefix: &str, slug_len: usize) -> usize {
    let room = DNS1123_LABEL_MAX_LEN.saturating_sub(prefix.len() + 2 + PREVIEW_HASH_LEN);
    slug_len.min(room)
}

/// Go's `unicode.ToLower` for one rune (simple case mapping). Rust only offers the full
/// mapping; it differs for U+0130 (`İ` → `i` + U+0307), whose first character is Go's result.
/// Only whether the result is ASCII matters to the callers, and that is preserved.
fn go_simple_lowercase(c: char) -> char {
    c.to_lowercase().next().unwrap_or(c)
}

/// gosimple/slug's `Make` (language "en") with package settings `MaxLength = max_len`,
/// `EnableSmartTruncate = smart` and `Lowercase = true`.
fn gosimple_make(input: &str, max_len: usize, smart: bool) -> String {
    // Rune substitutions of the "en" table (merged with the library's defaults), then
    // transliteration of whatever is still non-ASCII.
    let mut s = String::with_capacity(input.len());
    for c in input.trim().chars() {
        match c {
            '&' => s.push_str("and"),
            '@' => s.push_str("at"),
            '"' | '\'' | '\u{2019}' => {}
            '\u{2012}'..='\u{2015}' => s.push('-'),
            c if c.is_ascii() => s.push(c),
            c => s.push_str(transliterate(c)),
        }
    }
    s.make_ascii_lowercase();

    // The non-smart cut happens before the clean-up below (byte cut; `s` is ASCII).
    if !smart && s.len() >= max_len {
        s.truncate(max_len);
    }

    let mut cleaned = String::with_capacity(s.len());
    for b in s.bytes() {
        let c = if b.is_ascii_alphanumeric() || b == b'-' || b == b'_' {
            char::from(b)
        } else {
            '-'
        };
        if !(c == '-' && cleaned.ends_with('-')) {
            cleaned.push(c);
        }
    }
    let cleaned = cleaned.trim_matches(|c| c == '-' || c == '_');

    if smart && max_len > 0 {
        smart_truncate(cleaned, max_len).to_owned()
    } else {
        cleaned.to_owned()
    }
}

/// Cuts an ASCII slug longer than `max_len` at the last `-` at or before index `max_len`, or at
/// `max_len` when there is no such dash.
fn smart_truncate(text: &str, max_len: usize) -> &str {
    if text.len() <= max_len {
        return text;
    }
    match text.as_bytes()[..=max_len].iter().rposition(|&b| b == b'-') {
        Some(i) => &text[..i],
        None => &text[..max_len],
    }
}

/// ASCII transliteration of one non-ASCII character, following the unidecode tables for the
/// characters listed; anything else maps to the empty string (as unidecode does for characters
/// it has no entry for, e.g. emoji). Case is irrelevant: the slug is lowercased afterwards.
fn transliterate(c: char) -> &'static str {
    match c {
        // Latin-1 Supplement (U+00C0..U+00FF) and Latin Extended-A (U+0100..U+017F).
        'À'..='Å' | 'à'..='å' | 'Ā'..='ą' => "a",
        'Æ' | 'æ' => "ae",
        'Ç' | 'ç' | 'Ć'..='č' => "c",
        'Ð' | 'ð' | 'Ď'..='đ' => "d",
        'È'..='Ë' | 'è'..='ë' | 'Ē'..='ě' => "e",
        'Ĝ'..='ģ' => "g",
        'Ĥ'..='ħ' => "h",
        'Ì'..='Ï' | 'ì'..='ï' | 'Ĩ'..='ı' => "i",
        'Ĳ' | 'ĳ' => "ij",
        'Ĵ' | 'ĵ' => "j",
        'Ķ'..='ĸ' => "k",
        'Ĺ'..='ł' => "l",
        'Ñ' | 'ñ' | 'Ń'..='ň' => "n",
        'ŉ' => "'n",
        'Ŋ' | 'ŋ' => "ng",
        'Ò'..='Ö' | 'Ø' | 'ò'..='ö' | 'ø' | 'Ō'..='ő' => "o",
        'Œ' | 'œ' => "oe",
        'Ŕ'..='ř' => "r",
        'ß' => "ss",
        'Ś'..='š' | 'ſ' => "s",
        'Ţ'..='ŧ' => "t",
        'Þ' | 'þ' => "th",
        'Ù'..='Ü' | 'ù'..='ü' | 'Ũ'..='ų' => "u",
        'Ŵ' | 'ŵ' => "w",
        '×' => "x",
        'Ý' | 'ý' | 'ÿ' | 'Ŷ'..='Ÿ' => "y",
        'Ź'..='ž' => "z",
        '÷' => "/",
        // CJK ideographs seen in the conformance vectors (unidecode adds a trailing space).
        '日' => "Ri ",
        '本' => "Ben ",
        '語' => "Yu ",
        // Typographic characters that commonly slip into branch names.
        '\u{00A0}' => " ",
        '\u{2010}' | '\u{2011}' => "-",
        '\u{2018}' => "'",
        '\u{201C}' | '\u{201D}' => "\"",
        '€' => "EU",
        _ => "",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;
    use std::path::PathBuf;

    fn vectors_path() -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../shared/conformance/argocd/branch-name-vectors.json")
    }

    #[test]
    fn conformance_vectors() {
        let path = vectors_path();
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
                eprintln!("skipping: {} not found", path.display());
                return;
            }
            Err(err) => panic!("cannot read {}: {err}", path.display()),
        };
        let doc: Value = serde_json::from_str(&text)
            .unwrap_or_else(|err| panic!("{} is not JSON: {err}", path.display()));
        let vectors = doc["vectors"]
            .as_array()
            .unwrap_or_else(|| panic!("{}: no `vectors` array", path.display()));
        assert!(!vectors.is_empty(), "{}: empty `vectors`", path.display());

        let mut mismatches = Vec::new();
        let mut checks = 0usize;
        for (i, v) in vectors.iter().enumerate() {
            let Some(branch) = v["branch"].as_str() else {
                mismatches.push(format!("vector {i}: no `branch` string"));
                continue;
            };
            let field = |name: &str| v[name].as_str().map(str::to_owned);
            let computed: [(&str, String); 7] = [
                ("branchNormalized", sanitize_name(branch)),
                ("slugify_40", slugify(branch, 40, true)),
                ("slugify_63", slugify(branch, 63, true)),
                ("slugify_40_nosmart", slugify(branch, 40, false)),
                (
                    "slugify_default_50",
                    slugify(branch, SLUGIFY_DEFAULT_MAX_LEN, true),
                ),
                ("pr_branch_slug", pr_branch_slug(branch)),
                ("sha256sum_trunc6", sha256_prefix(branch, 6)),
            ];
            // The preview hash is a longer cut of the same Sprig `sha256sum` digest.
            checks += 1;
            if let Some(want) = field("sha256sum_trunc6")
                && !sha256_prefix(branch, PREVIEW_HASH_LEN).starts_with(&want)
            {
                mismatches.push(format!("{branch:?}: preview hash does not extend {want:?}"));
            }
            for (name, got) in &computed {
                checks += 1;
                match field(name) {
                    Some(want) if want == *got => {}
                    Some(want) => {
                        mismatches.push(format!("{branch:?} {name}: got {got:?}, want {want:?}"));
                    }
                    None => mismatches.push(format!("{branch:?}: no `{name}` string")),
                }
            }

            // The validity block describes the expected values; check our validators on them.
            if let Some(validity) = v["validity"].as_object() {
                for (name, expect) in validity {
                    let Some(value) = field(name) else {
                        mismatches.push(format!("{branch:?}: validity for unknown `{name}`"));
                        continue;
                    };
                    let checks_for = [
                        ("len", Some(value.len() as u64), expect["len"].as_u64()),
                        (
                            "dns1123_label",
                            Some(u64::from(is_dns1123_label(&value))),
                            expect["dns1123_label"].as_bool().map(u64::from),
                        ),
                        (
                            "dns1123_subdomain",
                            Some(u64::from(is_dns1123_subdomain(&value))),
                            expect["dns1123_subdomain"].as_bool().map(u64::from),
                        ),
                    ];
                    for (what, got, want) in checks_for {
                        checks += 1;
                        if got != want {
                            mismatches.push(format!(
                                "{branch:?} validity.{name}.{what} of {value:?}: got {got:?}, want {want:?}"
                            ));
                        }
                    }
                }
            }
        }
        eprintln!("{} vectors, {checks} checks", vectors.len());
        assert!(
            mismatches.is_empty(),
            "{} mismatch(es):\n{}",
            mismatches.len(),
            mismatches.join("\n")
        );
    }

    #[test]
    fn sanitize_name_edge_cases() {
        // Go lowercases U+0130 and the Kelvin sign to ASCII letters.
        assert_eq!(sanitize_name("İx"), "ix");
        assert_eq!(sanitize_name("\u{212A}8s"), "k8s");
        assert_eq!(sanitize_name(".-Main-."), "main");
        assert_eq!(sanitize_name("a_b c"), "a-b-c");
        assert_eq!(sanitize_name("日本語"), "");
        let long = "x".repeat(300);
        assert_eq!(sanitize_name(&long).len(), DNS1123_SUBDOMAIN_MAX_LEN);
        // Cut first, trim afterwards.
        let dashed = format!("{}-y", "x".repeat(252));
        assert_eq!(sanitize_name(&dashed), "x".repeat(252));
    }

    #[test]
    fn slugify_edge_cases() {
        assert_eq!(slugify("abc-de", 6, true), "abc-de");
        assert_eq!(slugify("abc-de-fg", 6, true), "abc-de");
        assert_eq!(slugify("abcdefghij", 5, true), "abcde");
        assert_eq!(slugify("feature/abc", 0, true), "feature-abc");
        assert_eq!(slugify("feature/abc", 0, false), "");
        // Non-smart cut lands on a dash that is then trimmed.
        assert_eq!(slugify("feature/abc", 8, false), "feature");
        assert_eq!(slugify("a..b", 10, true), "a-b");
    }

    #[test]
    fn pr_branch_slug_substitutions() {
        assert_eq!(
            pr_branch_slug("Fix_This & That @home"),
            "fix-this-and-that-athome"
        );
        assert_eq!(pr_branch_slug("it's—done"), "its-done");
        assert_eq!(pr_branch_slug("Łódź/Ærø"), "lodz-aero");
    }

    #[test]
    fn sha256_prefix_lengths() {
        let full = sha256_prefix("main", 100);
        assert_eq!(full.len(), 64);
        assert!(full.starts_with("0d6e40"));
        assert_eq!(sha256_prefix("main", 6), "0d6e40");
        assert_eq!(sha256_prefix("main", 0), "");
    }

    #[test]
    fn preview_name_is_unique_for_same_slug() {
        let pairs = [
            ("feature/Foo", "feature/foo"),
            ("feature/日本語", "feature/中文"),
            ("feature/x.y", "feature/x-y"),
        ];
        for (a, b) in pairs {
            assert_eq!(slugify(a, 40, false), slugify(b, 40, false), "{a} vs {b}");
            let (na, nb) = (
                preview_name("airflow-dev", a, Slug::new("feature/*", 40)),
                preview_name("airflow-dev", b, Slug::new("feature/*", 40)),
            );
            assert_ne!(na, nb, "{a} vs {b}");
            for n in [&na, &nb] {
                assert!(is_dns1123_label(n), "{n}");
                assert!(n.len() <= DNS1123_LABEL_MAX_LEN, "{n}");
            }
        }
    }

    #[test]
    fn preview_name_shape() {
        assert_eq!(
            preview_name("airflow-dev", "feature/add-dag", Slug::new("feature/*", 40)),
            "airflow-dev-add-dag-9ed20b48e05a52"
        );
        // The glob's fixed prefix leaves the slug, never the hash (issue 13: `slugLength: 12`
        // made every branch `…-sandbox-sandbox-qui-<hash>`).
        let slug = Slug::new("zi-sandbox/sandbox-*", 12);
        assert_eq!(
            preview_name("zi", "zi-sandbox/sandbox-quick-fix", slug),
            format!(
                "zi-quick-fix-{}",
                sha256_prefix("zi-sandbox/sandbox-quick-fix", PREVIEW_HASH_LEN)
            )
        );
        // A glob without a wildcard keeps the branch whole.
        assert_eq!(
            preview_name("airflow-dev", "main", Slug::new("main", 40)),
            format!(
                "airflow-dev-main-{}",
                sha256_prefix("main", PREVIEW_HASH_LEN)
            )
        );
        // Empty slug: middle part dropped cleanly.
        let name = preview_name("airflow-dev", "日本語", Slug::new("*", 40));
        assert_eq!(
            name,
            format!("airflow-dev-{}", sha256_prefix("日本語", PREVIEW_HASH_LEN))
        );
        assert!(is_dns1123_label(&name));
    }

    #[test]
    fn preview_name_long_branch_fits_label() {
        let branch = format!("feature/{}", "abcdefghij-".repeat(18));
        let branch = &branch[..200];
        assert_eq!(branch.len(), 200);
        for slug_len in [0, 10, 40, 55, 63, 200] {
            let name = preview_name("airflow-dev", branch, Slug::new("feature/*", slug_len));
            assert!(name.len() <= DNS1123_LABEL_MAX_LEN, "{slug_len}: {name}");
            assert!(is_dns1123_label(&name), "{slug_len}: {name}");
        }
        let one_word = "x".repeat(200);
        let name = preview_name("airflow-dev", &one_word, Slug::new("*", 200));
        assert_eq!(name.len(), DNS1123_LABEL_MAX_LEN);
        assert!(is_dns1123_label(&name), "{name}");
        // Longest allowed prefix still yields a label.
        let prefix = "p".repeat(PREVIEW_PREFIX_MAX_LEN);
        assert!(is_valid_preview_prefix(&prefix));
        let name = preview_name(&prefix, branch, Slug::new("*", 40));
        assert_eq!(name.len(), DNS1123_LABEL_MAX_LEN);
        assert!(is_dns1123_label(&name), "{name}");
    }

    #[test]
    fn preview_name_template_text() {
        assert_eq!(
            preview_name_template("airflow-dev", Slug::new("*", 30)),
            "airflow-dev-{{ with slugify 30 false .branch }}{{ . }}-{{ end }}{{ .branch | sha256sum | trunc 14 }}"
        );
        // Same clamp as preview_name: 63 - len("airflow-dev") - 16 = 36.
        assert_eq!(
            preview_name_template("airflow-dev", Slug::new("feature/*", 60)),
            "airflow-dev-{{ with slugify 36 false (trimPrefix \"feature/\" .branch) }}{{ . }}-{{ end }}{{ .branch | sha256sum | trunc 14 }}"
        );
        assert_eq!(
            preview_name_template("airflow-dev", Slug::new("feature/*", 0)),
            "airflow-dev-{{ .branch | sha256sum | trunc 14 }}"
        );
    }

    #[test]
    fn dns1123_checks() {
        for ok in ["a", "0", "a-b", "a--b", "abc123", &"a".repeat(63)] {
            assert!(is_dns1123_label(ok), "{ok}");
            assert!(is_dns1123_subdomain(ok), "{ok}");
        }
        for bad in ["", "-a", "a-", "A", "a_b", "a.b", "ü", &"a".repeat(64)] {
            assert!(!is_dns1123_label(bad), "{bad:?}");
        }
        for ok in ["a.b", "a-1.b-2.c", &format!("{}.b", "a".repeat(100))] {
            assert!(is_dns1123_subdomain(ok), "{ok}");
        }
        for bad in ["", ".a", "a.", "a..b", "a.-b", "A.b", &"a".repeat(254)] {
            assert!(!is_dns1123_subdomain(bad), "{bad:?}");
        }
        assert!(!is_valid_preview_prefix(
            &"p".repeat(PREVIEW_PREFIX_MAX_LEN + 1)
        ));
        assert!(!is_valid_preview_prefix("Airflow"));
    }
}
