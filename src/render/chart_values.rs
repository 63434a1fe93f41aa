//! The chart values a spec sets beyond platc's own model: node placement per component
//! (`airflow.placement`) and the passthrough (`helm.values`). Validate refuses every passthrough
//! key platc owns, so merging never replaces a value platc sets; should it ever, platc's wins.

use serde_json::{Map, Value, json};

use crate::airflow::AirflowVersion;
use crate::resolve::ResolvedEnvironment;
use crate::spec::{Executor, NodePlacement};

/// Where a component of `airflow.placement` (or `airflow.resources`) lives in the chart's
/// values, for this environment; `None` when the environment does not run it. `all` is the top.
pub fn chart_path(env: &ResolvedEnvironment, component: &str) -> Option<Vec<&'static str>> {
    let airflow3 = AirflowVersion::parse(&env.airflow.version).is_ok_and(|v| v.major >= 3);
    match component {
        "all" => Some(Vec::new()),
        "scheduler" => Some(vec!["scheduler"]),
        "ui" if airflow3 => Some(vec!["apiServer"]),
        "ui" => Some(vec!["webserver"]),
        "dagProcessor" if airflow3 => Some(vec!["dagProcessor"]),
        "triggerer" => Some(vec!["triggerer"]),
        "workers" => match env.airflow.executor {
            Executor::KubernetesExecutor => Some(vec!["workers", "kubernetes"]),
            Executor::CeleryExecutor => Some(vec!["workers"]),
            Executor::LocalExecutor => None,
        },
        _ => None,
    }
}

/// One component's placement as chart keys.
pub fn placement_keys(placement: &NodePlacement) -> Map<String, Value> {
    let mut keys = Map::new();
    if !placement.node_selector.is_empty() {
        keys.insert("nodeSelector".into(), json!(placement.node_selector));
    }
    if !placement.tolerations.is_empty() {
        keys.insert("tolerations".into(), json!(placement.tolerations));
    }
    if let Some(affinity) = &placement.affinity {
        keys.insert("affinity".into(), json!(affinity));
    }
    keys
}

/// Adds the placement, then the passthrough, to the values platc rendered.
pub fn apply(env: &ResolvedEnvironment, values: &mut Map<String, Value>) {
    for (component, placement) in env.airflow.placement.components() {
        let (Some(placement), Some(path)) = (placement, chart_path(env, component)) else {
            continue;
        };
        if let Some(section) = section_at(values, &path) {
            section.extend(placement_keys(placement));
        }
    }
    for (key, value) in &env.helm.values {
        fill(values, key, value);
    }
}

/// The mapping at `path`, created on the way when missing.
fn section_at<'a>(
    mut section: &'a mut Map<String, Value>,
    path: &[&str],
) -> Option<&'a mut Map<String, Value>> {
    for key in path {
        section = section
            .entry(key.to_string())
            .or_insert_with(|| Value::Object(Map::new()))
            .as_object_mut()?;
    }
    Some(section)
}

/// Sets `key` to `value` where platc set nothing; mappings on both sides merge key by key.
fn fill(values: &mut Map<String, Value>, key: &str, value: &Value) {
    match (values.get_mut(key), value) {
        (None, _) => {
            values.insert(key.to_owned(), value.clone());
        }
        (Some(Value::Object(ours)), Value::Object(theirs)) => {
            for (k, v) in theirs {
                fill(ours, k, v);
            }
        }
        (Some(_), _) => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passthrough_fills_gaps_and_never_replaces() {
        let mut ours =
            json!({"workers": {"kubernetes": {"serviceAccount": {"name": "a"}}}, "executor": "K"});
        let theirs = json!({"workers": {"kubernetes": {"nodeSelector": {"pool": "tasks"}, "serviceAccount": {"name": "b"}}}, "executor": "X", "cleanup": {"enabled": true}});
        let Value::Object(map) = &mut ours else {
            unreachable!()
        };
        for (k, v) in theirs.as_object().unwrap() {
            fill(map, k, v);
        }
        assert_eq!(
            ours,
            json!({"workers": {"kubernetes": {"serviceAccount": {"name": "a"}, "nodeSelector": {"pool": "tasks"}}}, "executor": "K", "cleanup": {"enabled": true}})
        );
    }
}
