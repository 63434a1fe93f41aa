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
    assert!(
        bundled.contains(anchor),
        "the bundled spec changed its workers line"
    );
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
    assert!(
        out.stderr.contains("resources-task-pattern"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("platform.yaml:36:"), "{}", out.stderr);
}

/// The policy runs in real Airflow: a matching task's worker pod gets the spec's request, the
/// exact key wins over the pattern, and a task nothing matches keeps the pod template's.
#[test]
fn the_cluster_policy_sets_requests_in_real_airflow_3() {
    cluster_policy_in("PLATC_AIRFLOW_3_2", "3.2.2");
}

/// The same on Airflow 3.3, the newest release platc supports.
#[test]
fn the_cluster_policy_sets_requests_in_real_airflow_3_3() {
    cluster_policy_in("PLATC_AIRFLOW_3_3", "3.3.2");
}

/// The same on Airflow 2, whose `airflow_local_settings` is loaded the same way.
#[test]
fn the_cluster_policy_sets_requests_in_real_airflow_2() {
    cluster_policy_in("PLATC_AIRFLOW_2_11", "2.11.2");
}

fn cluster_policy_in(var: &str, version: &str) {
    let Some(venv) = std::env::var_os(var) else {
        eprintln!(
            "skipped: {var} is not set (.ci/run sets it from `.ci/tools.sh airflow {version}`)"
        );
        return;
    };
    let module = local_settings(&spec_with_tasks());
    let home = tempfile::tempdir().expect("tempdir");
    std::fs::write(home.path().join("airflow_local_settings.py"), &module).expect("write module");
    let script = common::crate_dir().join("tests/rightsize/pod_hook.py");
    let output = Command::new(Path::new(&venv).join("bin/python"))
        .arg(&script)
        .args([
            "sales__daily:load",
            "sales__weekly:export",
            "marketing__daily:load",
        ])
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
        }),
        "Airflow {version}"
    );
}

mod synthetic {
    //! Synthetic cAdvisor and kube-state-metrics series for the prod namespace, one scrape a
    //! minute, with known distributions. The expected recommendations are worked out by hand
    //! from the algorithm in docs/rightsize.md, next to each series.

    use super::common::prometheus::OpenMetrics;

    /// The evaluation time of every run (2025-12-01T00:00:00Z); the window is the day before.
    pub const AT: i64 = 1_764_547_200;
    const DAY: i64 = 86_400;
    const MI: f64 = 1024.0 * 1024.0;
    const NS: &str = "airflow";

    /// A container's series from `start` for `minutes`: CPU cores and working-set bytes at
    /// each minute (the CPU counter starts at 1000 s so `rate()` never extrapolates below zero).
    fn container(
        om: &mut OpenMetrics,
        pod: &str,
        name: &str,
        start: i64,
        minutes: i64,
        at: impl Fn(i64) -> (f64, f64),
    ) {
        let labels = [("namespace", NS), ("pod", pod), ("container", name)];
        let mut counter = 1000.0;
        let mut cpu = Vec::new();
        let mut memory = Vec::new();
        for m in 0..=minutes {
            let (cores, bytes) = at(m);
            cpu.push((start + m * 60, counter));
            counter += cores * 60.0;
            memory.push((start + m * 60, bytes));
        }
        om.series("container_cpu_usage_seconds_total", &labels, &cpu);
        om.series("container_memory_working_set_bytes", &labels, &memory);
    }

    /// One KubernetesExecutor worker pod of `dag_id.task_id`, with kube-state-metrics' view of it.
    #[allow(clippy::too_many_arguments)]
    fn task_pod(
        om: &mut OpenMetrics,
        dag_id: &str,
        task_id: &str,
        run: usize,
        start: i64,
        minutes: i64,
        oom_killed: bool,
        at: impl Fn(i64) -> (f64, f64),
    ) {
        let pod = format!(
            "{}-{}-{run}",
            dag_id.replace('_', "-"),
            task_id.replace('_', "-")
        );
        container(om, &pod, "base", start, minutes, at);
        let points: Vec<(i64, f64)> = (0..=minutes).map(|m| (start + m * 60, 1.0)).collect();
        om.series(
            "kube_pod_labels",
            &[
                ("namespace", NS),
                ("pod", &pod),
                ("label_dag_id", dag_id),
                ("label_task_id", task_id),
                ("label_kubernetes_executor", "True"),
            ],
            &points,
        );
        let request: Vec<(i64, f64)> = points.iter().map(|(t, _)| (*t, 1024.0 * MI)).collect();
        om.series(
            "kube_pod_container_resource_requests",
            &[
                ("namespace", NS),
                ("pod", &pod),
                ("container", "base"),
                ("resource", "memory"),
                ("unit", "byte"),
            ],
            &request,
        );
        if oom_killed {
            let end = start + minutes * 60;
            om.series(
                "kube_pod_container_status_terminated_reason",
                &[
                    ("namespace", NS),
                    ("pod", &pod),
                    ("container", "base"),
                    ("reason", "OOMKilled"),
                ],
                &[(end - 60, 1.0), (end, 1.0)],
            );
        }
    }

    pub fn series() -> String {
        let mut om = OpenMetrics::default();
        let begin = AT - DAY + 600;
        let minutes = (DAY - 1200) / 60;
        // Steady scheduler: 0.2 cores, 600Mi. CPU p95 0.2 × 1.15 = 230m → 250m;
        // memory 600Mi × 1.15 = 690Mi → 704Mi.
        container(
            &mut om,
            "airflow-scheduler-0",
            "scheduler",
            begin,
            minutes,
            |_| (0.2, 600.0 * MI),
        );
        // Spiky API server: 0.1 cores and 400Mi, but 1.0 cores and 900Mi for 30 minutes of
        // every two hours (a quarter of the time). CPU p95 is in the spikes: 1.0 × 1.15 →
        // 1200m; memory 900Mi × 1.15 = 1035Mi → 1280Mi.
        container(
            &mut om,
            "airflow-api-server-0",
            "api-server",
            begin,
            minutes,
            |m| {
                if m % 120 < 30 {
                    (1.0, 900.0 * MI)
                } else {
                    (0.1, 400.0 * MI)
                }
            },
        );
        // Steady task, 8 runs of 20 minutes: 0.5 cores → 575m → 600m; 800Mi → 920Mi → 960Mi,
        // within 10 % of the 1Gi in force, so only CPU changes.
        for run in 0..8 {
            let start = begin + run as i64 * 3 * 3600;
            task_pod(
                &mut om,
                "sales__daily",
                "load",
                run,
                start,
                20,
                false,
                |_| (0.5, 800.0 * MI),
            );
        }
        // OOM-killed task, 6 runs: the first two killed at their 1Gi. Memory: max(1Gi × 1.2,
        // 1Gi + 100Mi) = 1228.8Mi, × 1.15 = 1413.1Mi → 1536Mi. CPU 0.3 → 345m → 350m.
        for run in 0..6 {
            let start = begin + 3600 + run as i64 * 3 * 3600;
            let peak = if run < 2 { 1000.0 } else { 950.0 };
            task_pod(
                &mut om,
                "sales__daily",
                "transform",
                run,
                start,
                25,
                run < 2,
                |m| (0.3, (peak - 25.0 + m as f64) * MI),
            );
        }
        // Spiky task, 6 runs of 40 minutes: 2 cores for the middle 15. CPU 2.0 × 1.15 → 2300m;
        // memory 300Mi → 345Mi → 384Mi.
        for run in 0..6 {
            let start = begin + 7200 + run as i64 * 3 * 3600;
            task_pod(
                &mut om,
                "marketing__daily",
                "score",
                run,
                start,
                40,
                false,
                |m| (if (12..27).contains(&m) { 2.0 } else { 0.2 }, 300.0 * MI),
            );
        }
        // Too few runs: two long runs, no recommendation.
        for run in 0..2 {
            let start = begin + 5400 + run as i64 * 10 * 3600;
            task_pod(
                &mut om,
                "sales__weekly",
                "export",
                run,
                start,
                60,
                false,
                |_| (1.5, 3000.0 * MI),
            );
        }
        om.finish()
    }
}

fn rightsize(dir: &Path, port: u16, extra: &[&str]) -> common::Outcome {
    let url = format!("http://127.0.0.1:{port}");
    let at = synthetic::AT.to_string();
    let mut args = vec![
        "rightsize",
        "--prometheus",
        &url,
        "--env",
        "prod",
        "--window",
        "1d",
        "--at",
        &at,
    ];
    args.extend_from_slice(extra);
    common::platc(dir, &args)
}

fn find<'a>(rows: &'a [Value], what: &str, resource: &str) -> &'a Value {
    rows.iter()
        .find(|r| {
            let name = match (r["component"].as_str(), r["dag_id"].as_str()) {
                (Some(c), _) => c.to_owned(),
                (None, Some(d)) => format!("{d}.{}", r["task_id"].as_str().unwrap_or_default()),
                _ => String::new(),
            };
            name == what && r["resource"] == resource
        })
        .unwrap_or_else(|| panic!("no {what} {resource} row in {rows:#?}"))
}

/// A real Prometheus over backfilled series: recommendations are the documented algorithm's,
/// `--write` keeps every comment and compiles, and a second run proposes nothing.
#[test]
fn recommends_from_a_real_prometheus_and_writes_the_spec() {
    let Some(prom) = common::prometheus::Prometheus::start(&synthetic::series()) else {
        return;
    };
    let original = common::bundled();
    let dir = common::project(&original);

    let out = rightsize(dir.path(), prom.port(), &["--format", "json"]);
    assert_eq!(out.status, 0, "{}\n{}", out.stdout, out.stderr);
    let report = common::json_stdout(&out, "rightsize --format json");
    let rows = report["recommendations"]
        .as_array()
        .expect("recommendations");
    let expect = |what: &str, resource: &str, recommended: Value, proposed: bool| {
        let row = find(rows, what, resource);
        assert_eq!(
            row["recommended"], recommended,
            "{what} {resource}: {row:#}"
        );
        assert_eq!(row["proposed"], proposed, "{what} {resource}: {row:#}");
        row
    };
    let scheduler = expect("scheduler", "cpu", json!("250m"), true);
    assert!(
        (scheduler["p95"].as_f64().unwrap_or(0.0) - 0.2).abs() < 1e-9,
        "{scheduler}"
    );
    assert_eq!(scheduler["current"], "1");
    assert_eq!(scheduler["confidence"], "high");
    expect("scheduler", "memory", json!("704Mi"), true);
    let ui = expect("ui", "cpu", json!("1200m"), true);
    assert!(
        (ui["p50"].as_f64().unwrap_or(0.0) - 0.1).abs() < 1e-9,
        "{ui}"
    );
    expect("ui", "memory", json!("1280Mi"), true);
    let load = expect("sales__daily.load", "cpu", json!("600m"), true);
    assert_eq!(load["runs"], 8);
    assert_eq!(load["source"], "workers");
    expect("sales__daily.load", "memory", json!("960Mi"), false);
    expect("sales__daily.transform", "cpu", json!("350m"), true);
    let oom = expect("sales__daily.transform", "memory", json!("1536Mi"), true);
    assert_eq!(oom["oom_kills"], 2);
    assert!(
        oom["reason"]
            .as_str()
            .unwrap_or_default()
            .starts_with("OOM-killed 2 times"),
        "{oom}"
    );
    expect("marketing__daily.score", "cpu", json!("2300m"), true);
    expect("marketing__daily.score", "memory", json!("384Mi"), true);
    let export = expect("sales__weekly.export", "cpu", Value::Null, false);
    assert_eq!(export["confidence"], "none");
    assert_eq!(export["reason"], "ran 2 times in the window; needs 5 runs");
    assert_eq!(report["changed"], true);
    assert_eq!(report["written"], false);
    assert_eq!(report["valid"], true);
    let savings = &report["savings"][0];
    assert_eq!(savings["environment"], "prod");
    assert_eq!(savings["tasks_changed"], 3);
    assert_eq!(savings["tasks_left_alone"]["too few runs"], 1);
    assert_eq!(
        std::fs::read_to_string(dir.path().join("platform.yaml")).expect("spec"),
        original,
        "without --write the spec is untouched"
    );

    let md = rightsize(dir.path(), prom.port(), &["--format", "markdown"]);
    assert_eq!(md.status, 0, "{}", md.stderr);
    assert!(
        md.stdout
            .contains("| prod | sales__weekly.export | cpu | 500m |")
            && md
                .stdout
                .contains("none (ran 2 times in the window; needs 5 runs) |")
            && md.stdout.contains("```diff\n")
            && md.stdout.contains("1 left alone (too few runs)"),
        "{}",
        md.stdout
    );

    let out = rightsize(dir.path(), prom.port(), &["--write"]);
    assert_eq!(out.status, 0, "{}\n{}", out.stdout, out.stderr);
    assert!(
        out.stdout
            .contains("+          \"sales__daily.transform\": {cpu: 350m, memory: 1536Mi}"),
        "{}",
        out.stdout
    );
    let edited = std::fs::read_to_string(dir.path().join("platform.yaml")).expect("spec");
    for line in original.lines().filter(|l| l.contains('#')) {
        assert!(edited.contains(line), "lost the line {line:?}:\n{edited}");
    }
    let validate = common::platc(dir.path(), &["validate"]);
    assert_eq!(validate.status, 0, "{}", validate.stderr);
    let path = dir.path().join("platform.yaml");
    let front = platc::pipeline::front_end(&path).expect("edited spec is valid");
    let prod = front
        .model
        .environments
        .iter()
        .find(|e| e.name == "prod")
        .expect("prod");
    assert_eq!(
        prod.airflow.resources.tasks.len(),
        3,
        "{:?}",
        prod.airflow.resources.tasks
    );
    let dev = front
        .model
        .environments
        .iter()
        .find(|e| e.name == "dev")
        .expect("dev");
    assert!(
        dev.airflow.resources.tasks.is_empty(),
        "prod's measurements stay in prod"
    );
    let tree = platc::pipeline::compile(&front, &path).expect("edited spec compiles");
    let values = tree.get("prod/values.yaml").expect("prod values");
    assert!(values.contains("sales__daily.transform"), "{values}");

    let again = rightsize(dir.path(), prom.port(), &["--format", "json"]);
    assert_eq!(again.status, 0, "{}", again.stderr);
    let report = common::json_stdout(&again, "second run");
    assert_eq!(report["changed"], false, "{}", report["diff"]);
}

/// `--window` reaches PromQL: anything but a duration is refused before a query is built.
#[test]
fn a_window_that_is_no_duration_is_refused() {
    let dir = common::project(common::bundled());
    let out = common::platc(
        dir.path(),
        &[
            "rightsize",
            "--prometheus",
            "http://127.0.0.1:1",
            "--window",
            "1d]) or vector(1",
        ],
    );
    assert_eq!(out.status, 2, "{}", out.stderr);
    assert!(out.stderr.contains("resources-rightsize"), "{}", out.stderr);
}

#[test]
fn an_unreachable_prometheus_is_an_error_with_exit_2() {
    let dir = common::project(common::bundled());
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port");
    let out = rightsize(dir.path(), port, &["--timeout", "5"]);
    assert_eq!(out.status, 2, "{}", out.stderr);
    assert!(
        out.stderr.contains("rightsize-prometheus"),
        "{}",
        out.stderr
    );
}
