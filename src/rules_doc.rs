//! The rule catalogue: every rule id with what it reports and how to fix it, read from
//! `docs/rules.md` when platc is built. The documentation is the registry: `platc rules` prints
//! it, and an inline allow may name only a rule it lists.

/// One documented rule.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Rule {
    /// The id diagnostics carry, such as `isolation-shared`.
    pub id: &'static str,
    /// `error` or `warning`.
    pub severity: &'static str,
    /// The section of `docs/rules.md` it is listed under.
    pub family: &'static str,
    /// What it reports.
    pub reports: &'static str,
    /// How to fix it, where the docs say.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fix: Option<&'static str>,
}

const DOC: &str = include_str!("../docs/rules.md");

/// Every rule id of the semantic rules (the `E0xx` structural codes are not rules), in the order
/// of the docs.
pub fn all() -> Vec<Rule> {
    let mut family = "";
    let mut rules = Vec::new();
    for line in DOC.lines() {
        if let Some(title) = line.strip_prefix("## ") {
            family = title;
            continue;
        }
        let Some(row) = line.strip_prefix("| ") else {
            continue;
        };
        let cells: Vec<&str> = row.trim_end_matches(" |").split(" | ").collect();
        let Some(first) = cells.first() else { continue };
        let severity = if first.contains("(warning)") {
            "warning"
        } else {
            "error"
        };
        for id in first
            .split('`')
            .skip(1)
            .step_by(2)
            .filter(|id| is_rule_id(id))
        {
            rules.push(Rule {
                id,
                severity,
                family,
                reports: cells.get(1).copied().unwrap_or(""),
                fix: cells.get(2).copied(),
            });
        }
    }
    rules
}

/// A rule id: lower case words joined by `-` (structural `E0xx` codes are not rules).
fn is_rule_id(id: &str) -> bool {
    id.contains('-')
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// The rule with this id.
pub fn find(id: &str) -> Option<Rule> {
    all().into_iter().find(|r| r.id == id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_catalogue_reads_the_docs() {
        let rules = all();
        let shared = find("isolation-shared").unwrap();
        assert_eq!(shared.severity, "error");
        assert!(shared.family.starts_with("Isolation"));
        assert!(shared.fix.is_some());
        assert_eq!(find("logging-off").unwrap().severity, "warning");
        // Two ids in one row share it.
        assert_eq!(
            find("airflow-unknown-section").unwrap().reports,
            find("airflow-unknown-option").unwrap().reports
        );
        assert!(
            rules
                .iter()
                .all(|r| !r.id.starts_with('E') && !r.reports.is_empty())
        );
        let mut ids: Vec<&str> = rules.iter().map(|r| r.id).collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), rules.len(), "an id listed twice");
    }
}
