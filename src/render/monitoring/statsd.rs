//! The StatsD exporter's mapping (`statsd.overrideMappings` of the chart) and the `[metrics]`
//! options it relies on.
//!
//! The chart's default mapping cannot be extended to fit: its entries win over
//! `statsd.extraMappings`, they name metrics after legacy names with ids in them, and they
//! observe timers as summaries. platc replaces it whole.

use indexmap::IndexMap;
use serde::Serialize;

use super::metrics::{ENVIRONMENT_LABEL, Family, Kind, families};

/// The prefix Airflow puts before every StatsD name (the chart's `[metrics] statsd_prefix`).
pub const PREFIX: &str = "airflow";

/// Histogram buckets (seconds) of every timer: from a second to a day.
pub const BUCKETS: &[f64] = &[
    1.0, 5.0, 15.0, 30.0, 60.0, 120.0, 300.0, 600.0, 900.0, 1800.0, 3600.0, 7200.0, 14400.0,
    28800.0, 86400.0,
];

/// One entry of statsd_exporter's mapping file.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Mapping {
    #[serde(rename = "match")]
    pub pattern: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub match_type: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub match_metric_type: Option<&'static str>,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub action: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub observer_type: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub histogram_options: Option<HistogramOptions>,
    #[serde(skip_serializing_if = "IndexMap::is_empty")]
    pub labels: IndexMap<&'static str, String>,
}

/// `histogram_options` of a mapping.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HistogramOptions {
    pub buckets: Vec<f64>,
}

/// The whole mapping for an environment: one entry per family, then a catch-all that drops
/// every other line (legacy names with ids inside, and metrics platc does not chart).
/// `environment` must be a DNS label (validated): it is a literal label value, and
/// statsd_exporter would expand a `$` in it.
pub fn mappings(environment: &str, airflow3: bool) -> Vec<Mapping> {
    let mut out: Vec<Mapping> = families(airflow3)
        .map(|family| mapping(family, environment))
        .collect();
    out.push(Mapping {
        pattern: ".".into(),
        match_type: Some("regex"),
        match_metric_type: None,
        name: "airflow_dropped".into(),
        action: Some("drop"),
        observer_type: None,
        histogram_options: None,
        labels: IndexMap::new(),
    });
    out
}

fn mapping(family: &Family, environment: &str) -> Mapping {
    let mut labels = IndexMap::new();
    if let Some(captured) = family.captured {
        labels.insert(captured, "$1".to_owned());
    }
    labels.insert(ENVIRONMENT_LABEL, environment.to_owned());
    let (match_metric_type, observer_type, histogram_options) = match family.kind {
        Kind::Counter => (Some("counter"), None, None),
        Kind::Gauge => (Some("gauge"), None, None),
        Kind::Histogram => (
            Some("observer"),
            Some("histogram"),
            Some(HistogramOptions {
                buckets: BUCKETS.to_vec(),
            }),
        ),
    };
    Mapping {
        pattern: format!("{PREFIX}.{}", family.statsd),
        match_type: None,
        match_metric_type,
        name: family.name.to_owned(),
        action: None,
        observer_type,
        histogram_options,
        labels,
    }
}

/// The `[metrics]` options the mapping needs, as (option, value), given whether the
/// environment's Airflow knows `legacy_names_on` (3.2 and later).
pub fn metrics_options(has_legacy_names_option: bool) -> Vec<(&'static str, &'static str)> {
    let mut out = vec![
        ("statsd_on", "True"),
        ("statsd_prefix", PREFIX),
        // Tags as `name,tag=value` suffixes: statsd_exporter reads them as labels.
        ("statsd_influxdb_enabled", "True"),
    ];
    if has_legacy_names_option {
        // Halves the traffic where honoured (3.3); the mapping drops legacy names anyway.
        out.push(("legacy_names_on", "False"));
    }
    out
}
