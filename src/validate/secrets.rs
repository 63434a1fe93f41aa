//! Rule family `secret-*`: no secret is ever written in the spec; secrets are references to Kubernetes Secrets.

use serde_json::Value;

use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::emit::redact::{secret_kind, url_password};
use crate::load::{Document, escape_pointer};

/// Parts of option or variable names that hold secrets.
const SECRET_NAMES: [&str; 9] = [
    "password",
    "passwd",
    "secret",
    "token",
    "fernet_key",
    "api_key",
    "private_key",
    "credentials",
    "sql_alchemy_conn",
];

/// Checks every string in the spec for known token formats and URLs with passwords, and every
/// Airflow option or environment variable with a secret-like name for a literal value.
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
                if is_config_entry(&pointer) && looks_secret(k) && !v.is_object() && !v.is_null() {
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
            if let Some(kind) = secret_kind(s) {
                out.push(
                    Diagnostic::error("secret-token", format!("this looks like {kind}"))
                        .at(doc.value_place(&pointer))
                        .label("a secret in plain text")
                        .help("revoke it, store it in a Kubernetes Secret, and refer to the Secret by name"),
                );
            } else if has_url_password(s) {
                out.push(
                    Diagnostic::error("secret-url-password", "this URL carries a password")
                        .at(doc.value_place(&pointer))
                        .help("remove the password from the URL; put credentials in a Kubernetes Secret (for the database, `database.external.secret`)"),
                );
            }
        }
        _ => {}
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

fn looks_secret(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    SECRET_NAMES.iter().any(|s| lower.contains(s))
        && !lower.ends_with("_cmd")
        && !lower.ends_with("_secret_name")
}

/// `scheme://user:password@host`: a password in the authority part.
fn has_url_password(s: &str) -> bool {
    url_password(s).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_with_passwords() {
        assert!(has_url_password(
            "postgresql://airflow:hunter2@db:5432/airflow"
        ));
        assert!(!has_url_password("https://github.com/org/repo.git"));
        assert!(!has_url_password("git@github.com:org/repo.git"));
    }

    #[test]
    fn tokens_anywhere_in_a_value() {
        let doc = crate::load::load_str(
            "t.yaml",
            "airflow:\n  env:\n    AUTH_HEADER: \"Bearer ghp_0123456789abcdefghijABCDEFGHIJ012345\"\n    X: glpat-abcdefghij0123456789\n".to_owned(),
        )
        .unwrap();
        let found = check(&doc);
        let codes: Vec<(&str, &str)> = found
            .iter()
            .map(|d| (d.code.as_str(), d.message.as_str()))
            .collect();
        assert_eq!(
            codes,
            [
                ("secret-token", "this looks like a GitHub token"),
                ("secret-token", "this looks like a GitLab token"),
            ]
        );
    }
}
