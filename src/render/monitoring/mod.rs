//! Monitoring of an environment: the StatsD exporter's mapping and `[metrics]` options (into
//! the Helm values), a ServiceMonitor, a PrometheusRule and Grafana dashboards (into the
//! environment's extras). One file per output; [`metrics`] is the table they all read.
//!
//! Previews get the mapping and the ServiceMonitor only: a rule or dashboard per branch would
//! repeat every alert and clutter Grafana, while the dashboards of a long-lived environment
//! select any environment and namespace.

pub mod dashboards;
pub mod metrics;
pub mod rules;
pub mod service_monitor;
pub mod statsd;

use serde_json::{Map, Value, json};

use crate::airflow::AirflowVersion;
use crate::encode::promql;
use crate::resolve::{Model, ResolvedEnvironment};
use crate::spec::Monitoring;

/// What monitoring renders from for one environment.
#[derive(Debug, Clone, Copy)]
pub struct Scope<'a> {
    pub model: &'a Model,
    pub env: &'a ResolvedEnvironment,
    pub monitoring: &'a Monitoring,
    pub airflow3: bool,
}

impl<'a> Scope<'a> {
    /// The scope of `env`, or `None` when its monitoring is off.
    pub fn of(model: &'a Model, env: &'a ResolvedEnvironment) -> Option<Self> {
        let monitoring = env.monitoring.as_ref()?;
        let airflow3 = AirflowVersion::parse(&env.airflow.version).is_ok_and(|v| v.major >= 3);
        Some(Scope {
            model,
            env,
            monitoring,
            airflow3,
        })
    }

    /// The PromQL matcher of this environment's Airflow series: `environment="<name>"`.
    pub fn environment_matcher(&self) -> String {
        format!(
            "{}={}",
            metrics::ENVIRONMENT_LABEL,
            promql::string(&self.env.name)
        )
    }

    /// The PromQL matcher of this environment's pods (cAdvisor, kube-state-metrics).
    pub fn namespace_matcher(&self) -> String {
        if self.env.is_preview() {
            format!(
                "namespace=~{}",
                promql::string(&format!("{}-.+", promql::glob_regex(&self.env.namespace)))
            )
        } else {
            format!("namespace={}", promql::string(&self.env.namespace))
        }
    }

    /// Labels of every monitoring object: the spec's (for the operator's selectors) and
    /// platc's own.
    pub fn object_labels(&self) -> Value {
        let mut labels = Map::new();
        for (k, v) in &self.monitoring.labels.0 {
            labels.insert(k.clone(), json!(v.as_str()));
        }
        labels.insert(
            "app.kubernetes.io/part-of".into(),
            json!(self.model.platform.name),
        );
        labels.insert("platc.dev/environment".into(), json!(self.env.name));
        Value::Object(labels)
    }
}

/// The `statsd` section and the `[metrics]` options of the Helm values, merged into `values`.
pub fn helm_values(model: &Model, env: &ResolvedEnvironment, values: &mut Map<String, Value>) {
    let Some(scope) = Scope::of(model, env) else {
        return;
    };
    let mappings = statsd::mappings(&env.name, scope.airflow3);
    values.insert(
        "statsd".into(),
        json!({ "enabled": true, "overrideMappings": mappings }),
    );
    let legacy_option = AirflowVersion::parse(&env.airflow.version)
        .ok()
        .and_then(|v| crate::airflow::catalog_for(&v).ok())
        .is_some_and(|(cat, _)| cat.option("metrics", "legacy_names_on").is_some());
    let config = values
        .entry("config")
        .or_insert_with(|| Value::Object(Map::new()));
    if let Some(config) = config.as_object_mut() {
        let section = config
            .entry("metrics")
            .or_insert_with(|| Value::Object(Map::new()));
        if let Some(section) = section.as_object_mut() {
            for (key, value) in statsd::metrics_options(legacy_option) {
                section.insert(key.into(), json!(value));
            }
        }
    }
}

/// The monitoring objects of one environment's extras, by file name.
pub fn extras(model: &Model, env: &ResolvedEnvironment) -> Vec<(String, Value)> {
    let Some(scope) = Scope::of(model, env) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    if let Some(doc) = service_monitor::render(&scope) {
        out.push(("monitoring-servicemonitor.yaml".to_owned(), doc));
    }
    if env.is_preview() {
        return out;
    }
    if let Some(doc) = rules::render(&scope) {
        out.push(("monitoring-prometheusrule.yaml".to_owned(), doc));
    }
    for (name, doc) in dashboards::render(&scope) {
        out.push((format!("monitoring-dashboard-{name}.yaml"), doc));
    }
    out
}

/// What the cluster needs for the monitoring outputs of `env`, as `PREREQUISITES.md` items.
pub fn prerequisites(env: &ResolvedEnvironment) -> Vec<String> {
    use crate::spec::monitoring::Scrape;
    let Some(m) = env.monitoring.as_ref() else {
        return Vec::new();
    };
    let labels: Vec<String> = m
        .labels
        .0
        .iter()
        .map(|(k, v)| format!("`{k}: {}`", v.as_str()))
        .collect();
    let selected = if labels.is_empty() {
        "with no labels (`monitoring.labels` is empty)".to_owned()
    } else {
        format!("by the labels {}", labels.join(", "))
    };
    let alerts = m.alerts.is_some() && !env.is_preview();
    let mut out = Vec::new();
    match m.scrape {
        Scrape::ServiceMonitor => out.push(format!(
            "Monitoring: the Prometheus Operator's CRDs (`monitoring.coreos.com/v1` ServiceMonitor{}) in the cluster, and a Prometheus that picks these objects up through its `serviceMonitorSelector`{} {selected}, in {} (its `serviceMonitorNamespaceSelector`{} must include it).",
            if alerts { " and PrometheusRule" } else { "" },
            if alerts { " and `ruleSelector`" } else { "" },
            if env.is_preview() {
                format!("each branch's namespace (`{}-<slug>-<hash>`)", env.namespace)
            } else {
                format!("namespace `{}`", env.namespace)
            },
            if alerts { " and `ruleNamespaceSelector`" } else { "" },
        )),
        Scrape::Annotations => out.push(format!(
            "Monitoring: a Prometheus that scrapes Services annotated `prometheus.io/scrape: \"true\"` (the chart's StatsD Service, port 9102) and adds their `namespace` label{}.",
            if alerts { "; for the alerts, the Prometheus Operator's PrometheusRule CRD and a Prometheus `ruleSelector` that picks the rule up ".to_owned() + &selected } else { String::new() },
        )),
    }
    out.push("kube-state-metrics v2 started with `--metric-labels-allowlist=pods=[dag_id,task_id]`, and the kubelets' cAdvisor metrics scraped: the worker CPU and memory panels and the OOM-killed/pending alerts join `container_*` to `kube_pod_labels` on the labels the KubernetesExecutor puts on task pods.".to_owned());
    if let Some(d) = &m.dashboards
        && !env.is_preview()
    {
        out.push(format!(
            "Grafana with its dashboard sidecar watching ConfigMaps labelled `{}: \"{}\"` in namespace `{}` (`sidecar.dashboards.searchNamespace`), folders from the `grafana_folder` annotation (`sidecar.dashboards.folderAnnotation: grafana_folder`, `provider.foldersFromFilesStructure: true`; folder `{}`), and a Prometheus data source.",
            d.label.as_str(),
            d.label_value.as_str(),
            env.namespace,
            d.folder.as_str(),
        ));
    }
    if alerts && env.notifications.is_some() {
        out.push("An Alertmanager route on the alerts' `slack_channel` label to a Slack receiver for that channel.".to_owned());
    }
    out
}
