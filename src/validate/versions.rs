//! Rule family `version-*`: the chart supports the Airflow version, and Python fits Airflow.

use crate::airflow::AirflowVersion;
use crate::charts;
use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::load::Document;
use crate::resolve::Model;
use crate::validate::origin::Origin;

/// Python versions of the official images per Airflow minor line (from each release's
/// `Requires-Python` and the image tags it publishes).
const PYTHONS: [((u32, u32), &[&str]); 5] = [
    ((2, 11), &["3.9", "3.10", "3.11", "3.12"]),
    ((3, 0), &["3.9", "3.10", "3.11", "3.12"]),
    ((3, 1), &["3.10", "3.11", "3.12", "3.13"]),
    ((3, 2), &["3.10", "3.11", "3.12", "3.13"]),
    ((3, 3), &["3.10", "3.11", "3.12", "3.13"]),
];

/// Checks chart, Airflow and Python versions of every environment.
pub fn check(model: &Model, doc: &Document) -> Diagnostics {
    let mut out = Diagnostics::default();
    for env in &model.environments {
        let at = Origin::new(doc, &env.name);
        let Ok(airflow) = AirflowVersion::parse(&env.airflow.version) else {
            continue;
        };
        match charts::find(&env.airflow.chart) {
            None => out.push(
                Diagnostic::error(
                    "unsupported-chart",
                    format!(
                        "chart version {} is not one platc renders",
                        env.airflow.chart
                    ),
                )
                .at(at.value("/airflow/chart"))
                .help(format!("use one of: {}", charts::versions())),
            ),
            Some(chart) if !chart.supports(&airflow) => out.push(
                Diagnostic::error(
                    "unsupported-chart",
                    format!(
                        "chart {} runs {}, not {airflow}",
                        chart.version,
                        chart.range()
                    ),
                )
                .at(at.value("/airflow/chart"))
                .help(match charts::chart_for(&airflow) {
                    Some(other) => format!("use chart {other} for Airflow {airflow}"),
                    None => format!(
                        "use an Airflow version platc renders: {}",
                        charts::supported()
                    ),
                }),
            ),
            Some(_) => {}
        }
        if let Some((_, pythons)) = PYTHONS
            .iter()
            .find(|(line, _)| *line == (airflow.major, airflow.minor))
            && !pythons.contains(&model.image.python.as_str())
        {
            out.push(
                Diagnostic::error(
                    "version-python",
                    format!(
                        "Airflow {airflow} has no official image for Python {}",
                        model.image.python
                    ),
                )
                .at(doc.value_place("/image/python"))
                .help(format!("use one of: {}", pythons.join(", "))),
            );
        }
    }
    out.sort();
    out.0.dedup();
    out
}
