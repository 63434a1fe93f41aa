//! Where a `[section] key` stands in one Airflow version: an option, a renamed old name (and
//! whether Airflow still reads it), a removed option, an option of a later version, or unknown.

use super::catalog::{self, Catalog};
use super::option::OptionInfo;

/// One rename step from an old name to a newer one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Step<'c> {
    pub from: (String, String),
    pub to: (String, String),
    pub since: Option<&'c str>,
    /// Airflow reads `from` as a fallback for `to` in this version.
    pub read: bool,
    /// `airflow config lint` reports `from`.
    pub lint: bool,
}

/// What a name means in one catalog.
#[derive(Debug)]
pub(crate) enum Location<'c> {
    /// An option of this version.
    Here(&'c OptionInfo),
    /// An old name; `steps` lead to the option `info` of this version.
    Moved {
        steps: Vec<Step<'c>>,
        info: &'c OptionInfo,
    },
    /// Read up to `last` (an older catalog, as an option or a fallback name), not from `gone` on.
    Removed {
        last: &'c Catalog,
        gone: &'c Catalog,
        steps: Vec<Step<'c>>,
    },
    /// Not in this version, but in the later catalog `first`.
    NotYet {
        first: &'c Catalog,
        info: &'c OptionInfo,
    },
    /// No catalog knows it.
    Unknown,
}

impl Location<'_> {
    /// Moved and the old name is still read: Airflow follows one step only.
    pub fn still_read(&self) -> bool {
        match self {
            Location::Here(_) => true,
            Location::Moved { steps, .. } => steps.len() == 1 && steps[0].read,
            _ => false,
        }
    }
}

/// The longest rename chain followed; the data has at most two steps.
const MAX_STEPS: usize = 4;

/// Where `[section] key` stands in `cat`.
pub(crate) fn locate<'c>(cat: &'c Catalog, section: &str, key: &str) -> Location<'c> {
    if let Some(info) = cat.option(section, key) {
        return Location::Here(info);
    }
    let mut steps: Vec<Step<'c>> = Vec::new();
    let mut current = (section.to_string(), key.to_string());
    while steps.len() < MAX_STEPS {
        let Some(step) = next_step(cat, &current.0, &current.1) else {
            break;
        };
        if step.to == (section.to_string(), key.to_string())
            || steps.iter().any(|s| s.to == step.to)
        {
            break;
        }
        current = step.to.clone();
        steps.push(step);
        if let Some(info) = cat.option(&current.0, &current.1) {
            return Location::Moved { steps, info };
        }
    }
    let history = catalog::all().unwrap_or_default();
    let older = history
        .iter()
        .copied()
        .filter(|c| c.version() < cat.version());
    if let Some(last) = older.rev().find(|c| reads(c, section, key)) {
        let gone = history
            .iter()
            .copied()
            .find(|c| c.version() > last.version())
            .unwrap_or(cat);
        return Location::Removed { last, gone, steps };
    }
    let newer = history
        .iter()
        .copied()
        .filter(|c| c.version() > cat.version());
    for first in newer {
        if let Some(info) = first.option(section, key) {
            return Location::NotYet { first, info };
        }
    }
    Location::Unknown
}

/// Whether `cat`'s Airflow uses `[section] key`: as an option, or as an old name it still reads.
fn reads(cat: &Catalog, section: &str, key: &str) -> bool {
    if cat.option(section, key).is_some() {
        return true;
    }
    let direct = cat
        .moved_from(section, key)
        .map(|m| (m.read, m.section.as_str(), m.key.clone()))
        .or_else(|| {
            cat.section_moved_from(section)
                .map(|m| (m.read, m.section.as_str(), key.to_string()))
        });
    direct.is_some_and(|(read, s, k)| read && cat.option(s, &k).is_some())
}

fn next_step<'c>(cat: &'c Catalog, section: &str, key: &str) -> Option<Step<'c>> {
    if let Some(m) = cat.moved_from(section, key) {
        return Some(Step {
            from: (section.to_string(), key.to_string()),
            to: (m.section.clone(), m.key.clone()),
            since: m.since.as_deref(),
            read: m.read,
            lint: m.lint,
        });
    }
    let sm = cat.section_moved_from(section)?;
    Some(Step {
        from: (section.to_string(), key.to_string()),
        to: (sm.section.clone(), key.to_string()),
        since: sm.since.as_deref(),
        read: sm.read,
        lint: false,
    })
}

/// Sections of `cat` that have an option named `key`, other than `except`.
pub(crate) fn sections_with_key<'c>(cat: &'c Catalog, key: &str, except: &str) -> Vec<&'c str> {
    cat.sections()
        .filter(|s| *s != except && cat.option(s, key).is_some())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::airflow::test_support::cat;

    #[test]
    fn page_size_chain_on_3_3_is_two_steps_and_not_read() {
        let loc = locate(cat("3.3.2"), "webserver", "page_size");
        let Location::Moved { steps, .. } = &loc else {
            panic!("{loc:?}")
        };
        let to: Vec<_> = steps.iter().map(|s| s.to.1.as_str()).collect();
        assert_eq!(to, ["page_size", "fallback_page_limit"]);
        assert!(!loc.still_read());
    }

    #[test]
    fn page_size_on_3_1_is_read() {
        let loc = locate(cat("3.1.8"), "webserver", "page_size");
        assert!(matches!(loc, Location::Moved { .. }) && loc.still_read());
    }

    #[test]
    fn removed_and_not_yet() {
        let Location::Removed { last, gone, .. } =
            locate(cat("3.1.8"), "webserver", "worker_refresh_interval")
        else {
            panic!()
        };
        assert_eq!(
            (last.version().to_string(), gone.version().to_string()),
            ("2.11.2".into(), "3.0.0".into())
        );
        let Location::NotYet { first, .. } = locate(cat("3.1.8"), "api", "server_type") else {
            panic!()
        };
        assert_eq!(first.version().to_string(), "3.2.2");
    }

    #[test]
    fn kubernetes_section_fallback_on_2_11_only() {
        assert!(locate(cat("2.11.2"), "kubernetes", "namespace").still_read());
        let loc = locate(cat("3.3.2"), "kubernetes", "namespace");
        assert!(matches!(loc, Location::Moved { .. }) && !loc.still_read());
    }
}
