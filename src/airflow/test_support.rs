//! Helpers shared by the unit tests of the Airflow modules.

use super::{AirflowVersion, Catalog, Finding, catalog_for};

/// The catalog that checks `version`.
pub fn cat(version: &str) -> &'static Catalog {
    catalog_for(&AirflowVersion::parse(version).unwrap())
        .unwrap()
        .0
}

/// The one finding of a check that must report exactly one.
pub fn only(findings: Vec<Finding>) -> Finding {
    assert_eq!(findings.len(), 1, "{findings:#?}");
    findings.into_iter().next().unwrap()
}
