//! Checks one `[section] key = value` override against the catalog of the target Airflow version.

use serde_json::Value;

use super::catalog::Catalog;
use super::env::env_var;
use super::finding::{Finding, Target};
use super::names::{check_name, name};
use super::option::{OptionInfo, ValueType};
use super::suggest::closest;
use super::value::{accepts, airflow_text, shown};

/// Everything wrong with setting `[section] key` to `value` on the catalog's Airflow version:
/// unknown, moved, removed or not-yet-existing names, and type, enum and sensitivity problems of
/// the value. Option names are matched case-insensitively (ConfigParser lower-cases them);
/// section names are not.
pub fn check_option(cat: &Catalog, section: &str, key: &str, value: &Value) -> Vec<Finding> {
    let mut out = Vec::new();
    if let Some((s, k, info)) = check_name(cat, section, &key.to_lowercase(), &mut out) {
        check_value(cat, &s, &k, info, value, &mut out);
    }
    out
}

/// Value problems: deprecation, literal secrets, type, enum and rejected values. An empty value
/// for an option whose default is empty means "unset" and passes the type check.
pub(crate) fn check_value(
    cat: &Catalog,
    section: &str,
    key: &str,
    info: &OptionInfo,
    value: &Value,
    out: &mut Vec<Finding>,
) {
    let opt = name(section, key);
    if info.deprecated {
        let since = info
            .deprecated_since
            .as_deref()
            .map(|v| format!(" since {v}"))
            .unwrap_or_default();
        out.push(Finding::warning(
            "airflow-option-deprecated",
            Target::Key,
            format!("{opt} is deprecated{since}"),
        ));
    }
    if info.sensitive && !value.is_null() {
        out.push(
            Finding::error(
                "airflow-sensitive-literal",
                Target::Value,
                format!("{opt} is sensitive: a literal value would be written in plain text into the rendered Helm values"),
            )
            .with_help(Some(format!(
                "keep it in a Kubernetes Secret and use the spec's secret reference for it; it then reaches Airflow as `{env}` from the Secret (Airflow also reads `{env}_CMD` and `{env}_SECRET`)",
                env = env_var(section, key)
            ))),
        );
        return;
    }
    let unset = info.default.as_deref().is_none_or(str::is_empty)
        && airflow_text(value).is_some_and(|t| t.trim().is_empty());
    if !unset && !accepts(info.value_type, value) {
        out.push(
            Finding::error(
                "airflow-type-mismatch",
                Target::Value,
                format!(
                    "{opt} expects {}, got {}",
                    article(info.value_type),
                    shown(value)
                ),
            )
            .with_help(Some(type_help(info))),
        );
        return;
    }
    let Some(text) = airflow_text(value) else {
        return;
    };
    if !info.allowed.is_empty() && !text.is_empty() && !info.allowed.contains(&text) {
        let guess = closest(&text, info.allowed.iter().map(String::as_str))
            .map(|g| format!("did you mean `{g}`? "))
            .unwrap_or_default();
        out.push(
            Finding::error(
                "airflow-invalid-value",
                Target::Value,
                format!(
                    "{opt} does not accept {}: Airflow {} rejects it at startup",
                    shown(value),
                    cat.version()
                ),
            )
            .with_help(Some(format!(
                "{guess}allowed values: {}",
                info.allowed.join(", ")
            ))),
        );
    } else if info.invalid.iter().any(|bad| bad == text.trim()) {
        out.push(Finding::error(
            "airflow-invalid-value",
            Target::Value,
            format!(
                "{opt} = {} is rejected by Airflow {} (`airflow config lint` reports it)",
                text.trim(),
                cat.version()
            ),
        ));
    }
}

fn article(t: ValueType) -> &'static str {
    match t {
        ValueType::String => "text",
        ValueType::Integer => "an integer",
        ValueType::Float => "a number",
        ValueType::Boolean => "a boolean",
    }
}

fn type_help(info: &OptionInfo) -> String {
    let default = info
        .default
        .as_deref()
        .filter(|d| !d.is_empty())
        .map(|d| format!(" (the default is {d})"))
        .unwrap_or_default();
    match info.value_type {
        ValueType::Integer => {
            format!("Airflow converts it with int(): write a whole number{default}")
        }
        ValueType::Float => format!("Airflow converts it with float(): write a number{default}"),
        ValueType::Boolean => {
            format!("write true or false (Airflow also takes t/f and 1/0, any case){default}")
        }
        ValueType::String => "write it as text; put JSON in a quoted string".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::airflow::{Severity, catalog_for};
    use serde_json::json;

    use crate::airflow::test_support::cat;

    use crate::airflow::test_support::only;

    #[test]
    fn valid_overrides_have_no_findings() {
        for (v, s, k, val) in [
            ("3.3.2", "dag_processor", "parsing_processes", json!(8)),
            ("3.3.2", "dag_processor", "parsing_processes", json!("8")),
            ("2.11.2", "scheduler", "parsing_processes", json!(8)),
            ("2.11.2", "webserver", "page_size", json!("50")),
            ("3.3.2", "core", "load_examples", json!("True")),
            ("3.3.2", "core", "load_examples", json!(false)),
            ("3.3.2", "core", "Parallelism", json!(64)),
            (
                "3.3.2",
                "core",
                "default_task_weight_rule",
                json!("absolute"),
            ),
            ("3.3.2", "api", "expose_config", json!("non-sensitive-only")),
        ] {
            assert_eq!(check_option(cat(v), s, k, &val), [], "{v} [{s}] {k}");
        }
    }

    #[test]
    fn type_mismatch_is_reported_on_the_value() {
        let f = only(check_option(
            cat("3.3.2"),
            "dag_processor",
            "parsing_processes",
            &json!("eight"),
        ));
        assert_eq!((f.code, f.target), ("airflow-type-mismatch", Target::Value));
        assert!(
            f.message.contains("expects an integer, got \"eight\""),
            "{}",
            f.message
        );
        let f = only(check_option(
            cat("2.11.2"),
            "scheduler",
            "parsing_processes",
            &json!("eight"),
        ));
        assert_eq!(f.code, "airflow-type-mismatch");
        let f = only(check_option(
            cat("3.3.2"),
            "core",
            "load_examples",
            &json!("yes"),
        ));
        assert_eq!(f.code, "airflow-type-mismatch");
    }

    #[test]
    fn a_moved_name_also_gets_its_value_checked() {
        let findings = check_option(
            cat("3.1.8"),
            "scheduler",
            "parsing_processes",
            &json!("eight"),
        );
        let codes: Vec<_> = findings.iter().map(|f| f.code).collect();
        assert_eq!(codes, ["airflow-option-not-read", "airflow-type-mismatch"]);
    }

    #[test]
    fn enum_values_are_checked() {
        let f = only(check_option(
            cat("3.3.2"),
            "core",
            "default_task_weight_rule",
            &json!("heaviest"),
        ));
        assert_eq!((f.code, f.target), ("airflow-invalid-value", Target::Value));
        assert!(f.help.unwrap().contains("absolute, downstream, upstream"));
        let f = only(check_option(
            cat("2.11.2"),
            "core",
            "default_task_weight_rule",
            &json!("absolut"),
        ));
        assert!(f.help.unwrap().starts_with("did you mean `absolute`?"));
    }

    #[test]
    fn lint_invalid_values_apply_from_3_0() {
        let f = only(check_option(cat("3.3.2"), "core", "parallelism", &json!(0)));
        assert_eq!(f.code, "airflow-invalid-value");
        assert_eq!(
            check_option(cat("2.11.2"), "core", "parallelism", &json!(0)),
            []
        );
    }

    #[test]
    fn sensitive_literals_are_errors() {
        for (s, k) in [("core", "fernet_key"), ("database", "sql_alchemy_conn")] {
            let f = only(check_option(cat("3.3.2"), s, k, &json!("literal")));
            assert_eq!(
                (f.code, f.severity, f.target),
                ("airflow-sensitive-literal", Severity::Error, Target::Value)
            );
            assert!(f.help.unwrap().contains("secret reference"));
        }
        let findings = check_option(
            cat("2.11.2"),
            "core",
            "sql_alchemy_conn",
            &json!("postgresql://x"),
        );
        let codes: Vec<_> = findings.iter().map(|f| f.code).collect();
        assert_eq!(codes, ["airflow-option-moved", "airflow-sensitive-literal"]);
    }

    #[test]
    fn deprecated_options_warn() {
        let f = only(check_option(
            cat("3.3.2"),
            "metrics",
            "otel_host",
            &json!("x"),
        ));
        assert_eq!(
            (f.code, f.severity),
            ("airflow-option-deprecated", Severity::Warning)
        );
    }

    #[test]
    fn every_default_passes_its_own_checks() {
        for v in crate::airflow::supported_versions() {
            let (c, _) = catalog_for(&v).unwrap();
            for s in c.sections() {
                for (k, info) in c.options_in(s) {
                    let Some(default) = info.default.as_deref() else {
                        continue;
                    };
                    let errors: Vec<_> = check_option(c, s, k, &json!(default))
                        .into_iter()
                        .filter(|f| {
                            f.severity == Severity::Error && f.code != "airflow-sensitive-literal"
                        })
                        .collect();
                    assert_eq!(errors, [], "{v} [{s}] {k} = {default:?}");
                }
            }
        }
    }

    #[test]
    fn odd_input_never_panics() {
        let c = cat("3.3.2");
        for (s, k) in [
            ("", ""),
            ("core", ""),
            ("", "x"),
            ("ü", "ß"),
            ("[core]", "a b"),
            ("core", &"x".repeat(500)),
        ] {
            for v in [
                json!(null),
                json!([1]),
                json!({"a": 1}),
                json!(-1),
                json!(1e300),
                json!(""),
            ] {
                let _ = check_option(c, s, k, &v);
            }
        }
    }
}
