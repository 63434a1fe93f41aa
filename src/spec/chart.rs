//! The chart-facing parts of the spec: node placement per component, and `helm.values`, the
//! passthrough for chart keys platc does not model.

use indexmap::IndexMap;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Chart settings platc does not model, shared by every environment; an environment's `helm`
/// merges over it key by key.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Helm {
    /// Values for the official Airflow chart, merged into what platc renders. Only keys platc
    /// does not set: the chart's own schema checks them for the target chart version, and a key
    /// platc owns is an error naming the spec field to use instead.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub values: IndexMap<String, Value>,
}

/// Which nodes the Airflow pods run on: for every pod, and per component.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Placement {
    /// For every pod of the release (the chart's top-level settings).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub all: Option<NodePlacement>,
    /// The scheduler.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scheduler: Option<NodePlacement>,
    /// The API server (Airflow 3) or webserver (Airflow 2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ui: Option<NodePlacement>,
    /// The standalone DAG processor (Airflow 3).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dag_processor: Option<NodePlacement>,
    /// The triggerer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub triggerer: Option<NodePlacement>,
    /// Task pods (KubernetesExecutor) or Celery workers: typically an autoscaled node pool.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workers: Option<NodePlacement>,
}

impl Placement {
    /// Whether nothing is set.
    pub fn is_empty(&self) -> bool {
        *self == Placement::default()
    }

    /// Each component that has a placement, by its name in the spec.
    pub fn components(&self) -> [(&'static str, Option<&NodePlacement>); 6] {
        [
            ("all", self.all.as_ref()),
            ("scheduler", self.scheduler.as_ref()),
            ("ui", self.ui.as_ref()),
            ("dagProcessor", self.dag_processor.as_ref()),
            ("triggerer", self.triggerer.as_ref()),
            ("workers", self.workers.as_ref()),
        ]
    }
}

/// Kubernetes scheduling constraints of one component's pods.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct NodePlacement {
    /// Node labels the pods require, such as `cloud.google.com/gke-nodepool: airflow-tasks`.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub node_selector: IndexMap<String, String>,
    /// Taints the pods tolerate, such as the taint of a dedicated node pool.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tolerations: Vec<Toleration>,
    /// A Kubernetes `Affinity` (nodeAffinity, podAffinity, podAntiAffinity), checked against the
    /// chart's schema.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub affinity: Option<IndexMap<String, Value>>,
}

/// A Kubernetes toleration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Toleration {
    /// The taint key; empty with `Exists` tolerates every taint.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// `Equal` (default) or `Exists`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operator: Option<TolerationOperator>,
    /// The taint value, with `Equal`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    /// The taint effect; none matches every effect.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub effect: Option<TaintEffect>,
    /// With `NoExecute`: how long the pod stays once the taint appears.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub toleration_seconds: Option<i64>,
}

/// How a toleration matches a taint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum TolerationOperator {
    /// Key and value equal.
    Equal,
    /// The key exists, whatever its value.
    Exists,
}

/// What a taint does to pods that do not tolerate it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum TaintEffect {
    /// Not scheduled there.
    NoSchedule,
    /// Avoided when possible.
    PreferNoSchedule,
    /// Evicted and not scheduled.
    NoExecute,
}
