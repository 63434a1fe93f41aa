//! Rule family `requirement-*`: pip requirements parse (PEP 508), are pinned, appear once, and leave Airflow alone.

use std::collections::BTreeMap;

use pep508_rs::{Requirement, VersionOrUrl, pep440_rs::Operator};

use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::load::Document;
use crate::resolve::Model;

/// Packages platc installs itself at the Airflow version of the spec.
const AIRFLOW_CORE: [&str; 3] = [
    "apache-airflow",
    "apache-airflow-core",
    "apache-airflow-task-sdk",
];

/// Checks `image.requirements` (and the lines of `image.requirementsFile`, given as `file_lines`).
pub fn check(model: &Model, doc: &Document) -> Diagnostics {
    let mut out = Diagnostics::default();
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    let pinned_needed = model.environments.iter().any(|e| !e.is_preview());
    for (i, line) in model.image.requirements.iter().enumerate() {
        let pointer = format!("/image/requirements/{i}");
        let place = doc.value_place(&pointer);
        let requirement = match line.trim().parse::<Requirement>() {
            Ok(r) => r,
            Err(e) => {
                out.push(
                    Diagnostic::error(
                        "requirement-syntax",
                        format!(
                            "`{line}` is not a valid requirement: {}",
                            first_line(&e.to_string())
                        ),
                    )
                    .at(place)
                    .help("write `name==version`, as pip freeze prints it"),
                );
                continue;
            }
        };
        let name = requirement.name.to_string();
        if let Some(first) = seen.insert(name.clone(), i) {
            out.push(
                Diagnostic::error(
                    "requirement-duplicate",
                    format!("`{name}` is required twice"),
                )
                .at(place.clone())
                .note(format!("first at requirements[{first}]"))
                .help("keep one line per package"),
            );
        }
        if AIRFLOW_CORE.contains(&name.as_str()) {
            out.push(
                Diagnostic::error(
                    "requirement-airflow",
                    format!("`{name}` is installed by platc at `airflow.version`"),
                )
                .at(place.clone())
                .help("remove this line; to change Airflow, change `airflow.version`"),
            );
            continue;
        }
        let exact = match &requirement.version_or_url {
            Some(VersionOrUrl::VersionSpecifier(specs)) => specs
                .iter()
                .any(|s| matches!(s.operator(), Operator::Equal | Operator::ExactEqual)),
            Some(VersionOrUrl::Url(_)) => true,
            None => false,
        };
        if pinned_needed && !exact {
            out.push(
                Diagnostic::error("requirement-unpinned", format!("`{}` is not pinned", line.trim()))
                    .at(place)
                    .label("needs `==`")
                    .help(format!("pin an exact version, for example `{name}==<version>`, so every build installs the same code")),
            );
        }
    }
    out
}

fn first_line(s: &str) -> &str {
    s.lines().next().unwrap_or(s)
}
