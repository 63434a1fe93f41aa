//! The environment-variable form of options, `AIRFLOW__{SECTION}__{KEY}` (plus `_CMD`/`_SECRET`
//! for sensitive options and `AIRFLOW__{TEAM}___{SECTION}__{KEY}` for team scope), checked like
//! any other override.

use serde_json::Value;

use super::catalog::Catalog;
use super::check::check_option;
use super::finding::{Finding, Target};
use super::names::{check_name, name};

const PREFIX: &str = "AIRFLOW__";

/// How an environment variable supplies an option's value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum EnvForm {
    /// `AIRFLOW__S__K`: the variable holds the value.
    Value,
    /// `AIRFLOW__S__K_CMD`: the value is the output of the command the variable holds.
    Cmd,
    /// `AIRFLOW__S__K_SECRET`: the value is the secrets-backend entry the variable names.
    Secret,
}

/// An Airflow config environment variable name, taken apart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvName {
    /// Team scope (`AIRFLOW__{TEAM}___...`, Airflow 3.x), lower-cased.
    pub team: Option<String>,
    /// Section, lower-cased.
    pub section: String,
    /// Option name, lower-cased, without a `_cmd`/`_secret` suffix.
    pub key: String,
    /// Plain, `_CMD` or `_SECRET`.
    pub form: EnvForm,
}

/// Splits `AIRFLOW__SECTION__KEY[_CMD|_SECRET]` into lower-cased section and key. None for
/// anything Airflow would not read as an option: another prefix, lower-case letters (Airflow
/// looks up upper-case names only), a missing section or key.
///
/// A `_CMD`/`_SECRET` suffix is always taken as the form here; [`EnvName::resolve`] undoes that
/// for options whose own name ends that way (`[api_auth] jwt_secret`).
pub fn parse_env_name(name: &str) -> Option<EnvName> {
    let rest = name.strip_prefix(PREFIX)?;
    let allowed = |c: char| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_' || c == '-';
    if !rest.chars().all(allowed) {
        return None;
    }
    let (team, rest) = match rest.split_once("___") {
        Some((team, rest)) if !team.is_empty() => (Some(team.to_lowercase()), rest),
        Some(_) => return None,
        None => (None, rest),
    };
    let (section, key) = rest.split_once("__")?;
    if section.is_empty() || key.is_empty() || section.starts_with('_') || key.starts_with('_') {
        return None;
    }
    let (key, form) = [("_CMD", EnvForm::Cmd), ("_SECRET", EnvForm::Secret)]
        .into_iter()
        .find_map(|(suffix, form)| {
            key.strip_suffix(suffix)
                .filter(|k| !k.is_empty())
                .map(|k| (k, form))
        })
        .unwrap_or((key, EnvForm::Value));
    Some(EnvName {
        team,
        section: section.to_lowercase(),
        key: key.to_lowercase(),
        form,
    })
}

impl EnvName {
    /// Reads a `_CMD`/`_SECRET` suffix as part of the option name when `cat` has no option by
    /// the shorter name but has one by the full name.
    pub fn resolve(self, cat: &Catalog) -> Self {
        let suffix = match self.form {
            EnvForm::Value => return self,
            EnvForm::Cmd => "_cmd",
            EnvForm::Secret => "_secret",
        };
        let full = format!("{}{suffix}", self.key);
        if cat.option(&self.section, &self.key).is_none()
            && cat.option(&self.section, &full).is_some()
        {
            return Self {
                key: full,
                form: EnvForm::Value,
                ..self
            };
        }
        self
    }
}

/// The environment variable Airflow reads for `[section] key`.
pub fn env_var(section: &str, key: &str) -> String {
    format!(
        "{PREFIX}{}__{}",
        section.replace('.', "_").to_uppercase(),
        key.to_uppercase()
    )
}

/// [`check_option`] for an environment variable. Variables that are not Airflow config
/// variables give no findings; a malformed `AIRFLOW__...` name is an error, and so is a
/// `_CMD`/`_SECRET` variable for an option that is not sensitive (Airflow ignores it).
pub fn check_env(cat: &Catalog, var: &str, value: &Value) -> Vec<Finding> {
    let Some(parsed) = parse_env_name(var) else {
        if var.to_uppercase().starts_with(PREFIX) {
            return vec![Finding::error(
                "airflow-invalid-env-name",
                Target::Key,
                format!(
                    "`{var}` is not an Airflow config variable: Airflow reads only `AIRFLOW__{{SECTION}}__{{KEY}}` in upper case"
                ),
            )];
        }
        return Vec::new();
    };
    let env = parsed.resolve(cat);
    if env.form == EnvForm::Value {
        return check_option(cat, &env.section, &env.key, value);
    }
    let mut out = Vec::new();
    if let Some((s, k, info)) = check_name(cat, &env.section, &env.key, &mut out)
        && !info.sensitive
    {
        out.push(
            Finding::error(
                "airflow-secret-form-unsupported",
                Target::Key,
                format!(
                    "Airflow reads `{var}` only for sensitive options, and {} is not one: the variable is ignored",
                    name(&s, &k)
                ),
            )
            .with_help(Some(format!("set `{}` instead", env_var(&s, &k)))),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    use crate::airflow::test_support::cat;

    fn parts(e: &EnvName) -> (&str, &str, EnvForm) {
        (e.section.as_str(), e.key.as_str(), e.form)
    }

    #[test]
    fn parses_plain_cmd_and_secret_forms() {
        let e = parse_env_name("AIRFLOW__DAG_PROCESSOR__PARSING_PROCESSES").unwrap();
        assert_eq!(
            parts(&e),
            ("dag_processor", "parsing_processes", EnvForm::Value)
        );
        assert_eq!(e.team, None);
        let e = parse_env_name("AIRFLOW__DATABASE__SQL_ALCHEMY_CONN_SECRET").unwrap();
        assert_eq!(parts(&e), ("database", "sql_alchemy_conn", EnvForm::Secret));
        let e = parse_env_name("AIRFLOW__CORE__FERNET_KEY_CMD").unwrap();
        assert_eq!(parts(&e), ("core", "fernet_key", EnvForm::Cmd));
        let e = parse_env_name("AIRFLOW__CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS__CLIENT-CONFIG")
            .unwrap();
        assert_eq!(e.key, "client-config");
        let e = parse_env_name("AIRFLOW__TEAM_A___CORE__PARALLELISM").unwrap();
        assert_eq!(
            (e.team.as_deref(), parts(&e)),
            (Some("team_a"), ("core", "parallelism", EnvForm::Value))
        );
    }

    #[test]
    fn rejects_non_option_names() {
        for bad in [
            "AIRFLOW_HOME",
            "AIRFLOW__CORE",
            "AIRFLOW__CORE__",
            "AIRFLOW____X",
            "airflow__core__parallelism",
            "AIRFLOW__core__parallelism",
            "AIRFLOW__CORE___",
            "AIRFLOW__CORE__A B",
            "",
            "AIRFLOW__Ü__X",
        ] {
            assert_eq!(parse_env_name(bad), None, "{bad}");
        }
        assert_eq!(
            parse_env_name("AIRFLOW__CORE___SECRET").map(|e| e.form),
            None
        );
    }

    #[test]
    fn a_name_ending_in_secret_resolves_against_the_catalog() {
        let e = parse_env_name("AIRFLOW__API_AUTH__JWT_SECRET")
            .unwrap()
            .resolve(cat("3.3.2"));
        assert_eq!(parts(&e), ("api_auth", "jwt_secret", EnvForm::Value));
        let e = parse_env_name("AIRFLOW__API_AUTH__JWT_SECRET_SECRET")
            .unwrap()
            .resolve(cat("3.3.2"));
        assert_eq!(parts(&e), ("api_auth", "jwt_secret", EnvForm::Secret));
    }

    #[test]
    fn env_round_trip() {
        assert_eq!(
            env_var("dag_processor", "parsing_processes"),
            "AIRFLOW__DAG_PROCESSOR__PARSING_PROCESSES"
        );
    }

    #[test]
    fn env_overrides_are_checked_like_options() {
        let f = check_env(
            cat("3.3.2"),
            "AIRFLOW__SCHEDULER__PARSING_PROCESSES",
            &json!("8"),
        );
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].code, "airflow-option-not-read");
        assert_eq!(
            check_env(
                cat("3.3.2"),
                "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN_SECRET",
                &json!("conn")
            ),
            []
        );
        let f = check_env(
            cat("3.3.2"),
            "AIRFLOW__CORE__PARALLELISM_CMD",
            &json!("echo 8"),
        );
        assert_eq!(f[0].code, "airflow-secret-form-unsupported");
        assert_eq!(
            check_env(cat("3.3.2"), "AIRFLOW_HOME", &json!("/opt/airflow")),
            []
        );
        let f = check_env(cat("3.3.2"), "AIRFLOW__core__parallelism", &json!("8"));
        assert_eq!(f[0].code, "airflow-invalid-env-name");
    }
}
