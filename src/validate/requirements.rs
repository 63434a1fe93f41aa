//! Rule family `requirement-*`: pip requirements parse (PEP 508), are pinned, appear once, and
//! leave Airflow alone; the same for the lines of `image.requirementsFile`.

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
        checker.line(line, place, &format!("requirements[{i}]"), "");
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
    for r in &model.image.requirements {
        checker.seen_name(r);
    }
    // Findings point into the file itself; its snippets come from this (masked) copy.
    let shown: std::sync::Arc<str> = crate::secret::star_secrets(text).into();
    let mut offset = 0;
    for (i, raw) in text.split_inclusive('\n').enumerate() {
        let start = offset;
        offset += raw.len();
        let raw = raw.trim_end_matches(['\n', '\r']);
        let line = raw.split(" #").next().unwrap_or(raw).trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let lead = raw.len() - raw.trim_start().len();
        let place = Place {
            file: path.to_owned(),
            line: i + 1,
            column: raw[..lead].chars().count() + 1,
            start: start + lead,
            end: start + lead + line.len(),
        };
        let before = checker.out.0.len();
        checker.line(line, Some(place), &format!("{path}:{}", i + 1), "");
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
        }
    }

    fn seen_name(&mut self, line: &str) {
        let mut probe = Checker {
            out: Diagnostics::default(),
            seen: BTreeMap::new(),
            pinned_needed: None,
        };
        probe.line(line, None, "", "");
        if probe.out.has_errors() {
            return;
        }
        if let Ok(r) = line.trim().parse::<Requirement>() {
            self.seen
                .insert(r.name.to_string(), "image.requirements".to_owned());
        }
    }

    fn line(&mut self, line: &str, place: Option<Place>, origin: &str, prefix: &str) {
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
    use super::url_is_pinned;

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
