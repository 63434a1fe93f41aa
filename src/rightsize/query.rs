//! Asking Prometheus: the PromQL for one environment's components and task pods, and a small
//! HTTP client (ureq, with a timeout) for the instant-query API.
//!
//! Metric names are cAdvisor's (`container_cpu_usage_seconds_total`,
//! `container_memory_working_set_bytes`) and kube-state-metrics' (`kube_pod_labels`,
//! `kube_pod_container_status_terminated_reason`, `…_last_terminated_reason`,
//! `kube_pod_container_resource_requests`). Components are found by the chart's container names;
//! task pods by the `dag_id` and `task_id` labels the KubernetesExecutor puts on them, which
//! kube-state-metrics exports as `label_dag_id` and `label_task_id` once they are on its
//! `--metric-labels-allowlist`. Every percentile is Prometheus' `quantile_over_time` over a
//! one-minute subquery of the window, so the numbers match what a dashboard shows.

use std::collections::BTreeMap;
use std::time::Duration;

use serde_json::Value;

use super::recommend::Usage;
use super::settings::Settings;

/// The step of every subquery: one sample a minute while a container runs.
pub const STEP: &str = "1m";
/// The range `rate()` looks back over; a few scrapes at the usual 30 s or 1 min interval.
pub const RATE_RANGE: &str = "5m";
/// The worker container of KubernetesExecutor pods (the chart's pod template names it so).
pub const WORKER_CONTAINER: &str = "base";

/// Which pods of which namespaces belong to an environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scope {
    /// The label matcher for `namespace`, such as `namespace="airflow"`.
    pub namespace: String,
}

impl Scope {
    /// One namespace.
    pub fn namespace(name: &str) -> Self {
        Scope {
            namespace: format!("namespace={}", promql_str(name)),
        }
    }

    /// Every namespace `<prefix>-…` (the preview namespaces of an environment).
    pub fn prefix(prefix: &str) -> Self {
        Scope {
            namespace: format!(
                "namespace=~{}",
                promql_str(&format!("{}-.+", re2_literal(prefix)))
            ),
        }
    }
}

/// What was measured for one group: CPU in cores, memory in bytes.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Measured {
    pub cpu: Usage,
    pub memory: Usage,
}

/// Measurements of one environment.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Measurements {
    /// By container name (`scheduler`, `api-server`, `base` for all worker pods …).
    pub components: BTreeMap<String, Measured>,
    /// By (dag_id, task_id).
    pub tasks: BTreeMap<(String, String), Measured>,
}

/// One series of an instant query's answer: its labels and value.
pub type Sample = (BTreeMap<String, String>, f64);

/// The Prometheus HTTP API.
pub struct Client {
    agent: ureq::Agent,
    base: String,
    token: Option<String>,
    at: Option<f64>,
}

impl Client {
    /// A client for the server at `url` (`http://` or `https://`), sending `token` as a bearer
    /// token, evaluating at unix time `at` (else now), giving up on a query after `timeout`.
    pub fn new(
        url: &str,
        token: Option<String>,
        at: Option<f64>,
        timeout: Duration,
    ) -> Result<Client, String> {
        let base = url.trim_end_matches('/').to_owned();
        if !(base.starts_with("http://") || base.starts_with("https://")) {
            return Err(format!("`{url}` is no http:// or https:// URL"));
        }
        let authority = base.split("://").nth(1).unwrap_or_default();
        if authority
            .split('/')
            .next()
            .unwrap_or_default()
            .contains('@')
        {
            // Never echoed: the URL itself holds the credential.
            return Err(
                "the Prometheus URL holds credentials; pass a bearer token in $PLATC_PROMETHEUS_TOKEN or --token-file instead".into(),
            );
        }
        let agent = ureq::Agent::config_builder()
            .timeout_global(Some(timeout))
            .http_status_as_error(false)
            .build()
            .new_agent();
        Ok(Client {
            agent,
            base,
            token,
            at,
        })
    }

    /// An instant query: each series' labels and value (non-finite values dropped).
    pub fn instant(&self, promql: &str) -> Result<Vec<Sample>, String> {
        let url = format!("{}/api/v1/query", self.base);
        let mut request = self.agent.get(&url).query("query", promql);
        if let Some(at) = self.at {
            request = request.query("time", at.to_string());
        }
        if let Some(token) = &self.token {
            request = request.header("Authorization", format!("Bearer {token}"));
        }
        let mut response = request
            .call()
            .map_err(|e| format!("cannot reach {url}: {e}"))?;
        let status = response.status();
        let body = response
            .body_mut()
            .with_config()
            .limit(256 * 1024 * 1024)
            .read_to_string()
            .map_err(|e| format!("cannot read the answer of {url}: {e}"))?;
        let json: Value = serde_json::from_str(&body)
            .map_err(|_| format!("{url} answered {status} with something that is not JSON"))?;
        if json["status"] != "success" {
            let error = json["error"].as_str().unwrap_or("no reason given");
            return Err(format!("{url} answered {status}: {error}"));
        }
        let mut out = Vec::new();
        for series in json["data"]["result"].as_array().into_iter().flatten() {
            let labels = series["metric"]
                .as_object()
                .into_iter()
                .flatten()
                .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_owned())))
                .collect();
            let value = series["value"][1]
                .as_str()
                .and_then(|v| v.parse::<f64>().ok())
                .filter(|v| v.is_finite());
            if let Some(value) = value {
                out.push((labels, value));
            }
        }
        Ok(out)
    }
}

/// The expressions measured for one kind of group.
struct Group {
    /// Labels the results are grouped by.
    by: &'static str,
    /// CPU cores used at one instant, one series per group.
    cpu: String,
    /// Memory working set at one instant, one series per group.
    memory: String,
    /// Pods of the window with their group labels (value 1, `group`).
    pods: String,
    /// Memory requests of the window, by pod (and container).
    requests: String,
    /// The OOM-killed containers of the window (value 1), matched on `on`.
    ooms: String,
    on: &'static str,
}

/// Measures the components (by container name, from `containers`) and, when `tasks`, the
/// KubernetesExecutor task pods of `scope`.
pub fn measure(
    client: &Client,
    scope: &Scope,
    containers: &[&str],
    tasks: bool,
    s: &Settings,
) -> Result<Measurements, String> {
    let mut out = Measurements::default();
    if !containers.is_empty() {
        let group = components(scope, containers, &s.window);
        for (labels, measured) in run(client, &group, s, false)? {
            if let Some(name) = labels.first() {
                out.components.insert(name.clone(), measured);
            }
        }
    }
    if tasks {
        let group = task_pods(scope, &s.window);
        for (labels, measured) in run(client, &group, s, true)? {
            if let [dag, task] = labels.as_slice() {
                out.tasks.insert((dag.clone(), task.clone()), measured);
            }
        }
    }
    Ok(out)
}

fn components(scope: &Scope, containers: &[&str], window: &str) -> Group {
    let names = containers
        .iter()
        .map(|c| re2_literal(c))
        .collect::<Vec<_>>()
        .join("|");
    let sel = format!("{}, container=~{}", scope.namespace, promql_str(&names));
    Group {
        by: "container",
        cpu: format!(
            "max by (container) (rate(container_cpu_usage_seconds_total{{{sel}}}[{RATE_RANGE}]))"
        ),
        memory: format!("max by (container) (container_memory_working_set_bytes{{{sel}}})"),
        pods: format!(
            "group by (namespace, pod, container) (max_over_time(container_memory_working_set_bytes{{{sel}}}[{window}]))"
        ),
        requests: format!(
            "max by (namespace, pod, container) (max_over_time(kube_pod_container_resource_requests{{{sel}, resource=\"memory\"}}[{window}]))"
        ),
        ooms: oom_killed(&sel, window, "namespace, pod, container"),
        on: "namespace, pod, container",
    }
}

fn task_pods(scope: &Scope, window: &str) -> Group {
    let ns = &scope.namespace;
    let worker = promql_str(WORKER_CONTAINER);
    let labels = format!("kube_pod_labels{{{ns}, label_dag_id!=\"\", label_task_id!=\"\"}}");
    let by = "label_dag_id, label_task_id";
    let pods_now = format!("max by (namespace, pod, {by}) ({labels})");
    let join = |metric: String| {
        format!(
            "max by ({by}) (max by (namespace, pod) ({metric}) * on (namespace, pod) group_left ({by}) {pods_now})"
        )
    };
    let sel = format!("{ns}, container={worker}");
    Group {
        by,
        cpu: join(format!(
            "rate(container_cpu_usage_seconds_total{{{sel}}}[{RATE_RANGE}])"
        )),
        memory: join(format!("container_memory_working_set_bytes{{{sel}}}")),
        pods: format!("group by (namespace, pod, {by}) (max_over_time({labels}[{window}]))"),
        requests: format!(
            "max by (namespace, pod) (max_over_time(kube_pod_container_resource_requests{{{sel}, resource=\"memory\"}}[{window}]))"
        ),
        ooms: oom_killed(&sel, window, "namespace, pod"),
        on: "namespace, pod",
    }
}

/// Containers whose current or last termination in the window was an OOM kill (value 1).
fn oom_killed(sel: &str, window: &str, by: &str) -> String {
    let reason = format!("{sel}, reason=\"OOMKilled\"");
    format!(
        "(max by ({by}) (max_over_time(kube_pod_container_status_terminated_reason{{{reason}}}[{window}]) or max_over_time(kube_pod_container_status_last_terminated_reason{{{reason}}}[{window}])) == 1)"
    )
}

/// Runs every query of `g`; the groups' label values, with what was measured.
fn run(
    client: &Client,
    g: &Group,
    s: &Settings,
    count_runs: bool,
) -> Result<Vec<(Vec<String>, Measured)>, String> {
    let w = &s.window;
    let keys: Vec<&str> = g.by.split(", ").collect();
    let mut all: BTreeMap<Vec<String>, Measured> = BTreeMap::new();
    let mut each = |promql: String, set: &dyn Fn(&mut Measured, f64)| -> Result<(), String> {
        for (labels, value) in client.instant(&promql)? {
            let key: Vec<String> = keys
                .iter()
                .map(|k| labels.get(*k).cloned().unwrap_or_default())
                .collect();
            set(all.entry(key).or_default(), value);
        }
        Ok(())
    };
    let over = |f: &str, expr: &str| format!("{f}(({expr})[{w}:{STEP}])");
    let q = |phi: f64, expr: &str| format!("quantile_over_time({phi}, ({expr})[{w}:{STEP}])");
    let target = s.cpu_percentile / 100.0;
    let count = |v: f64| v.max(0.0).round() as u64;
    each(over("count_over_time", &g.cpu), &|m, v| {
        m.cpu.samples = count(v)
    })?;
    each(q(0.5, &g.cpu), &|m, v| m.cpu.p50 = v)?;
    each(q(0.95, &g.cpu), &|m, v| m.cpu.p95 = v)?;
    each(q(target, &g.cpu), &|m, v| m.cpu.target = v)?;
    each(over("max_over_time", &g.cpu), &|m, v| m.cpu.max = v)?;
    each(over("count_over_time", &g.memory), &|m, v| {
        m.memory.samples = count(v)
    })?;
    each(q(0.5, &g.memory), &|m, v| m.memory.p50 = v)?;
    each(q(0.95, &g.memory), &|m, v| m.memory.p95 = v)?;
    each(over("max_over_time", &g.memory), &|m, v| {
        m.memory.max = v;
        m.memory.target = v;
    })?;
    let by = g.by;
    let on = g.on;
    // Components are grouped by a label they are matched on: a one-to-one match then.
    let matching = if on.split(", ").any(|l| l == by) {
        format!("on ({on})")
    } else {
        format!("on ({on}) group_left ({by})")
    };
    let oom_pods = format!("({} * {matching} {})", g.ooms, g.pods);
    each(format!("count by ({by}) ({oom_pods})"), &|m, v| {
        m.memory.oom_kills = count(v);
    })?;
    each(
        format!("max by ({by}) ({} * {matching} {oom_pods})", g.requests),
        &|m, v| m.memory.oom_memory = Some(v),
    )?;
    if count_runs {
        each(format!("count by ({by}) ({})", g.pods), &|m, v| {
            m.cpu.runs = Some(count(v));
            m.memory.runs = Some(count(v));
        })?;
    }
    // Groups seen only by the OOM or run queries (no usage in the window) are kept: the
    // recommender refuses them for want of samples, and the report says so.
    Ok(all.into_iter().collect())
}

/// A PromQL string literal (double-quoted, Go escapes).
pub fn promql_str(text: &str) -> String {
    serde_json::to_string(text).unwrap_or_else(|_| "\"\"".into())
}

/// `text` as an RE2 pattern that matches exactly it.
fn re2_literal(text: &str) -> String {
    crate::naming::re2_escape(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_quote_their_names() {
        assert_eq!(
            Scope::namespace("airflow").namespace,
            r#"namespace="airflow""#
        );
        assert_eq!(
            Scope::prefix("airflow-dev").namespace,
            r#"namespace=~"airflow-dev-.+""#
        );
        assert_eq!(promql_str("a\"b\\c"), r#""a\"b\\c""#);
    }

    #[test]
    fn urls_with_credentials_are_refused_without_echoing_them() {
        let err = Client::new(
            "https://me:hunter2@prom.example",
            None,
            None,
            Duration::from_secs(1),
        )
        .err()
        .unwrap_or_default();
        assert!(
            err.contains("holds credentials") && !err.contains("hunter2"),
            "{err}"
        );
        assert!(Client::new("ftp://prom.example", None, None, Duration::from_secs(1)).is_err());
        assert!(
            Client::new(
                "http://127.0.0.1:9090/prom/",
                None,
                None,
                Duration::from_secs(1)
            )
            .is_ok()
        );
    }

    #[test]
    fn task_queries_join_worker_pods_to_their_task_labels() {
        let g = task_pods(&Scope::namespace("airflow"), "14d");
        assert_eq!(
            g.cpu,
            "max by (label_dag_id, label_task_id) (max by (namespace, pod) (rate(container_cpu_usage_seconds_total{namespace=\"airflow\", container=\"base\"}[5m])) * on (namespace, pod) group_left (label_dag_id, label_task_id) max by (namespace, pod, label_dag_id, label_task_id) (kube_pod_labels{namespace=\"airflow\", label_dag_id!=\"\", label_task_id!=\"\"}))"
        );
        assert!(g.ooms.contains("kube_pod_container_status_terminated_reason{namespace=\"airflow\", container=\"base\", reason=\"OOMKilled\"}[14d]"));
    }
}
