//! `platc rightsize` and the per-task requests, against the real consumers: the cluster policy
//! run by real Airflow with the cncf-kubernetes provider's pod generator, and (in
//! `rightsize_prometheus`) recommendations read from a real Prometheus.

mod common;

use std::path::Path;
use std::process::Command;

use serde_json::{Value, json};

/// The bundled spec with per-task requests: one exact task, one pattern.
fn spec_with_tasks() -> String {
    let anchor = "    workers: {cpu: 500m, memory: 1Gi}     # each task's pod\n";
    let bundled = common::bundled();
    assert!(bundled.contains(anchor), "the bundled spec changed its workers line");
    bundled.replace(
        anchor,
        &format!(
            "{anchor}    tasks:\n      \"sales__daily.load\": {{cpu: 1200m, memory: 1536Mi}}\n      \"sales__*.*\": {{cpu: 250m, memory: 512Mi}}\n"
        ),
    )
}

fn local_settings(spec: &str) -> String {
    let dir = common::project(spec);
    let path = dir.path().join("platform.yaml");
    let front = platc::pipeline::front_end(&path).expect("spec with tasks is valid");
    let tree = platc::pipeline::compile(&front, &path).expect("spec with tasks compiles");
    let values = tree.get("prod/values.yaml").expect("prod values");
    let doc = platc::load::load_str("values.yaml", values.to_owned()).expect("values load");
    doc.value["airflowLocalSettings"]
        .as_str()
        .expect("airflowLocalSettings is set")
        .to_owned()
}

#[test]
fn no_tasks_leave_the_charts_local_settings_alone() {
    let dir = common::project(common::bundled());
    let path = dir.path().join("platform.yaml");
    let front = platc::pipeline::front_end(&path).expect("bundled spec");
    let tree = platc::pipeline::compile(&front, &path).expect("compiles");
    let values = tree.get("prod/values.yaml").expect("prod values");
    assert!(!values.contains("airflowLocalSettings"));
}

#[test]
fn a_bad_task_pattern_is_a_located_error() {
    let spec = spec_with_tasks().replace("\"sales__*.*\"", "\"sales; import os\"");
    let dir = common::project(spec);
    let out = common::platc(dir.path(), &["validate"]);
    assert_eq!(out.status, 1, "{}", out.stderr);
    assert!(out.stderr.contains("resources-task-pattern"), "{}", out.stderr);
    assert!(out.stderr.contains("platform.yaml:36:"), "{}", out.stderr);
}

/// The policy runs in real Airflow: a matching task's worker pod gets the spec's request, the
/// exact key wins over the pattern, and a task nothing matches keeps the pod template's.
#[test]
fn the_cluster_policy_sets_requests_in_real_airflow() {
    let Some(venv) = std::env::var_os("PLATC_AIRFLOW_3_2") else {
        eprintln!("skipped: PLATC_AIRFLOW_3_2 is not set (.ci/run sets it from `.ci/tools.sh airflow 3.2.2`)");
        return;
    };
    let module = local_settings(&spec_with_tasks());
    let home = tempfile::tempdir().expect("tempdir");
    std::fs::write(home.path().join("airflow_local_settings.py"), &module).expect("write module");
    let script = common::crate_dir().join("tests/rightsize/pod_hook.py");
    let output = Command::new(Path::new(&venv).join("bin/python"))
        .arg(&script)
        .args(["sales__daily:load", "sales__weekly:export", "marketing__daily:load"])
        .env("AIRFLOW_HOME", home.path())
        .env("PYTHONPATH", home.path())
        .env("AIRFLOW__CORE__LOAD_EXAMPLES", "False")
        .output()
        .expect("run python");
    assert!(
        output.status.success(),
        "{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    let got: Value = serde_json::from_slice(&output.stdout).expect("JSON from the script");
    assert_eq!(
        got,
        json!({
            "sales__daily.load": {"requests": {"cpu": "1200m", "memory": "1536Mi"}, "limits": {"memory": "1536Mi"}},
            "sales__weekly.export": {"requests": {"cpu": "250m", "memory": "512Mi"}, "limits": {"memory": "512Mi"}},
            "marketing__daily.load": {"requests": {"cpu": "500m", "memory": "1Gi"}, "limits": {"memory": "1Gi"}},
        })
    );
}
