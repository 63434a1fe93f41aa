//! The recommender's knobs, `airflow.resources.rightsize` in the spec (shared or per environment).
//!
//! Defaults follow the two recommenders the team would otherwise reach for: the Kubernetes
//! Vertical Pod Autoscaler's recommender (kubernetes/autoscaler, `vertical-pod-autoscaler/pkg/
//! recommender/logic`) and Robusta KRR's `simple` strategy (robusta-dev/krr). Each field names its
//! source; `docs/rightsize.md` explains how they combine.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::spec::Quantity;

/// How `platc rightsize` turns measured use into requests.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[schemars(rename = "RightsizeSettings")]
pub struct Settings {
    /// How much history to read, as a Prometheus duration (`14d`, `36h`). Default `14d`, KRR's
    /// default history (336 hours). `--window` overrides it.
    #[serde(default = "default_window")]
    pub window: String,
    /// The percentile of the CPU usage rate the request covers. Default 95, KRR's `cpu_percentile`.
    #[serde(default = "default_cpu_percentile")]
    pub cpu_percentile: f64,
    /// Percent added on top of that percentile. Default 15, the VPA recommender's
    /// `--recommendation-margin-fraction` (0.15).
    #[serde(default = "default_margin")]
    pub cpu_margin: f64,
    /// Percent added on top of the peak memory working set. Default 15, KRR's
    /// `memory_buffer_percentage` and the VPA's margin alike.
    #[serde(default = "default_margin")]
    pub memory_margin: f64,
    /// After an OOM kill, percent added to the memory the killed container had. Default 20, the
    /// VPA's `--oom-bump-up-ratio` (1.2).
    #[serde(default = "default_oom_bump")]
    pub oom_bump: f64,
    /// After an OOM kill, the least memory added. Default `100Mi`, the VPA's `--oom-min-bump-up-bytes`.
    #[serde(default = "default_oom_min_bump")]
    pub oom_min_bump: Quantity,
    /// The smallest CPU request recommended. Default `25m`, the VPA's
    /// `--pod-recommendation-min-cpu-millicores`.
    #[serde(default = "default_min_cpu")]
    pub min_cpu: Quantity,
    /// The smallest memory request recommended. Default `250Mi`, the VPA's
    /// `--pod-recommendation-min-memory-mb`.
    #[serde(default = "default_min_memory")]
    pub min_memory: Quantity,
    /// Samples (one a minute while the container runs) needed before recommending anything.
    /// Default 100, KRR's `points_required`.
    #[serde(default = "default_min_samples")]
    pub min_samples: u32,
    /// Runs (worker pods) of a task needed before recommending anything for it. Default 5.
    #[serde(default = "default_min_runs")]
    pub min_runs: u32,
    /// Changes smaller than this percent of the current request are not proposed. Default 10.
    #[serde(default = "default_min_change")]
    pub min_change: f64,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            window: default_window(),
            cpu_percentile: default_cpu_percentile(),
            cpu_margin: default_margin(),
            memory_margin: default_margin(),
            oom_bump: default_oom_bump(),
            oom_min_bump: default_oom_min_bump(),
            min_cpu: default_min_cpu(),
            min_memory: default_min_memory(),
            min_samples: default_min_samples(),
            min_runs: default_min_runs(),
            min_change: default_min_change(),
        }
    }
}

fn default_window() -> String {
    "14d".into()
}
fn default_cpu_percentile() -> f64 {
    95.0
}
fn default_margin() -> f64 {
    15.0
}
fn default_oom_bump() -> f64 {
    20.0
}
fn default_oom_min_bump() -> Quantity {
    Quantity::Text("100Mi".into())
}
fn default_min_cpu() -> Quantity {
    Quantity::Text("25m".into())
}
fn default_min_memory() -> Quantity {
    Quantity::Text("250Mi".into())
}
fn default_min_samples() -> u32 {
    100
}
fn default_min_runs() -> u32 {
    5
}
fn default_min_change() -> f64 {
    10.0
}
