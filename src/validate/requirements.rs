//! Rule family `requirement-*`: pip requirements parse (PEP 508), are pinned, appear once, and
//! leave Airflow alone; the same for the lines of `image.requirementsFile`. Hash-pinned lines
//! as `pip-compile --generate-hashes` writes them (`\` continuations, `--hash=sha256:<hex>`)
//! are accepted, all or none: pip's hash-checking mode refuses a file where some lack hashes.

use std::collections::BTreeMap;
use std::path::{Component, Path};

use pep508_rs::{Requirement, VersionOrUrl, pep440_rs::Operator};

use crate::diagnostic::{Diagnostic, Diagnostics, Place};
use crate::load::Document;
use crate::resolve::Model;

/// Packages platc installs itself at the Airflow version of the spec.
const AIRFLOW_CORE: [&str; 3] = [
    "apache-airflow",
    "apache-airflow-core",
    "apache-airflow-task-sdk",
];

/// Checks `image.requirements`, and the path of `image.requirementsFile`.
pub fn check(model: &Model, doc: &Document) -> Diagnostics {
    let mut checker = Checker::new(model);
    for (i, line) in model.image.requirements.iter().enumerate() {
        let place = doc.value_place(&format!("/image/requirements/{i}"));
        checker.entry(
            &join_continuations(line),
            place,
            &format!("requirements[{i}]"),
        );
    }
    if let Some(file) = &model.image.requirements_file {
        let plain = Path::new(file)
            .components()
            .all(|c| matches!(c, Component::Normal(_) | Component::CurDir));
        if !plain {
            checker.out.push(
                Diagnostic::error("requirements-file-path", format!("`{file}` is outside the spec's folder"))
                    .at(doc.value_place("/image/requirementsFile"))
                    .help("name a file next to the spec or below it, without `..`: its lines are copied into out/"),
            );
        }
    }
    checker.out
}

/// Checks the lines of `image.requirementsFile` (its text as read), pointing at the spec's
/// `requirementsFile` value and naming the file's line.
pub fn check_file(model: &Model, path: &str, text: &str) -> Diagnostics {
    let mut checker = Checker::new(model);
    for (i, r) in model.image.requirements.iter().enumerate() {
        checker.seen_name(&join_continuations(r), &format!("requirements[{i}]"));
    }
    // Findings point into the file itself; its snippets come from this (masked) copy.
    let shown: std::sync::Arc<str> = crate::secret::star_secrets(text).into();
    for logical in logical_lines(text) {
        let place = Place {
            file: path.to_owned(),
            line: logical.line,
            column: logical.column,
            start: logical.start,
            end: logical.end,
        };
        let before = checker.out.0.len();
        checker.entry(
            &logical.text,
            Some(place),
            &format!("{path}:{}", logical.line),
        );
        for d in &mut checker.out.0[before..] {
            d.source = Some(shown.clone());
        }
    }
    checker.out
}

struct Checker {
    out: Diagnostics,
    seen: BTreeMap<String, String>,
    /// The first environment that requires pins, if any.
    pinned_needed: Option<String>,
    /// Whether the first requirement had hashes, and where it was: every other must agree.
    hash_mode: Option<(bool, String)>,
}

impl Checker {
    fn new(model: &Model) -> Self {
        Checker {
            out: Diagnostics::default(),
            seen: BTreeMap::new(),
            pinned_needed: model
                .environments
                .iter()
                .find(|e| e.pin_requirements)
                .map(|e| e.name.clone()),
            hash_mode: None,
        }
    }

    /// Records an inline entry's name and hash mode without reporting on it (`check` does).
    fn seen_name(&mut self, entry: &str, origin: &str) {
        let Ok((line, hashes)) = split_hashes(entry) else {
            return;
        };
        let mut probe = Checker {
            out: Diagnostics::default(),
            seen: BTreeMap::new(),
            pinned_needed: None,
            hash_mode: None,
        };
        probe.line(line, None, "", "", !hashes.is_empty());
        if probe.out.has_errors() {
            return;
        }
        self.hash_mode
            .get_or_insert_with(|| (!hashes.is_empty(), origin.to_owned()));
        if let Ok(r) = line.trim().parse::<Requirement>() {
            self.seen
                .insert(r.name.to_string(), "image.requirements".to_owned());
        }
    }

    /// Checks one logical requirement: a PEP 508 requirement, then any `--hash` options.
    fn entry(&mut self, entry: &str, place: Option<Place>, origin: &str) {
        let (line, hashes) = match split_hashes(entry) {
            Ok(split) => split,
            Err(option) => {
                self.out.push(
                    Diagnostic::error(
                        "requirement-syntax",
                        format!("pip option `{option}` is not a requirement or a `--hash=sha256:<64 hex>`"),
                    )
                    .at(place)
                    .help("list requirements, each optionally followed by `--hash=sha256:<64 hex digits>` as `pip-compile --generate-hashes` writes them"),
                );
                return;
            }
        };
        let hashed = !hashes.is_empty();
        match &self.hash_mode {
            None => self.hash_mode = Some((hashed, origin.to_owned())),
            Some((first, at)) if *first != hashed => {
                let (has, lacks) = if hashed {
                    ("has", "has none")
                } else {
                    ("has no", "has")
                };
                self.out.push(
                    Diagnostic::error(
                        "requirement-hash-mixed",
                        format!("`{}` {has} `--hash`, but the first requirement {lacks}", line.trim()),
                    )
                    .at(place.clone())
                    .note(format!("first requirement at {at}"))
                    .help("pip's hash-checking mode needs a hash on every requirement: regenerate the whole list with `pip-compile --generate-hashes`, or drop every `--hash`"),
                );
            }
            Some(_) => {}
        }
        self.line(line, place, origin, "", hashed);
    }

    fn line(&mut self, line: &str, place: Option<Place>, origin: &str, prefix: &str, hashed: bool) {
        if line.starts_with('-') {
            self.out.push(
                Diagnostic::error(
                    "requirement-syntax",
                    format!("{prefix}pip option `{line}` is not a requirement"),
                )
                .at(place)
                .help("list requirements only; the image build decides pip's options"),
            );
            return;
        }
        // pep508_rs 0.9 panics on a name ending in `.`, `_` or `-` followed by a specifier
        // (`lxml.==1`): reject those before it sees them.
        let name_part: String = line
            .trim()
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
            .collect();
        if name_part.ends_with(['.', '_', '-']) {
            self.out.push(
                Diagnostic::error(
                    "requirement-syntax",
                    format!("{prefix}`{line}` is not a valid requirement: a package name ends with a letter or digit"),
                )
                .at(place)
                .help("write `name==version`, as pip freeze prints it"),
            );
            return;
        }
        let requirement = match line.trim().parse::<Requirement>() {
            Ok(r) => r,
            Err(e) => {
                let reason = e.to_string();
                let reason = reason.lines().next().unwrap_or_default().to_owned();
                self.out.push(
                    Diagnostic::error(
                        "requirement-syntax",
                        format!("{prefix}`{line}` is not a valid requirement: {reason}"),
                    )
                    .at(place)
                    .help("write `name==version`, as pip freeze prints it"),
                );
                return;
            }
        };
        let name = requirement.name.to_string();
        let first = match self.seen.entry(name.clone()) {
            std::collections::btree_map::Entry::Occupied(first) => Some(first.get().clone()),
            std::collections::btree_map::Entry::Vacant(slot) => {
                slot.insert(origin.to_owned());
                None
            }
        };
        if let Some(first) = first {
            self.out.push(
                Diagnostic::error(
                    "requirement-duplicate",
                    format!("{prefix}`{name}` is required twice"),
                )
                .at(place.clone())
                .note(format!("first at {first}"))
                .help("keep one line per package"),
            );
        }
        if AIRFLOW_CORE.contains(&name.as_str()) {
            self.out.push(
                Diagnostic::error(
                    "requirement-airflow",
                    format!("{prefix}`{name}` is installed by platc at `airflow.version`"),
                )
                .at(place)
                .help("remove this line; to change Airflow, change `airflow.version`"),
            );
            return;
        }
        let exact = match &requirement.version_or_url {
            Some(VersionOrUrl::VersionSpecifier(specs)) => specs
                .iter()
                .any(|s| matches!(s.operator(), Operator::Equal | Operator::ExactEqual)),
            Some(VersionOrUrl::Url(url)) => url_is_pinned(&url.to_string()),
            None => false,
        };
        if hashed && !exact {
            self.out.push(
                Diagnostic::error("requirement-unpinned", format!("`{}` has hashes but no exact version", line.trim()))
                    .at(place)
                    .label("needs `==`")
                    .note("pip's hash-checking mode installs only requirements pinned with `==` (or a URL)")
                    .help(format!("pin an exact version, for example `{name}==<version>`")),
            );
            return;
        }
        if let (Some(env), false) = (&self.pinned_needed, exact) {
            self.out.push(
                Diagnostic::error("requirement-unpinned", format!("{prefix}`{}` is not pinned", line.trim()))
                    .at(place)
                    .label("needs `==`")
                    .note(format!("environment `{env}` requires pinned requirements (`pinRequirements`)"))
                    .help(format!("pin an exact version, for example `{name}==<version>`, so every build installs the same code")),
            );
        }
    }
}
/// One requirement of a requirements file: its text with `\` continuations joined and the
/// comment removed, and where its first physical line starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogicalLine {
    /// The joined text, trimmed.
    pub text: String,
    /// 1-based line of the first physical line.
    pub line: usize,
    /// 1-based column (characters) where the text starts on that line.
    pub column: usize,
    /// Byte range in the file of the first physical line's text.
    pub start: usize,
    /// End of that range.
    pub end: usize,
}

/// The requirements of a requirements file, the way pip reads it: a line ending in `\` goes on
/// with the next, `#` at the start or after a space starts a comment; blank results are dropped.
pub fn logical_lines(text: &str) -> Vec<LogicalLine> {
    let mut out = Vec::new();
    let mut current: Option<LogicalLine> = None;
    let mut offset = 0;
    for (i, raw) in text.split_inclusive('\n').enumerate() {
        let start = offset;
        offset += raw.len();
        let raw = raw.trim_end_matches(['\n', '\r']);
        let comment = raw.trim_start().starts_with('#');
        let uncommented = if comment {
            ""
        } else {
            raw.split(" #").next().unwrap_or(raw)
        };
        let continues = !comment && uncommented.len() == raw.len() && raw.ends_with('\\');
        let body = if continues {
            &raw[..raw.len() - 1]
        } else {
            uncommented
        };
        let logical = current.get_or_insert_with(|| {
            let lead = raw.len() - raw.trim_start().len();
            LogicalLine {
                text: String::new(),
                line: i + 1,
                column: raw[..lead].chars().count() + 1,
                start: start + lead,
                end: start + lead + body.trim().len(),
            }
        });
        logical.text.push_str(body);
        logical.text.push(' ');
        if !continues && let Some(mut done) = current.take() {
            done.text = done.text.trim().to_owned();
            if !done.text.is_empty() {
                out.push(done);
            }
        }
    }
    if let Some(mut done) = current {
        done.text = done.text.trim().to_owned();
        if !done.text.is_empty() {
            out.push(done);
        }
    }
    out
}

/// An `image.requirements` entry with its `\`-newline continuations joined.
pub fn join_continuations(entry: &str) -> String {
    entry
        .lines()
        .map(|l| l.trim_end().strip_suffix('\\').unwrap_or(l))
        .collect::<Vec<_>>()
        .join(" ")
        .trim()
        .to_owned()
}

/// Splits a logical requirement into its PEP 508 text, exactly as written, and the hex digests
/// of its `--hash=sha256:<64 hex>` options; `Err` carries the first other option.
pub fn split_hashes(entry: &str) -> Result<(&str, Vec<&str>), &str> {
    let entry = entry.trim();
    let cut = entry
        .match_indices("--")
        .map(|(i, _)| i)
        .find(|&i| i > 0 && entry[..i].ends_with(char::is_whitespace))
        .unwrap_or(entry.len());
    let (requirement, options) = entry.split_at(cut);
    let mut hashes = Vec::new();
    // A YAML string folds `\`-newline into `\ `: a lone `\` is a continuation, not a word.
    for option in options.split_whitespace().filter(|o| *o != "\\") {
        match option.strip_prefix("--hash=sha256:") {
            Some(hex) if hex.len() == 64 && hex.bytes().all(|b| b.is_ascii_hexdigit()) => {
                hashes.push(hex);
            }
            _ => return Err(option),
        }
    }
    let requirement = requirement.trim_end();
    let requirement = match requirement.strip_suffix('\\') {
        Some(kept) if kept.ends_with(char::is_whitespace) => kept.trim_end(),
        _ => requirement,
    };
    Ok((requirement, hashes))
}

/// A URL requirement installs the same code every time only when it names an immutable
/// revision: a VCS URL at a full commit hash (`git+https://…@<40 hex>`), or an archive with a
/// `#sha256=` hash. `foo @ git+https://…@main` follows a branch.
fn url_is_pinned(url: &str) -> bool {
    let (base, fragment) = url.split_once('#').unwrap_or((url, ""));
    let hex = |h: &str, lens: &[usize]| {
        lens.contains(&h.len()) && h.bytes().all(|b| b.is_ascii_hexdigit())
    };
    if fragment
        .split('&')
        .any(|p| p.strip_prefix("sha256=").is_some_and(|h| hex(h, &[64])))
    {
        return true;
    }
    if base.starts_with("git+") {
        let rest = base.split_once("://").map_or(base, |(_, r)| r);
        return rest
            .rsplit_once('@')
            .is_some_and(|(before, rev)| before.contains('/') && hex(rev, &[40, 64]));
    }
    false
}

#[cfg(test)]
mod tests {
    use super::{logical_lines, split_hashes, url_is_pinned};

    #[test]
    fn pip_compile_output_reads_as_one_requirement_per_package() {
        let (a, b) = ("a".repeat(64), "B".repeat(64));
        let text = format!(
            "# header\nrequests==2.32.3 \\\n    --hash=sha256:{a} \\\n    --hash=sha256:{b}\n    # via -r requirements.in\n\nidna==3.10 --hash=sha256:{a}  # inline\n"
        );
        let lines = logical_lines(&text);
        let texts: Vec<&str> = lines.iter().map(|l| l.text.as_str()).collect();
        assert_eq!(texts.len(), 2, "{texts:?}");
        assert_eq!((lines[0].line, lines[0].column), (2, 1));
        assert_eq!(&text[lines[0].start..lines[0].end], "requests==2.32.3");
        assert_eq!(lines[1].line, 7);
        assert_eq!(
            split_hashes(texts[0]),
            Ok(("requests==2.32.3", vec![a.as_str(), b.as_str()]))
        );
        assert_eq!(split_hashes(texts[1]), Ok(("idna==3.10", vec![a.as_str()])));
        assert_eq!(
            split_hashes("foo >= 1 ; python_version > '3'"),
            Ok(("foo >= 1 ; python_version > '3'", vec![]))
        );
        assert_eq!(
            split_hashes(&format!("foo==1 \\ --hash=sha256:{a} \\ --hash=sha256:{b}")),
            Ok(("foo==1", vec![a.as_str(), b.as_str()]))
        );
        assert_eq!(
            split_hashes("foo==1 --hash=sha256:abc"),
            Err("--hash=sha256:abc")
        );
        assert_eq!(split_hashes("foo==1 --index-url=x"), Err("--index-url=x"));
        assert_eq!(
            split_hashes("--hash=sha256:x"),
            Ok(("--hash=sha256:x", vec![])),
            "a leading option stays the requirement; `line` rejects it"
        );
    }

    #[test]
    fn url_requirements_are_pinned_only_at_a_commit_or_a_hash() {
        let commit = "0123456789abcdef0123456789abcdef01234567";
        assert!(url_is_pinned(&format!(
            "git+https://github.com/org/foo.git@{commit}"
        )));
        assert!(url_is_pinned(&format!(
            "https://example.com/foo-1.0.tar.gz#sha256={}",
            "a".repeat(64)
        )));
        for moving in [
            "git+https://github.com/org/foo.git@main",
            "git+https://github.com/org/foo.git",
            "git+ssh://git@github.com/org/foo.git",
            "https://example.com/foo-1.0.tar.gz",
            "git+https://github.com/org/foo.git@0123abc",
        ] {
            assert!(!url_is_pinned(moving), "{moving}");
        }
    }
}
