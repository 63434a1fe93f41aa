//! Grafana dashboards as ConfigMaps for the Grafana sidecar: a platform overview and a per-DAG
//! dashboard. Built as typed data; ids and uids derive from names, so the JSON is the same on
//! every compile and a diff shows only what changed.
//!
//! Both select `environment` and `namespace` (previews included) through variables, so one
//! long-lived environment's dashboards serve every environment its Prometheus scrapes.

use serde::Serialize;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::Scope;
use super::metrics::name;

/// A dashboard, in Grafana's JSON model.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Dashboard {
    pub uid: String,
    pub title: String,
    pub description: String,
    pub tags: Vec<&'static str>,
    pub timezone: &'static str,
    pub editable: bool,
    pub graph_tooltip: u8,
    pub schema_version: u32,
    pub version: u32,
    pub refresh: &'static str,
    pub time: Range,
    pub templating: Templating,
    pub panels: Vec<Panel>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Range {
    pub from: &'static str,
    pub to: &'static str,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Templating {
    pub list: Vec<Variable>,
}

/// A dashboard variable.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Variable {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub name: &'static str,
    pub label: &'static str,
    pub query: Value,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub datasource: Option<Value>,
    pub refresh: u8,
    pub multi: bool,
    pub include_all: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub all_value: Option<&'static str>,
    pub sort: u8,
    pub hide: u8,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub current: Option<Value>,
}

/// A panel with its queries.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Panel {
    pub id: u32,
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub title: String,
    pub description: String,
    pub grid_pos: GridPos,
    pub datasource: Value,
    pub targets: Vec<Target>,
    pub field_config: Value,
    pub options: Value,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct GridPos {
    pub h: u32,
    pub w: u32,
    pub x: u32,
    pub y: u32,
}

/// One query of a panel.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Target {
    pub ref_id: String,
    pub expr: String,
    pub legend_format: String,
    pub datasource: Value,
}

/// The Prometheus data source, chosen by the `datasource` variable.
fn datasource() -> Value {
    json!({ "type": "prometheus", "uid": "${datasource}" })
}

/// Matchers every Airflow query starts with.
const AIRFLOW: &str = "environment=\"$environment\",namespace=~\"$namespace\"";
/// Matchers of the per-DAG dashboard's Airflow queries.
const AIRFLOW_DAG: &str =
    "environment=\"$environment\",namespace=~\"$namespace\",dag_id=~\"$dag_id\"";
/// The range of rate() in panels: Grafana's own choice from the scrape interval.
const RATE: &str = "$__rate_interval";

/// What a panel shows.
struct Spec {
    title: &'static str,
    description: &'static str,
    kind: &'static str,
    unit: &'static str,
    queries: Vec<(String, &'static str)>,
}

fn spec(
    title: &'static str,
    description: &'static str,
    kind: &'static str,
    unit: &'static str,
    queries: Vec<(String, &'static str)>,
) -> Spec {
    Spec {
        title,
        description,
        kind,
        unit,
        queries,
    }
}

fn panels(specs: Vec<Spec>) -> Vec<Panel> {
    let mut out = Vec::new();
    for (i, s) in specs.into_iter().enumerate() {
        let i = i as u32;
        let (w, h) = if s.kind == "stat" { (6, 4) } else { (12, 8) };
        let per_row = 24 / w;
        let stats_before = out.iter().filter(|p: &&Panel| p.kind == "stat").count() as u32;
        let (x, y) = if s.kind == "stat" {
            ((i % per_row) * w, 0)
        } else {
            let j = i - stats_before;
            ((j % 2) * 12, 4 * u32::from(stats_before > 0) + (j / 2) * 8)
        };
        let targets = s
            .queries
            .into_iter()
            .enumerate()
            .map(|(k, (expr, legend))| Target {
                ref_id: ((b'A' + k as u8) as char).to_string(),
                expr,
                legend_format: legend.to_owned(),
                datasource: datasource(),
            })
            .collect();
        out.push(Panel {
            id: i + 1,
            kind: s.kind,
            title: s.title.to_owned(),
            description: s.description.to_owned(),
            grid_pos: GridPos { h, w, x, y },
            datasource: datasource(),
            targets,
            field_config: json!({ "defaults": { "unit": s.unit }, "overrides": [] }),
            options: if s.kind == "stat" {
                json!({ "reduceOptions": { "calcs": ["lastNotNull"], "fields": "", "values": false } })
            } else {
                json!({ "legend": { "displayMode": "list", "placement": "bottom", "showLegend": true }, "tooltip": { "mode": "multi", "sort": "desc" } })
            },
        });
    }
    out
}

fn query_variable(
    name: &'static str,
    label: &'static str,
    query: String,
    multi: bool,
    hide: u8,
) -> Variable {
    Variable {
        kind: "query",
        name,
        label,
        query: json!({ "query": query, "refId": format!("{name}-variable"), "qryType": 1 }),
        datasource: Some(datasource()),
        refresh: 2,
        multi,
        include_all: multi,
        all_value: multi.then_some(".*"),
        sort: 1,
        hide,
        current: None,
    }
}

fn variables(scope: &Scope, with_dag: bool) -> Vec<Variable> {
    let heartbeat = name("scheduler_heartbeat");
    let mut list = vec![
        Variable {
            kind: "datasource",
            name: "datasource",
            label: "Prometheus",
            query: json!("prometheus"),
            datasource: None,
            refresh: 1,
            multi: false,
            include_all: false,
            all_value: None,
            sort: 0,
            hide: 0,
            current: None,
        },
        query_variable(
            "environment",
            "Environment",
            format!("label_values({heartbeat}, environment)"),
            false,
            0,
        ),
        query_variable(
            "namespace",
            "Namespace",
            format!("label_values({heartbeat}{{environment=\"$environment\"}}, namespace)"),
            true,
            0,
        ),
    ];
    if with_dag {
        list.push(query_variable(
            "dag_id",
            "DAG",
            format!(
                "label_values({}_count{{environment=\"$environment\"}}, dag_id)",
                name("dagrun.duration.*")
            ),
            true,
            0,
        ));
    }
    // The environment this dashboard ships with is the one shown first.
    if let Some(env) = list.iter_mut().find(|v| v.name == "environment") {
        env.current = Some(json!({ "text": scope.env.name, "value": scope.env.name }));
    }
    list
}

/// The worker pods' labels that the KubernetesExecutor sets, as kube-state-metrics exports
/// them (`--metric-labels-allowlist=pods=[dag_id,task_id]`).
fn worker_pods(dag: bool) -> String {
    let dag_filter = if dag {
        ",label_dag_id=~\"$dag_id\""
    } else {
        ""
    };
    format!(
        "max by (namespace, pod, label_dag_id, label_task_id) (kube_pod_labels{{namespace=~\"$namespace\",label_dag_id!=\"\"{dag_filter}}})"
    )
}

/// The overview: scheduler health, executor and pool slots, import errors, parse time, runs.
pub fn overview(scope: &Scope) -> Dashboard {
    let run = name("dagrun.duration.*");
    let mut specs = vec![
        spec(
            "Import errors",
            "DAG files that fail to import.",
            "stat",
            "short",
            vec![(
                format!("max({}{{{AIRFLOW}}})", name("dag_processing.import_errors")),
                "import errors",
            )],
        ),
        spec(
            "DAGs",
            "DAGs found by the last parse.",
            "stat",
            "short",
            vec![(format!("max({}{{{AIRFLOW}}})", name("dagbag_size")), "DAGs")],
        ),
        spec(
            "Parse time",
            "Seconds to parse every DAG file once.",
            "stat",
            "s",
            vec![(
                format!(
                    "max({}{{{AIRFLOW}}})",
                    name("dag_processing.total_parse_time")
                ),
                "parse time",
            )],
        ),
        spec(
            "Starving tasks",
            "Tasks waiting for a pool slot.",
            "stat",
            "short",
            vec![(
                format!("sum({}{{{AIRFLOW}}})", name("scheduler.tasks.starving")),
                "starving",
            )],
        ),
    ];
    let mut heartbeats = vec![
        (
            format!(
                "sum by (namespace) (rate({}{{{AIRFLOW}}}[{RATE}]))",
                name("scheduler_heartbeat")
            ),
            "scheduler {{namespace}}",
        ),
        (
            format!(
                "sum by (namespace) (rate({}{{{AIRFLOW}}}[{RATE}]))",
                name("triggerer_heartbeat")
            ),
            "triggerer {{namespace}}",
        ),
    ];
    if scope.airflow3 {
        heartbeats.push((
            format!(
                "sum by (namespace) (rate({}{{{AIRFLOW}}}[{RATE}]))",
                name("dag_processor_heartbeat")
            ),
            "DAG processor {{namespace}}",
        ));
    }
    specs.push(spec(
        "Heartbeats",
        "Heartbeats per second of each component; zero means it is down.",
        "timeseries",
        "hertz",
        heartbeats,
    ));
    specs.push(spec(
        "Executor slots",
        "Open, queued and running slots of the executor.",
        "timeseries",
        "short",
        vec![
            (
                format!("sum({}{{{AIRFLOW}}})", name("executor.open_slots")),
                "open",
            ),
            (
                format!("sum({}{{{AIRFLOW}}})", name("executor.queued_tasks")),
                "queued",
            ),
            (
                format!("sum({}{{{AIRFLOW}}})", name("executor.running_tasks")),
                "running",
            ),
        ],
    ));
    specs.push(spec(
        "Pool slots",
        "Open, queued and running slots of each pool.",
        "timeseries",
        "short",
        vec![
            (
                format!(
                    "sum by (pool_name) ({}{{{AIRFLOW}}})",
                    name("pool.open_slots")
                ),
                "{{pool_name}} open",
            ),
            (
                format!(
                    "sum by (pool_name) ({}{{{AIRFLOW}}})",
                    name("pool.queued_slots")
                ),
                "{{pool_name}} queued",
            ),
            (
                format!(
                    "sum by (pool_name) ({}{{{AIRFLOW}}})",
                    name("pool.running_slots")
                ),
                "{{pool_name}} running",
            ),
        ],
    ));
    specs.push(spec(
        "DAG runs by state",
        "Finished DAG runs per hour, by state.",
        "timeseries",
        "short",
        vec![(
            format!("sum by (state) (increase({run}_count{{{AIRFLOW}}}[1h]))"),
            "{{state}}",
        )],
    ));
    specs.push(spec(
        "Task runs by state",
        "Finished task runs per hour, by state.",
        "timeseries",
        "short",
        vec![(
            format!(
                "sum by (state) (increase({}{{{AIRFLOW}}}[1h]))",
                name("ti.finish")
            ),
            "{{state}}",
        )],
    ));
    specs.push(spec("Slowest DAGs (p95 run duration)", "95th percentile of successful run durations, top 10 DAGs.", "timeseries", "s", vec![
        (format!("topk(10, histogram_quantile(0.95, sum by (dag_id, le) (rate({run}_bucket{{{AIRFLOW},state=\"success\"}}[1h]))))"), "{{dag_id}}"),
    ]));
    dashboard(
        scope,
        "overview",
        "Airflow overview",
        "Scheduler health, slots, import errors, parse time and runs of one Airflow environment.",
        variables(scope, false),
        panels(specs),
    )
}

/// The per-DAG dashboard: run durations, delays, task durations, failures, retries, and the
/// worker pods' CPU and memory.
pub fn per_dag(scope: &Scope) -> Dashboard {
    let run = name("dagrun.duration.*");
    let delay = name("dagrun.schedule_delay");
    let task = name("task.duration");
    let finish = name("ti.finish");
    let pods = worker_pods(true);
    let specs = vec![
        spec(
            "Run duration (average)",
            "Average duration of successful runs.",
            "timeseries",
            "s",
            vec![(
                format!(
                    "sum by (dag_id) (rate({run}_sum{{{AIRFLOW_DAG},state=\"success\"}}[1h])) / sum by (dag_id) (rate({run}_count{{{AIRFLOW_DAG},state=\"success\"}}[1h]))"
                ),
                "{{dag_id}}",
            )],
        ),
        spec(
            "Run duration (p95)",
            "95th percentile of successful run durations.",
            "timeseries",
            "s",
            vec![(
                format!(
                    "histogram_quantile(0.95, sum by (dag_id, le) (rate({run}_bucket{{{AIRFLOW_DAG},state=\"success\"}}[1h])))"
                ),
                "{{dag_id}}",
            )],
        ),
        spec(
            "Schedule delay (average)",
            "How late runs start after their scheduled time.",
            "timeseries",
            "s",
            vec![(
                format!(
                    "sum by (dag_id) (rate({delay}_sum{{{AIRFLOW_DAG}}}[1h])) / sum by (dag_id) (rate({delay}_count{{{AIRFLOW_DAG}}}[1h]))"
                ),
                "{{dag_id}}",
            )],
        ),
        spec(
            "Schedule delay (p95)",
            "95th percentile of the schedule delay.",
            "timeseries",
            "s",
            vec![(
                format!(
                    "histogram_quantile(0.95, sum by (dag_id, le) (rate({delay}_bucket{{{AIRFLOW_DAG}}}[1h])))"
                ),
                "{{dag_id}}",
            )],
        ),
        spec(
            "Task duration (average)",
            "Average duration of each task, task-group ids in full.",
            "timeseries",
            "s",
            vec![(
                format!(
                    "sum by (dag_id, task_id) (rate({task}_sum{{{AIRFLOW_DAG}}}[1h])) / sum by (dag_id, task_id) (rate({task}_count{{{AIRFLOW_DAG}}}[1h]))"
                ),
                "{{dag_id}}.{{task_id}}",
            )],
        ),
        spec(
            "Run failures",
            "Failed runs per hour.",
            "timeseries",
            "short",
            vec![(
                format!(
                    "sum by (dag_id) (increase({run}_count{{{AIRFLOW_DAG},state=\"failed\"}}[1h]))"
                ),
                "{{dag_id}}",
            )],
        ),
        spec(
            "Task failures",
            "Failed task runs per hour.",
            "timeseries",
            "short",
            vec![(
                format!(
                    "sum by (dag_id, task_id) (increase({finish}{{{AIRFLOW_DAG},state=\"failed\"}}[1h]))"
                ),
                "{{dag_id}}.{{task_id}}",
            )],
        ),
        spec(
            "Task retries",
            "Task runs per hour that ended up for retry.",
            "timeseries",
            "short",
            vec![(
                format!(
                    "sum by (dag_id, task_id) (increase({finish}{{{AIRFLOW_DAG},state=\"up_for_retry\"}}[1h]))"
                ),
                "{{dag_id}}.{{task_id}}",
            )],
        ),
        spec(
            "Worker CPU by task",
            "CPU cores used by the task pods, by DAG and task (cAdvisor joined to the pods' dag_id/task_id labels).",
            "timeseries",
            "short",
            vec![(
                format!(
                    "sum by (label_dag_id, label_task_id) (rate(container_cpu_usage_seconds_total{{namespace=~\"$namespace\",container=\"base\"}}[{RATE}]) * on (namespace, pod) group_left (label_dag_id, label_task_id) {pods})"
                ),
                "{{label_dag_id}}.{{label_task_id}}",
            )],
        ),
        spec(
            "Worker memory by task",
            "Working-set memory of the task pods, by DAG and task.",
            "timeseries",
            "bytes",
            vec![(
                format!(
                    "sum by (label_dag_id, label_task_id) (container_memory_working_set_bytes{{namespace=~\"$namespace\",container=\"base\"}} * on (namespace, pod) group_left (label_dag_id, label_task_id) {pods})"
                ),
                "{{label_dag_id}}.{{label_task_id}}",
            )],
        ),
    ];
    dashboard(
        scope,
        "dag",
        "Airflow DAG",
        "Run and task durations, delays, failures, retries and worker resources of the chosen DAGs.",
        variables(scope, true),
        panels(specs),
    )
}

fn dashboard(
    scope: &Scope,
    key: &str,
    title: &str,
    description: &str,
    variables: Vec<Variable>,
    panels: Vec<Panel>,
) -> Dashboard {
    Dashboard {
        uid: uid(&scope.model.platform.name, &scope.env.name, key),
        title: format!("{title} · {} {}", scope.model.platform.name, scope.env.name),
        description: description.to_owned(),
        tags: vec!["airflow", "platc"],
        timezone: "utc",
        editable: false,
        graph_tooltip: 1,
        schema_version: 39,
        version: 1,
        refresh: "1m",
        time: Range {
            from: "now-24h",
            to: "now",
        },
        templating: Templating { list: variables },
        panels,
    }
}

/// A dashboard uid: stable, unique per platform, environment and dashboard, within Grafana's
/// 40 characters.
pub fn uid(platform: &str, environment: &str, key: &str) -> String {
    let digest = Sha256::digest(format!("{platform}/{environment}/{key}").as_bytes());
    let hex: String = digest.iter().take(6).map(|b| format!("{b:02x}")).collect();
    format!("airflow-{key}-{hex}")
}

/// Every dashboard of the environment, for code that reads their queries.
pub fn all(scope: &Scope) -> Vec<(&'static str, Dashboard)> {
    if scope.monitoring.dashboards.is_none() {
        return Vec::new();
    }
    vec![("overview", overview(scope)), ("dag", per_dag(scope))]
}

/// The sidecar ConfigMaps, by short name; none when dashboards are off.
pub fn render(scope: &Scope) -> Vec<(&'static str, Value)> {
    let Some(settings) = &scope.monitoring.dashboards else {
        return Vec::new();
    };
    all(scope)
        .into_iter()
        .map(|(key, dashboard)| {
            let mut text = serde_json::to_string_pretty(&dashboard).unwrap_or_default();
            text.push('\n');
            let mut labels = scope.object_labels();
            labels[settings.label.as_str()] = json!(settings.label_value.as_str());
            let doc = json!({
                "apiVersion": "v1",
                "kind": "ConfigMap",
                "metadata": {
                    "name": format!("airflow-dashboard-{key}"),
                    "namespace": scope.env.namespace,
                    "labels": labels,
                    "annotations": { "grafana_folder": settings.folder.as_str() },
                },
                "data": { format!("airflow-{key}.json"): text },
            });
            (key, doc)
        })
        .collect()
}
