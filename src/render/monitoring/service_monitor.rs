//! The ServiceMonitor of the chart's StatsD exporter Service, when the spec scrapes through
//! the Prometheus Operator.

use serde_json::{Value, json};

use super::Scope;
use crate::render::argocd::RELEASE_NAME;
use crate::spec::monitoring::Scrape;

/// The port name of the exporter's metrics on the chart's `<release>-statsd` Service.
pub const SCRAPE_PORT: &str = "statsd-scrape";

/// The ServiceMonitor, or `None` when Prometheus discovers the Service by its annotations.
pub fn render(scope: &Scope) -> Option<Value> {
    if scope.monitoring.scrape != Scrape::ServiceMonitor {
        return None;
    }
    let mut endpoint = json!({ "port": SCRAPE_PORT, "interval": "30s", "path": "/metrics" });
    if scope.env.is_preview() {
        // Every branch's series also carry the branch's namespace as `preview`.
        endpoint["relabelings"] = json!([{
            "action": "replace",
            "sourceLabels": ["__meta_kubernetes_namespace"],
            "targetLabel": "preview",
        }]);
    }
    Some(json!({
        "apiVersion": "monitoring.coreos.com/v1",
        "kind": "ServiceMonitor",
        "metadata": {
            "name": format!("{RELEASE_NAME}-statsd"),
            "namespace": scope.env.namespace,
            "labels": scope.object_labels(),
        },
        "spec": {
            "selector": {
                "matchLabels": { "tier": "airflow", "component": "statsd", "release": RELEASE_NAME },
            },
            "endpoints": [endpoint],
        },
    }))
}
