//! Checks the name half of an override: is `[section] key` an option of this Airflow version,
//! an old name (still read or not), a removed option, one of a later version, or unknown (with
//! "did you mean").

use super::catalog::{self, Catalog};
use super::env::env_var;
use super::finding::{Finding, Target};
use super::locate::{Location, Step, locate, sections_with_key};
use super::option::OptionInfo;
use super::suggest::closest;

/// `[section] key` in backticks, for messages.
pub(crate) fn name(section: &str, key: &str) -> String {
    format!("`[{section}] {key}`")
}

/// Reports name problems; returns the option the value should be checked against.
pub(crate) fn check_name<'c>(
    cat: &'c Catalog,
    section: &str,
    key: &str,
    out: &mut Vec<Finding>,
) -> Option<(String, String, &'c OptionInfo)> {
    match locate(cat, section, key) {
        Location::Here(info) => Some((section.to_string(), key.to_string(), info)),
        Location::Moved { steps, info } => {
            let (s, k) = steps.last()?.to.clone();
            out.push(moved(cat, section, key, &steps));
            Some((s, k, info))
        }
        Location::Removed { last, gone, steps } => {
            out.push(removed(cat, section, key, last, gone, &steps));
            None
        }
        Location::NotYet { first, info } => {
            out.push(too_new(cat, section, key, first, info));
            None
        }
        Location::Unknown => {
            out.push(unknown(cat, section, key));
            None
        }
    }
}

/// The old name of a moved option: a warning while Airflow still reads it, else an error.
fn moved(cat: &Catalog, section: &str, key: &str, steps: &[Step<'_>]) -> Finding {
    let v = cat.version();
    let (s, k) = steps.last().map(|st| st.to.clone()).unwrap_or_default();
    let path = describe_steps(steps);
    let old = name(section, key);
    let help = Some(format!("use {} (env `{}`)", name(&s, &k), env_var(&s, &k)));
    if let [only] = steps
        && only.read
    {
        return Finding::warning(
            "airflow-option-moved",
            Target::Key,
            format!("{old} is deprecated in Airflow {v}: it {path}; Airflow still reads the old name as a fallback"),
        )
        .with_help(help);
    }
    let why = if steps.len() > 1 {
        "Airflow follows only one rename, so the old name is silently ignored"
    } else {
        "the old name is silently ignored"
    };
    let lint = if steps.first().is_some_and(|st| st.lint) {
        " (only `airflow config lint` reports it)"
    } else {
        ""
    };
    Finding::error(
        "airflow-option-not-read",
        Target::Key,
        format!("Airflow {v} does not read {old}: it {path}; {why}{lint}"),
    )
    .with_help(help)
}

/// An option (or old name) that an older version read and this one does not.
fn removed(
    cat: &Catalog,
    section: &str,
    key: &str,
    last: &Catalog,
    gone: &Catalog,
    steps: &[Step<'_>],
) -> Finding {
    let v = cat.version();
    let when = if gone.version().patch == 0 {
        format!("in Airflow {}", gone.version().minor_line())
    } else {
        format!("by Airflow {}", gone.version())
    };
    let renamed = if steps.is_empty() {
        String::new()
    } else {
        format!(
            " (it {}, which is not an option of Airflow {v} either)",
            describe_steps(steps)
        )
    };
    let mut help = Vec::new();
    if let Some(Some(advice)) = cat.lint_removed(section, key) {
        help.push(advice.to_string());
    }
    for other in sections_with_key(cat, key, section) {
        help.push(separate_option_hint(cat, other, key));
    }
    if help.is_empty() {
        help.push("remove it".to_string());
    }
    Finding::error(
        "airflow-option-removed",
        Target::Key,
        format!(
            "{} was removed {when} (last read by Airflow {}){renamed}; Airflow {v} ignores it",
            name(section, key),
            last.version()
        ),
    )
    .with_help(Some(help.join("; ")))
}

/// An option that only a later catalogued version has.
fn too_new(cat: &Catalog, section: &str, key: &str, first: &Catalog, info: &OptionInfo) -> Finding {
    let v = cat.version();
    let added = info.added.clone().unwrap_or_else(|| {
        format!(
            "a release after {v} (first catalogued in {})",
            first.version()
        )
    });
    Finding::error(
        "airflow-option-too-new",
        Target::Key,
        format!(
            "{} does not exist in Airflow {v}: it was added in {added}",
            name(section, key)
        ),
    )
    .with_help(Some(format!(
        "remove it, or target Airflow {} or later",
        first.version()
    )))
}

/// "moved to `[a] b` in 3.0, then to `[c] d` in 3.2.0".
pub(crate) fn describe_steps(steps: &[Step<'_>]) -> String {
    let parts: Vec<String> = steps
        .iter()
        .map(|s| {
            let since = s.since.map(|v| format!(" in {v}")).unwrap_or_default();
            format!("{}{since}", name(&s.to.0, &s.to.1))
        })
        .collect();
    format!("moved to {}", parts.join(", then to "))
}

fn separate_option_hint(cat: &Catalog, section: &str, key: &str) -> String {
    let added = cat
        .option(section, key)
        .and_then(|i| i.added.as_deref())
        .map(|a| format!(" (added in {a})"))
        .unwrap_or_default();
    format!(
        "{} exists in Airflow {} but is a separate option{added} that Airflow does not fill from the old name: set it instead",
        name(section, key),
        cat.version()
    )
}

fn unknown(cat: &Catalog, section: &str, key: &str) -> Finding {
    let v = cat.version();
    if cat.has_section(section) {
        let help = did_you_mean(cat, section, key);
        return Finding::error(
            "airflow-unknown-option",
            Target::Key,
            format!("Airflow {v} has no option {}", name(section, key)),
        )
        .with_help(help);
    }
    let history = catalog::all().unwrap_or_default();
    let last = history
        .iter()
        .filter(|c| c.version() < v && c.has_section(section))
        .max_by_key(|c| c.version());
    if let Some(last) = last {
        let mut help = Vec::new();
        if let Some(h) = did_you_mean(cat, section, key) {
            help.push(h);
        }
        if let Some(targets) = destinations(cat, section) {
            help.push(format!("its options moved to {targets}"));
        }
        return Finding::error(
            "airflow-unknown-section",
            Target::Section,
            format!(
                "Airflow {v} has no `[{section}]` section (last present in {})",
                last.version()
            ),
        )
        .with_help(Some(help.join("; ")));
    }
    let lower = section.to_lowercase();
    let guess = if cat.has_section(&lower) {
        Some(lower.as_str())
    } else {
        closest(section, cat.sections())
    };
    match guess {
        Some(g) => {
            let target = if cat.option(g, key).is_some() {
                name(g, key)
            } else {
                format!("`[{g}]`")
            };
            Finding::error(
                "airflow-unknown-section",
                Target::Section,
                format!("Airflow {v} has no `[{section}]` section"),
            )
            .with_help(Some(format!("did you mean {target}?")))
        }
        None => Finding::warning(
            "airflow-unknown-section",
            Target::Section,
            format!(
                "Airflow {v} and its catalogued providers have no `[{section}]` section; only a plugin or another provider would read it"
            ),
        )
        .with_help(did_you_mean(cat, section, key)),
    }
}

/// Suggestions for an unknown key: a close name in the same section, the same name in other
/// sections, else a close name anywhere.
fn did_you_mean(cat: &Catalog, section: &str, key: &str) -> Option<String> {
    let mut names = Vec::new();
    if let Some(k) = closest(key, cat.options_in(section).map(|(k, _)| k)) {
        names.push(name(section, k));
    }
    for s in sections_with_key(cat, key, section) {
        names.push(name(s, key));
    }
    if names.is_empty() {
        let all: Vec<(&str, &str)> = cat
            .sections()
            .filter(|s| *s != section)
            .flat_map(|s| cat.options_in(s).map(move |(k, _)| (s, k)))
            .collect();
        if let Some(k) = closest(key, all.iter().map(|(_, k)| *k)) {
            names.extend(
                all.iter()
                    .filter(|(_, kk)| *kk == k)
                    .map(|(s, k)| name(s, k)),
            );
        }
    }
    (!names.is_empty()).then(|| format!("did you mean {}?", names.join(" or ")))
}

/// The sections that moves out of `section` lead to, most common first: "`[fab]` (12), `[api]` (9)".
fn destinations(cat: &Catalog, section: &str) -> Option<String> {
    let mut counts: std::collections::BTreeMap<&str, usize> = Default::default();
    for (s, _, m) in cat.moves() {
        if s == section && cat.has_section(&m.section) {
            *counts.entry(m.section.as_str()).or_default() += 1;
        }
    }
    let mut ranked: Vec<(&str, usize)> = counts.into_iter().collect();
    ranked.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    let parts: Vec<String> = ranked
        .iter()
        .map(|(s, n)| format!("`[{s}]` ({n})"))
        .collect();
    (!parts.is_empty()).then(|| parts.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::airflow::Severity;
    use crate::airflow::check_option;
    use serde_json::json;

    use crate::airflow::test_support::cat;

    use crate::airflow::test_support::only;

    #[test]
    fn scheduler_parsing_processes_on_3_1_is_not_read() {
        let f = only(check_option(
            cat("3.1.8"),
            "scheduler",
            "parsing_processes",
            &json!(8),
        ));
        assert_eq!(
            (f.code, f.severity, f.target),
            ("airflow-option-not-read", Severity::Error, Target::Key)
        );
        assert!(
            f.message
                .contains("`[dag_processor] parsing_processes` in 3.0"),
            "{}",
            f.message
        );
        assert!(f.message.contains("airflow config lint"), "{}", f.message);
        let help = f.help.unwrap();
        assert!(
            help.contains("`[dag_processor] parsing_processes`")
                && help.contains("AIRFLOW__DAG_PROCESSOR__PARSING_PROCESSES"),
            "{help}"
        );
    }

    #[test]
    fn web_server_worker_timeout_on_3_3_is_moved_and_still_read() {
        let f = only(check_option(
            cat("3.3.2"),
            "webserver",
            "web_server_worker_timeout",
            &json!(300),
        ));
        assert_eq!(
            (f.code, f.severity),
            ("airflow-option-moved", Severity::Warning)
        );
        assert!(
            f.message.contains("`[api] worker_timeout` in 3.0")
                && f.message.contains("still reads"),
            "{}",
            f.message
        );
        assert!(f.help.unwrap().contains("AIRFLOW__API__WORKER_TIMEOUT"));
    }

    #[test]
    fn webserver_page_size_on_3_3_follows_one_rename_only() {
        let f = only(check_option(
            cat("3.3.2"),
            "webserver",
            "page_size",
            &json!(50),
        ));
        assert_eq!(f.code, "airflow-option-not-read");
        assert!(
            f.message
                .contains("then to `[api] fallback_page_limit` in 3.2.0"),
            "{}",
            f.message
        );
        assert!(f.message.contains("only one rename"), "{}", f.message);
    }

    #[test]
    fn typo_in_option_name() {
        let f = only(check_option(cat("3.3.2"), "core", "paralelism", &json!(32)));
        assert_eq!(
            (f.code, f.severity, f.target),
            ("airflow-unknown-option", Severity::Error, Target::Key)
        );
        assert_eq!(
            f.help.as_deref(),
            Some("did you mean `[core] parallelism`?")
        );
    }

    #[test]
    fn same_name_in_another_section_is_suggested() {
        let f = only(check_option(
            cat("3.3.2"),
            "core",
            "worker_timeout",
            &json!(1),
        ));
        assert!(f.help.unwrap().contains("`[api] worker_timeout`"));
    }

    #[test]
    fn typo_in_section_name() {
        let f = only(check_option(
            cat("3.3.2"),
            "schedular",
            "parsing_processes",
            &json!(8),
        ));
        assert_eq!(
            (f.code, f.target, f.severity),
            ("airflow-unknown-section", Target::Section, Severity::Error)
        );
        assert_eq!(f.help.as_deref(), Some("did you mean `[scheduler]`?"));
        let f = only(check_option(cat("3.3.2"), "Core", "parallelism", &json!(8)));
        assert_eq!(
            f.help.as_deref(),
            Some("did you mean `[core] parallelism`?")
        );
        let f = only(check_option(
            cat("3.3.2"),
            "my_plugin",
            "anything",
            &json!(8),
        ));
        assert_eq!(f.severity, Severity::Warning);
    }

    #[test]
    fn removed_option_says_since_when() {
        let f = only(check_option(
            cat("3.1.8"),
            "webserver",
            "worker_refresh_interval",
            &json!(1800),
        ));
        assert_eq!(f.code, "airflow-option-removed");
        assert!(
            f.message
                .contains("removed in Airflow 3.0 (last read by Airflow 2.11.2)"),
            "{}",
            f.message
        );
        let f = only(check_option(
            cat("3.3.2"),
            "webserver",
            "worker_refresh_interval",
            &json!(1800),
        ));
        assert!(
            f.help
                .unwrap()
                .contains("`[api] worker_refresh_interval` exists in Airflow 3.3.2")
        );
        let f = only(check_option(
            cat("3.3.2"),
            "core",
            "check_slas",
            &json!(true),
        ));
        assert!(f.help.unwrap().contains("SLA feature is removed"));
    }

    #[test]
    fn removed_section_points_at_its_successor() {
        let f = only(check_option(
            cat("3.1.8"),
            "webserver",
            "no_such_thing",
            &json!(1),
        ));
        assert_eq!(
            (f.code, f.target),
            ("airflow-unknown-section", Target::Section)
        );
        assert!(f.message.contains("last present in 3.0.0"), "{}", f.message);
        assert!(f.help.unwrap().contains("`[api]` ("));
    }

    #[test]
    fn option_of_a_later_version() {
        let f = only(check_option(
            cat("3.1.8"),
            "api",
            "server_type",
            &json!("gunicorn"),
        ));
        assert_eq!(f.code, "airflow-option-too-new");
        assert!(f.message.contains("added in 3.2.0"), "{}", f.message);
    }

    /// Rows of the conformance README table that are about names (old name read or not).
    #[test]
    fn readme_table_old_names() {
        let code = |v: &str, s: &str, k: &str| {
            let f = check_option(cat(v), s, k, &json!("x"));
            f.first().map(|f| f.code).unwrap_or("ok")
        };
        let moved = "airflow-option-moved";
        let not_read = "airflow-option-not-read";
        for (v, s, k, want) in [
            ("2.11.2", "scheduler", "max_threads", moved),
            ("2.11.2", "core", "remote_logging", moved),
            ("3.1.8", "core", "remote_logging", not_read),
            ("3.3.2", "core", "remote_base_log_folder", not_read),
            ("2.11.2", "kubernetes", "pod_template_file", moved),
            ("3.3.2", "kubernetes", "pod_template_file", not_read),
            ("3.0.0", "webserver", "base_url", not_read),
            ("3.1.8", "webserver", "base_url", moved),
            ("3.3.2", "webserver", "base_url", moved),
            ("3.3.2", "scheduler", "dag_dir_list_interval", moved),
            ("3.3.2", "scheduler", "min_file_process_interval", not_read),
            ("3.2.2", "api", "page_size", moved),
            ("3.2.2", "webserver", "page_size", not_read),
        ] {
            assert_eq!(code(v, s, k), want, "{v} [{s}] {k}");
        }
        let lint = |v: &str, s: &str, k: &str| {
            check_option(cat(v), s, k, &json!("x"))[0]
                .message
                .contains("config lint")
        };
        assert!(!lint("3.3.2", "core", "remote_logging"));
        assert!(lint("3.3.2", "scheduler", "parsing_processes"));
        for v in ["3.0.0", "3.1.8", "3.2.2", "3.3.2"] {
            let executor = cat(v).option("core", "executor").unwrap();
            assert_eq!(executor.default.as_deref(), Some("LocalExecutor"), "{v}");
        }
    }
}
