//! The metric families platc maps from Airflow's StatsD, one table for the mapping, the
//! dashboards, the alerts and `platc monitoring`.
//!
//! Every supported Airflow (2.11 to 3.3) sends each per-DAG metric under a plain name with the
//! ids as tags (`dagrun.duration.success` tagged `dag_id`), and most also under a legacy name
//! with the ids baked in (`dagrun.duration.success.<dag_id>`; 3.2 even with `legacy_names_on`
//! off). platc turns the tags on as InfluxDB-style suffixes (`[metrics] statsd_influxdb_enabled`),
//! which the StatsD exporter reads as labels: dotted task-group ids stay whole. Only the plain
//! names below are mapped; every other line, legacy names included, is dropped, so nothing is
//! counted twice and no id ends up in a metric name.

use serde::Serialize;

/// How the exporter turns a family's StatsD lines into Prometheus samples.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// A StatsD counter: `<name>` only grows.
    Counter,
    /// A StatsD gauge.
    Gauge,
    /// A StatsD timer in milliseconds, observed in seconds into a histogram (`_bucket`, `_sum`,
    /// `_count`), so `histogram_quantile` works on it.
    Histogram,
}

/// The Airflow majors that send a family; platc maps (and `platc monitoring` lists) a family
/// only for an environment whose Airflow sends it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SentBy {
    Both,
    /// Only Airflow 2 (`task.queued_duration`: on Airflow 3 its one sender,
    /// `TaskInstance._check_and_change_state_before_execution`, is never called, since the task
    /// SDK runs tasks).
    Airflow2,
    /// Only Airflow 3 (the standalone DAG processor).
    Airflow3,
}

/// One mapped family.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Family {
    /// The StatsD name after the `airflow.` prefix, as a statsd_exporter glob (`*` is one
    /// dot-free component, captured as `$1`).
    pub statsd: &'static str,
    /// The Prometheus name.
    pub name: &'static str,
    pub kind: Kind,
    /// Labels that arrive as Airflow's tags.
    pub tags: &'static [&'static str],
    /// A label filled from the glob's `*`, if any.
    pub captured: Option<&'static str>,
    /// Which Airflow majors send it.
    pub sent_by: SentBy,
    /// What it measures.
    pub help: &'static str,
}

const fn family(
    statsd: &'static str,
    name: &'static str,
    kind: Kind,
    tags: &'static [&'static str],
    help: &'static str,
) -> Family {
    Family {
        statsd,
        name,
        kind,
        tags,
        captured: None,
        sent_by: SentBy::Both,
        help,
    }
}

/// Every mapped family, in the order of the mapping.
pub const FAMILIES: &[Family] = &[
    Family {
        captured: Some("state"),
        ..family(
            "dagrun.duration.*",
            "airflow_dagrun_duration_seconds",
            Kind::Histogram,
            &["dag_id", "run_type"],
            "Duration of finished DAG runs, by final state (success, failed).",
        )
    },
    family(
        "dagrun.schedule_delay",
        "airflow_dagrun_schedule_delay_seconds",
        Kind::Histogram,
        &["dag_id"],
        "Delay between a run's scheduled time and its start.",
    ),
    family(
        "dagrun.first_task_scheduling_delay",
        "airflow_dagrun_first_task_scheduling_delay_seconds",
        Kind::Histogram,
        &["dag_id", "run_type"],
        "Delay between a run's start and its first task's start.",
    ),
    family(
        "task.duration",
        "airflow_task_duration_seconds",
        Kind::Histogram,
        &["dag_id", "task_id"],
        "Duration of task runs (task-group ids in full).",
    ),
    Family {
        sent_by: SentBy::Airflow2,
        ..family(
            "task.queued_duration",
            "airflow_task_queued_duration_seconds",
            Kind::Histogram,
            &["dag_id", "task_id"],
            "Time tasks spent queued before running (Airflow 2 only).",
        )
    },
    family(
        "ti.start",
        "airflow_task_start_total",
        Kind::Counter,
        &["dag_id", "task_id"],
        "Task runs started.",
    ),
    family(
        "ti.finish",
        "airflow_task_finish_total",
        Kind::Counter,
        &["dag_id", "task_id", "state"],
        "Task runs finished, by state (success, failed, up_for_retry, ...).",
    ),
    family(
        "pool.open_slots",
        "airflow_pool_open_slots",
        Kind::Gauge,
        &["pool_name"],
        "Free slots of each pool.",
    ),
    family(
        "pool.queued_slots",
        "airflow_pool_queued_slots",
        Kind::Gauge,
        &["pool_name"],
        "Slots of each pool taken by queued tasks.",
    ),
    family(
        "pool.running_slots",
        "airflow_pool_running_slots",
        Kind::Gauge,
        &["pool_name"],
        "Slots of each pool taken by running tasks.",
    ),
    family(
        "pool.starving_tasks",
        "airflow_pool_starving_tasks",
        Kind::Gauge,
        &["pool_name"],
        "Tasks waiting for a slot of each pool.",
    ),
    family(
        "executor.open_slots",
        "airflow_executor_open_slots",
        Kind::Gauge,
        &[],
        "Free slots of the executor.",
    ),
    family(
        "executor.queued_tasks",
        "airflow_executor_queued_tasks",
        Kind::Gauge,
        &[],
        "Tasks queued in the executor.",
    ),
    family(
        "executor.running_tasks",
        "airflow_executor_running_tasks",
        Kind::Gauge,
        &[],
        "Tasks running in the executor.",
    ),
    family(
        "scheduler.tasks.starving",
        "airflow_scheduler_tasks_starving",
        Kind::Gauge,
        &[],
        "Tasks that cannot be scheduled for lack of pool slots.",
    ),
    family(
        "scheduler_heartbeat",
        "airflow_scheduler_heartbeat_total",
        Kind::Counter,
        &[],
        "Scheduler heartbeats.",
    ),
    family(
        "triggerer_heartbeat",
        "airflow_triggerer_heartbeat_total",
        Kind::Counter,
        &[],
        "Triggerer heartbeats.",
    ),
    Family {
        sent_by: SentBy::Airflow3,
        ..family(
            "dag_processor_heartbeat",
            "airflow_dag_processor_heartbeat_total",
            Kind::Counter,
            &[],
            "Standalone DAG processor heartbeats.",
        )
    },
    family(
        "dag_processing.import_errors",
        "airflow_dag_processing_import_errors",
        Kind::Gauge,
        &[],
        "DAG files that failed to import.",
    ),
    family(
        "dag_processing.total_parse_time",
        "airflow_dag_processing_total_parse_time_seconds",
        Kind::Gauge,
        &[],
        "Seconds to parse all DAG files once.",
    ),
    family(
        "dagbag_size",
        "airflow_dagbag_size",
        Kind::Gauge,
        &[],
        "DAGs found in the last parse.",
    ),
];

/// Labels every mapped family carries besides its own: the environment (set by the mapping),
/// the namespace (set by the scrape) and, for previews scraped by the ServiceMonitor, the
/// branch's namespace as `preview`.
pub const ENVIRONMENT_LABEL: &str = "environment";

/// The Prometheus name of the family mapped from `statsd`; a missing name is a bug.
pub fn name(statsd: &str) -> &'static str {
    FAMILIES
        .iter()
        .find(|f| f.statsd == statsd)
        .map_or("airflow_unmapped", |f| f.name)
}

/// The families an environment on Airflow 3 (`airflow3`) or Airflow 2 gets.
pub fn families(airflow3: bool) -> impl Iterator<Item = &'static Family> {
    FAMILIES.iter().filter(move |f| match f.sent_by {
        SentBy::Both => true,
        SentBy::Airflow2 => !airflow3,
        SentBy::Airflow3 => airflow3,
    })
}

/// The labels of `family` as Prometheus shows them, sorted, without the scrape's own.
pub fn labels(family: &Family) -> Vec<&'static str> {
    let mut out: Vec<&'static str> = family.tags.to_vec();
    out.extend(family.captured);
    out.push(ENVIRONMENT_LABEL);
    out.sort_unstable();
    out.dedup();
    out
}

/// The series names a family shows in Prometheus.
pub fn series_names(family: &Family) -> Vec<String> {
    match family.kind {
        Kind::Histogram => ["_bucket", "_sum", "_count"]
            .iter()
            .map(|suffix| format!("{}{suffix}", family.name))
            .collect(),
        Kind::Counter | Kind::Gauge => vec![family.name.to_owned()],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_prometheus_names() {
        let mut seen = std::collections::BTreeSet::new();
        for f in FAMILIES {
            assert!(seen.insert(f.name), "{} twice", f.name);
            assert!(
                f.name
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'),
                "{}",
                f.name
            );
            assert_eq!(
                f.kind == Kind::Counter,
                f.name.ends_with("_total"),
                "{}",
                f.name
            );
            assert_eq!(f.captured.is_some(), f.statsd.contains('*'), "{}", f.statsd);
        }
    }
}
