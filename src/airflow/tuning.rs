//! The reference platform's Airflow tuning (shared/REFERENCE-PLATFORM.md), mapped onto one
//! Airflow version: which option carries each setting there, what else it needs, or why nothing
//! does. Everything but the five starting settings comes from the catalog.

use std::fmt;

use super::catalog::Catalog;
use super::check::check_value;
use super::env::env_var;
use super::finding::Finding;
use super::locate::{Location, locate, sections_with_key};
use super::names::{describe_steps, name};
use super::option::OptionInfo;

/// The reference deployment's settings, under the names it used (Airflow 1.10.14), with values.
const REFERENCE: [(&str, &str, &str, &str); 5] = [
    (
        "scheduler parsing processes",
        "scheduler",
        "parsing_processes",
        "8",
    ),
    ("webserver page size", "webserver", "page_size", "50"),
    (
        "webserver worker refresh interval",
        "webserver",
        "worker_refresh_interval",
        "1800",
    ),
    (
        "webserver worker timeout",
        "webserver",
        "web_server_worker_timeout",
        "300",
    ),
    (
        "task weight rule",
        "core",
        "default_task_weight_rule",
        "absolute",
    ),
];

/// An option set to a value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OptionSetting {
    /// Section.
    pub section: String,
    /// Option name.
    pub key: String,
    /// Value, as text.
    pub value: String,
}

impl OptionSetting {
    fn new(section: &str, key: &str, value: &str) -> Self {
        Self {
            section: section.to_string(),
            key: key.to_string(),
            value: value.to_string(),
        }
    }

    /// The environment variable that sets it, e.g. `AIRFLOW__API__WORKER_TIMEOUT`.
    pub fn env_var(&self) -> String {
        env_var(&self.section, &self.key)
    }
}

impl fmt::Display for OptionSetting {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "[{}] {} = {}", self.section, self.key, self.value)
    }
}

/// How one reference setting is carried on one Airflow version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TuningAnswer {
    /// The setting, as the reference platform names it ("webserver worker timeout").
    pub setting: &'static str,
    /// The option and value the reference deployment set.
    pub reference: OptionSetting,
    /// The option that carries the setting on this version; None if no option does.
    pub carrier: Option<OptionSetting>,
    /// Other options that must be set for the carrier to take effect.
    pub companions: Vec<OptionSetting>,
    /// Pip extras the companions need (`apache-airflow-core[gunicorn]`).
    pub extras: Vec<String>,
    /// Setting the reference option name still works on this version.
    pub reference_read: bool,
    /// The carrier's default already is the reference value.
    pub already_default: bool,
    /// Problems with the value on the carrier (expected: none).
    pub findings: Vec<Finding>,
    /// One sentence on how the answer was found.
    pub note: String,
}

/// The five reference settings on the catalog's Airflow version.
pub fn reference_tuning(cat: &Catalog) -> Vec<TuningAnswer> {
    REFERENCE
        .iter()
        .map(|(setting, s, k, v)| answer(cat, setting, s, k, v))
        .collect()
}

fn answer(cat: &Catalog, setting: &'static str, s: &str, k: &str, value: &str) -> TuningAnswer {
    let version = cat.version();
    let reference = OptionSetting::new(s, k, value);
    let loc = locate(cat, s, k);
    let reference_read = loc.still_read();
    let (carrier, note) = match &loc {
        Location::Here(info) => (
            Some((s.to_string(), k.to_string(), *info)),
            format!("{} is an option of Airflow {version}", name(s, k)),
        ),
        Location::Moved { steps, info } => {
            let (ns, nk) = steps.last().map(|st| st.to.clone()).unwrap_or_default();
            let read = if reference_read {
                "the old name is still read as a fallback"
            } else {
                "the old name is not read"
            };
            let note = format!("{} {}; {read}", name(s, k), describe_steps(steps));
            (Some((ns, nk, *info)), note)
        }
        other => {
            let gone = match other {
                Location::Removed { last, gone, .. } => format!(
                    "{} is gone since Airflow {} (last read by Airflow {})",
                    name(s, k),
                    gone.version(),
                    last.version()
                ),
                _ => format!("{} does not exist in Airflow {version}", name(s, k)),
            };
            match sections_with_key(cat, k, s).first() {
                Some(other) => {
                    let info = cat.option(other, k);
                    let added = info
                        .and_then(|i| i.added.as_deref())
                        .map(|a| format!(" (added in {a})"))
                        .unwrap_or_default();
                    let note = format!(
                        "{gone}; the same-named {}{added} carries it now (not as a fallback)",
                        name(other, k)
                    );
                    (info.map(|i| (other.to_string(), k.to_string(), i)), note)
                }
                None => (
                    None,
                    format!(
                        "{gone}, and no section of Airflow {version} has a `{k}` option: nothing carries this setting"
                    ),
                ),
            }
        }
    };
    let mut out = TuningAnswer {
        setting,
        reference,
        carrier: None,
        companions: Vec::new(),
        extras: Vec::new(),
        reference_read,
        already_default: false,
        findings: Vec::new(),
        note,
    };
    if let Some((cs, ck, info)) = carrier {
        fill_carrier(cat, &mut out, &cs, &ck, info, value);
    }
    out
}

fn fill_carrier(
    cat: &Catalog,
    out: &mut TuningAnswer,
    s: &str,
    k: &str,
    info: &OptionInfo,
    value: &str,
) {
    out.carrier = Some(OptionSetting::new(s, k, value));
    out.already_default = info.default.as_deref() == Some(value);
    check_value(
        cat,
        s,
        k,
        info,
        &serde_json::Value::String(value.to_string()),
        &mut out.findings,
    );
    if let Some(req) = &info.requires {
        let needed = cat
            .option(&req.section, &req.key)
            .is_some_and(|i| i.default.as_deref() != Some(req.value.as_str()));
        if needed {
            out.companions
                .push(OptionSetting::new(&req.section, &req.key, &req.value));
            out.extras.extend(req.extra.clone());
            out.note.push_str(&format!(
                "; it only takes effect with `[{}] {} = {}`",
                req.section, req.key, req.value
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::airflow::{AirflowVersion, catalog_for};

    /// (carrier "[section] key" or "-", companions, reference name still read, already default)
    type Row<'a> = (&'a str, &'a str, bool, bool);

    fn assert_table(v: &str, expected: [Row<'_>; 5]) {
        let cat = catalog_for(&AirflowVersion::parse(v).unwrap()).unwrap().0;
        let answers = reference_tuning(cat);
        assert_eq!(answers.len(), expected.len());
        for (a, want) in answers.iter().zip(expected) {
            assert_eq!(a.findings, [], "{v} {}", a.setting);
            let carrier = a
                .carrier
                .as_ref()
                .map(|c| format!("[{}] {}", c.section, c.key))
                .unwrap_or_else(|| "-".into());
            let comp: Vec<String> = a.companions.iter().map(|c| c.to_string()).collect();
            let got = (
                carrier.as_str(),
                comp.join(", "),
                a.reference_read,
                a.already_default,
            );
            let want = (want.0, want.1.to_string(), want.2, want.3);
            assert_eq!(got, want, "{v} {}: {}", a.setting, a.note);
        }
    }

    // Pinned against the conformance README table ("Answers for the options the platform spec uses").
    #[test]
    fn airflow_2_11_2() {
        assert_table(
            "2.11.2",
            [
                ("[scheduler] parsing_processes", "", true, false),
                ("[webserver] page_size", "", true, false),
                ("[webserver] worker_refresh_interval", "", true, false),
                ("[webserver] web_server_worker_timeout", "", true, false),
                ("[core] default_task_weight_rule", "", true, false),
            ],
        );
    }

    #[test]
    fn airflow_3_0_0() {
        assert_table(
            "3.0.0",
            [
                ("[dag_processor] parsing_processes", "", false, false),
                ("[webserver] page_size", "", true, true),
                ("-", "", false, false),
                ("[api] worker_timeout", "", true, false),
                ("[core] default_task_weight_rule", "", true, false),
            ],
        );
    }

    #[test]
    fn airflow_3_1_8() {
        assert_table(
            "3.1.8",
            [
                ("[dag_processor] parsing_processes", "", false, false),
                ("[api] page_size", "", true, true),
                ("-", "", false, false),
                ("[api] worker_timeout", "", true, false),
                ("[core] default_task_weight_rule", "", true, false),
            ],
        );
    }

    fn three_two_on(v: &str) {
        assert_table(
            v,
            [
                ("[dag_processor] parsing_processes", "", false, false),
                ("[api] fallback_page_limit", "", false, true),
                (
                    "[api] worker_refresh_interval",
                    "[api] server_type = gunicorn",
                    false,
                    false,
                ),
                ("[api] worker_timeout", "", true, false),
                ("[core] default_task_weight_rule", "", true, false),
            ],
        );
    }

    #[test]
    fn airflow_3_2_2() {
        three_two_on("3.2.2");
    }

    #[test]
    fn airflow_3_3_2() {
        three_two_on("3.3.2");
    }

    #[test]
    fn notes_explain_the_answer() {
        let cat = catalog_for(&AirflowVersion::parse("3.3.2").unwrap())
            .unwrap()
            .0;
        let a = reference_tuning(cat);
        assert!(
            a[1].note
                .contains("then to `[api] fallback_page_limit` in 3.2.0"),
            "{}",
            a[1].note
        );
        assert_eq!(a[2].extras, ["apache-airflow-core[gunicorn]"]);
        assert_eq!(
            a[2].carrier.as_ref().unwrap().env_var(),
            "AIRFLOW__API__WORKER_REFRESH_INTERVAL"
        );
        assert!(a[2].note.contains("server_type"), "{}", a[2].note);
        let cat = catalog_for(&AirflowVersion::parse("3.1.8").unwrap())
            .unwrap()
            .0;
        let a = reference_tuning(cat);
        assert!(
            a[2].note.contains("nothing carries this setting"),
            "{}",
            a[2].note
        );
        assert!(
            a[2].note
                .contains("gone since Airflow 3.0.0 (last read by Airflow 2.11.2)"),
            "{}",
            a[2].note
        );
    }
}
