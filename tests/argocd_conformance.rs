//! Argo CD documents rendered from the bundled `platform.yaml`, checked against the strict
//! JSON Schemas of Argo CD's CRDs in `../shared/conformance/argocd` and for the paths they reference.

use std::path::{Path, PathBuf};

use platc::resolve::{Model, ResolvedEnvironment};
use platc::spec::EnvClass;
use serde_json::Value;

fn conformance_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/conformance/argocd")
}

fn model() -> Model {
    match platc::pipeline::front_end(Path::new("platform.yaml")) {
        Ok(front) => front.model,
        Err(failure) => panic!("platform.yaml does not compile: {:?}", failure.diagnostics),
    }
}

fn documents(model: &Model) -> Vec<(String, Value)> {
    match platc::render::argocd::render(model) {
        Ok(docs) => docs,
        Err(d) => panic!("argocd::render failed: {d:?}"),
    }
}

#[test]
fn documents_pass_the_strict_schemas() {
    let dir = conformance_dir();
    if !dir.is_dir() {
        eprintln!("skipping: {} not found", dir.display());
        return;
    }
    let validator = |kind: &str| {
        let file = dir.join(format!("{kind}.strict.schema.json"));
        let text = std::fs::read_to_string(&file)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", file.display()));
        let schema: Value = serde_json::from_str(&text)
            .unwrap_or_else(|e| panic!("{} is not JSON: {e}", file.display()));
        jsonschema::validator_for(&schema)
            .unwrap_or_else(|e| panic!("{} does not compile: {e}", file.display()))
    };
    let validators = [
        ("Application", validator("application")),
        ("ApplicationSet", validator("applicationset")),
        ("AppProject", validator("appproject")),
    ];

    let docs = documents(&model());
    assert!(!docs.is_empty(), "no Argo CD documents rendered");
    let mut errors = Vec::new();
    for (path, doc) in &docs {
        let kind = doc["kind"].as_str().unwrap_or_default();
        let Some((_, validator)) = validators.iter().find(|(k, _)| *k == kind) else {
            errors.push(format!("{path}: unexpected kind {kind:?}"));
            continue;
        };
        for error in validator.iter_errors(doc) {
            errors.push(format!(
                "{path} ({kind}) at {}: {error}",
                error.instance_path()
            ));
        }
    }
    // The check has teeth: a misspelled field in the rendered Application is reported.
    if let Some((_, app)) = docs.iter().find(|(_, d)| d["kind"] == "Application") {
        let mut typo = app.clone();
        typo["spec"]["syncPolicy"]["automated"]["selfheal"] = Value::Bool(true);
        assert!(
            !validators[0].1.is_valid(&typo),
            "strict schema accepted `selfheal`"
        );
    }
    for e in &errors {
        eprintln!("{e}");
    }
    assert!(
        errors.is_empty(),
        "{} schema error(s):\n{}",
        errors.len(),
        errors.join("\n")
    );
    eprintln!("{} documents valid", docs.len());
}

/// The chart and extras sources of an Application spec (the `$values` ref source has no path).
fn check_sources(model: &Model, env: &str, spec: &Value, out: &mut Vec<String>) {
    let dir = model.gitops.path.trim_matches('/');
    let want_values = format!("$values/{dir}/{env}/values.yaml");
    let want_extras = format!("{dir}/{env}/extras");
    let Some(sources) = spec["sources"].as_array() else {
        out.push(format!("{env}: no `sources`"));
        return;
    };
    let (mut values, mut extras, mut refs) = (0, 0, 0);
    for source in sources {
        for file in source["helm"]["valueFiles"]
            .as_array()
            .into_iter()
            .flatten()
        {
            values += 1;
            if file.as_str() != Some(want_values.as_str()) {
                out.push(format!("{env}: value file {file} is not {want_values:?}"));
            }
        }
        if source.get("ref").is_some() {
            refs += 1;
            if source["ref"] != "values" || source.get("path").is_some() {
                out.push(format!(
                    "{env}: ref source {source} should be `ref: values` without a path"
                ));
            }
        }
        if let Some(path) = source.get("path") {
            extras += 1;
            if path.as_str() != Some(want_extras.as_str()) {
                out.push(format!("{env}: extras path {path} is not {want_extras:?}"));
            }
        }
        if source["repoURL"] != "https://airflow.apache.org"
            && source["repoURL"] != model.gitops.repo.as_str()
        {
            out.push(format!(
                "{env}: source from unexpected repo {}",
                source["repoURL"]
            ));
        }
    }
    if (values, extras, refs) != (1, 1, 1) {
        out.push(format!(
            "{env}: want one value file, one extras path and one ref source, got {values}, {extras}, {refs}"
        ));
    }
}

#[test]
fn referenced_paths_point_into_the_output_folder() {
    let model = model();
    let docs = documents(&model);
    let mut errors = Vec::new();
    for env in &model.environments {
        let path = format!("argocd/{}.yaml", env.name);
        let Some((_, doc)) = docs.iter().find(|(p, _)| *p == path) else {
            errors.push(format!("{}: no {path}", env.name));
            continue;
        };
        let spec = match doc["kind"].as_str() {
            Some("Application") => &doc["spec"],
            Some("ApplicationSet") => &doc["spec"]["template"]["spec"],
            other => {
                errors.push(format!("{path}: unexpected kind {other:?}"));
                continue;
            }
        };
        check_sources(&model, &env.name, spec, &mut errors);
        // The values file sits where the Helm renderer writes it, inside the output folder.
        assert_eq!(
            platc::render::helm_values::path(env),
            format!("{}/values.yaml", env.name)
        );
    }
    assert!(errors.is_empty(), "{}", errors.join("\n"));
}

/// Argo CD's `globMatch` for destinations: `*` is any run of characters, a leading `!` negates.
fn glob_match(pattern: &str, value: &str) -> bool {
    fn plain(p: &[char], t: &[char]) -> bool {
        match p.split_first() {
            None => t.is_empty(),
            Some(('*', rest)) => (0..=t.len()).any(|i| plain(rest, &t[i..])),
            Some(('?', rest)) => !t.is_empty() && plain(rest, &t[1..]),
            Some((c, rest)) => t.first() == Some(c) && plain(rest, &t[1..]),
        }
    }
    let (negate, pattern) = match pattern.strip_prefix('!') {
        Some(p) => (true, p),
        None => (false, pattern),
    };
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = value.chars().collect();
    plain(&p, &t) != negate
}

/// Argo CD's `AppProject.isDestinationMatched` (v3.x) for a destination given by server: some
/// entry allows it and no deny entry (`!` in server or namespace) excludes it.
fn project_permits(project: &Value, dst: &Value) -> bool {
    let server = dst["server"].as_str().unwrap_or_default();
    let namespace = dst["namespace"].as_str().unwrap_or_default();
    let (mut any_allowed, mut none_denied) = (false, true);
    for item in project["spec"]["destinations"]
        .as_array()
        .into_iter()
        .flatten()
    {
        let item_server = item["server"].as_str().unwrap_or_default();
        let item_namespace = item["namespace"].as_str().unwrap_or_default();
        let server_matched = !server.is_empty() && glob_match(item_server, server);
        let namespace_matched = glob_match(item_namespace, namespace);
        if server_matched && namespace_matched {
            any_allowed = true;
        } else if (!server_matched && item_server.starts_with('!'))
            || (!namespace_matched && item_namespace.starts_with('!'))
        {
            none_denied = false;
        }
    }
    any_allowed && none_denied
}

/// Every Application (and ApplicationSet template) names a rendered AppProject that permits its
/// destination, with Argo CD's allow and deny semantics.
fn assert_apps_permitted(docs: &[(String, Value)]) {
    let projects: Vec<&Value> = docs
        .iter()
        .filter(|(_, d)| d["kind"] == "AppProject")
        .map(|(_, d)| d)
        .collect();
    for (path, doc) in docs {
        let spec = match doc["kind"].as_str() {
            Some("Application") => &doc["spec"],
            Some("ApplicationSet") => &doc["spec"]["template"]["spec"],
            _ => continue,
        };
        let project = projects
            .iter()
            .find(|p| p["metadata"]["name"] == spec["project"])
            .unwrap_or_else(|| panic!("{path}: project {} not rendered", spec["project"]));
        let dst = &spec["destination"];
        assert!(
            project_permits(project, dst),
            "{path}: destination {dst} not allowed by {}",
            spec["project"]
        );
    }
}

fn project<'a>(docs: &'a [(String, Value)], name: &str) -> &'a Value {
    &docs
        .iter()
        .find(|(p, _)| p == &format!("argocd/project-{name}.yaml"))
        .unwrap_or_else(|| panic!("no project-{name}"))
        .1
}

#[test]
fn every_app_is_in_a_rendered_project_and_permitted_destination() {
    let docs = documents(&model());
    assert_apps_permitted(&docs);
    // The check has teeth: dev may not deploy to prod's namespace on prod's cluster.
    let model = model();
    let prod = model
        .environments
        .iter()
        .find(|e| e.name == "prod")
        .unwrap();
    let dst = serde_json::json!({"server": prod.cluster, "namespace": prod.namespace});
    assert!(!project_permits(project(&docs, "dev"), &dst));
}

/// A dev environment of its own copied from prod, on `cluster` in `namespace`.
fn dev_env(model: &Model, name: &str, cluster: &str, namespace: &str) -> ResolvedEnvironment {
    let mut env = model
        .environments
        .iter()
        .find(|e| e.name == "prod")
        .expect("prod")
        .clone();
    env.name = name.into();
    env.class = EnvClass::Dev;
    env.cluster = cluster.into();
    env.namespace = namespace.into();
    env
}

#[test]
fn staging_on_its_own_cluster_may_use_the_prod_namespace_name() {
    // Regression: a server-less `!airflow` deny applied on every cluster and blocked it.
    let mut model = model();
    let staging = dev_env(&model, "staging", "https://10.20.0.1", "airflow");
    model.environments.push(staging);
    let docs = documents(&model);
    assert_apps_permitted(&docs);
    // Even with another dev environment on prod's cluster, the deny that would block staging
    // is left out; prod's namespace on prod's cluster is still outside every allow entry.
    let prod = model.environments[0].clone();
    let qa = dev_env(&model, "qa", &prod.cluster, "airflow-qa");
    model.environments.push(qa);
    let docs = documents(&model);
    assert_apps_permitted(&docs);
    let dst = serde_json::json!({"server": prod.cluster, "namespace": prod.namespace});
    assert!(!project_permits(project(&docs, "dev"), &dst));
}

#[test]
fn dev_on_the_prod_cluster_gets_the_prod_namespace_denied() {
    let mut model = model();
    // A preview glob (`air-*`) wide enough to cover prod's namespace on prod's cluster: the
    // isolation rule rejects such a spec, and the project must hold even so.
    model.environments[0].namespace = "air-flow".into();
    let prod = model.environments[0].clone();
    let dev = model
        .environments
        .iter_mut()
        .find(|e| e.name == "dev")
        .expect("dev");
    dev.cluster = prod.cluster.clone();
    dev.namespace = "air".into();
    let docs = documents(&model);
    let dev_project = project(&docs, "dev");
    assert!(
        dev_project["spec"]["destinations"]
            .as_array()
            .unwrap()
            .contains(&serde_json::json!({"namespace": format!("!{}", prod.namespace)}))
    );
    assert_apps_permitted(&docs);
    let dst = serde_json::json!({"server": prod.cluster, "namespace": prod.namespace});
    assert!(!project_permits(dev_project, &dst));
}
