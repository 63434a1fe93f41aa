//! Rule family `secret-*`: no secret is ever written in the spec or the requirements file;
//! secrets are references to Kubernetes Secrets. Every text goes through the one detector
//! ([`crate::secret`]); Airflow options and environment variables with credential-shaped names
//! must not hold a literal value at all.

use std::sync::Arc;

use serde_json::Value;

use crate::diagnostic::{Diagnostic, Diagnostics, Place};
use crate::load::{Document, escape_pointer};
use crate::secret::{Form, Found, credential_name, scan, star_secrets};

/// Checks every string and every mapping key in the spec with the detector, and every Airflow
/// option or environment variable with a credential-shaped name for a literal value.
pub fn check(doc: &Document) -> Diagnostics {
    let mut out = Diagnostics::default();
    walk(doc, &doc.value, String::new(), &mut out);
    out
}

fn walk(doc: &Document, value: &Value, pointer: String, out: &mut Diagnostics) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                let child = format!("{pointer}/{}", escape_pointer(k));
                if let Some(found) = scan(k).first() {
                    out.push(finding(found, "this mapping key").at(doc.key_place(&child)));
                }
                if is_config_entry(&pointer) && credential_name(k) && is_literal(v) {
                    out.push(
                        Diagnostic::error("secret-literal", format!("`{k}` holds a secret, written here in plain text"))
                            .at(doc.value_place(&child))
                            .label("this would be committed to git")
                            .help(format!("store it in a Kubernetes Secret and write `{k}: {{secret: <secret-name>, key: <key>}}`")),
                    );
                    continue;
                }
                walk(doc, v, child, out);
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                walk(doc, v, format!("{pointer}/{i}"), out);
            }
        }
        Value::String(s) => {
            if let Some(found) = scan(s).first() {
                out.push(finding(found, "this value").at(doc.value_place(&pointer)));
            }
        }
        _ => {}
    }
}

/// A literal (not a Secret reference, not unset, not empty).
fn is_literal(v: &Value) -> bool {
    match v {
        Value::Object(_) | Value::Null => false,
        Value::String(s) => !s.trim().is_empty(),
        _ => true,
    }
}

/// The diagnostic for a detector finding in `what`, without a place yet.
fn finding(found: &Found, what: &str) -> Diagnostic {
    let d = Diagnostic::error(found.form.code(), format!("{what} holds {}", found.kind))
        .label("a secret in plain text");
    match found.form {
        Form::Token => d.help("revoke it, store it in a Kubernetes Secret, and refer to the Secret by name"),
        Form::Url => d.help("remove the credentials from the URL; put them in a Kubernetes Secret (for the database, `database.external.secret`; for git, `secrets.gitCredentials`)"),
        Form::Pair => d.help("remove the value; keep it in a Kubernetes Secret (Airflow connections: a Secret holding the whole connection URI or JSON)"),
    }
}

/// Whether `pointer` is an Airflow option map or the env map (shared or in an environment).
fn is_config_entry(pointer: &str) -> bool {
    let segments: Vec<&str> = pointer.split('/').collect();
    matches!(
        segments.as_slice(),
        ["", "airflow", "config", _] | ["", "airflow", "env"]
    ) || matches!(
        segments.as_slice(),
        ["", "environments", _, "airflow", "config", _] | ["", "environments", _, "airflow", "env"]
    )
}

/// Checks the text of `image.requirementsFile` (read from `path`) with the detector: every
/// finding points at its line in the file, whose snippets show a starred copy.
pub fn check_file(path: &str, text: &str) -> Diagnostics {
    let found = scan(text);
    if found.is_empty() {
        return Diagnostics::default();
    }
    let shown: Arc<str> = star_secrets(text).into();
    let mut out = Diagnostics::default();
    // Findings come in order: count lines incrementally, so many findings stay linear.
    let (mut line, mut line_start, mut counted) = (1, 0, 0);
    for f in found {
        let between = &text[counted..f.range.start];
        line += between.matches('\n').count();
        if let Some(i) = between.rfind('\n') {
            line_start = counted + i + 1;
        }
        counted = f.range.start;
        let place = Place {
            file: path.to_owned(),
            line,
            column: text[line_start..f.range.start].chars().count() + 1,
            start: f.range.start,
            end: f.range.end,
        };
        out.push(
            finding(&f, "this line")
                .at(Some(place))
                .note("the file's lines are copied into out/image/requirements.txt")
                .in_source(shown.clone()),
        );
    }
    out
}

/// The last wall: the rendered tree, file by file, through the same detector. Validation should
/// have refused anything it finds; a finding here is a gap in the rules, and compile stops
/// before writing. Places point into the (starred) file.
pub fn check_output(tree: &crate::render::OutputTree) -> Diagnostics {
    let mut out = Diagnostics::default();
    for (path, text) in tree.files() {
        for mut d in check_file(path, text).0 {
            d.code = "secret-in-output".to_owned();
            d.notes =
                vec!["validation let this through: please report it as a platc bug".to_owned()];
            d.help = Some(
                "remove the credential from the spec; keep it in a Kubernetes Secret".to_owned(),
            );
            out.push(d);
        }
    }
    out
}
