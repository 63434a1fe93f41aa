//! Encode: the one door through which a spec value enters another language's text.
//!
//! Output files embed spec values in shell, GitHub Actions expressions, Dockerfiles, Python,
//! Airflow's configparser files, Helm's `tpl`, URL paths, Go templates and JSON. Each module
//! here turns plain text into an inert literal of one of those languages; renderers never paste
//! a spec value into such a context any other way. Grammars in `validate` are the first wall
//! (they reject what a field cannot mean); these encoders are the second (whatever passes is
//! still read back by the consumer as the same text).

pub mod comment;
pub mod configparser;
pub mod dockerfile;
pub mod github;
pub mod go_template;
pub mod json;
pub mod promql;
pub mod python;
pub mod shell;
pub mod url;

/// A value that a language cannot hold at all in the place asked for (a line break in a
/// Dockerfile instruction). Validate rejects such values first, so this is an internal error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unencodable {
    /// The language and place, e.g. "a Dockerfile RUN word".
    pub place: &'static str,
    /// The value, as Rust's debug form shows it (control characters escaped).
    pub value: String,
}

impl std::fmt::Display for Unencodable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} cannot hold {}", self.place, self.value)
    }
}

impl Unencodable {
    fn new(place: &'static str, value: &str) -> Self {
        Unencodable {
            place,
            value: format!("{value:?}"),
        }
    }
}
