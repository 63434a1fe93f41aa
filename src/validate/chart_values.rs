//! Rule family `helm-values-*` and `placement-*`: the chart values a spec sets beyond platc's
//! model. A passthrough key platc owns is refused with the spec field to use; everything else,
//! and the placement fields, must satisfy the chart's own `values.schema.json` for the
//! environment's chart version (`catalog/chart/`).

use std::sync::OnceLock;

use jsonschema::Validator;
use serde_json::{Map, Value};

use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::load::{Document, escape_pointer};
use crate::render::chart_values::{chart_path, placement_keys};
use crate::resolve::{Model, ResolvedEnvironment};
use crate::validate::origin::Origin;

/// Chart keys platc sets from the spec, and the spec field that sets each.
const OWNED: &[(&str, &str)] = &[
    ("airflowVersion", "airflow.version"),
    ("defaultAirflowRepository", "image.repository"),
    (
        "defaultAirflowTag",
        "image (platc tags the image it builds by its content)",
    ),
    (
        "defaultAirflowDigest",
        "image (platc tags the image it builds by its content)",
    ),
    (
        "images",
        "image.repository and airflow.version (platc builds and tags the image)",
    ),
    ("executor", "airflow.executor"),
    ("fernetKey", "secrets.fernetKey"),
    ("fernetKeySecretName", "secrets.fernetKey"),
    ("apiSecretKey", "secrets.apiSecretKey"),
    ("apiSecretKeySecretName", "secrets.apiSecretKey"),
    ("webserverSecretKey", "secrets.apiSecretKey"),
    ("webserverSecretKeySecretName", "secrets.apiSecretKey"),
    ("jwtSecret", "secrets.jwtSecret"),
    ("jwtSecretName", "secrets.jwtSecret"),
    ("data", "environments.<env>.database"),
    ("postgresql", "environments.<env>.database"),
    ("redis/enabled", "airflow.executor"),
    (
        "dags",
        "dags (repo, subPath, syncPeriod, knownHosts) and secrets.gitSshKey",
    ),
    ("config", "airflow.config"),
    ("env", "airflow.env"),
    ("secret", "airflow.config or airflow.env with {secret, key}"),
    ("ingress", "ingress and environments.<env>.host"),
    ("logs", "logging"),
    ("statsd/enabled", "monitoring"),
    (
        "statsd/overrideMappings",
        "monitoring (platc maps Airflow's StatsD per version)",
    ),
    (
        "triggerer/persistence",
        "logging (platc turns the log volume off with remote logging)",
    ),
    (
        "redis/passwordSecretName",
        "secrets.redisPassword (CeleryExecutor)",
    ),
    (
        "workers/logGroomerSidecar",
        "nothing: platc drops the chart's deprecated defaults, which print rename notices",
    ),
    (
        "workers/celery/logGroomerSidecar",
        "nothing: the chart's defaults under their current names",
    ),
    (
        "workers/celery/persistence",
        "logging (platc turns the log volume off with remote logging)",
    ),
    ("workers/celery/replicas", "airflow.celery.replicas"),
    ("workers/celery/keda", "airflow.celery.autoscaling"),
    (
        "createUserJob",
        "nothing: platc creates no default user (use your identity provider)",
    ),
    (
        "migrateDatabaseJob",
        "nothing: platc runs migrations as an Argo CD sync hook",
    ),
];

/// Chart sections of the components, and their names under `airflow.resources`/`placement`.
const COMPONENTS: &[(&str, &str)] = &[
    ("scheduler", "scheduler"),
    ("apiServer", "ui"),
    ("webserver", "ui"),
    ("dagProcessor", "dagProcessor"),
    ("triggerer", "triggerer"),
    ("workers", "workers"),
    ("workers/kubernetes", "workers"),
    ("workers/celery", "workers"),
];

/// The placement keys of a component.
const PLACEMENT: [&str; 3] = ["nodeSelector", "tolerations", "affinity"];

/// The spec field that sets the chart key at `path` (segments joined by `/`), if platc owns it.
pub fn owner(path: &str) -> Option<String> {
    if let Some((_, field)) = OWNED.iter().find(|(key, _)| *key == path) {
        return Some((*field).to_owned());
    }
    let (section, key) = path.rsplit_once('/')?;
    let (_, component) = COMPONENTS.iter().find(|(s, _)| *s == section)?;
    match key {
        "serviceAccount" => Some("environments.<env>.serviceAccount".to_owned()),
        "resources" => Some(format!("airflow.resources.{component}")),
        "labels" => Some("cloud: azure (platc labels the pods for workload identity)".to_owned()),
        _ => None,
    }
}

/// The typed placement field that already sets the chart key at `path`, if any: the
/// passthrough may set node placement too, but not the same key twice.
fn placed_twice(env: &ResolvedEnvironment, path: &str) -> Option<String> {
    env.airflow
        .placement
        .components()
        .into_iter()
        .find_map(|(component, placement)| {
            let placement = placement?;
            let base = chart_path(env, component)?.join("/");
            placement_keys(placement).keys().find_map(|key| {
                let at = if base.is_empty() {
                    key.clone()
                } else {
                    format!("{base}/{key}")
                };
                (at == path)
                    .then(|| format!("airflow.placement.{component}.{key} (set it in one place)"))
            })
        })
}

/// Checks every environment's passthrough and placement.
pub fn check(model: &Model, doc: &Document) -> Diagnostics {
    let mut out = Diagnostics::default();
    for env in &model.environments {
        let at = Origin::new(doc, &env.name);
        let mut owned = false;
        for (key, value) in &env.helm.values {
            owned |= owned_keys(env, &mut vec![key.clone()], value, &at, &mut out);
        }
        for (component, placement) in env.airflow.placement.components() {
            let Some(placement) = placement else { continue };
            let base = format!("/airflow/placement/{component}");
            for (key, value) in &placement.node_selector {
                let pointer = format!("{base}/nodeSelector/{}", escape_pointer(key));
                if let Err(why) = label_key(key) {
                    out.push(
                        Diagnostic::error("placement-label", format!("`{key}` is not a Kubernetes label key: {why}"))
                            .at(at.key(&pointer))
                            .help("a label key is an optional DNS prefix and `/`, then up to 63 letters, digits, `-`, `_` or `.`"),
                    );
                }
                if let Err(why) = label_value(value) {
                    out.push(
                        Diagnostic::error("placement-label", format!("`{value}` is not a Kubernetes label value: {why}"))
                            .at(at.value(&pointer))
                            .help("a label value is up to 63 letters, digits, `-`, `_` or `.`, starting and ending with a letter or digit"),
                    );
                }
            }
            if chart_path(env, component).is_none() {
                out.push(
                    Diagnostic::warning(
                        "placement-unused",
                        format!("environment `{}` runs no {component}: this placement applies to nothing", env.name),
                    )
                    .at(at.key(&base)),
                );
            }
        }
        if !owned {
            schema_errors(env, &at, &mut out);
        }
        secret_names(env, &at, &mut out);
        // The schema is compiled only for a spec that passes values through.
        if !env.helm.values.is_empty()
            && let Some(schema) = chart_schema(&env.airflow.chart)
        {
            let mut path = Vec::new();
            for (key, value) in &env.helm.values {
                path.push(key.clone());
                let node = (env.airflow.chart.as_str(), &schema.schema);
                deprecated_keys(node, key, value, &mut path, &at, &mut out);
                path.pop();
            }
        }
    }
    out
}

/// Passthrough keys the chart's schema describes as deprecated (`(deprecated, use X instead)`):
/// the chart prints a rename notice for them on every render.
fn deprecated_keys(
    (chart, parent): (&str, &Value),
    key: &str,
    value: &Value,
    path: &mut Vec<String>,
    at: &Origin<'_>,
    out: &mut Diagnostics,
) {
    let Some(node) = parent.get("properties").and_then(|p| p.get(key)) else {
        return;
    };
    let description = node
        .get("description")
        .and_then(Value::as_str)
        .unwrap_or("");
    if let Some(start) = description.find("(deprecated") {
        let note = &description[start..];
        let replacement = note
            .find("use ")
            .map(|i| &note[i + 4..])
            .and_then(|rest| rest.find(" instead").map(|end| &rest[..end]))
            .map(|r| r.replace("``", "`"));
        let pointer: String = path
            .iter()
            .map(|k| format!("/{}", escape_pointer(k)))
            .collect();
        let mut d = Diagnostic::warning(
            "helm-values-deprecated",
            format!(
                "chart {} deprecates `{}`: it prints a rename notice on every render",
                chart.trim(),
                path.join(".")
            ),
        )
        .at(at.key(&format!("/helm/values{pointer}")));
        if let Some(replacement) = replacement {
            d = d.help(format!("use {replacement}"));
        }
        out.push(d);
        return;
    }
    if let Value::Object(map) = value {
        for (child_key, child) in map {
            path.push(child_key.clone());
            deprecated_keys((chart, node), child_key, child, path, at, out);
            path.pop();
        }
    }
}

/// The Secrets `helm.values` makes pods read go into PREREQUISITES.md and ExternalSecrets, so
/// their names and keys must be what Kubernetes accepts.
fn secret_names(env: &ResolvedEnvironment, at: &Origin<'_>, out: &mut Diagnostics) {
    let reads = crate::render::secret_refs::in_chart_values(&env.helm.values);
    let names = reads.keys.keys().chain(reads.whole.iter());
    for name in names.filter(|n| !crate::naming::is_dns1123_subdomain(n)) {
        out.push(
            Diagnostic::error(
                "helm-values-secret",
                format!(
                    "`helm.values` names the Secret `{name}`, which is not a Kubernetes object name"
                ),
            )
            .at(at.key("/helm/values"))
            .help("use lower-case letters, digits, `-` and `.`"),
        );
    }
    let key_ok = |k: &str| {
        !k.is_empty()
            && k.len() <= 253
            && k.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
    };
    for (name, keys) in &reads.keys {
        for key in keys.iter().filter(|k| !key_ok(k)) {
            out.push(
                Diagnostic::error(
                    "helm-values-secret",
                    format!("`helm.values` reads key `{key}` of Secret `{name}`, which is not a Secret key"),
                )
                .at(at.key("/helm/values"))
                .help("a Secret key is letters, digits, `-`, `_` and `.`"),
            );
        }
    }
}

/// Reports passthrough keys platc owns under `path`; true when there was one.
fn owned_keys(
    env: &ResolvedEnvironment,
    path: &mut Vec<String>,
    value: &Value,
    at: &Origin<'_>,
    out: &mut Diagnostics,
) -> bool {
    let joined = path.join("/");
    if let Some(field) = owner(&joined).or_else(|| placed_twice(env, &joined)) {
        let pointer: String = path
            .iter()
            .map(|k| format!("/{}", escape_pointer(k)))
            .collect();
        out.push(
            Diagnostic::error(
                "helm-values-owned",
                format!(
                    "platc sets the chart's `{}` itself; `helm.values` cannot change it",
                    path.join(".")
                ),
            )
            .at(at.key(&format!("/helm/values{pointer}")))
            .label("set by platc")
            .help(format!("use `{field}` in the spec instead")),
        );
        return true;
    }
    let mut found = false;
    if let Value::Object(map) = value {
        for (key, child) in map {
            path.push(key.clone());
            found |= owned_keys(env, path, child, at, out);
            path.pop();
        }
    }
    found
}

/// A chart version's values schema, and its top-level keys (the schema itself lets unknown
/// top-level keys through, which would hide a typo such as `pgbouncr`).
struct ChartSchema {
    validator: Validator,
    keys: Vec<String>,
    /// The schema itself, for the descriptions that mark keys deprecated.
    schema: Value,
}

/// The chart's values schema for a chart version platc renders.
fn chart_schema(chart: &str) -> Option<&'static ChartSchema> {
    static V1_22: OnceLock<Option<ChartSchema>> = OnceLock::new();
    static V1_21: OnceLock<Option<ChartSchema>> = OnceLock::new();
    let (cell, text) = match chart.trim() {
        "1.22.0" => (&V1_22, include_str!("../../catalog/chart/1.22.0.json")),
        "1.21.0" => (&V1_21, include_str!("../../catalog/chart/1.21.0.json")),
        _ => return None,
    };
    cell.get_or_init(|| {
        let schema: Value = serde_json::from_str(text).ok()?;
        let keys = schema["properties"]
            .as_object()
            .map(|p| p.keys().cloned().collect())
            .unwrap_or_default();
        Some(ChartSchema {
            validator: jsonschema::validator_for(&schema).ok()?,
            keys,
            schema,
        })
    })
    .as_ref()
}

/// What the spec adds to the chart's values: placement at each component, then the passthrough.
fn added_values(env: &ResolvedEnvironment) -> Value {
    let mut values = Map::new();
    for (key, value) in &env.helm.values {
        values.insert(key.clone(), value.clone());
    }
    let mut placed = Value::Object(Map::new());
    for (component, placement) in env.airflow.placement.components() {
        let (Some(placement), Some(path)) = (placement, chart_path(env, component)) else {
            continue;
        };
        let mut node = &mut placed;
        for key in &path {
            node = &mut node[*key];
        }
        for (key, value) in placement_keys(placement) {
            node[key] = value;
        }
    }
    let mut values = Value::Object(values);
    crate::resolve::merge(&mut values, &placed);
    values
}

/// The spec pointer of a chart value path: a placement field, else the passthrough.
fn spec_pointer(env: &ResolvedEnvironment, instance: &str) -> String {
    let segments: Vec<&str> = instance.trim_start_matches('/').split('/').collect();
    let mut best: Option<(usize, String)> = None;
    for (component, placement) in env.airflow.placement.components() {
        let (Some(_), Some(path)) = (placement, chart_path(env, component)) else {
            continue;
        };
        let n = path.len();
        if segments.len() > n
            && segments[..n] == path[..]
            && PLACEMENT.contains(&segments[n])
            && best.as_ref().is_none_or(|(len, _)| n > *len)
        {
            let rest = segments[n..].join("/");
            best = Some((n, format!("/airflow/placement/{component}/{rest}")));
        }
    }
    best.map_or_else(|| format!("/helm/values{instance}"), |(_, p)| p)
}

fn schema_errors(env: &ResolvedEnvironment, at: &Origin<'_>, out: &mut Diagnostics) {
    if env.helm.values.is_empty() && env.airflow.placement.is_empty() {
        return;
    }
    // An unsupported chart is `unsupported-chart`'s finding.
    let Some(schema) = chart_schema(&env.airflow.chart) else {
        return;
    };
    let chart = env.airflow.chart.trim();
    for key in env.helm.values.keys() {
        if !schema.keys.contains(key) {
            let mut d = Diagnostic::error(
                "helm-values-schema",
                format!("the Airflow chart {chart} has no value `{key}`"),
            )
            .at(at.key(&format!("/helm/values/{}", escape_pointer(key))));
            if let Some(s) =
                crate::suggest::did_you_mean(key, schema.keys.iter().map(String::as_str))
            {
                d = d.help(format!("did you mean `{s}`?"));
            }
            out.push(d);
        }
    }
    let values = added_values(env);
    for error in schema.validator.iter_errors(&values) {
        let instance = error.instance_path().as_str().to_owned();
        let pointer = spec_pointer(env, &instance);
        let dotted = pointer.trim_start_matches('/').replace('/', ".");
        out.push(
            Diagnostic::error(
                "helm-values-schema",
                format!(
                    "`{dotted}`: the Airflow chart {chart} refuses it: {error}"
                ),
            )
            .at(at.value(&pointer))
            .help("see the chart's values.yaml for the key's type; platc checks it against the chart's values.schema.json"),
        );
    }
}

/// A Kubernetes label key: `[prefix/]name`, the prefix a DNS subdomain of at most 253
/// characters, the name at most 63.
fn label_key(key: &str) -> Result<(), String> {
    let (prefix, name) = match key.rsplit_once('/') {
        Some((prefix, name)) => (Some(prefix), name),
        None => (None, key),
    };
    if let Some(prefix) = prefix {
        let ok = !prefix.is_empty()
            && prefix.len() <= 253
            && prefix.split('.').all(|label| {
                !label.is_empty()
                    && label.len() <= 63
                    && label
                        .bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
                    && !label.starts_with('-')
                    && !label.ends_with('-')
            });
        if !ok {
            return Err(format!("the prefix `{prefix}` is not a DNS subdomain"));
        }
    }
    if name.is_empty() {
        return Err("the name is empty".into());
    }
    label_value(name)
}

/// A Kubernetes label value: empty, or at most 63 characters of `[A-Za-z0-9._-]` that start
/// and end with a letter or digit.
fn label_value(value: &str) -> Result<(), String> {
    if value.is_empty() {
        return Ok(());
    }
    if value.len() > 63 {
        return Err(format!("{} characters, at most 63", value.len()));
    }
    if !value
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
    {
        return Err("only letters, digits, `-`, `_` and `.` are allowed".into());
    }
    let edge = |b: Option<u8>| b.is_some_and(|b| b.is_ascii_alphanumeric());
    if !edge(value.bytes().next()) || !edge(value.bytes().last()) {
        return Err("it must start and end with a letter or digit".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn owned_keys_name_the_spec_field() {
        assert_eq!(owner("images").as_deref(), Some(OWNED[4].1));
        assert_eq!(owner("workers/kubernetes/nodeSelector"), None);
        assert_eq!(
            owner("apiServer/resources").as_deref(),
            Some("airflow.resources.ui")
        );
        assert_eq!(owner("tolerations"), None);
        assert_eq!(owner("workers/kubernetes/podAnnotations"), None);
        assert_eq!(owner("pgbouncer"), None);
    }

    #[test]
    fn label_grammar() {
        for good in ["pool", "cloud.google.com/gke-nodepool", "a_b.c-d", "x/y"] {
            assert!(label_key(good).is_ok(), "{good}");
        }
        for bad in [
            "",
            "/x",
            "-a",
            "a b",
            "UPPER.example/x",
            "x/",
            &"a".repeat(64),
        ] {
            assert!(label_key(bad).is_err(), "{bad}");
        }
        assert!(label_value("").is_ok());
        assert!(label_value("tasks-1").is_ok());
        assert!(label_value("$(reboot)").is_err());
        assert!(label_value("a\nb").is_err());
    }

    /// Every leaf platc renders is owned: a passthrough key cannot shadow what the spec sets. A
    /// new key in `render/helm_values.rs` belongs in `OWNED` (or `COMPONENTS`) with its field.
    #[test]
    fn every_key_platc_renders_is_owned() {
        let mut specs = vec![(
            "platform.yaml".to_owned(),
            include_str!("../../platform.yaml").to_owned(),
        )];
        if let Ok(dir) = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/specs")) {
            for entry in dir.flatten() {
                let path = entry.path();
                if path.extension().is_some_and(|e| e == "yaml") {
                    specs.push((
                        path.display().to_string(),
                        std::fs::read_to_string(&path).unwrap(),
                    ));
                }
            }
        }
        let image = crate::render::image::ImageRef {
            repository: "registry.example/airflow".into(),
            tag: "3.2.2-0123456789ab".into(),
        };
        for (name, text) in specs {
            let doc = crate::load::load_str(&name, text).unwrap();
            let Ok(front) = crate::pipeline::front_end_doc(doc) else {
                continue;
            };
            for env in &front.model.environments {
                // Only what platc renders itself: the spec's passthrough keys are the user's.
                let mut env = env.clone();
                env.helm.values.clear();
                let values =
                    crate::render::helm_values::render(&front.model, &env, &image).unwrap();
                let mut unowned = Vec::new();
                leaves(&values, &mut Vec::new(), &mut unowned);
                assert!(
                    unowned.is_empty(),
                    "{name} {}: not in OWNED: {unowned:?}",
                    env.name
                );
            }
        }
    }

    fn leaves(value: &Value, path: &mut Vec<String>, unowned: &mut Vec<String>) {
        let joined = path.join("/");
        let placement = PLACEMENT.contains(&path.last().map_or("", String::as_str));
        if !path.is_empty() && (owner(&joined).is_some() || placement) {
            return;
        }
        match value {
            Value::Object(map) if !map.is_empty() => {
                for (k, v) in map {
                    path.push(k.clone());
                    leaves(v, path, unowned);
                    path.pop();
                }
            }
            _ => unowned.push(joined),
        }
    }

    #[test]
    fn both_chart_schemas_compile() {
        assert!(chart_schema("1.22.0").is_some());
        assert!(chart_schema("1.21.0").is_some());
        assert!(chart_schema("0.1.0").is_none());
    }
}
