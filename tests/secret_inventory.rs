//! The secret inventory is complete (issue 13 §4): for the bundled spec and every team spec in
//! `tests/specs/`, each environment's values are rendered by `helm template` of the official
//! chart, and every Secret a rendered object reads — `secretKeyRef`, `secretRef`, secret
//! volumes and projected secret sources — is either created by the chart itself or listed in
//! the inventory PREREQUISITES.md and the preview ExternalSecrets are made from, with the key
//! the pod reads. A preview environment's ExternalSecrets must create every one of them.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use common::{chart_src, crate_dir, helm, platc};
use platc::render::manifests::secret_keys;
use platc::resolve::Lifecycle;
use serde_json::Value;

/// What a rendered object reads from one Secret: `None` is the whole Secret (`envFrom`, a
/// volume without `items`).
type Reads = BTreeMap<String, BTreeSet<Option<String>>>;

/// Collects every Secret read below `node`; `optional: true` references are left out (a pod
/// starts without them).
fn collect(node: &Value, reads: &mut Reads) {
    match node {
        Value::Object(map) => {
            if let Some(Value::Object(r)) = map.get("secretKeyRef")
                && r.get("optional") != Some(&Value::Bool(true))
                && let (Some(name), Some(key)) = (r["name"].as_str(), r["key"].as_str())
            {
                reads
                    .entry(name.to_owned())
                    .or_default()
                    .insert(Some(key.to_owned()));
            }
            if let Some(Value::Object(r)) = map.get("secretRef")
                && r.get("optional") != Some(&Value::Bool(true))
                && let Some(name) = r["name"].as_str()
            {
                reads.entry(name.to_owned()).or_default().insert(None);
            }
            if let Some(Value::Array(pulls)) = map.get("imagePullSecrets") {
                for name in pulls.iter().filter_map(|p| p["name"].as_str()) {
                    reads
                        .entry(name.to_owned())
                        .or_default()
                        .insert(Some(".dockerconfigjson".to_owned()));
                }
            }
            if let Some(Value::Object(volume)) = map.get("secret")
                && volume.get("optional") != Some(&Value::Bool(true))
                && let Some(name) = volume
                    .get("secretName")
                    .or_else(|| volume.get("name"))
                    .and_then(Value::as_str)
            {
                let entry = reads.entry(name.to_owned()).or_default();
                match volume.get("items").and_then(Value::as_array) {
                    Some(items) => entry.extend(
                        items
                            .iter()
                            .filter_map(|i| i["key"].as_str())
                            .map(|k| Some(k.to_owned())),
                    ),
                    None => {
                        entry.insert(None);
                    }
                }
            }
            for value in map.values() {
                collect(value, reads);
            }
        }
        Value::Array(items) => items.iter().for_each(|v| collect(v, reads)),
        _ => {}
    }
}

/// The rendered chart as JSON documents.
fn render(helm: &Path, chart: &Path, values: &Path) -> Vec<Value> {
    let out = std::process::Command::new(helm)
        .args(["template", "airflow"])
        .arg(chart)
        .args(["--namespace", "airflow", "--values"])
        .arg(values)
        .output()
        .expect("run helm");
    assert!(
        out.status.success(),
        "helm template {}: {}",
        values.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    text.split("\n---")
        .filter(|doc| doc.lines().any(|l| l.starts_with("kind:")))
        .map(|doc| {
            platc::load::load_str("rendered", doc.to_owned())
                .unwrap_or_else(|d| panic!("rendered YAML: {d:?}\n{doc}"))
                .value
        })
        .collect()
}

/// The Secrets (and their keys) the preview's ExternalSecrets create in each branch namespace;
/// `None` when an ExternalSecret takes every property of its entry (`dataFrom`).
fn external_secrets(extras: &Path) -> BTreeMap<String, Option<BTreeSet<String>>> {
    let mut made = BTreeMap::new();
    let Ok(entries) = std::fs::read_dir(extras) else {
        return made;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if !name.starts_with("externalsecret-") {
            continue;
        }
        let text = std::fs::read_to_string(entry.path()).expect("read ExternalSecret");
        let doc = platc::load::load_str(&name, text)
            .expect("ExternalSecret YAML")
            .value;
        let target = doc["spec"]["target"]["name"]
            .as_str()
            .or_else(|| doc["metadata"]["name"].as_str())
            .expect("target name")
            .to_owned();
        let keys: BTreeSet<String> = doc["spec"]["data"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|d| d["secretKey"].as_str().map(str::to_owned))
            .collect();
        let whole = doc["spec"]["dataFrom"].is_array();
        let entry = made.entry(target).or_insert_with(|| Some(BTreeSet::new()));
        match entry {
            Some(set) if !whole => set.extend(keys),
            _ => *entry = None,
        }
    }
    made
}

#[test]
fn every_secret_a_rendered_pod_reads_is_in_the_inventory() {
    let Some(helm) = helm() else { return };
    let mut specs = vec![crate_dir().join("platform.yaml")];
    let mut team: Vec<_> = std::fs::read_dir(crate_dir().join("tests/specs"))
        .expect("tests/specs")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
        .collect();
    team.sort();
    specs.extend(team);
    let mut checked = 0;
    let mut problems = Vec::new();
    for spec in &specs {
        let text = std::fs::read_to_string(spec).expect("spec");
        let dir = common::project(&text);
        let model = match platc::pipeline::front_end(&dir.path().join("platform.yaml")) {
            Ok(front) => front.model,
            Err(failure) => panic!("{}: {:?}", spec.display(), failure.diagnostics),
        };
        let compiled = platc(dir.path(), &["compile", "-q", "--out", "out"]);
        assert_eq!(
            compiled.status,
            0,
            "{}: {}",
            spec.display(),
            compiled.stderr
        );
        for env in &model.environments {
            let Some(chart) = chart_src(&env.airflow.chart) else {
                continue;
            };
            let values = dir.path().join("out").join(&env.name).join("values.yaml");
            let docs = render(&helm, &chart, &values);
            let mut created: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
            let mut hooks = BTreeSet::new();
            let mut reads = Reads::new();
            for doc in &docs {
                // The KubernetesExecutor's task pods: a YAML string in the config ConfigMap.
                if doc["kind"] == "ConfigMap"
                    && let Some(data) = doc["data"].as_object()
                {
                    for (file, text) in data {
                        if file.ends_with("pod_template_file.yaml")
                            && let Some(text) = text.as_str()
                        {
                            let pod = platc::load::load_str(file, text.to_owned())
                                .unwrap_or_else(|d| panic!("pod template: {d:?}"))
                                .value;
                            collect(&pod, &mut reads);
                        }
                    }
                }
                if doc["kind"] == "Secret" {
                    // A hook Secret is made again, with new random values, on every Argo CD
                    // sync: a pod must not depend on one (issue 13 §2).
                    if doc["metadata"]["annotations"]["helm.sh/hook"].is_string() {
                        hooks.insert(
                            doc["metadata"]["name"]
                                .as_str()
                                .unwrap_or_default()
                                .to_owned(),
                        );
                    }
                    let keys = ["data", "stringData"]
                        .iter()
                        .filter_map(|field| doc[field].as_object())
                        .flat_map(|m| m.keys().cloned())
                        .collect();
                    created.insert(
                        doc["metadata"]["name"]
                            .as_str()
                            .unwrap_or_default()
                            .to_owned(),
                        keys,
                    );
                } else {
                    collect(doc, &mut reads);
                }
            }
            let inventory: BTreeMap<String, BTreeSet<String>> = secret_keys(env)
                .into_iter()
                .map(|(name, keys)| (name, keys.into_iter().collect()))
                .collect();
            let label = format!(
                "{}/{}",
                spec.file_name().unwrap_or_default().to_string_lossy(),
                env.name
            );
            for (name, keys) in &reads {
                checked += 1;
                if hooks.contains(name) {
                    problems.push(format!(
                        "{label}: a pod reads `{name}`, which the chart makes in a Helm hook (new random values on every Argo CD sync)"
                    ));
                }
                if let Some(made) = created.get(name) {
                    for key in keys.iter().flatten() {
                        if !made.contains(key) {
                            problems
                                .push(format!("{label}: chart Secret `{name}` has no key `{key}`"));
                        }
                    }
                    continue;
                }
                let Some(listed) = inventory.get(name) else {
                    problems.push(format!(
                        "{label}: a pod reads Secret `{name}` ({keys:?}), which the inventory does not list"
                    ));
                    continue;
                };
                // An empty list: the inventory asks for the whole Secret, whatever keys it holds.
                for key in keys.iter().flatten() {
                    if !listed.is_empty() && !listed.contains(key) {
                        problems.push(format!(
                            "{label}: a pod reads key `{key}` of `{name}`; the inventory lists {listed:?}"
                        ));
                    }
                }
            }
            if matches!(env.lifecycle, Lifecycle::Preview(_))
                && env.secrets.external_secrets.is_some()
            {
                let made = external_secrets(&dir.path().join("out").join(&env.name).join("extras"));
                for (name, keys) in &reads {
                    if created.contains_key(name) {
                        continue;
                    }
                    match made.get(name) {
                        None => problems.push(format!(
                            "{label}: no ExternalSecret creates `{name}` in a branch namespace"
                        )),
                        Some(None) => {}
                        Some(Some(made)) => {
                            for key in keys.iter().flatten().filter(|k| !made.contains(*k)) {
                                problems.push(format!(
                                    "{label}: the ExternalSecret for `{name}` makes no key `{key}`"
                                ));
                            }
                        }
                    }
                }
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    assert!(
        checked >= specs.len() * 3,
        "only {checked} Secret reads seen"
    );
    eprintln!(
        "checked {checked} Secret reads over {} specs against the inventory",
        specs.len()
    );
}
