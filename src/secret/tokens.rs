//! Known credential formats: provider tokens by prefix, webhook URLs, JWTs, Fernet keys, AWS
//! secret keys, PEM private keys and GCP service-account key files.

use super::{Form, Found};

/// A token prefix, the characters that may follow it, how many of them at least, and what it is.
type Prefixed = (&'static str, fn(u8) -> bool, usize, &'static str);

const GITHUB: &str = "a GitHub token";
const GITLAB: &str = "a GitLab token";
const SLACK: &str = "a Slack token";
const SLACK_WEBHOOK: &str = "a Slack webhook URL";
const AWS: &str = "an AWS access key";
const AWS_SECRET: &str = "an AWS secret access key";
const GOOGLE: &str = "a Google API key";
const GCP_KEY_FILE: &str = "a GCP service-account key";
const STRIPE: &str = "a Stripe key";
const OPENAI: &str = "an OpenAI-style API key";
const PYPI: &str = "a PyPI token";
const NPM: &str = "an npm token";
const JWT: &str = "a JSON Web Token";
const FERNET: &str = "a Fernet key";
const PRIVATE_KEY: &str = "a private key";

const PREFIXED: &[Prefixed] = &[
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
    ("xoxe-", slug, 8, SLACK),
    ("xoxo-", slug, 8, SLACK),
    ("xoxr-", slug, 8, SLACK),
    ("xoxs-", slug, 8, SLACK),
    ("xapp-", slug, 8, SLACK),
    ("hooks.slack.com/services/", path, 10, SLACK_WEBHOOK),
    ("hooks.slack.com/workflows/", path, 10, SLACK_WEBHOOK),
    ("hooks.slack.com/triggers/", path, 10, SLACK_WEBHOOK),
    ("AKIA", upper_digit, 16, AWS),
    ("ASIA", upper_digit, 16, AWS),
    ("ABIA", upper_digit, 16, AWS),
    ("ACCA", upper_digit, 16, AWS),
    ("AIza", slug, 30, GOOGLE),
    ("sk_live_", alnum, 16, STRIPE),
    ("rk_live_", alnum, 16, STRIPE),
    ("sk-", slug, 32, OPENAI),
    ("pypi-AgEIcHlwaS5vcmc", slug, 30, PYPI),
    ("npm_", alnum, 30, NPM),
];

/// The automaton that finds every [`PREFIXED`] prefix in one pass.
fn prefix_finder() -> &'static aho_corasick::AhoCorasick {
    static FINDER: std::sync::OnceLock<aho_corasick::AhoCorasick> = std::sync::OnceLock::new();
    FINDER.get_or_init(|| {
        aho_corasick::AhoCorasick::new(PREFIXED.iter().map(|(prefix, ..)| *prefix))
            .expect("the prefixes are a few short literals")
    })
}

/// How a PEM block starts; a private key's header names `PRIVATE KEY`.
pub const PEM_BEGIN: &str = "-----BEGIN";
pub const PEM_END: &str = "-----END";

/// Every known-format credential in `text` (may overlap; [`super::scan`] resolves that).
pub fn find(text: &str) -> Vec<Found> {
    let bytes = text.as_bytes();
    // One pass for every prefix (Aho-Corasick), where a search per prefix read each text 30
    // times. Each prefix keeps its own rule: a match inside the run of an earlier one ends where
    // it ends, so a text of repeated prefixes is scanned once.
    let mut per_prefix: Vec<Vec<Found>> = vec![Vec::new(); PREFIXED.len()];
    let mut scanned_to = vec![0usize; PREFIXED.len()];
    let mut matches: Vec<(usize, usize)> = prefix_finder()
        .find_overlapping_iter(text)
        .map(|m| (m.start(), m.pattern().as_usize()))
        .collect();
    matches.sort_unstable();
    for (at, p) in matches {
        let (prefix, allowed, min, kind) = PREFIXED[p];
        let boundary = at == 0 || !bytes[at - 1].is_ascii_alphanumeric();
        if !boundary || at < scanned_to[p] {
            continue;
        }
        let run = bytes[at + prefix.len()..]
            .iter()
            .take_while(|b| allowed(**b))
            .count();
        scanned_to[p] = at + prefix.len() + run;
        if run >= min {
            per_prefix[p].push(Found {
                range: at..at + prefix.len() + run,
                kind,
                form: Form::Token,
                keep: prefix.len(),
            });
        }
    }
    let mut found: Vec<Found> = per_prefix.into_iter().flatten().collect();
    found.extend(private_keys(text));
    found.extend(jwts(text));
    found.extend(runs(text));
    found.extend(service_account_files(text));
    found
}

fn private_keys(text: &str) -> impl Iterator<Item = Found> + '_ {
    // A BEGIN inside the header or block of an earlier one adds nothing: skip it (linear time).
    let mut scanned_to = 0;
    text.match_indices(PEM_BEGIN).filter_map(move |(at, _)| {
        if at < scanned_to {
            return None;
        }
        let header = &text[at..];
        let header_end = header.find(['\n', '\\']).map_or(text.len(), |i| at + i);
        scanned_to = header_end;
        if !text[at..header_end].contains("PRIVATE KEY") {
            return None;
        }
        let end = match text[at + PEM_BEGIN.len()..].find(PEM_END) {
            Some(i) => {
                let end_line = at + PEM_BEGIN.len() + i;
                let rest = &text[end_line + PEM_END.len()..];
                rest.find("-----")
                    .map_or(text.len(), |j| end_line + PEM_END.len() + j + 5)
            }
            None => text.len(),
        };
        scanned_to = end;
        Some(Found {
            range: at..end,
            kind: PRIVATE_KEY,
            form: Form::Token,
            keep: PEM_BEGIN.len(),
        })
    })
}

/// `eyJ…` header, payload and signature, each base64url, joined by dots.
fn jwts(text: &str) -> impl Iterator<Item = Found> + '_ {
    let bytes = text.as_bytes();
    text.match_indices("eyJ").filter_map(move |(at, _)| {
        if at > 0 && slug(bytes[at - 1]) {
            return None;
        }
        let mut end = at;
        for part in 0..3 {
            if part > 0 {
                if bytes.get(end) != Some(&b'.') {
                    return None;
                }
                end += 1;
            }
            let run = bytes[end..].iter().take_while(|b| slug(**b)).count();
            if run < 8 {
                return None;
            }
            end += run;
        }
        Some(Found {
            range: at..end,
            kind: JWT,
            form: Form::Token,
            keep: 3,
        })
    })
}

/// Random-looking runs of a fixed length: Fernet keys (43 base64url characters and `=`) and AWS
/// secret access keys (40 base64 characters). Both must mix upper case, lower case and digits,
/// so hex digests, words and paths do not match.
fn runs(text: &str) -> Vec<Found> {
    let mut out = Vec::new();
    for (start, run) in runs_of(text, slug) {
        let padded = text[start + run.len()..].starts_with('=');
        if run.len() == 43 && padded && mixed(run) {
            out.push(Found {
                range: start..start + 44,
                kind: FERNET,
                form: Form::Token,
                keep: 0,
            });
        }
    }
    let base64 = |b: u8| b.is_ascii_alphanumeric() || b == b'/' || b == b'+';
    for (start, run) in runs_of(text, base64) {
        let aws = run.len() == 40
            && !run.starts_with('/')
            && !run.ends_with('/')
            && run.matches('/').count() <= 2
            && mixed(run)
            && distinct(run) >= 20;
        if aws {
            out.push(Found {
                range: start..start + 40,
                kind: AWS_SECRET,
                form: Form::Token,
                keep: 0,
            });
        }
    }
    out
}

/// The maximal runs of bytes satisfying `member`, with their start.
fn runs_of(text: &str, member: fn(u8) -> bool) -> impl Iterator<Item = (usize, &str)> {
    let bytes = text.as_bytes();
    let mut i = 0;
    std::iter::from_fn(move || {
        while i < bytes.len() && !member(bytes[i]) {
            i += 1;
        }
        let start = i;
        while i < bytes.len() && member(bytes[i]) {
            i += 1;
        }
        (i > start).then(|| (start, &text[start..i]))
    })
}

/// `"type": "service_account"`: a GCP key file, whose `private_key` is the credential.
fn service_account_files(text: &str) -> impl Iterator<Item = Found> + '_ {
    text.match_indices("\"service_account\"")
        .filter_map(|(at, m)| {
            let before = text[..at].trim_end().strip_suffix(':')?.trim_end();
            before.ends_with("\"type\"").then_some(Found {
                range: at..at + m.len(),
                kind: GCP_KEY_FILE,
                form: Form::Token,
                keep: m.len(),
            })
        })
}

fn mixed(s: &str) -> bool {
    s.bytes().any(|b| b.is_ascii_uppercase())
        && s.bytes().any(|b| b.is_ascii_lowercase())
        && s.bytes().any(|b| b.is_ascii_digit())
}

fn distinct(s: &str) -> usize {
    let mut seen = [false; 256];
    s.bytes()
        .filter(|b| !std::mem::replace(&mut seen[*b as usize], true))
        .count()
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

fn path(b: u8) -> bool {
    slug(b) || b == b'/'
}

fn upper_digit(b: u8) -> bool {
    b.is_ascii_uppercase() || b.is_ascii_digit()
}
