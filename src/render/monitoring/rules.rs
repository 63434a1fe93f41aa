//! The PrometheusRule of a long-lived environment: alerts that name the DAG and the
//! environment, routed to the spec's Slack channel through a `slack_channel` label.

use indexmap::IndexMap;
use serde::Serialize;
use serde_json::{Value, json};

use super::Scope;
use super::metrics::name;
use crate::encode::go_template::literal as go_template_literal;
use crate::encode::promql::{glob_regex, globs_regex, string};
use crate::spec::monitoring::Alerts;

/// The window over which run failures and schedule delays are looked at.
pub const WINDOW: &str = "1h";

/// One alerting rule.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Rule {
    pub alert: String,
    pub expr: String,
    #[serde(rename = "for", skip_serializing_if = "Option::is_none")]
    pub for_: Option<String>,
    pub labels: IndexMap<String, String>,
    pub annotations: IndexMap<String, String>,
}

/// A named group of rules.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Group {
    pub name: String,
    pub rules: Vec<Rule>,
}

/// The rule groups of the environment, or `None` when its alerts are off.
pub fn groups(scope: &Scope) -> Option<Vec<Group>> {
    let alerts = scope.monitoring.alerts.as_ref()?;
    let env = &scope.env.name;
    let e = scope.environment_matcher();
    let ns = scope.namespace_matcher();
    let mut labels = IndexMap::new();
    labels.insert("environment".to_owned(), go_template_literal(env));
    if let Some(n) = &scope.env.notifications {
        labels.insert("slack_channel".to_owned(), go_template_literal(&n.slack));
    }
    let rule = |alert: &str,
                severity: &str,
                expr: String,
                for_: Option<&str>,
                summary: String,
                action: &str| {
        Draft {
            alert,
            severity,
            expr,
            for_,
            summary,
            action,
        }
        .with(&labels)
    };
    let env_text = go_template_literal(env);

    let runs = format!("{}_count", name("dagrun.duration.*"));
    let failed = format!("{runs}{{{e},state=\"failed\"}}");
    let mut dag_rules = vec![rule(
        "AirflowDagRunFailed",
        "warning",
        // `unless … offset` counts the first failure of a DAG after the exporter started,
        // whose series has no earlier sample for increase() to compare with.
        format!(
            "sum by (dag_id) (increase({failed}[{WINDOW}]) or ({failed} unless {failed} offset {WINDOW})) > 0"
        ),
        None,
        format!("DAG {{{{ $labels.dag_id }}}} failed in {env_text}"),
        "Open the failed run in the Airflow UI, read the failed task's log, fix and clear it.",
    )];
    dag_rules.extend(
        schedule_delay_rules(alerts, &e, &env_text)
            .into_iter()
            .map(|d| d.with(&labels)),
    );

    let mut health = Vec::new();
    let mut components = vec![
        ("Scheduler", "scheduler_heartbeat"),
        ("Triggerer", "triggerer_heartbeat"),
    ];
    if scope.airflow3 {
        components.push(("DagProcessor", "dag_processor_heartbeat"));
    }
    let heartbeat = alerts.heartbeat.as_str();
    for (component, statsd) in components {
        health.push(rule(
            &format!("Airflow{component}HeartbeatMissing"),
            "critical",
            format!(
                "(sum(increase({}{{{e}}}[{heartbeat}])) or vector(0)) == 0",
                name(statsd)
            ),
            None,
            format!("The {} of {env_text} sent no heartbeat for {heartbeat}", component_text(component)),
            "Check that its pod runs (kubectl get pods, its logs) and that it reaches the metadata database.",
        ));
    }
    health.push(rule(
        "AirflowDagImportErrors",
        "warning",
        format!("max({}{{{e}}}) > 0", name("dag_processing.import_errors")),
        Some("10m"),
        format!("{{{{ $value }}}} DAG files fail to import in {env_text}"),
        "The Airflow UI lists the import errors; fix the files in the DAG repository (platc dag check runs the same import).",
    ));
    health.push(rule(
        "AirflowPoolStarving",
        "warning",
        format!(
            "max by (pool_name) ({}{{{e}}}) > 0",
            name("pool.starving_tasks")
        ),
        Some("15m"),
        format!("Pool {{{{ $labels.pool_name }}}} of {env_text} has tasks waiting for a slot"),
        "Give the pool more slots, or spread the DAGs that use it over time.",
    ));

    let worker = format!(
        "max by (namespace, pod, label_dag_id, label_task_id) (kube_pod_labels{{{ns},label_dag_id!=\"\"}})"
    );
    let pods = vec![
        rule(
            "AirflowWorkerPodOOMKilled",
            "warning",
            // A task pod never restarts: its container's own state says OOMKilled; a restarted
            // one (Celery, a retried sidecar) keeps it as the last state.
            format!(
                "max by (namespace, pod) (kube_pod_container_status_terminated_reason{{{ns},reason=\"OOMKilled\"}} or kube_pod_container_status_last_terminated_reason{{{ns},reason=\"OOMKilled\"}}) * on (namespace, pod) group_left (label_dag_id, label_task_id) {worker} > 0"
            ),
            None,
            format!(
                "Task {{{{ $labels.label_task_id }}}} of DAG {{{{ $labels.label_dag_id }}}} ran out of memory in {env_text}"
            ),
            "Raise the task's memory (airflow.resources.workers, or the task's executor_config) or make it use less.",
        ),
        rule(
            "AirflowWorkerPodPending",
            "warning",
            format!(
                "max by (namespace, pod) (kube_pod_status_phase{{{ns},phase=\"Pending\"}}) * on (namespace, pod) group_left (label_dag_id, label_task_id) {worker} > 0"
            ),
            Some(alerts.pod_pending.as_str()),
            format!(
                "Task {{{{ $labels.label_task_id }}}} of DAG {{{{ $labels.label_dag_id }}}} waits for a node in {env_text}"
            ),
            "kubectl describe the pod: a request no node can hold, a quota, or the autoscaler at its limit.",
        ),
    ];
    let prefix = format!("airflow-{env}");
    Some(vec![
        Group {
            name: format!("{prefix}-dags"),
            rules: dag_rules,
        },
        Group {
            name: format!("{prefix}-health"),
            rules: health,
        },
        Group {
            name: format!("{prefix}-worker-pods"),
            rules: pods,
        },
    ])
}

fn component_text(component: &str) -> &'static str {
    match component {
        "Scheduler" => "scheduler",
        "Triggerer" => "triggerer",
        _ => "DAG processor",
    }
}

/// A rule before the environment's labels are added.
struct Draft<'a> {
    alert: &'a str,
    severity: &'a str,
    expr: String,
    for_: Option<&'a str>,
    summary: String,
    action: &'a str,
}

impl Draft<'_> {
    fn with(self, labels: &IndexMap<String, String>) -> Rule {
        let mut labels = labels.clone();
        labels.insert("severity".to_owned(), self.severity.to_owned());
        let mut annotations = IndexMap::new();
        annotations.insert("summary".to_owned(), self.summary);
        annotations.insert("action".to_owned(), self.action.to_owned());
        Rule {
            alert: self.alert.to_owned(),
            expr: self.expr,
            for_: self.for_.map(str::to_owned),
            labels,
            annotations,
        }
    }
}

/// One schedule-delay rule per `alerts.dags` pattern (DAGs no earlier pattern took), then the
/// default for the rest.
fn schedule_delay_rules<'a>(alerts: &'a Alerts, e: &str, env_text: &str) -> Vec<Draft<'a>> {
    let delay = name("dagrun.schedule_delay");
    let mut out = Vec::new();
    let mut earlier: Vec<&str> = Vec::new();
    let mut thresholds: Vec<(Option<&str>, &crate::spec::monitoring::Duration)> = alerts
        .dags
        .iter()
        .map(|d| (Some(d.pattern.as_str()), &d.schedule_delay))
        .collect();
    thresholds.push((None, &alerts.schedule_delay));
    for (pattern, threshold) in thresholds {
        let seconds = threshold.seconds().unwrap_or(u64::MAX);
        let mut matchers = e.to_owned();
        if let Some(p) = pattern {
            matchers.push_str(&format!(",dag_id=~{}", string(&glob_regex(p))));
        }
        if !earlier.is_empty() {
            matchers.push_str(&format!(
                ",dag_id!~{}",
                string(&globs_regex(earlier.iter().copied()))
            ));
        }
        let sum = format!("sum by (dag_id) (increase({delay}_sum{{{matchers}}}[{WINDOW}]))");
        let count = format!("sum by (dag_id) (increase({delay}_count{{{matchers}}}[{WINDOW}]))");
        out.push(Draft {
            alert: "AirflowDagScheduleDelayed",
            severity: "warning",
            expr: format!("{sum} / {count} > {seconds}"),
            for_: None,
            summary: format!(
                "DAG {{{{ $labels.dag_id }}}} started {{{{ $value | humanizeDuration }}}} late on average in {env_text} (threshold {})",
                threshold.as_str()
            ),
            action: "Look for a full pool or executor, a slow scheduler loop, or too many DAGs due at once.",
        });
        if let Some(p) = pattern {
            earlier.push(p);
        }
    }
    out
}

/// The PrometheusRule object, or `None` when alerts are off.
pub fn render(scope: &Scope) -> Option<Value> {
    let groups = groups(scope)?;
    Some(json!({
        "apiVersion": "monitoring.coreos.com/v1",
        "kind": "PrometheusRule",
        "metadata": {
            "name": format!("airflow-{}", scope.env.name),
            "namespace": scope.env.namespace,
            "labels": scope.object_labels(),
        },
        "spec": { "groups": groups },
    }))
}

/// The groups as a Prometheus rules file (`promtool check rules` reads this).
pub fn rules_file(scope: &Scope) -> Option<Value> {
    groups(scope).map(|groups| json!({ "groups": groups }))
}
