//! Airflow knowledge: every config option of each supported Airflow version (catalogs made by
//! `scripts/gen-airflow-catalogs.py` from the published wheels), and checks of config overrides
//! against them.

mod catalog;
mod check;
mod env;
mod finding;
mod locate;
mod names;
mod option;
mod suggest;
#[cfg(test)]
mod test_support;
mod tuning;
mod value;
mod version;

pub use catalog::{Catalog, catalog_for, supported_versions};
pub use check::check_option;
pub use env::{EnvForm, EnvName, check_env, env_var, parse_env_name};
pub use finding::{Finding, Severity, Target};
pub use option::{Move, OptionInfo, Provider, Requirement, SectionMove, ValueType};
pub use tuning::{OptionSetting, TuningAnswer, reference_tuning};
pub use version::AirflowVersion;
