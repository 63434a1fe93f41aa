//! The embedded option catalogs (`catalog/airflow/<V>.json`, made by `scripts/gen-airflow-catalogs.py`)
//! and the choice of catalog for a target Airflow version.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde::Deserialize;

use super::option::{Move, OptionInfo, Provider, SectionMove};
use super::version::AirflowVersion;

/// Catalog file format this reader understands (the generator's `FORMAT`).
const FORMAT: u32 = 1;

/// Every embedded catalog, oldest first, and whether platc accepts it as a target.
/// 1.10.14 and 2.7.3 are kept only to date removals ("removed in 2.0") in messages.
const EMBEDDED: [(&str, bool, &str); 7] = [
    (
        "1.10.14",
        false,
        include_str!("../../catalog/airflow/1.10.14.json"),
    ),
    (
        "2.7.3",
        false,
        include_str!("../../catalog/airflow/2.7.3.json"),
    ),
    (
        "2.11.2",
        true,
        include_str!("../../catalog/airflow/2.11.2.json"),
    ),
    (
        "3.0.0",
        true,
        include_str!("../../catalog/airflow/3.0.0.json"),
    ),
    (
        "3.1.8",
        true,
        include_str!("../../catalog/airflow/3.1.8.json"),
    ),
    (
        "3.2.2",
        true,
        include_str!("../../catalog/airflow/3.2.2.json"),
    ),
    (
        "3.3.2",
        true,
        include_str!("../../catalog/airflow/3.3.2.json"),
    ),
];

/// Every config option of one Airflow version (core plus the paired providers), with moves.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Catalog {
    #[serde(rename = "airflow_version", deserialize_with = "version_text")]
    version: AirflowVersion,
    format: u32,
    #[serde(skip)]
    targetable: bool,
    lint_removed: BTreeMap<String, BTreeMap<String, Option<String>>>,
    moves: BTreeMap<String, BTreeMap<String, Move>>,
    providers: Vec<Provider>,
    section_moves: BTreeMap<String, SectionMove>,
    sections: BTreeMap<String, BTreeMap<String, OptionInfo>>,
    sources: Vec<(String, String)>,
}

fn version_text<'de, D: serde::Deserializer<'de>>(d: D) -> Result<AirflowVersion, D::Error> {
    let text = String::deserialize(d)?;
    AirflowVersion::parse(&text).map_err(serde::de::Error::custom)
}

impl Catalog {
    /// The Airflow version this catalog describes.
    pub fn version(&self) -> AirflowVersion {
        self.version
    }

    /// Whether platc accepts this version as a deployment target.
    pub fn is_targetable(&self) -> bool {
        self.targetable
    }

    /// The option `[section] key`, if this version has it.
    pub fn option(&self, section: &str, key: &str) -> Option<&OptionInfo> {
        self.sections.get(section)?.get(key)
    }

    /// Whether this version has the section.
    pub fn has_section(&self, section: &str) -> bool {
        self.sections.contains_key(section)
    }

    /// Section names, sorted.
    pub fn sections(&self) -> impl Iterator<Item = &str> {
        self.sections.keys().map(String::as_str)
    }

    /// The options of a section, sorted by name; empty for an unknown section.
    pub fn options_in(&self, section: &str) -> impl Iterator<Item = (&str, &OptionInfo)> {
        self.sections
            .get(section)
            .into_iter()
            .flatten()
            .map(|(k, v)| (k.as_str(), v))
    }

    /// Where the old name `[section] key` went, if it is not an option of this version but was
    /// renamed at or before it.
    pub fn moved_from(&self, section: &str, key: &str) -> Option<&Move> {
        self.moves.get(section)?.get(key)
    }

    /// Every move this version knows, as (old section, old key, move).
    pub fn moves(&self) -> impl Iterator<Item = (&str, &str, &Move)> {
        self.moves
            .iter()
            .flat_map(|(s, m)| m.iter().map(move |(k, mv)| (s.as_str(), k.as_str(), mv)))
    }

    /// Where the old section went, if the whole section was renamed.
    pub fn section_moved_from(&self, section: &str) -> Option<&SectionMove> {
        self.section_moves.get(section)
    }

    /// `Some(suggestion)` if `airflow config lint` of this version reports `[section] key` as
    /// removed; the suggestion is upstream's advice, when it gives one.
    pub fn lint_removed(&self, section: &str, key: &str) -> Option<Option<&str>> {
        self.lint_removed
            .get(section)?
            .get(key)
            .map(|s| s.as_deref())
    }

    /// The providers merged into this catalog.
    pub fn providers(&self) -> &[Provider] {
        &self.providers
    }

    /// The provider that defines a section, None for core sections.
    pub fn provider_of(&self, section: &str) -> Option<&Provider> {
        self.providers
            .iter()
            .find(|p| p.sections.iter().any(|s| s == section))
    }

    /// The wheels the facts come from, as (file name, sha256).
    pub fn sources(&self) -> &[(String, String)] {
        &self.sources
    }
}

/// The embedded catalog at `index` of [`EMBEDDED`], parsed on first use: a check of one
/// version parses one catalog, the history of a removed option all of them.
fn embedded(index: usize) -> Result<&'static Catalog, String> {
    static PARSED: [OnceLock<Result<Catalog, String>>; EMBEDDED.len()] =
        [const { OnceLock::new() }; EMBEDDED.len()];
    PARSED[index]
        .get_or_init(|| parse_embedded(EMBEDDED[index]))
        .as_ref()
        .map_err(Clone::clone)
}

/// All embedded catalogs, oldest first.
pub(crate) fn all() -> Result<Vec<&'static Catalog>, String> {
    (0..EMBEDDED.len()).map(embedded).collect()
}

fn parse_embedded((name, targetable, text): (&str, bool, &str)) -> Result<Catalog, String> {
    let mut cat: Catalog = serde_json::from_str(text)
        .map_err(|e| format!("embedded Airflow catalog {name} is unreadable: {e}"))?;
    if cat.format != FORMAT || cat.version.to_string() != name {
        return Err(format!(
            "embedded Airflow catalog {name} has format {} for version {}; rerun scripts/gen-airflow-catalogs.py",
            cat.format, cat.version
        ));
    }
    cat.targetable = targetable;
    Ok(cat)
}

/// The Airflow versions platc can target, oldest first.
pub fn supported_versions() -> Vec<AirflowVersion> {
    EMBEDDED
        .iter()
        .filter(|(_, targetable, _)| *targetable)
        .filter_map(|(name, _, _)| AirflowVersion::parse(name).ok())
        .collect()
}

/// The catalog to check `version` against, and a note when it is not an exact match.
///
/// An exact match wins. Otherwise the catalog of the same `MAJOR.MINOR` line is used (patch
/// releases rarely change config, and a newer patch errs on the lenient side), else the nearest
/// lower catalogued version of the same major. Versions below the oldest supported one, or of
/// an unknown major, are an error that lists the supported versions.
pub fn catalog_for(version: &AirflowVersion) -> Result<(&'static Catalog, Option<String>), String> {
    // Choose by the versions in the names, then parse only the chosen catalog.
    let targets: Vec<(usize, AirflowVersion)> = EMBEDDED
        .iter()
        .enumerate()
        .filter(|(_, (_, targetable, _))| *targetable)
        .filter_map(|(i, (name, _, _))| Some((i, AirflowVersion::parse(name).ok()?)))
        .collect();
    if let Some((i, _)) = targets.iter().find(|(_, v)| v == version) {
        return Ok((embedded(*i)?, None));
    }
    let supported = || {
        let list: Vec<String> = targets.iter().map(|(_, v)| v.to_string()).collect();
        list.join(", ")
    };
    let same_major = |(_, v): &&(usize, AirflowVersion)| v.major == version.major;
    // The release line first: 2.11.0 is checked against 2.11.2 even though 2.11.2 is the
    // oldest catalogued 2.x.
    let line = targets
        .iter()
        .filter(|(_, v)| v.major == version.major && v.minor == version.minor)
        .max_by_key(|(_, v)| *v);
    let oldest = targets.iter().filter(same_major).map(|(_, v)| *v).min();
    if line.is_none() && oldest.is_none_or(|oldest| *version < oldest) {
        return Err(format!(
            "Airflow {version} is not supported: platc knows the options of Airflow {} (and other releases of those lines)",
            supported()
        ));
    }
    let lower = targets
        .iter()
        .filter(same_major)
        .filter(|(_, v)| v < version)
        .max_by_key(|(_, v)| *v);
    let Some((index, _)) = line.or(lower) else {
        return Err(format!(
            "Airflow {version} is not supported: platc knows Airflow {}",
            supported()
        ));
    };
    let cat = embedded(*index)?;
    let why = if cat.version > *version {
        format!(
            "the newest catalogued {} release; options added after {version} are not flagged",
            version.minor_line()
        )
    } else {
        "the nearest lower catalogued version; options added since are reported as unknown"
            .to_string()
    };
    let note = format!(
        "Airflow {version} is checked against the {} catalog ({why})",
        cat.version
    );
    Ok((cat, Some(note)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::airflow::ValueType;

    fn v(s: &str) -> AirflowVersion {
        AirflowVersion::parse(s).unwrap()
    }

    #[test]
    fn every_embedded_catalog_parses() {
        let all = all().unwrap();
        assert_eq!(all.len(), EMBEDDED.len());
        assert!(all.windows(2).all(|w| w[0].version < w[1].version));
        for cat in all {
            assert!(cat.sections().count() > 10, "{}", cat.version);
            assert!(!cat.sources().is_empty());
        }
    }

    #[test]
    fn supported_versions_are_the_five_targets() {
        let names: Vec<String> = supported_versions().iter().map(|v| v.to_string()).collect();
        assert_eq!(names, ["2.11.2", "3.0.0", "3.1.8", "3.2.2", "3.3.2"]);
    }

    #[test]
    fn exact_match_has_no_note() {
        let (cat, note) = catalog_for(&v("3.1.8")).unwrap();
        assert_eq!(cat.version(), v("3.1.8"));
        assert!(note.is_none());
    }

    #[test]
    fn nearest_lower_version_note() {
        let (cat, note) = catalog_for(&v("3.2.5")).unwrap();
        assert_eq!(cat.version(), v("3.2.2"));
        let note = note.unwrap();
        assert!(
            note.starts_with("Airflow 3.2.5 is checked against the 3.2.2 catalog"),
            "{note}"
        );
        let (cat, note) = catalog_for(&v("3.4.0")).unwrap();
        assert_eq!(cat.version(), v("3.3.2"));
        assert!(note.unwrap().contains("nearest lower"));
        let (cat, _) = catalog_for(&v("2.12.0")).unwrap();
        assert_eq!(cat.version(), v("2.11.2"));
    }

    #[test]
    fn earlier_patch_of_a_catalogued_line_uses_that_line() {
        let (cat, note) = catalog_for(&v("3.1.2")).unwrap();
        assert_eq!(cat.version(), v("3.1.8"));
        assert!(note.unwrap().contains("newest catalogued 3.1 release"));
        // Also below the oldest catalogued release of the major.
        for early in ["2.11.0", "2.11.1"] {
            let (cat, note) = catalog_for(&v(early)).unwrap();
            assert_eq!(cat.version(), v("2.11.2"));
            assert!(note.unwrap().contains("newest catalogued 2.11 release"));
        }
    }

    #[test]
    fn unsupported_versions_list_the_supported_ones() {
        for bad in ["2.10.5", "2.7.3", "1.10.14", "4.0.0", "0.1.0"] {
            let err = catalog_for(&v(bad)).unwrap_err();
            assert!(err.contains("2.11.2, 3.0.0, 3.1.8, 3.2.2, 3.3.2"), "{err}");
        }
    }

    #[test]
    fn catalog_accessors() {
        let (cat, _) = catalog_for(&v("3.3.2")).unwrap();
        assert!(cat.has_section("dag_processor"));
        assert!(!cat.has_section("webserver"));
        assert!(cat.options_in("api").any(|(k, _)| k == "worker_timeout"));
        assert_eq!(cat.options_in("nope").count(), 0);
        let m = cat.moved_from("scheduler", "parsing_processes").unwrap();
        assert_eq!(
            (m.section.as_str(), m.key.as_str()),
            ("dag_processor", "parsing_processes")
        );
        assert!(!m.read && m.lint);
        assert_eq!(
            cat.provider_of("celery").map(|p| p.dist.as_str()),
            Some("apache-airflow-providers-celery")
        );
        assert!(cat.lint_removed("core", "check_slas").unwrap().is_some());
        let rule = cat.option("core", "default_task_weight_rule").unwrap();
        assert_eq!(rule.allowed, ["absolute", "downstream", "upstream"]);
        assert_eq!(rule.added.as_deref(), Some("2.2.0"));
    }

    #[test]
    fn inferred_types_follow_the_readme() {
        let (old, _) = catalog_for(&v("2.11.2")).unwrap();
        let page = old.option("webserver", "page_size").unwrap();
        assert_eq!(page.value_type, ValueType::Integer);
        assert_eq!(page.declared_type, Some(ValueType::String));
        let expose = old.option("webserver", "expose_config").unwrap();
        assert_eq!(expose.value_type, ValueType::String);
        let (cat, _) = catalog_for(&v("3.3.2")).unwrap();
        let del = cat
            .option("kubernetes_executor", "delete_worker_pods")
            .unwrap();
        assert_eq!(del.value_type, ValueType::Boolean);
        assert_eq!(del.default.as_deref(), Some("True"));
    }
}
