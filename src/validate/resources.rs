//! Rule family `resources-*`: requests Kubernetes can read, and worker pods the autoscaler sees.

use crate::airflow::AirflowVersion;
use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::load::{Document, escape_pointer};
use crate::resolve::Model;
use crate::spec::{Executor, Quantity, Request};
use crate::validate::origin::Origin;

/// Checks every environment's resource requests.
pub fn check(model: &Model, doc: &Document) -> Diagnostics {
    let mut out = Diagnostics::default();
    for env in &model.environments {
        let at = Origin::new(doc, &env.name);
        let wanted = &env.airflow.resources;
        let components: [(&str, &Option<Request>); 5] = [
            ("scheduler", &wanted.scheduler),
            ("ui", &wanted.ui),
            ("dagProcessor", &wanted.dag_processor),
            ("triggerer", &wanted.triggerer),
            ("workers", &wanted.workers),
        ];
        for (name, request) in components {
            let Some(request) = request else { continue };
            out.extend(request_quantities(
                &at,
                &format!("/airflow/resources/{name}"),
                request,
            ));
        }
        for (key, request) in &wanted.tasks {
            let base = format!("/airflow/resources/tasks/{}", escape_pointer(key));
            if let Err(why) = task_pattern(key) {
                out.push(
                    Diagnostic::error("resources-task-pattern", format!("`{key}` is no task pattern: {why}"))
                        .at(at.key(&base))
                        .help("write `<dag_id>.<task_id>`, with `*` for any run of characters and `?` for one: `sales__daily.load_*`"),
                );
            }
            out.extend(request_quantities(&at, &base, request));
        }
        if !wanted.tasks.is_empty() && env.airflow.executor != Executor::KubernetesExecutor {
            out.push(
                Diagnostic::warning(
                    "resources-unused",
                    format!(
                        "the {} runs no worker pod per task: these requests apply to nothing",
                        env.airflow.executor.as_str()
                    ),
                )
                .at(at.key("/airflow/resources/tasks"))
                .help("per-task requests need the KubernetesExecutor; size `workers` instead"),
            );
        }
        if let Some(knobs) = &wanted.rightsize {
            out.extend(rightsize_knobs(&at, knobs));
        }
        let airflow2 = AirflowVersion::parse(&env.airflow.version).is_ok_and(|v| v.major < 3);
        if airflow2 && wanted.dag_processor.is_some() {
            out.push(
                Diagnostic::warning("resources-unused", "Airflow 2 runs no standalone DAG processor here: this request applies to nothing")
                    .at(at.key("/airflow/resources/dagProcessor"))
                    .help("on Airflow 2 the scheduler parses DAGs: give its request the room instead"),
            );
        }
        if env.airflow.executor == Executor::LocalExecutor && wanted.workers.is_some() {
            out.push(
                Diagnostic::warning("resources-unused", "the LocalExecutor runs tasks inside the scheduler: this request applies to nothing")
                    .at(at.key("/airflow/resources/workers"))
                    .help("give the scheduler's request the room instead"),
            );
        }
        if env.airflow.executor == Executor::KubernetesExecutor && wanted.workers.is_none() {
            out.push(
                Diagnostic::warning("resources-missing", format!("the worker pods of `{}` request no CPU or memory", env.name))
                    .at(doc.key_place(&at.own("")))
                    .help("set `airflow.resources.workers`: the cluster autoscaler adds nodes only for pods that request resources, and pods that request none are the first evicted"),
            );
        }
    }
    out
}

/// The `resources-quantity` errors of one request at `base`.
fn request_quantities(at: &Origin, base: &str, request: &Request) -> Diagnostics {
    let mut out = Diagnostics::default();
    if let Err(why) = cpu(&request.cpu) {
        out.push(
            Diagnostic::error(
                "resources-quantity",
                format!("`{}` is not a CPU amount: {why}", request.cpu),
            )
            .at(at.value(&format!("{base}/cpu")))
            .help("write cores (`1`, `0.5`) or millicores (`500m`)"),
        );
    }
    if let Err(why) = memory(&request.memory) {
        out.push(
            Diagnostic::error(
                "resources-quantity",
                format!("`{}` is not a memory amount: {why}", request.memory),
            )
            .at(at.value(&format!("{base}/memory")))
            .help("give a binary unit: `512Mi`, `2Gi`"),
        );
    }
    out
}

/// The longest `dag_id` or `task_id` Airflow stores (its `ID_LEN`).
const AIRFLOW_ID_LEN: usize = 250;

/// A key of `airflow.resources.tasks`: `<dag_id>.<task_id>` in the characters Airflow allows in
/// both (letters, digits, `_`, `.`, `-`), plus the wildcards `*` and `?`.
pub fn task_pattern(key: &str) -> Result<(), String> {
    if let Some(c) = key
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-' | '*' | '?')))
    {
        return Err(format!(
            "{c:?} is neither a character of a DAG or task id nor a wildcard"
        ));
    }
    let Some((dag, task)) = key.split_once('.') else {
        return Err("there is no `.` between the DAG id and the task id".into());
    };
    if dag.is_empty() || task.is_empty() {
        return Err("the DAG id or the task id is empty".into());
    }
    if key.len() > 2 * AIRFLOW_ID_LEN + 1 {
        return Err(format!(
            "it is longer than a {AIRFLOW_ID_LEN}-character DAG id and task id together"
        ));
    }
    Ok(())
}

/// The ranges of `airflow.resources.rightsize`.
fn rightsize_knobs(at: &Origin, k: &crate::rightsize::Settings) -> Diagnostics {
    let mut out = Diagnostics::default();
    let base = "/airflow/resources/rightsize";
    let mut bad = |field: &str, message: String, help: &str| {
        out.push(
            Diagnostic::error("resources-rightsize", message)
                .at(at.value(&format!("{base}/{field}")))
                .help(help.to_owned()),
        );
    };
    if !prometheus_duration(&k.window) {
        bad(
            "window",
            format!("`{}` is not a Prometheus duration", k.window),
            "write a number and a unit, such as `14d`, `36h` or `1w`",
        );
    }
    if !(k.cpu_percentile > 0.0 && k.cpu_percentile <= 100.0) {
        bad(
            "cpuPercentile",
            format!("the CPU percentile {} is not in (0, 100]", k.cpu_percentile),
            "use 90 (the VPA's) to 99; the default is 95",
        );
    }
    for (field, value) in [
        ("cpuMargin", k.cpu_margin),
        ("memoryMargin", k.memory_margin),
        ("oomBump", k.oom_bump),
    ] {
        if !(0.0..=1000.0).contains(&value) {
            bad(
                field,
                format!("{value} percent is not between 0 and 1000"),
                "give a percentage: 15 adds 15 %",
            );
        }
    }
    if !(0.0..100.0).contains(&k.min_change) {
        bad(
            "minChange",
            format!("{} percent is not between 0 and 100", k.min_change),
            "give a percentage of the current request; the default is 10",
        );
    }
    for (field, value) in [("minSamples", k.min_samples), ("minRuns", k.min_runs)] {
        if value == 0 {
            bad(
                field,
                format!("`{field}` must be at least 1"),
                "the defaults are 100 samples and 5 runs",
            );
        }
    }
    if cpu(&k.min_cpu).is_err() {
        bad(
            "minCpu",
            format!("`{}` is not a CPU amount", k.min_cpu),
            "write millicores: `25m`",
        );
    }
    for (field, value) in [
        ("minMemory", &k.min_memory),
        ("oomMinBump", &k.oom_min_bump),
    ] {
        if memory(value).is_err() {
            bad(
                field,
                format!("`{value}` is not a memory amount"),
                "give a binary unit: `250Mi`",
            );
        }
    }
    out
}

/// A Prometheus duration: one or more `<digits><unit>` with units `ms`, `s`, `m`, `h`, `d`, `w`,
/// `y`, not zero in total.
pub fn prometheus_duration(text: &str) -> bool {
    let mut rest = text;
    let mut any = false;
    let mut nonzero = false;
    while !rest.is_empty() {
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 || digits > 9 {
            return false;
        }
        nonzero |= rest[..digits].bytes().any(|b| b != b'0');
        rest = &rest[digits..];
        let unit = ["ms", "s", "m", "h", "d", "w", "y"]
            .into_iter()
            .find(|u| rest.starts_with(u));
        let Some(unit) = unit else { return false };
        rest = &rest[unit.len()..];
        any = true;
    }
    any && nonzero
}

/// A CPU amount: a positive number of cores, or of millicores with `m`.
fn cpu(q: &Quantity) -> Result<(), &'static str> {
    let text = q.to_string();
    positive(text.strip_suffix('m').unwrap_or(&text))
        .map_err(|()| "expected a number of cores, or of millicores ending in `m`")?
        .then_some(())
        .ok_or("it must be more than zero")
}

/// A memory amount: a positive number with a unit, binary (`Mi`) or decimal (`M`). A bare
/// number is bytes, which is never what a spec means for an Airflow container.
fn memory(q: &Quantity) -> Result<(), &'static str> {
    const UNITS: [&str; 12] = [
        "Ki", "Mi", "Gi", "Ti", "Pi", "Ei", "k", "M", "G", "T", "P", "E",
    ];
    let text = q.to_string();
    let Some(unit) = UNITS.iter().find(|u| text.ends_with(*u)) else {
        return Err("no unit, so it would be bytes");
    };
    positive(&text[..text.len() - unit.len()])
        .map_err(|()| "expected a number before the unit")?
        .then_some(())
        .ok_or("it must be more than zero")
}

/// Whether `digits`, a plain decimal (`2`, `0.5`, `.5`; no sign, exponent or `inf`), is above
/// zero; an error when it is no plain decimal.
fn positive(digits: &str) -> Result<bool, ()> {
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
    let plain = !(whole.is_empty() && fraction.is_empty())
        && whole.bytes().all(|b| b.is_ascii_digit())
        && fraction.bytes().all(|b| b.is_ascii_digit())
        && !(digits.contains('.') && fraction.is_empty());
    if !plain {
        return Err(());
    }
    Ok(digits.bytes().any(|b| (b'1'..=b'9').contains(&b)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(s: &str) -> Quantity {
        Quantity::Text(s.into())
    }

    #[test]
    fn quantities() {
        for good in [
            text("500m"),
            text("2"),
            Quantity::Number(0.5),
            Quantity::Number(1.0),
        ] {
            assert_eq!(cpu(&good), Ok(()), "{good}");
        }
        for bad in [
            text("0"),
            text("-1"),
            text("fast"),
            text("1Gi"),
            text("1e3"),
            text("inf"),
            text("NaN"),
            text("1."),
            Quantity::Number(0.0),
        ] {
            assert!(cpu(&bad).is_err(), "{bad}");
        }
        assert_eq!(cpu(&text("0m")), Err("it must be more than zero"));
        for good in ["512Mi", "2Gi", "1.5Gi", "500M", "1Pi", "1E", ".5Gi"] {
            assert_eq!(memory(&text(good)), Ok(()), "{good}");
        }
        for bad in [
            text("512"),
            Quantity::Number(2.0),
            text("0Gi"),
            text("lotsGi"),
            text("2GB"),
            text("1e3Mi"),
            text("infGi"),
        ] {
            assert!(memory(&bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn task_patterns_are_dag_and_task_ids_with_wildcards() {
        for good in [
            "sales__daily.load",
            "sales__*.*",
            "a.b.c",
            "etl-v2.load_?",
            "*.*",
        ] {
            assert_eq!(task_pattern(good), Ok(()), "{good}");
        }
        for bad in [
            "no_dot",
            ".load",
            "dag.",
            "dag.{{ x }}",
            "dag.t[0]",
            "dag.t\"\nimport os",
            "dag.t é",
            &format!("{}.{}", "d".repeat(250), "t".repeat(251)),
        ] {
            assert!(task_pattern(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn windows_are_prometheus_durations() {
        for good in ["14d", "36h", "1w", "1h30m", "90s", "500ms"] {
            assert!(prometheus_duration(good), "{good}");
        }
        for bad in [
            "",
            "14",
            "d",
            "0d",
            "14 d",
            "-1d",
            "1.5d",
            "14days",
            "9999999999d",
        ] {
            assert!(!prometheus_duration(bad), "{bad}");
        }
    }
}
