//! Monitoring output checked against the real programs that consume it: a real Prometheus
//! (through `tests/common/prometheus.rs`) and promtool.

mod common;

use common::prometheus::{OpenMetrics, Prometheus, result_len};

const T0: i64 = 1_700_000_000;

#[test]
fn the_test_prometheus_serves_backfilled_series_on_loopback() {
    let mut om = OpenMetrics::default();
    om.series(
        "airflow_dagrun_duration_sum",
        &[("dag_id", "etl \"daily\"")],
        &[(T0 + 60, 7.0), (T0, 3.0)],
    );
    om.series(
        "airflow_dagrun_duration_sum",
        &[("dag_id", "report")],
        &[(T0, 1.0)],
    );
    let Some(prom) = Prometheus::start(&om.finish()) else {
        return;
    };
    let now = prom
        .query("sum(airflow_dagrun_duration_sum)", T0 + 60)
        .unwrap();
    // `report` is still within the 5m lookback at T0+60.
    assert_eq!(now["result"][0]["value"][1], "8", "{now}");
    let both = prom.query("airflow_dagrun_duration_sum", T0 + 30).unwrap();
    assert_eq!(result_len(&both), 2, "{both}");
    let quoted = prom
        .query(r#"airflow_dagrun_duration_sum{dag_id="etl \"daily\""}"#, T0)
        .unwrap();
    assert_eq!(result_len(&quoted), 1, "{quoted}");
    let range = prom
        .query_range(
            "airflow_dagrun_duration_sum{dag_id=~\"etl.*\"}",
            T0,
            T0 + 60,
            30,
        )
        .unwrap();
    assert_eq!(
        range["result"][0]["values"].as_array().map(Vec::len),
        Some(3),
        "{range}"
    );
    let err = prom.query("sum(", T0).unwrap_err();
    assert!(err.contains("bad_data"), "{err}");
}

// ---------------------------------------------------------------------------------------------
// The generated monitoring of the bundled spec (and of its Airflow 2 and 3.3 variants).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use platc::render::monitoring::metrics::{self, FAMILIES, Kind};
use platc::render::monitoring::statsd::{self, Mapping};
use platc::render::monitoring::{Scope, dashboards, rules};
use platc::resolve::Model;
use serde_json::{Value, json};

/// The bundled spec with its Airflow (and chart) version replaced; options of newer releases
/// removed for Airflow 2.
fn spec_on(version: &str) -> String {
    let text = common::bundled();
    let (chart, keep_config) = match version {
        v if v.starts_with('2') => ("1.21.0", false),
        _ => ("1.22.0", true),
    };
    let mut out = String::new();
    let mut skipping = false;
    let (mut versions, mut charts) = (0, 0);
    for line in text.lines() {
        if line.starts_with("  version: ") {
            versions += 1;
            out.push_str(&format!("  version: {version}\n"));
            continue;
        }
        if line.starts_with("  chart: ") {
            charts += 1;
            out.push_str(&format!("  chart: {chart}\n"));
            continue;
        }
        if !keep_config && line == "  config:" {
            skipping = true;
            continue;
        }
        if skipping {
            if line.starts_with("    ") || line.trim_start().starts_with('#') {
                continue;
            }
            skipping = false;
        }
        out.push_str(line);
        out.push('\n');
    }
    assert_eq!(
        (versions, charts),
        (1, 1),
        "the bundled spec's `airflow.version` and `airflow.chart` lines were not found once each"
    );
    out
}

/// The model of the bundled spec on Airflow `version`, every environment checked to run it.
fn model_on(version: &str) -> Model {
    let model = model_of(&spec_on(version));
    for env in &model.environments {
        assert_eq!(
            env.airflow.version, version,
            "{}: spec_on did not move the environment to Airflow {version}",
            env.name
        );
    }
    model
}

fn model_of(spec: &str) -> Model {
    let dir = common::project(spec);
    match platc::pipeline::front_end(&dir.path().join("platform.yaml")) {
        Ok(front) => front.model,
        Err(failure) => panic!("spec does not compile: {:?}", failure.diagnostics),
    }
}

fn scope<'m>(model: &'m Model, env: &str) -> Scope<'m> {
    let env = model
        .environments
        .iter()
        .find(|e| e.name == env)
        .unwrap_or_else(|| panic!("no environment {env}"));
    Scope::of(model, env).expect("monitoring is on")
}

fn yaml(value: &Value) -> String {
    platc::yaml::value_to_yaml(value)
}

// ---- statsd_exporter's matching, as its mapper does it --------------------------------------

/// A StatsD line with InfluxDB-style tags: (name, tags, type).
fn parse_line(line: &str) -> (String, BTreeMap<String, String>, String) {
    let (head, rest) = line.split_once(':').expect("name:value");
    let kind = rest.split('|').nth(1).expect("|type").to_owned();
    let mut parts = head.split(',');
    let name = parts.next().unwrap_or_default().to_owned();
    let tags = parts
        .map(|t| {
            let (k, v) = t.split_once('=').expect("tag=value");
            (k.to_owned(), v.to_owned())
        })
        .collect();
    (name, tags, kind)
}

fn metric_type(statsd_type: &str) -> &'static str {
    match statsd_type {
        "c" => "counter",
        "g" => "gauge",
        _ => "observer",
    }
}

/// The mapping statsd_exporter picks for `name` and the labels it sets: glob mappings first
/// (component by component, `*` one whole component, the first in file order winning), then
/// regular expressions in file order (unanchored, as Go's FindStringSubmatchIndex).
fn map<'m>(
    mappings: &'m [Mapping],
    name: &str,
    kind: &str,
) -> Option<(&'m Mapping, BTreeMap<String, String>)> {
    let parts: Vec<&str> = name.split('.').collect();
    let type_ok = |m: &Mapping| m.match_metric_type.is_none_or(|t| t == kind);
    for m in mappings.iter().filter(|m| m.match_type.is_none()) {
        let pattern: Vec<&str> = m.pattern.split('.').collect();
        if pattern.len() != parts.len() || !type_ok(m) {
            continue;
        }
        let mut captures = Vec::new();
        let matched = pattern.iter().zip(&parts).all(|(p, s)| {
            if *p == "*" {
                captures.push(*s);
                !s.is_empty()
            } else {
                p == s
            }
        });
        if matched {
            let labels = m
                .labels
                .iter()
                .map(|(k, v)| {
                    let mut value = v.clone();
                    for (i, c) in captures.iter().enumerate() {
                        value = value.replace(&format!("${}", i + 1), c);
                    }
                    (k.to_string(), value)
                })
                .collect();
            return Some((m, labels));
        }
    }
    for m in mappings.iter().filter(|m| m.match_type == Some("regex")) {
        let re = regex::Regex::new(&m.pattern).expect("mapping regex compiles");
        if re.is_match(name) && type_ok(m) {
            return Some((m, BTreeMap::new()));
        }
    }
    None
}

#[test]
fn statsd_lines_map_to_labelled_families() {
    let dir = common::crate_dir().join("tests/data/statsd");
    for version in ["2.11.2", "3.2.2", "3.3.2"] {
        let airflow3 = version.starts_with('3');
        let mappings = statsd::mappings("prod", airflow3);
        let text = std::fs::read_to_string(dir.join(format!("{version}.txt"))).expect("lines");
        let mut seen = std::collections::BTreeSet::new();
        for line in text.lines().filter(|l| !l.is_empty()) {
            let (name, tags, kind) = parse_line(line);
            let kind = metric_type(&kind);
            let (mapping, labels) = map(&mappings, &name, kind)
                .unwrap_or_else(|| panic!("{version}: no mapping matches `{line}`"));
            let legacy = name.contains("etl.daily") || name.contains("etl__daily");
            if mapping.action == Some("drop") {
                // Dropped: legacy names (ids inside) and what platc does not chart.
                assert!(
                    legacy || !is_charted(airflow3, &name),
                    "{version}: `{line}` is a charted family but dropped"
                );
                continue;
            }
            assert!(
                !legacy,
                "{version}: legacy line `{line}` is mapped to {}",
                mapping.name
            );
            let family = kept_family(version, line, &name, &mapping.name);
            seen.insert(family.name);
            // The exporter's labels: the tags, then the mapping's own.
            let mut all: BTreeMap<String, String> = tags.clone();
            all.extend(labels);
            assert_eq!(
                all.get("environment").map(String::as_str),
                Some("prod"),
                "{line}"
            );
            let mut names: Vec<&str> = all.keys().map(String::as_str).collect();
            names.sort_unstable();
            let mut expected = metrics::labels(family);
            expected.sort_unstable();
            for label in &expected {
                assert!(
                    names.contains(label),
                    "{version}: `{line}` lacks label {label}: {all:?}"
                );
            }
            if let Some(dag) = tags.get("dag_id") {
                assert_eq!(dag, "etl.daily", "{line}");
            }
            if family.name == "airflow_dagrun_duration_seconds" {
                let state = all.get("state").map(String::as_str);
                assert!(
                    matches!(state, Some("success" | "failed")),
                    "{line}: {all:?}"
                );
            }
        }
        // Every family the version sends was seen, the task group's task under its full id.
        for family in metrics::families(airflow3) {
            assert!(
                seen.contains(family.name),
                "{version}: no line maps to {}",
                family.name
            );
        }
        assert!(
            text.contains("task_id=load.upsert"),
            "{version}: no task-group task"
        );
    }
}

/// Airflow's own StatsD name of each family, as the metric tables of Airflow's docs (2.11 and
/// 3.x "Metric Descriptions") list it, written here apart from `FAMILIES` so that a mistyped
/// name in the table that builds the mapping cannot also build the expectation.
const AIRFLOW_NAMES: &[(&str, &str)] = &[
    (
        "airflow_dagrun_duration_seconds",
        "airflow.dagrun.duration.*",
    ),
    (
        "airflow_dagrun_schedule_delay_seconds",
        "airflow.dagrun.schedule_delay",
    ),
    (
        "airflow_dagrun_first_task_scheduling_delay_seconds",
        "airflow.dagrun.first_task_scheduling_delay",
    ),
    ("airflow_task_duration_seconds", "airflow.task.duration"),
    (
        "airflow_task_queued_duration_seconds",
        "airflow.task.queued_duration",
    ),
    ("airflow_task_start_total", "airflow.ti.start"),
    ("airflow_task_finish_total", "airflow.ti.finish"),
    ("airflow_pool_open_slots", "airflow.pool.open_slots"),
    ("airflow_pool_queued_slots", "airflow.pool.queued_slots"),
    ("airflow_pool_running_slots", "airflow.pool.running_slots"),
    ("airflow_pool_starving_tasks", "airflow.pool.starving_tasks"),
    ("airflow_executor_open_slots", "airflow.executor.open_slots"),
    (
        "airflow_executor_queued_tasks",
        "airflow.executor.queued_tasks",
    ),
    (
        "airflow_executor_running_tasks",
        "airflow.executor.running_tasks",
    ),
    (
        "airflow_scheduler_tasks_starving",
        "airflow.scheduler.tasks.starving",
    ),
    (
        "airflow_scheduler_heartbeat_total",
        "airflow.scheduler_heartbeat",
    ),
    (
        "airflow_triggerer_heartbeat_total",
        "airflow.triggerer_heartbeat",
    ),
    (
        "airflow_dag_processor_heartbeat_total",
        "airflow.dag_processor_heartbeat",
    ),
    (
        "airflow_dag_processing_import_errors",
        "airflow.dag_processing.import_errors",
    ),
    (
        "airflow_dag_processing_total_parse_time_seconds",
        "airflow.dag_processing.total_parse_time",
    ),
    ("airflow_dagbag_size", "airflow.dagbag_size"),
];

/// Families platc maps for a version that its recording does not have: (version, family, why).
/// tests/data/statsd/README.md lists the same. Empty: every family each version gets was seen.
const NOT_RECORDED: &[(&str, &str, &str)] = &[];

/// Whether the statsd_exporter glob `pattern` (`*` one whole, non-empty component) matches
/// `name`.
/// The family a kept StatsD line is mapped to, after checking that Airflow sends that family
/// under the line's name (Airflow's names come from this test's own table, not the mapping's).
fn kept_family(version: &str, line: &str, name: &str, mapped: &str) -> &'static metrics::Family {
    let family = FAMILIES
        .iter()
        .find(|f| f.name == mapped)
        .expect("mapped to a family");
    assert!(
        glob_matches(airflow_name(family.name), name),
        "{version}: `{line}` is mapped to {}, which Airflow sends as {}",
        family.name,
        airflow_name(family.name)
    );
    family
}

fn glob_matches(pattern: &str, name: &str) -> bool {
    let pattern: Vec<&str> = pattern.split('.').collect();
    let parts: Vec<&str> = name.split('.').collect();
    pattern.len() == parts.len()
        && pattern
            .iter()
            .zip(&parts)
            .all(|(p, s)| if *p == "*" { !s.is_empty() } else { p == s })
}

/// Airflow's StatsD name (glob) of the family named `family`, from `AIRFLOW_NAMES`.
fn airflow_name(family: &str) -> &'static str {
    AIRFLOW_NAMES
        .iter()
        .find(|(n, _)| *n == family)
        .map(|(_, glob)| *glob)
        .unwrap_or_else(|| panic!("{family} is not in AIRFLOW_NAMES"))
}

/// Whether `name` is, by Airflow's own names, the StatsD name of a family platc maps for
/// Airflow 3 (`airflow3`) or 2.
fn is_charted(airflow3: bool, name: &str) -> bool {
    metrics::families(airflow3).any(|f| glob_matches(airflow_name(f.name), name))
}

/// Whether a StatsD name has one of the recorded run's ids baked in (a legacy name): the DAG id
/// `etl.daily` (`etl__daily` where dots are replaced) or its file `etl_daily`.
fn has_ids_in_name(name: &str) -> bool {
    ["etl.daily", "etl__daily", "etl_daily"]
        .iter()
        .any(|id| name.contains(id))
}

#[test]
fn airflow_names_cover_every_family() {
    let expected: std::collections::BTreeSet<&str> =
        AIRFLOW_NAMES.iter().map(|(n, _)| *n).collect();
    let families: std::collections::BTreeSet<&str> = FAMILIES.iter().map(|f| f.name).collect();
    assert_eq!(
        expected, families,
        "AIRFLOW_NAMES and FAMILIES name other families"
    );
    for (version, family, why) in NOT_RECORDED {
        assert!(
            families.contains(family),
            "{version}: {family} is no family"
        );
        assert!(!why.is_empty(), "{version}: {family} needs a reason");
    }
}

/// Lines recorded from real Airflow runs (see tests/data/statsd/README.md): every family the
/// version gets is seen (bar `NOT_RECORDED`); every line the mapping keeps has the StatsD name
/// Airflow gives its family (`AIRFLOW_NAMES`) and all of its labels, the DAG and task ids intact
/// (task-group and dotted ids included); no line of a charted family is dropped; every legacy
/// line (ids in its name) is dropped; and the per-DAG and per-task series the run made (the task
/// group's task, the retry, the failed task and run) are there under their ids as labels.
#[test]
fn recorded_statsd_lines_map_to_labelled_families() {
    let dir = common::crate_dir().join("tests/data/statsd/recorded");
    // (family, task_id, state) of the series with dag_id=etl.daily each recording must have
    // ("" where the family has no such label).
    let made = [
        ("airflow_task_duration_seconds", "extract", ""),
        ("airflow_task_duration_seconds", "load.upsert", ""),
        ("airflow_task_duration_seconds", "flaky", ""),
        ("airflow_task_start_total", "load.upsert", ""),
        ("airflow_task_start_total", "flaky", ""),
        ("airflow_task_finish_total", "load.upsert", "success"),
        ("airflow_task_finish_total", "flaky", "up_for_retry"),
        ("airflow_task_finish_total", "flaky", "failed"),
        ("airflow_dagrun_duration_seconds", "", "failed"),
        // What only a run the scheduler made sends.
        ("airflow_dagrun_schedule_delay_seconds", "", ""),
        ("airflow_dagrun_first_task_scheduling_delay_seconds", "", ""),
    ];
    for version in ["2.11.2", "3.2.2", "3.3.2"] {
        let airflow3 = version.starts_with('3');
        let mappings = statsd::mappings("prod", airflow3);
        let text = std::fs::read_to_string(dir.join(format!("{version}.txt"))).expect("lines");
        let mut kept = 0;
        let mut legacy = 0;
        let mut seen = std::collections::BTreeSet::new();
        let mut series = std::collections::BTreeSet::new();
        for line in text.lines().filter(|l| !l.is_empty()) {
            let (name, tags, kind) = parse_line(line);
            let (mapping, labels) = map(&mappings, &name, metric_type(&kind))
                .unwrap_or_else(|| panic!("{version}: no mapping matches `{line}`"));
            if has_ids_in_name(&name) {
                legacy += 1;
                assert_eq!(
                    mapping.action,
                    Some("drop"),
                    "{version}: legacy line `{line}` is mapped to {}",
                    mapping.name
                );
            }
            if mapping.action == Some("drop") {
                assert!(
                    !is_charted(airflow3, &name),
                    "{version}: `{line}` is a charted family but dropped"
                );
                continue;
            }
            kept += 1;
            let family = kept_family(version, line, &name, &mapping.name);
            seen.insert(family.name);
            let mut all: BTreeMap<String, String> = tags.clone();
            all.extend(labels);
            assert_eq!(all.get("environment").map(String::as_str), Some("prod"));
            for label in metrics::labels(family) {
                assert!(
                    all.contains_key(label),
                    "{version}: `{line}` lacks label {label}: {all:?}"
                );
            }
            if let Some(dag) = all.get("dag_id") {
                assert_eq!(dag, "etl.daily", "{line}");
            }
            if let Some(task) = all.get("task_id") {
                assert!(
                    ["extract", "load.upsert", "flaky"].contains(&task.as_str()),
                    "{version}: `{line}` has task_id {task}"
                );
            }
            let label = |key: &str| all.get(key).cloned().unwrap_or_default();
            if all.contains_key("dag_id") {
                series.insert((family.name, label("task_id"), label("state")));
            }
        }
        assert!(kept > 0, "{version}: the mapping keeps no recorded line");
        assert!(legacy > 0, "{version}: no legacy line to check");
        for family in metrics::families(airflow3) {
            let excused = NOT_RECORDED
                .iter()
                .any(|(v, f, _)| *v == version && *f == family.name);
            assert_eq!(
                seen.contains(family.name),
                !excused,
                "{version}: {} {} (NOT_RECORDED lists the families a recording lacks)",
                family.name,
                if excused {
                    "is seen although excused"
                } else {
                    "is never seen"
                }
            );
        }
        for (family, task, state) in &made {
            assert!(
                series.contains(&(family, (*task).to_owned(), (*state).to_owned())),
                "{version}: no {family} series for dag_id=etl.daily task_id={task:?} \
                 state={state:?}; have {series:?}"
            );
        }
    }
}

// ---- rules: promtool check rules and promtool test rules ------------------------------------

fn promtool_ok(args: &[&str], dir: &Path) -> String {
    let out = Command::new("promtool")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run promtool");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "promtool {args:?} failed:\n{text}");
    text
}

/// Alert expectations: (eval time, alert, labels of each firing alert besides the rule's).
type Expect = (
    &'static str,
    &'static str,
    Vec<Vec<(&'static str, &'static str)>>,
);

fn unit_test(rule_labels: &BTreeMap<String, String>, airflow3: bool) -> Value {
    let a = r#"environment="prod",namespace="airflow""#;
    let s = |series: String, values: &str| json!({ "series": series, "values": values });
    let mut input = vec![
        // etl__daily fails at minute 10; reports__weekly only succeeds; staging is not ours.
        s(format!(r#"airflow_dagrun_duration_seconds_count{{{a},dag_id="etl__daily",run_type="scheduled",state="failed"}}"#), "0x9 1x50"),
        s(format!(r#"airflow_dagrun_duration_seconds_count{{{a},dag_id="reports__weekly",run_type="scheduled",state="success"}}"#), "0+1x60"),
        s(r#"airflow_dagrun_duration_seconds_count{environment="staging",namespace="staging",dag_id="etl__daily",run_type="scheduled",state="failed"}"#.to_owned(), "0+1x60"),
        // Both start 30 minutes late: over etl's 15m default, under the 1h of reports__*.
        s(format!(r#"airflow_dagrun_schedule_delay_seconds_sum{{{a},dag_id="etl__daily"}}"#), "0+1800x60"),
        s(format!(r#"airflow_dagrun_schedule_delay_seconds_count{{{a},dag_id="etl__daily"}}"#), "0+1x60"),
        s(format!(r#"airflow_dagrun_schedule_delay_seconds_sum{{{a},dag_id="reports__weekly"}}"#), "0+1800x60"),
        s(format!(r#"airflow_dagrun_schedule_delay_seconds_count{{{a},dag_id="reports__weekly"}}"#), "0+1x60"),
        // The scheduler beats all along, the triggerer stops at minute 20, the DAG processor
        // never reports.
        s(format!(r#"airflow_scheduler_heartbeat_total{{{a}}}"#), "0+5x60"),
        s(format!(r#"airflow_triggerer_heartbeat_total{{{a}}}"#), "0+5x20 100x40"),
        s(format!(r#"airflow_dag_processing_import_errors{{{a}}}"#), "0x14 2x45"),
        s(format!(r#"airflow_pool_starving_tasks{{{a},pool_name="default_pool"}}"#), "0x60"),
        s(format!(r#"airflow_pool_starving_tasks{{{a},pool_name="etl_pool"}}"#), "3x60"),
        // Pod a (a task-group task) is OOM-killed, pod b completed; pod c waits for a node.
        s(r#"kube_pod_container_status_terminated_reason{namespace="airflow",pod="a",container="base",reason="OOMKilled"}"#.to_owned(), "1x60"),
        s(r#"kube_pod_container_status_terminated_reason{namespace="airflow",pod="b",container="base",reason="Completed"}"#.to_owned(), "1x60"),
        s(r#"kube_pod_labels{namespace="airflow",pod="a",label_dag_id="etl__daily",label_task_id="load.upsert"}"#.to_owned(), "1x60"),
        s(r#"kube_pod_labels{namespace="airflow",pod="b",label_dag_id="etl__daily",label_task_id="extract"}"#.to_owned(), "1x60"),
        s(r#"kube_pod_labels{namespace="airflow",pod="c",label_dag_id="reports__weekly",label_task_id="render"}"#.to_owned(), "1x60"),
        s(r#"kube_pod_status_phase{namespace="airflow",pod="c",phase="Pending"}"#.to_owned(), "1x60"),
        s(r#"kube_pod_status_phase{namespace="airflow",pod="b",phase="Pending"}"#.to_owned(), "0x60"),
        // Another namespace's OOM is not this environment's.
        s(r#"kube_pod_container_status_terminated_reason{namespace="other",pod="z",container="base",reason="OOMKilled"}"#.to_owned(), "1x60"),
        s(r#"kube_pod_labels{namespace="other",pod="z",label_dag_id="x",label_task_id="y"}"#.to_owned(), "1x60"),
    ];
    if airflow3 {
        // Keeps the scheduler-only case honest: a series of another environment only.
        input.push(s(
            r#"airflow_dag_processor_heartbeat_total{environment="staging",namespace="staging"}"#
                .to_owned(),
            "0+5x60",
        ));
    }
    let mut expect: Vec<Expect> = vec![
        ("5m", "AirflowDagRunFailed", vec![]),
        (
            "30m",
            "AirflowDagRunFailed",
            vec![vec![("dag_id", "etl__daily")]],
        ),
        (
            "30m",
            "AirflowDagScheduleDelayed",
            vec![vec![("dag_id", "etl__daily")]],
        ),
        ("30m", "AirflowSchedulerHeartbeatMissing", vec![]),
        ("10m", "AirflowTriggererHeartbeatMissing", vec![]),
        ("30m", "AirflowTriggererHeartbeatMissing", vec![vec![]]),
        ("20m", "AirflowDagImportErrors", vec![]),
        ("30m", "AirflowDagImportErrors", vec![vec![]]),
        ("10m", "AirflowPoolStarving", vec![]),
        (
            "30m",
            "AirflowPoolStarving",
            vec![vec![("pool_name", "etl_pool")]],
        ),
        (
            "30m",
            "AirflowWorkerPodOOMKilled",
            vec![vec![
                ("namespace", "airflow"),
                ("pod", "a"),
                ("label_dag_id", "etl__daily"),
                ("label_task_id", "load.upsert"),
            ]],
        ),
        ("10m", "AirflowWorkerPodPending", vec![]),
        (
            "30m",
            "AirflowWorkerPodPending",
            vec![vec![
                ("namespace", "airflow"),
                ("pod", "c"),
                ("label_dag_id", "reports__weekly"),
                ("label_task_id", "render"),
            ]],
        ),
    ];
    if airflow3 {
        expect.push(("30m", "AirflowDagProcessorHeartbeatMissing", vec![vec![]]));
    }
    let tests: Vec<Value> = expect
        .into_iter()
        .map(|(at, alert, firing)| {
            let exp: Vec<Value> = firing
                .into_iter()
                .map(|own| {
                    let mut labels: BTreeMap<String, String> = rule_labels.clone();
                    if alert.contains("Heartbeat") {
                        labels.insert("severity".into(), "critical".into());
                    }
                    for (k, v) in own {
                        labels.insert(k.into(), v.into());
                    }
                    json!({ "exp_labels": labels })
                })
                .collect();
            json!({ "eval_time": at, "alertname": alert, "exp_alerts": exp })
        })
        .collect();
    json!({
        "rule_files": ["rules.yaml"],
        "evaluation_interval": "1m",
        "tests": [{ "interval": "1m", "input_series": input, "alert_rule_test": tests }],
    })
}

#[test]
fn rules_pass_promtool_check_and_fire_or_stay_quiet_in_promtool_tests() {
    if common::prometheus::promtool("promtool rule tests").is_none() {
        return;
    }
    for version in ["3.2.2", "2.11.2", "3.3.2"] {
        let model = model_on(version);
        let scope = scope(&model, "prod");
        let file = rules::rules_file(&scope).expect("alerts are on in the bundled spec");
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join("full.yaml"), yaml(&file)).expect("write");
        promtool_ok(&["check", "rules", "full.yaml"], dir.path());
        // The unit tests compare annotations too; they are checked (templates parse) above,
        // and left out here so the expectations name only what routes an alert.
        let mut bare = file.clone();
        for group in bare["groups"].as_array_mut().expect("groups") {
            for rule in group["rules"].as_array_mut().expect("rules") {
                rule.as_object_mut().expect("rule").remove("annotations");
            }
        }
        std::fs::write(dir.path().join("rules.yaml"), yaml(&bare)).expect("write");
        let rule_labels: BTreeMap<String, String> = bare["groups"][0]["rules"][0]["labels"]
            .as_object()
            .expect("labels")
            .iter()
            .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_owned()))
            .collect();
        assert_eq!(
            rule_labels.get("slack_channel").map(String::as_str),
            Some("data-platform-deploys")
        );
        let airflow3 = version.starts_with('3');
        std::fs::write(
            dir.path().join("test.yaml"),
            yaml(&unit_test(&rule_labels, airflow3)),
        )
        .expect("write");
        promtool_ok(&["test", "rules", "test.yaml"], dir.path());
    }
}

// ---- a real Prometheus evaluates every panel and rule expression ----------------------------

const START: i64 = 1_760_000_000;
const STEP: i64 = 60;
const POINTS: i64 = 180;
const END: i64 = START + STEP * (POINTS - 1);

/// Synthetic series under exactly the mapped names and labels, plus the cAdvisor and
/// kube-state-metrics series the worker panels join.
fn synthetic(airflow3: bool) -> OpenMetrics {
    let mut om = OpenMetrics::default();
    let times: Vec<i64> = (0..POINTS).map(|i| START + i * STEP).collect();
    let growing = |per_step: f64| -> Vec<(i64, f64)> {
        times
            .iter()
            .enumerate()
            .map(|(i, t)| (*t, i as f64 * per_step))
            .collect()
    };
    // Heartbeats stop 20 minutes before the end: the panels see them, the alerts fire.
    let stopping = |per_step: f64| -> Vec<(i64, f64)> {
        times
            .iter()
            .enumerate()
            .map(|(i, t)| (*t, (i.min(POINTS as usize - 21)) as f64 * per_step))
            .collect()
    };
    let constant = |v: f64| -> Vec<(i64, f64)> { times.iter().map(|t| (*t, v)).collect() };
    let base = [("environment", "prod"), ("namespace", "airflow")];
    let dags = ["etl__daily", "reports__weekly"];
    let tasks = ["extract", "load.upsert"];
    for family in metrics::families(airflow3) {
        let mut label_sets: Vec<Vec<(&str, &str)>> = vec![base.to_vec()];
        let mut expand = |label: &'static str, values: &[&'static str]| {
            label_sets = label_sets
                .iter()
                .flat_map(|set| {
                    values.iter().map(move |v| {
                        let mut s = set.clone();
                        s.push((label, *v));
                        s
                    })
                })
                .collect();
        };
        for label in family.tags.iter().chain(family.captured.iter()) {
            match *label {
                "dag_id" => expand("dag_id", &dags),
                "task_id" => expand("task_id", &tasks),
                "run_type" => expand("run_type", &["scheduled"]),
                "pool_name" => expand("pool_name", &["default_pool"]),
                "state" if family.kind == Kind::Histogram => {
                    expand("state", &["success", "failed"])
                }
                "state" => expand("state", &["success", "failed", "up_for_retry"]),
                other => panic!("no synthetic values for label {other}"),
            }
        }
        for labels in &label_sets {
            match family.kind {
                Kind::Counter if family.name.contains("heartbeat") => {
                    om.series(family.name, labels, &stopping(5.0))
                }
                Kind::Counter => om.series(family.name, labels, &growing(1.0)),
                Kind::Gauge => om.series(family.name, labels, &constant(3.0)),
                Kind::Histogram => {
                    // One observation a minute of 1800 s (over both schedule-delay thresholds'
                    // lower one, and the reports one at 7200 below).
                    let value = if labels.contains(&("dag_id", "reports__weekly")) {
                        7200.0
                    } else {
                        1800.0
                    };
                    for le in statsd::BUCKETS
                        .iter()
                        .map(|b| format!("{b}"))
                        .chain(["+Inf".to_owned()])
                    {
                        let bound: f64 = le.parse().unwrap_or(f64::INFINITY);
                        let mut with_le = labels.clone();
                        with_le.push(("le", &le));
                        let per = if value <= bound { 1.0 } else { 0.0 };
                        om.series(&format!("{}_bucket", family.name), &with_le, &growing(per));
                    }
                    om.series(&format!("{}_sum", family.name), labels, &growing(value));
                    om.series(&format!("{}_count", family.name), labels, &growing(1.0));
                }
            }
        }
    }
    for (pod, task) in [("etl-a", "load.upsert"), ("etl-b", "extract")] {
        let pod_labels = [
            ("namespace", "airflow"),
            ("pod", pod),
            ("label_dag_id", "etl__daily"),
            ("label_task_id", task),
        ];
        om.series("kube_pod_labels", &pod_labels, &constant(1.0));
        let c = [
            ("namespace", "airflow"),
            ("pod", pod),
            ("container", "base"),
        ];
        om.series("container_cpu_usage_seconds_total", &c, &growing(30.0));
        om.series(
            "container_memory_working_set_bytes",
            &c,
            &constant(512.0 * 1024.0 * 1024.0),
        );
    }
    om.series(
        "kube_pod_container_status_terminated_reason",
        &[
            ("namespace", "airflow"),
            ("pod", "etl-a"),
            ("container", "base"),
            ("reason", "OOMKilled"),
        ],
        &constant(1.0),
    );
    om.series(
        "kube_pod_status_phase",
        &[
            ("namespace", "airflow"),
            ("pod", "etl-b"),
            ("phase", "Pending"),
        ],
        &constant(1.0),
    );
    om
}

/// A panel's query as Grafana sends it, its variables given values.
fn substitute(expr: &str, env: &str) -> String {
    expr.replace("$__rate_interval", "5m")
        .replace("$environment", env)
        .replace("$namespace", ".*")
        .replace("$dag_id", ".*")
}

#[test]
fn every_panel_and_rule_expression_returns_data_from_a_real_prometheus() {
    let model = model_of(&common::bundled());
    let scope = scope(&model, "prod");
    let Some(prom) = Prometheus::start(&synthetic(scope.airflow3).finish()) else {
        return;
    };
    let mut failures = Vec::new();
    let boards = dashboards::all(&scope);
    assert_eq!(boards.len(), 2);
    // scripts/plot-dashboards.sh plots the answers (docs/monitoring-dashboard.png).
    let mut plot = Vec::new();
    for (key, board) in &boards {
        let mut plotted = Vec::new();
        for panel in &board.panels {
            let mut series = Vec::new();
            for target in &panel.targets {
                let expr = substitute(&target.expr, "prod");
                match prom.query_range(&expr, START, END, 300) {
                    Ok(data) if result_len(&data) > 0 => {
                        for s in data["result"].as_array().into_iter().flatten() {
                            let mut legend = target.legend_format.clone();
                            for (k, v) in s["metric"].as_object().into_iter().flatten() {
                                legend = legend.replace(
                                    &format!("{{{{{k}}}}}"),
                                    v.as_str().unwrap_or_default(),
                                );
                            }
                            let points: Vec<Value> = s["values"]
                                .as_array()
                                .into_iter()
                                .flatten()
                                .map(|p| {
                                    json!([p[0], p[1].as_str().and_then(|v| v.parse::<f64>().ok())])
                                })
                                .collect();
                            series.push(json!({ "legend": legend, "points": points }));
                        }
                    }
                    Ok(data) => failures.push(format!(
                        "{key} / {}: no data for {expr}: {data}",
                        panel.title
                    )),
                    Err(e) => failures.push(format!("{key} / {}: {e}: {expr}", panel.title)),
                }
            }
            let unit = panel.field_config["defaults"]["unit"].clone();
            plotted.push(json!({ "title": panel.title, "unit": unit, "series": series }));
        }
        plot.push(json!({ "title": board.title, "panels": plotted }));
        for variable in &board.templating.list {
            if variable.kind != "query" {
                continue;
            }
            // label_values(metric{…}, label) is Grafana's; ask Prometheus for the series.
            let query = variable.query["query"].as_str().unwrap_or_default();
            let definition = substitute(query, "prod");
            let inner = definition
                .trim_start_matches("label_values(")
                .rsplit_once(',')
                .map(|(m, _)| m.to_owned())
                .unwrap_or_default();
            match prom.query(&format!("count({inner})"), END) {
                Ok(data) if result_len(&data) > 0 => {}
                other => failures.push(format!("{key} variable {}: {other:?}", variable.name)),
            }
        }
    }
    let file = rules::rules_file(&scope).expect("alerts");
    let mut count = 0;
    for group in file["groups"].as_array().expect("groups") {
        for rule in group["rules"].as_array().expect("rules") {
            count += 1;
            let expr = rule["expr"].as_str().unwrap_or_default();
            match prom.query(expr, END) {
                Ok(data) if result_len(&data) > 0 => {}
                Ok(data) => failures.push(format!("{}: no data: {data}", rule["alert"])),
                Err(e) => failures.push(format!("{}: {e}", rule["alert"])),
            }
        }
    }
    assert!(count >= 9, "only {count} rules");
    if let Some(path) = std::env::var_os("PLATC_MONITORING_PLOT") {
        let doc = json!({ "start": START, "dashboards": plot });
        std::fs::write(path, serde_json::to_string(&doc).expect("json")).expect("write plot data");
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The query of every panel target and the expression of every alert of `scope`.
fn panel_and_rule_exprs(scope: &Scope) -> Vec<String> {
    let mut exprs: Vec<String> = dashboards::all(scope)
        .iter()
        .flat_map(|(_, b)| {
            b.panels
                .iter()
                .flat_map(|p| p.targets.iter().map(|t| t.expr.clone()))
        })
        .collect();
    for group in rules::groups(scope).expect("alerts") {
        exprs.extend(group.rules.iter().map(|r| r.expr.clone()));
    }
    exprs
}

/// Every `airflow_*` series a panel or an alert of an Airflow 2 and an Airflow 3 environment
/// queries belongs to a family that version sends (`task.queued_duration` only on Airflow 2,
/// the DAG processor's heartbeat only on Airflow 3).
#[test]
fn panels_and_alerts_query_only_families_the_version_sends() {
    let metric = regex::Regex::new(r"\bairflow_[a-z0-9_]+").expect("regex");
    for version in ["2.11.2", "3.2.2", "3.3.2"] {
        let model = model_on(version);
        let scope = scope(&model, "prod");
        assert_eq!(scope.airflow3, version.starts_with('3'), "{version}");
        let sent: std::collections::BTreeSet<String> = metrics::families(scope.airflow3)
            .flat_map(metrics::series_names)
            .collect();
        let exprs = panel_and_rule_exprs(&scope);
        let mut queried = 0;
        for expr in &exprs {
            for name in metric.find_iter(expr) {
                queried += 1;
                assert!(
                    sent.contains(name.as_str()),
                    "{version}: `{expr}` queries {}, which this Airflow does not send",
                    name.as_str()
                );
            }
        }
        assert!(
            queried > 10,
            "{version}: only {queried} airflow_* names queried"
        );
    }
}

#[test]
fn kube_metric_names_exist_in_cadvisor_and_kube_state_metrics() {
    let dir = common::crate_dir().join("../shared/conformance/metrics-names");
    let (Ok(cadvisor), Ok(ksm)) = (
        std::fs::read_to_string(dir.join("cadvisor.txt")),
        std::fs::read_to_string(dir.join("kube-state-metrics.txt")),
    ) else {
        eprintln!("skipped: {} not found", dir.display());
        return;
    };
    let known: std::collections::BTreeSet<&str> = cadvisor.lines().chain(ksm.lines()).collect();
    let model = model_of(&common::bundled());
    let scope = scope(&model, "prod");
    let exprs = panel_and_rule_exprs(&scope);
    let ident = regex::Regex::new(r"\b(container_[a-z_]+|kube_[a-z_]+)\b").expect("regex");
    let mut used = 0;
    for expr in &exprs {
        for m in ident.find_iter(expr) {
            used += 1;
            assert!(
                known.contains(m.as_str()),
                "{} is not a cAdvisor/kube-state-metrics metric",
                m.as_str()
            );
        }
    }
    assert!(used > 0);
}

// ---- the objects against their schemas -------------------------------------------------------

#[test]
fn service_monitor_and_prometheus_rule_pass_the_operator_crd_schemas() {
    let dir = common::crate_dir().join("../shared/conformance/prometheus-operator");
    if !dir.is_dir() {
        eprintln!("skipped: {} not found", dir.display());
        return;
    }
    let validator = |kind: &str| {
        let text = std::fs::read_to_string(dir.join(format!("{kind}.strict.schema.json")))
            .expect("schema");
        let schema: Value = serde_json::from_str(&text).expect("schema JSON");
        jsonschema::validator_for(&schema).expect("schema compiles")
    };
    let monitors = validator("servicemonitors");
    let rules = validator("prometheusrules");
    let model = model_of(&common::bundled());
    let mut checked = 0;
    for env in &model.environments {
        for (file, doc) in platc::render::monitoring::extras(&model, env) {
            let v = match doc["kind"].as_str() {
                Some("ServiceMonitor") => &monitors,
                Some("PrometheusRule") => &rules,
                _ => continue,
            };
            let errors: Vec<String> = v
                .iter_errors(&doc)
                .map(|e| format!("{e} at {}", e.instance_path()))
                .collect();
            assert!(
                errors.is_empty(),
                "{}/{file}: {}",
                env.name,
                errors.join("; ")
            );
            checked += 1;
        }
    }
    assert_eq!(
        checked, 3,
        "prod's ServiceMonitor and PrometheusRule, dev's ServiceMonitor"
    );
}

#[test]
fn dashboards_are_stable_and_have_unique_panel_ids() {
    let model = model_of(&common::bundled());
    let scope = scope(&model, "prod");
    let again = model_of(&common::bundled());
    let again = self::scope(&again, "prod");
    for ((_, a), (_, b)) in dashboards::all(&scope)
        .iter()
        .zip(dashboards::all(&again).iter())
    {
        assert_eq!(a, b);
        assert!(a.uid.len() <= 40, "{}", a.uid);
        let ids: std::collections::BTreeSet<u32> = a.panels.iter().map(|p| p.id).collect();
        assert_eq!(ids.len(), a.panels.len());
        for p in &a.panels {
            assert!(
                p.grid_pos.x + p.grid_pos.w <= 24,
                "{} overflows the grid",
                p.title
            );
        }
    }
}

/// The panel plugins the dashboards use and the module of each one's `Options` type in
/// `@grafana/schema`.
const PANEL_OPTIONS: &[(&str, &str)] = &[
    (
        "timeseries",
        "timeseries/panelcfg/x/TimeSeriesPanelCfg_types.gen",
    ),
    ("stat", "stat/panelcfg/x/StatPanelCfg_types.gen"),
];

/// A type's JSON form, every field optional (Grafana fills in the plugin's defaults): string
/// enums as their values, so `"list"` checks against `LegendDisplayMode`.
const JSON_OF: &str = "
type Json<T> = T extends string
  ? `${T}`
  : T extends number | boolean | null | undefined
    ? T
    : T extends ReadonlyArray<infer U>
      ? Array<Json<U>>
      : { [K in keyof T]?: Json<T[K]> };
";

/// Every generated dashboard, for every supported Airflow version and environment of the bundled
/// spec, checked against Grafana's own dashboard types: `@grafana/schema` (Grafana Labs; the
/// TypeScript declarations Grafana generates from its dashboard kind, the package ships no JSON
/// schema) through the TypeScript compiler, each dashboard a literal that `satisfies Dashboard`
/// and each panel's options one that satisfies its plugin's `Options`, so an unknown field, a
/// wrong type or an unknown enum value fails. Dashboards with one of each must fail, so the
/// check is known to bite. `PLATC_GRAFANA_SCHEMA` is the folder `.ci/tools.sh grafana_schema`
/// prints.
#[test]
fn dashboards_satisfy_grafanas_dashboard_schema() {
    let Some(tools) = std::env::var_os("PLATC_GRAFANA_SCHEMA").map(PathBuf::from) else {
        eprintln!(
            "skipped: PLATC_GRAFANA_SCHEMA is not set (`.ci/tools.sh grafana_schema` prints it)"
        );
        return;
    };
    let dir = tempfile::tempdir().expect("tempdir");
    std::os::unix::fs::symlink(tools.join("node_modules"), dir.path().join("node_modules"))
        .expect("link node_modules");
    let config = json!({
        "compilerOptions": {
            "strict": true, "noEmit": true, "target": "es2022", "module": "esnext",
            "moduleResolution": "bundler", "skipLibCheck": true, "types": []
        },
        "include": ["*.ts"]
    });
    std::fs::write(dir.path().join("tsconfig.json"), config.to_string()).expect("tsconfig");
    let source = |json: &str| {
        let mut ts =
            String::from("import type { Dashboard, DataQuery } from \"@grafana/schema\";\n");
        for (kind, module) in PANEL_OPTIONS {
            ts.push_str(&format!(
                "import type * as {kind} from \"@grafana/schema/dist/esm/raw/composable/{module}\";\n"
            ));
        }
        ts.push_str(JSON_OF);
        ts.push_str(&format!(
            "\nexport const dashboard = {} satisfies Dashboard;\n",
            json.trim_end()
        ));
        // Each panel's options against its panel plugin's `Options`.
        let doc: Value = serde_json::from_str(json).expect("dashboard JSON");
        for (i, panel) in doc["panels"].as_array().into_iter().flatten().enumerate() {
            let kind = panel["type"].as_str().unwrap_or_default();
            assert!(
                PANEL_OPTIONS.iter().any(|(k, _)| *k == kind),
                "panel type {kind}: add its options type to PANEL_OPTIONS"
            );
            ts.push_str(&format!(
                "export const panel{i} = {} satisfies Json<{kind}.Options>;\n",
                panel["options"]
            ));
            // The dashboard types leave a target `Record<string, unknown>`: each one against
            // Grafana's `DataQuery` plus the Prometheus query's own fields.
            ts.push_str(&format!(
                "export const targets{i} = {} satisfies Array<DataQuery & \
                 {{ expr: string; legendFormat: string }}>;\n",
                panel["targets"]
            ));
            // ... and `fieldConfig.defaults.custom` `Record<string, unknown>`: a time series
            // panel's against its plugin's `FieldConfig` (the stat plugin has none).
            if kind == "timeseries" {
                let custom = &panel["fieldConfig"]["defaults"]["custom"];
                let custom = if custom.is_null() {
                    json!({})
                } else {
                    custom.clone()
                };
                ts.push_str(&format!(
                    "export const custom{i} = {custom} satisfies Json<timeseries.FieldConfig>;\n"
                ));
            }
        }
        ts
    };
    let tsc = |dir: &Path| {
        let out = Command::new(tools.join("node_modules/.bin/tsc"))
            .args(["-p", "."])
            .current_dir(dir)
            .output()
            .expect("run tsc");
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
        )
    };
    let mut files = 0;
    let mut sample = None;
    for version in ["2.11.2", "3.2.2", "3.3.2"] {
        let model = model_on(version);
        for env in &model.environments {
            let Some(scope) = Scope::of(&model, env) else {
                continue;
            };
            for (key, doc) in dashboards::render(&scope) {
                let data = doc["data"].as_object().expect("ConfigMap data");
                for text in data.values() {
                    let text = text.as_str().expect("dashboard JSON text");
                    targets_and_custom_are_what_the_types_check(text);
                    let file = format!("{version}-{}-{key}", env.name).replace('.', "_");
                    std::fs::write(dir.path().join(format!("{file}.ts")), source(text))
                        .expect("write dashboard");
                    sample.get_or_insert_with(|| text.to_owned());
                    files += 1;
                }
            }
        }
    }
    assert!(files >= 6, "only {files} dashboards");
    let (ok, report) = tsc(dir.path());
    assert!(ok, "dashboards fail Grafana's dashboard schema:\n{report}");

    // The same check on a broken dashboard: an unknown field and a string where a number goes.
    let bad = tempfile::tempdir().expect("tempdir");
    std::os::unix::fs::symlink(tools.join("node_modules"), bad.path().join("node_modules"))
        .expect("link node_modules");
    std::fs::write(bad.path().join("tsconfig.json"), config.to_string()).expect("tsconfig");
    let sample: Value = serde_json::from_str(&sample.expect("a dashboard")).expect("JSON");
    let mut field = sample.clone();
    field["panelz"] = json!([]);
    std::fs::write(bad.path().join("field.ts"), source(&field.to_string())).expect("write");
    let mut kind = sample.clone();
    kind["panels"][0]["gridPos"]["w"] = json!("wide");
    std::fs::write(bad.path().join("kind.ts"), source(&kind.to_string())).expect("write");
    let mut option = sample.clone();
    timeseries_panel(&mut option)["options"]["legend"]["displayMode"] = json!("lisst");
    std::fs::write(bad.path().join("option.ts"), source(&option.to_string())).expect("write");
    let mut custom = sample.clone();
    timeseries_panel(&mut custom)["fieldConfig"]["defaults"]["custom"] =
        json!({ "drawStyle": "linez" });
    std::fs::write(bad.path().join("custom.ts"), source(&custom.to_string())).expect("write");
    let mut target = sample;
    timeseries_panel(&mut target)["targets"][0]["exprr"] = json!("up");
    std::fs::write(bad.path().join("target.ts"), source(&target.to_string())).expect("write");
    let (ok, report) = tsc(bad.path());
    assert!(!ok, "tsc accepted a broken dashboard");
    // tsc reports `file(line,col): error TSnnnn: ...`, one error a line.
    let fails = |file: &str, code: &str, text: &str| {
        report
            .lines()
            .any(|l| l.starts_with(file) && l.contains(code) && l.contains(text))
    };
    assert!(fails("field.ts", "TS2353", "\"panelz\""), "{report}");
    assert!(fails("kind.ts", "TS2322", "'number'"), "{report}");
    assert!(fails("option.ts", "TS2820", "\"lisst\""), "{report}");
    assert!(fails("custom.ts", "TS2820", "\"linez\""), "{report}");
    assert!(fails("target.ts", "TS2353", "\"exprr\""), "{report}");
}

/// The first time series panel of a dashboard.
fn timeseries_panel(dashboard: &mut Value) -> &mut Value {
    dashboard["panels"]
        .as_array_mut()
        .and_then(|panels| panels.iter_mut().find(|p| p["type"] == "timeseries"))
        .expect("a time series panel")
}

/// What the TypeScript check of a dashboard does not see: every target has exactly the fields
/// of `dashboards::Target` (a query of the `datasource` variable's Prometheus), and only time
/// series panels (checked against their `FieldConfig`) may have `fieldConfig.defaults.custom`.
fn targets_and_custom_are_what_the_types_check(text: &str) {
    let doc: Value = serde_json::from_str(text).expect("dashboard JSON");
    for panel in doc["panels"].as_array().into_iter().flatten() {
        let title = &panel["title"];
        let targets = panel["targets"].as_array().expect("targets");
        assert!(!targets.is_empty(), "{title}: no targets");
        for target in targets {
            let keys: Vec<&str> = target
                .as_object()
                .expect("a target object")
                .keys()
                .map(String::as_str)
                .collect();
            let mut keys = keys;
            keys.sort_unstable();
            assert_eq!(
                keys,
                ["datasource", "expr", "legendFormat", "refId"],
                "{title}"
            );
            for key in ["expr", "legendFormat", "refId"] {
                assert!(target[key].is_string(), "{title}: {key} {target}");
            }
            assert_eq!(
                target["datasource"],
                json!({ "type": "prometheus", "uid": "${datasource}" }),
                "{title}"
            );
        }
        if panel["type"] != "timeseries" {
            assert!(
                panel["fieldConfig"]["defaults"].get("custom").is_none(),
                "{title}: `custom` of a {} panel is not checked",
                panel["type"]
            );
        }
    }
}

// ---- platc monitoring ENV ---------------------------------------------------------------------

#[test]
fn platc_monitoring_lists_the_families_and_labels_of_an_environment() {
    let dir = common::project(common::bundled());
    let text = common::platc(dir.path(), &["monitoring", "prod"]);
    assert_eq!(text.status, 0, "{}", text.stderr);
    assert!(
        text.stdout
            .contains("airflow_task_duration_seconds  (histogram"),
        "{}",
        text.stdout
    );
    assert!(
        text.stdout
            .contains("labels: dag_id, environment, task_id\n"),
        "{}",
        text.stdout
    );
    assert!(text.stdout.contains("kube_pod_labels"), "{}", text.stdout);

    let json = common::platc(dir.path(), &["--format", "json", "monitoring", "dev"]);
    assert_eq!(json.status, 0, "{}", json.stderr);
    let doc = common::json_stdout(&json, "platc monitoring dev");
    let families = doc["families"].as_array().expect("families");
    assert_eq!(families.len(), metrics::families(true).count());
    assert_eq!(doc["scrape_labels"], json!(["namespace", "preview"]));
    let finish = families
        .iter()
        .find(|f| f["name"] == "airflow_task_finish_total")
        .expect("ti.finish family");
    assert_eq!(
        finish["labels"],
        json!(["dag_id", "environment", "state", "task_id"])
    );

    let off = common::project(common::bundled().replace(
        "    notifications: null",
        "    notifications: null\n    monitoring: null",
    ));
    let none = common::platc(off.path(), &["monitoring", "dev"]);
    assert_eq!(none.status, 1, "{}", none.stderr);
    assert!(none.stderr.contains("monitoring-off"), "{}", none.stderr);
}
