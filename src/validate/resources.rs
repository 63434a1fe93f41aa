//! Rule family `resources-*`: requests Kubernetes can read, and worker pods the autoscaler sees.

use crate::airflow::AirflowVersion;
use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::load::Document;
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
            let base = format!("/airflow/resources/{name}");
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
}
