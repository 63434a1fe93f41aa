//! The rendered Helm values validate against the Airflow chart's own `values.schema.json`:
//! chart 1.22.0 for the bundled spec, chart 1.21.0 for the same spec moved to Airflow 2.11.

use std::path::{Path, PathBuf};

use platc::render::helm_values;
use platc::render::image::ImageRef;
use platc::resolve::Model;
use serde_json::Value;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The chart schema, or `None` (after saying so) when the conformance data is not there.
fn chart_schema(folder: &str) -> Option<Value> {
    let path = root()
        .join("../shared/conformance")
        .join(folder)
        .join("values.schema.json");
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
            eprintln!("skipping: {} not found", path.display());
            return None;
        }
        Err(err) => panic!("cannot read {}: {err}", path.display()),
    };
    Some(
        serde_json::from_str(&text)
            .unwrap_or_else(|err| panic!("{} is not JSON: {err}", path.display())),
    )
}

fn image() -> ImageRef {
    ImageRef {
        repository: "europe-west1-docker.pkg.dev/example/airflow/airflow".into(),
        tag: "3.2.2-0123456789ab".into(),
    }
}

/// Renders every environment and validates each values document; panics listing every error.
fn check(model: &Model, schema: &Value, chart: &str) {
    let validator = jsonschema::validator_for(schema)
        .unwrap_or_else(|err| panic!("chart {chart} schema does not compile: {err}"));
    let mut failures = Vec::new();
    for env in &model.environments {
        let values = match helm_values::render(model, env, &image()) {
            Ok(values) => values,
            Err(d) => {
                failures.push(format!("{}: render failed: {d:?}", env.name));
                continue;
            }
        };
        // What Helm sees is the YAML text; make sure the JSON is what it parses to.
        let mut values: Value = serde_json::from_str(&values.to_string()).expect("round trip");
        // A preview is validated as one of its branches gets it: the parameters applied.
        for (name, template) in helm_values::branch_parameters(model, env) {
            set_path(
                &mut values,
                &name,
                &template.replace("{{ .branch }}", "feature/hardy"),
            );
        }
        // Helm merges the values over the chart's defaults before it validates them, and a
        // `null` there deletes the default (how platc drops the chart's deprecated
        // `workers.logGroomerSidecar` settings); validate what Helm validates.
        drop_nulls(&mut values);
        let mut errors = 0;
        for error in validator.iter_errors(&values) {
            errors += 1;
            failures.push(format!(
                "{} (chart {chart}): at `{}`: {error}",
                env.name,
                error.instance_path()
            ));
        }
        eprintln!(
            "{} (chart {chart}, Airflow {}): {errors} schema errors",
            env.name, env.airflow.version
        );
    }
    for failure in &failures {
        eprintln!("{failure}");
    }
    assert!(failures.is_empty(), "{} problems", failures.len());
}

/// Removes every `null` member, as Helm's merge over the chart defaults does.
fn drop_nulls(value: &mut Value) {
    match value {
        Value::Object(map) => {
            map.retain(|_, v| !v.is_null());
            map.values_mut().for_each(drop_nulls);
        }
        Value::Array(items) => items.iter_mut().for_each(drop_nulls),
        _ => {}
    }
}

/// Applies a Helm `--set` style parameter (dots separate keys, `\\.` is a literal dot).
fn set_path(values: &mut Value, name: &str, value: &str) {
    let mut keys = vec![String::new()];
    let mut chars = name.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => keys.last_mut().unwrap().extend(chars.next()),
            '.' => keys.push(String::new()),
            c => keys.last_mut().unwrap().push(c),
        }
    }
    let mut slot = values;
    for key in keys {
        if !slot.is_object() {
            *slot = Value::Object(Default::default());
        }
        slot = slot
            .as_object_mut()
            .unwrap()
            .entry(key)
            .or_insert(Value::Null);
    }
    *slot = Value::String(value.to_owned());
}

#[test]
fn the_schema_check_is_not_vacuous() {
    let Some(schema) = chart_schema("airflow-chart") else {
        return;
    };
    let validator = jsonschema::validator_for(&schema).expect("compiles");
    let bad = serde_json::json!({
        "dags": {"gitSync": {"enabled": true, "rpeo": "x"}},
        "ingress": {"apiServer": {"hosts": [{"host": "a"}]}},
    });
    assert_eq!(validator.iter_errors(&bad).count(), 2);
}

fn bundled_spec_text() -> String {
    std::fs::read_to_string(root().join("platform.yaml")).expect("platform.yaml")
}

fn front_end_model(path: &Path) -> Model {
    match platc::pipeline::front_end(path) {
        Ok(front) => front.model,
        Err(failure) => panic!("{} fails: {:?}", path.display(), failure.diagnostics),
    }
}

#[test]
fn bundled_spec_validates_against_chart_1_22_0() {
    let Some(schema) = chart_schema("airflow-chart") else {
        return;
    };
    let model = front_end_model(&root().join("platform.yaml"));
    assert!(
        model
            .environments
            .iter()
            .all(|e| e.airflow.chart == "1.22.0")
    );
    check(&model, &schema, "1.22.0");
}

/// The bundled spec on chart 1.21.0 with Airflow 2.11.2, its tuning in the 2.11 option names.
fn spec_for_airflow_2() -> String {
    let text = bundled_spec_text();
    let start = text
        .find("  config:\n")
        .expect("airflow.config in platform.yaml");
    let end = start
        + text[start..]
            .find("\ndags:")
            .expect("dags section after airflow.config");
    let config = "  config:
    scheduler:
      parsing_processes: 8
    webserver:
      page_size: 50
      worker_refresh_interval: 1800
      web_server_worker_timeout: 300
    core:
      default_task_weight_rule: absolute
";
    let mut text = format!("{}{}{}", &text[..start], config, &text[end..]);
    for (from, to) in [
        ("version: 3.2.2", "version: 2.11.2"),
        ("chart: 1.22.0", "chart: 1.21.0"),
    ] {
        assert!(text.contains(from), "platform.yaml no longer says `{from}`");
        text = text.replacen(from, to, 1);
    }
    text
}

#[test]
fn airflow_2_spec_validates_against_chart_1_21_0() {
    let Some(schema) = chart_schema("airflow-chart-1.21.0") else {
        return;
    };
    let doc = platc::load::load_str("platform.yaml", spec_for_airflow_2())
        .unwrap_or_else(|d| panic!("edited spec does not load: {d:?}"));
    let model = match platc::pipeline::front_end_doc(doc) {
        Ok(front) => front.model,
        Err(failure) => panic!("edited spec fails: {:?}", failure.diagnostics),
    };
    assert!(
        model
            .environments
            .iter()
            .all(|e| e.airflow.chart == "1.21.0" && e.airflow.version == "2.11.2")
    );
    check(&model, &schema, "1.21.0");
    for env in &model.environments {
        let values = helm_values::render(&model, env, &image()).expect("renders");
        assert!(values.get("webserverSecretKeySecretName").is_some());
        assert!(values["ingress"].get("web").is_some());
    }
}

#[test]
fn bundled_spec_on_chart_1_21_0_with_airflow_3_validates() {
    let Some(schema) = chart_schema("airflow-chart-1.21.0") else {
        return;
    };
    let text = bundled_spec_text().replacen("chart: 1.22.0", "chart: 1.21.0", 1);
    let doc = platc::load::load_str("platform.yaml", text)
        .unwrap_or_else(|d| panic!("edited spec does not load: {d:?}"));
    let model = match platc::pipeline::front_end_doc(doc) {
        Ok(front) => front.model,
        Err(failure) => panic!("edited spec fails: {:?}", failure.diagnostics),
    };
    check(&model, &schema, "1.21.0");
}
