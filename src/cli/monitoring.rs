//! `platc monitoring ENV`: the metric families, labels and series names an environment's
//! Prometheus will have, so users can write panels and alerts of their own.

use serde_json::{Value, json};

use super::commands::load_environment;
use super::{Cli, Format, Output};
use crate::diagnostic::Diagnostic;
use crate::render::monitoring::{Scope, metrics};
use crate::spec::monitoring::Scrape;

/// The worker-pod series the dashboards and alerts join, as (metric, labels).
const WORKER_SERIES: [(&str, &str); 4] = [
    (
        "container_cpu_usage_seconds_total",
        "namespace, pod, container=\"base\" (cAdvisor)",
    ),
    (
        "container_memory_working_set_bytes",
        "namespace, pod, container=\"base\" (cAdvisor)",
    ),
    (
        "kube_pod_labels",
        "namespace, pod, label_dag_id, label_task_id (kube-state-metrics)",
    ),
    (
        "kube_pod_status_phase",
        "namespace, pod, phase (kube-state-metrics)",
    ),
];

/// Prints the metrics of `env`; exit 1 when its monitoring is off.
pub fn monitoring(cli: &Cli, out: &Output, env: &str) -> i32 {
    let (front, index) = match load_environment(cli, out, env) {
        Ok(found) => found,
        Err(code) => return code,
    };
    let resolved = &front.model.environments[index];
    let Some(scope) = Scope::of(&front.model, resolved) else {
        let d = Diagnostic::error(
            "monitoring-off",
            format!("monitoring is off in environment `{env}`"),
        )
        .help("add a `monitoring` section to the spec (or to this environment); docs/monitoring.md shows one");
        out.diagnostics(&d.into(), None);
        return 1;
    };
    let scrape = match scope.monitoring.scrape {
        Scrape::ServiceMonitor => "ServiceMonitor",
        Scrape::Annotations => "prometheus.io/scrape annotations",
    };
    let families: Vec<Value> = metrics::families(scope.airflow3)
        .map(|f| {
            json!({
                "name": f.name,
                "type": f.kind,
                "labels": metrics::labels(f),
                "series": metrics::series_names(f),
                "statsd": format!("{}.{}", crate::render::monitoring::statsd::PREFIX, f.statsd),
                "help": f.help,
            })
        })
        .collect();
    if out.format == Format::Json {
        let workers: Vec<Value> = WORKER_SERIES
            .iter()
            .map(|(name, labels)| json!({ "name": name, "labels": labels }))
            .collect();
        return out.json_result(
            json!({
                "environment": resolved.name,
                "airflow": resolved.airflow.version,
                "scrape": scrape,
                "scrape_labels": if resolved.is_preview() { vec!["namespace", "preview"] } else { vec!["namespace"] },
                "families": families,
                "worker_pods": workers,
            }),
            &front.warnings,
        );
    }
    let mut text = format!(
        "Metrics of `{}` (Airflow {}), scraped through {scrape}.\nEvery family also has `namespace`{} from the scrape.\n\n",
        resolved.name,
        resolved.airflow.version,
        if resolved.is_preview() {
            " and `preview` (the branch's namespace)"
        } else {
            ""
        },
    );
    for f in metrics::families(scope.airflow3) {
        text.push_str(&format!(
            "{}  ({}, from {}.{})\n  labels: {}\n  series: {}\n  {}\n",
            f.name,
            format!("{:?}", f.kind).to_lowercase(),
            crate::render::monitoring::statsd::PREFIX,
            f.statsd,
            metrics::labels(f).join(", "),
            metrics::series_names(f).join(", "),
            f.help
        ));
    }
    text.push_str("\nWorker pods (joined on namespace and pod):\n");
    for (name, labels) in WORKER_SERIES {
        text.push_str(&format!("{name}  {labels}\n"));
    }
    out.stdout(&text)
}
