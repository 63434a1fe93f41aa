//! The versions of the official Airflow Helm chart platc renders values for, and the Airflow
//! releases each runs. One table for the `unsupported-chart` rule, the Helm renderer and
//! `platc upgrade`.

use crate::airflow::AirflowVersion;

/// One chart version and the Airflow releases it supports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Chart {
    /// The chart version, as `airflow.chart` spells it.
    pub version: &'static str,
    /// The oldest Airflow line (major, minor) it runs.
    pub oldest: (u32, u32),
    /// The newest Airflow major it runs.
    pub newest_major: u32,
    /// Whether the chart's NOTES print a rename notice for `workers.logGroomerSidecar.*` when the
    /// value is set at all (1.22.0 tests `ne … nil`, so even its own defaults trip it), rather
    /// than when it differs from the default (1.21.0).
    pub log_groomer_defaults_deprecated: bool,
}

/// The charts platc renders, newest first.
pub const CHARTS: [Chart; 2] = [
    Chart {
        version: "1.22.0",
        oldest: (3, 1),
        newest_major: 3,
        log_groomer_defaults_deprecated: true,
    },
    Chart {
        version: "1.21.0",
        oldest: (2, 11),
        newest_major: 3,
        log_groomer_defaults_deprecated: false,
    },
];

impl Chart {
    /// Whether this chart runs `airflow`.
    pub fn supports(&self, airflow: &AirflowVersion) -> bool {
        (airflow.major, airflow.minor) >= self.oldest && airflow.major <= self.newest_major
    }

    /// "Airflow 3.1 or later" (with the newest major when an older line starts it).
    pub fn range(&self) -> String {
        let (major, minor) = self.oldest;
        if major == self.newest_major {
            format!("Airflow {major}.{minor} or later")
        } else {
            format!(
                "Airflow {major}.{minor} or later ({}.x)",
                (major..=self.newest_major)
                    .map(|m| m.to_string())
                    .collect::<Vec<_>>()
                    .join(".x and ")
            )
        }
    }
}

/// The chart named `version` (surrounding spaces ignored), when platc renders it.
pub fn find(version: &str) -> Option<&'static Chart> {
    CHARTS.iter().find(|c| c.version == version.trim())
}

/// The chart platc uses for an Airflow version: the newest that supports it.
pub fn chart_for(airflow: &AirflowVersion) -> Option<&'static str> {
    CHARTS
        .iter()
        .find(|c| c.supports(airflow))
        .map(|c| c.version)
}

/// Every supported pair in words: "chart 1.22.0 with Airflow 3.1 or later, or chart 1.21.0 …".
pub fn supported() -> String {
    CHARTS
        .iter()
        .map(|c| format!("chart {} with {}", c.version, c.range()))
        .collect::<Vec<_>>()
        .join(", or ")
}

/// The chart versions, for a "use one of" help.
pub fn versions() -> String {
    CHARTS
        .iter()
        .map(|c| c.version)
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(text: &str) -> AirflowVersion {
        AirflowVersion::parse(text).unwrap()
    }

    #[test]
    fn support_table() {
        let c122 = find("1.22.0").unwrap();
        let c121 = find(" 1.21.0 ").unwrap();
        assert!(c122.supports(&v("3.1.0")) && c122.supports(&v("3.3.2")));
        assert!(!c122.supports(&v("3.0.6")) && !c122.supports(&v("2.11.2")));
        assert!(c121.supports(&v("2.11.0")) && c121.supports(&v("3.0.6")));
        assert!(c121.supports(&v("3.2.2")));
        assert!(!c121.supports(&v("2.10.5")) && !c121.supports(&v("4.0.0")));
        assert!(find("1.20.0").is_none());
        assert_eq!(chart_for(&v("3.3.2")), Some("1.22.0"));
        assert_eq!(chart_for(&v("3.0.0")), Some("1.21.0"));
        assert_eq!(chart_for(&v("2.11.2")), Some("1.21.0"));
        assert_eq!(chart_for(&v("2.10.0")), None);
        assert_eq!(chart_for(&v("4.0.0")), None);
        assert_eq!(
            supported(),
            "chart 1.22.0 with Airflow 3.1 or later, or chart 1.21.0 with Airflow 2.11 or later (2.x and 3.x)"
        );
    }
}
