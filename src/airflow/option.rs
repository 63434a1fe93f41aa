//! Facts about single options and renames, as stored in the catalogs.

use std::fmt;

use serde::Deserialize;

/// The type Airflow converts an option's text to (`getint`, `getfloat`, `getboolean`, or none).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ValueType {
    /// Used as text.
    String,
    /// Read with `int()`.
    Integer,
    /// Read with `float()`.
    Float,
    /// Read with Airflow's `getboolean` (`t`/`true`/`1`, `f`/`false`/`0`, any case).
    Boolean,
}

impl fmt::Display for ValueType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ValueType::String => "string",
            ValueType::Integer => "integer",
            ValueType::Float => "float",
            ValueType::Boolean => "boolean",
        })
    }
}

/// Another option that must hold a given value for an option to take effect.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Requirement {
    /// Section of the required option.
    pub section: String,
    /// Name of the required option.
    pub key: String,
    /// The value it must have.
    pub value: String,
    /// A pip extra that value needs installed, e.g. `apache-airflow-core[gunicorn]`.
    pub extra: Option<String>,
}

/// Facts about one option in one Airflow version.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OptionInfo {
    /// The type Airflow reads the text as; inferred from the default where the template says
    /// `string` but the default is clearly a boolean or integer.
    #[serde(rename = "type")]
    pub value_type: ValueType,
    /// The template's declared type, present only when it differs from `value_type`.
    pub declared_type: Option<ValueType>,
    /// The default text as Airflow uses it (`{AIRFLOW_HOME}`-style placeholders kept); None if none.
    pub default: Option<String>,
    /// The Airflow version that added the option, when the template says.
    pub added: Option<String>,
    /// Sensitive options are masked and also read from `<ENV>_CMD` / `<ENV>_SECRET`.
    #[serde(default)]
    pub sensitive: bool,
    /// The template marks the option deprecated.
    #[serde(default)]
    pub deprecated: bool,
    /// Since when it is deprecated.
    pub deprecated_since: Option<String>,
    /// The only values Airflow accepts at startup (empty: any).
    #[serde(default)]
    pub allowed: Vec<String>,
    /// Values Airflow rejects (from `airflow config lint`), e.g. `[core] parallelism = 0` on 3.x.
    #[serde(default)]
    pub invalid: Vec<String>,
    /// Another option that must be set for this one to take effect.
    pub requires: Option<Requirement>,
}

/// An old option name and where it went (`[scheduler] parsing_processes` → `[dag_processor]`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Move {
    /// The new section.
    pub section: String,
    /// The new option name.
    pub key: String,
    /// The Airflow version of the move, when known.
    pub since: Option<String>,
    /// This version still reads the old name as a runtime fallback for the new option.
    /// Airflow follows one step only, so this counts only if the new name is an option here.
    pub read: bool,
    /// `airflow config lint` reports the old name.
    pub lint: bool,
}

/// A whole section renamed (`[kubernetes]` → `[kubernetes_executor]`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SectionMove {
    /// The new section name.
    pub section: String,
    /// The Airflow version of the rename, when known.
    pub since: Option<String>,
    /// This version still reads the old section as a fallback.
    pub read: bool,
}

/// A provider distribution whose config is merged into a catalog.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Provider {
    /// Distribution name, e.g. `apache-airflow-providers-celery`.
    pub dist: String,
    /// Its version.
    pub version: String,
    /// The config sections it defines.
    pub sections: Vec<String>,
}
