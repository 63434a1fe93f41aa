//! Rule family `airflow-*`: every config override and `AIRFLOW__…` variable is checked against the
//! option catalog of the environment's Airflow version.

use serde_json::Value;

use crate::airflow::{self, AirflowVersion, Finding, Target};
use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::load::{Document, escape_pointer};
use crate::resolve::Model;
use crate::spec::{ConfigValue, Literal};
use crate::validate::origin::Origin;

/// Options platc sets from other parts of the spec, and the field to use instead.
const SET_BY_PLATC: [(&str, &str, &str); 15] = [
    ("core", "executor", "airflow.executor"),
    ("core", "dags_folder", "dags.subPath"),
    ("logging", "remote_logging", "logging"),
    ("logging", "remote_base_log_folder", "logging.remote"),
    ("logging", "remote_log_conn_id", "logging.connection"),
    ("database", "sql_alchemy_conn", "database.external.secret"),
    ("core", "sql_alchemy_conn", "database.external.secret"),
    ("api", "base_url", "host (and preview.path)"),
    ("webserver", "base_url", "host (and preview.path)"),
    ("core", "fernet_key", "secrets.fernetKey"),
    ("api", "secret_key", "secrets.apiSecretKey"),
    ("webserver", "secret_key", "secrets.apiSecretKey"),
    ("api_auth", "jwt_secret", "secrets.jwtSecret"),
    (
        "kubernetes_executor",
        "namespace",
        "the environment's namespace",
    ),
    // Airflow 2 only (3 removed it): timers in milliseconds, as Airflow 3 and the metrics
    // mapping have them, and no RemovedInAirflow3Warning on every start.
    ("metrics", "timer_unit_consistency", "airflow.version"),
];

/// The `[metrics]` options the StatsD mapping of `monitoring` relies on.
const SET_BY_MONITORING: [&str; 4] = [
    "statsd_on",
    "statsd_prefix",
    "statsd_influxdb_enabled",
    "legacy_names_on",
];

/// The spec field from which platc sets `[section] key` in `env`, if it does.
fn set_by_platc(
    env: &crate::resolve::ResolvedEnvironment,
    section: &str,
    key: &str,
) -> Option<&'static str> {
    if env.monitoring.is_some() && section == "metrics" && SET_BY_MONITORING.contains(&key) {
        return Some("monitoring");
    }
    SET_BY_PLATC
        .iter()
        .find(|(s, k, _)| *s == section && *k == key)
        .map(|(_, _, field)| *field)
}

/// Checks each environment's overrides; identical findings from shared settings are reported once.
pub fn check(model: &Model, doc: &Document) -> Diagnostics {
    let mut out = Diagnostics::default();
    for env in &model.environments {
        let at = Origin::new(doc, &env.name);
        let version = match AirflowVersion::parse(&env.airflow.version) {
            Ok(v) => v,
            Err(e) => {
                out.push(Diagnostic::error("airflow-version", e).at(at.value("/airflow/version")));
                continue;
            }
        };
        let catalog = match airflow::catalog_for(&version) {
            Ok((catalog, note)) => {
                if let Some(note) = note {
                    out.push(
                        Diagnostic::warning("airflow-version-nearest", note)
                            .at(at.value("/airflow/version")),
                    );
                }
                catalog
            }
            Err(e) => {
                out.push(
                    Diagnostic::error("airflow-version", e)
                        .at(at.value("/airflow/version"))
                        .help("pick a supported version; `platc upgrade --to VERSION` shows what changes"),
                );
                continue;
            }
        };
        for (section, options) in &env.airflow.config {
            for (key, value) in options {
                let rel = format!(
                    "/airflow/config/{}/{}",
                    escape_pointer(section),
                    escape_pointer(key)
                );
                if let Some(field) = set_by_platc(env, section, key) {
                    out.push(
                        Diagnostic::error(
                            "airflow-set-by-platc",
                            format!("[{section}] {key} is set by platc from `{field}`"),
                        )
                        .at(at.key(&rel))
                        .help(format!(
                            "remove this override and set `{field}` in the spec"
                        )),
                    );
                    continue;
                }
                let findings = airflow::check_option(catalog, section, key, &as_json(value));
                push_findings(&mut out, findings, value, &at, &rel, section);
            }
        }
        for (name, value) in &env.airflow.env {
            let rel = format!("/airflow/env/{}", escape_pointer(name));
            if let Some(parsed) = airflow::parse_env_name(name).map(|n| n.resolve(catalog))
                && let Some(field) = set_by_platc(env, &parsed.section, &parsed.key)
            {
                out.push(
                    Diagnostic::error(
                        "airflow-set-by-platc",
                        format!(
                            "`{name}` sets [{}] {}, which platc sets from `{field}`",
                            parsed.section, parsed.key
                        ),
                    )
                    .at(at.key(&rel))
                    .help(format!(
                        "remove this variable and set `{field}` in the spec"
                    )),
                );
                continue;
            }
            let findings = airflow::check_env(catalog, name, &as_json(value));
            push_findings(&mut out, findings, value, &at, &rel, "");
        }
    }
    out.sort();
    out.0.dedup();
    out
}

fn push_findings(
    out: &mut Diagnostics,
    findings: Vec<Finding>,
    value: &ConfigValue,
    at: &Origin<'_>,
    rel: &str,
    section: &str,
) {
    let from_secret = matches!(value, ConfigValue::Secret(_));
    for f in findings {
        // A Secret reference is exactly how sensitive options should be given, and its type is unknown.
        if from_secret && f.target == Target::Value {
            continue;
        }
        let place = match f.target {
            Target::Section if !section.is_empty() => {
                at.key(&rel[..rel.rfind('/').unwrap_or(rel.len())])
            }
            Target::Section | Target::Key => at.key(rel),
            Target::Value => at.value(rel),
        };
        let d = match f.severity {
            airflow::Severity::Error => Diagnostic::error(f.code, f.message),
            airflow::Severity::Warning => Diagnostic::warning(f.code, f.message),
        };
        out.push(match f.help {
            Some(help) => d.at(place).help(help),
            None => d.at(place),
        });
    }
}

fn as_json(value: &ConfigValue) -> Value {
    match value {
        ConfigValue::Secret(_) => Value::Null,
        ConfigValue::Literal(Literal::Bool(b)) => Value::Bool(*b),
        ConfigValue::Literal(Literal::Integer(i)) => Value::from(*i),
        ConfigValue::Literal(Literal::Float(f)) => Value::from(*f),
        ConfigValue::Literal(Literal::Text(s)) => Value::String(s.clone()),
    }
}
