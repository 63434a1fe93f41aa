//! What a check reports about one Airflow config override.

use std::fmt;

/// How bad a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// The override will not work as written (ignored, rejected, or unsafe).
    Error,
    /// The override works today but should change (deprecated name, unknown section).
    Warning,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        })
    }
}

/// Which part of the override a finding is about, for pointing at it in the spec.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Target {
    /// The section name.
    Section,
    /// The option name.
    Key,
    /// The value.
    Value,
}

/// One problem with an Airflow config override.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// Stable kebab-case id, e.g. `airflow-option-not-read`.
    pub code: &'static str,
    /// Error or warning.
    pub severity: Severity,
    /// What is wrong, in one sentence.
    pub message: String,
    /// How to fix it, when known.
    pub help: Option<String>,
    /// The part of the override the finding is about.
    pub target: Target,
}

impl Finding {
    pub(crate) fn error(code: &'static str, target: Target, message: String) -> Self {
        Self {
            code,
            severity: Severity::Error,
            message,
            help: None,
            target,
        }
    }

    pub(crate) fn warning(code: &'static str, target: Target, message: String) -> Self {
        Self {
            severity: Severity::Warning,
            ..Self::error(code, target, message)
        }
    }

    pub(crate) fn with_help(mut self, help: Option<String>) -> Self {
        self.help = help.filter(|h| !h.is_empty());
        self
    }
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}[{}]: {}", self.severity, self.code, self.message)?;
        if let Some(help) = &self.help {
            write!(f, "\n  help: {help}")?;
        }
        Ok(())
    }
}
