//! The `monitoring` section: per-DAG metrics from Airflow's StatsD, Grafana dashboards and alerts.
//!
//! Grammars of its free-text fields are JSON Schema patterns, so a bad value is reported at its
//! place by the schema check before anything is rendered.

use indexmap::IndexMap;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Metrics, dashboards and alerts of an environment. Omit (or `null` in an environment) for none.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Monitoring {
    /// How Prometheus finds the chart's StatsD exporter: `serviceMonitor` (the Prometheus
    /// Operator) or `annotations` (the `prometheus.io/scrape` annotations the chart sets, for a
    /// Prometheus that discovers Services by annotation).
    #[serde(default)]
    pub scrape: Scrape,
    /// Labels of the ServiceMonitor and PrometheusRule, so that the Prometheus Operator's
    /// selectors pick them up, such as `release: kube-prometheus-stack`.
    #[serde(default, skip_serializing_if = "Labels::is_empty")]
    pub labels: Labels,
    /// Grafana dashboards as ConfigMaps for the Grafana sidecar; omit for none. Previews get
    /// none: the dashboards of a long-lived environment select them by environment and namespace.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dashboards: Option<Dashboards>,
    /// Alerting rules (a PrometheusRule); omit for none. Previews get none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alerts: Option<Alerts>,
}

/// How Prometheus discovers the StatsD exporter.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum Scrape {
    /// A ServiceMonitor for the Prometheus Operator.
    #[default]
    ServiceMonitor,
    /// The chart's `prometheus.io/scrape` Service annotations only.
    Annotations,
}

/// Where the Grafana sidecar finds the dashboards.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Dashboards {
    /// The label the sidecar watches (`sidecar.dashboards.label` of the Grafana chart).
    #[serde(default = "default_dashboard_label")]
    pub label: LabelKey,
    /// Its value (`sidecar.dashboards.labelValue`).
    #[serde(default = "default_dashboard_label_value")]
    pub label_value: LabelValue,
    /// The Grafana folder, set through the sidecar's `grafana_folder` annotation
    /// (`sidecar.dashboards.folderAnnotation`).
    #[serde(default = "default_folder")]
    pub folder: Folder,
}

fn default_dashboard_label() -> LabelKey {
    LabelKey("grafana_dashboard".into())
}

fn default_dashboard_label_value() -> LabelValue {
    LabelValue("1".into())
}

fn default_folder() -> Folder {
    Folder("Airflow".into())
}

/// Alert thresholds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Alerts {
    /// A DAG run that starts this much later than scheduled alerts.
    #[serde(default = "default_schedule_delay")]
    pub schedule_delay: Duration,
    /// Other schedule delay thresholds by DAG id pattern; the first matching pattern wins.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dags: Vec<DagAlerts>,
    /// A scheduler, triggerer or DAG processor that sends no heartbeat this long alerts.
    #[serde(default = "default_heartbeat")]
    pub heartbeat: Duration,
    /// A worker pod pending this long alerts.
    #[serde(default = "default_pod_pending")]
    pub pod_pending: Duration,
}

fn default_schedule_delay() -> Duration {
    Duration("15m".into())
}

fn default_heartbeat() -> Duration {
    Duration("5m".into())
}

fn default_pod_pending() -> Duration {
    Duration("15m".into())
}

/// Thresholds of the DAGs whose id matches a pattern.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct DagAlerts {
    /// DAG ids, as a glob: `*` for any run of characters, such as `reports__*`.
    #[serde(rename = "match")]
    pub pattern: DagPattern,
    /// The schedule delay that alerts for these DAGs.
    pub schedule_delay: Duration,
}

macro_rules! patterned {
    ($(#[$doc:meta])* $name:ident, $pattern:expr, $description:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub String);

        impl $name {
            /// The grammar, as a regular expression over the whole value.
            pub const PATTERN: &'static str = $pattern;

            /// The text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl JsonSchema for $name {
            fn schema_name() -> std::borrow::Cow<'static, str> {
                stringify!($name).into()
            }

            fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
                schemars::json_schema!({
                    "type": "string",
                    "pattern": $pattern,
                    "description": $description,
                })
            }
        }
    };
}

patterned!(
    /// A duration with one unit: `90s`, `15m`, `2h`, `1d`.
    Duration,
    "^[1-9][0-9]{0,5}(s|m|h|d)$",
    "A duration with one unit: `90s`, `15m`, `2h`, `1d`."
);
patterned!(
    /// A Kubernetes label key, optionally with a DNS prefix: `release`, `grafana_dashboard`.
    LabelKey,
    "^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$",
    "A Kubernetes label key: up to 63 letters, digits, `-`, `_` or `.`, with an optional DNS prefix and `/`."
);
patterned!(
    /// A Kubernetes label value.
    LabelValue,
    "^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$",
    "A Kubernetes label value: up to 63 letters, digits, `-`, `_` or `.`, starting and ending with a letter or digit."
);
patterned!(
    /// A Grafana folder name.
    Folder,
    "^[A-Za-z0-9][A-Za-z0-9 _.-]{0,63}$",
    "A Grafana folder name: letters, digits, spaces, `_`, `.` and `-`."
);
patterned!(
    /// A glob over DAG ids: the characters Airflow allows in a DAG id, and `*`.
    DagPattern,
    "^[A-Za-z0-9_.*-]{1,250}$",
    "DAG ids as a glob: letters, digits, `_`, `.`, `-`, and `*` for any run of characters."
);

/// Kubernetes labels: keys and values each in their grammar.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Labels(pub IndexMap<String, LabelValue>);

impl Labels {
    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl JsonSchema for Labels {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Labels".into()
    }

    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        let value = generator.subschema_for::<LabelValue>();
        schemars::json_schema!({
            "type": "object",
            "propertyNames": { "pattern": LabelKey::PATTERN },
            "additionalProperties": value,
            "description": "Kubernetes labels: each key a label key (optional DNS prefix and `/`), each value a label value.",
        })
    }
}

impl Duration {
    /// The duration in seconds; `None` when the text does not fit [`Duration::PATTERN`].
    pub fn seconds(&self) -> Option<u64> {
        let text = self.0.as_str();
        let unit = text.chars().last()?;
        let number: u64 = text.get(..text.len() - 1)?.parse().ok()?;
        let factor = match unit {
            's' => 1,
            'm' => 60,
            'h' => 3600,
            'd' => 86_400,
            _ => return None,
        };
        number.checked_mul(factor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_convert_to_seconds() {
        assert_eq!(Duration("90s".into()).seconds(), Some(90));
        assert_eq!(Duration("15m".into()).seconds(), Some(900));
        assert_eq!(Duration("2h".into()).seconds(), Some(7200));
        assert_eq!(Duration("1d".into()).seconds(), Some(86_400));
        assert_eq!(Duration("1w".into()).seconds(), None);
        assert_eq!(Duration("m".into()).seconds(), None);
    }
}
