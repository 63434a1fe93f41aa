//! `platc init`: a first platform.yaml for a GitOps repository, with the files around it (the
//! schema its modeline names, the CI workflow, the pre-commit config). The spec is built from
//! the flags, every flag value entering YAML as a quoted scalar, and must validate and compile
//! before anything is written.

mod files;
mod spec;

use std::path::PathBuf;

use crate::cloud::Cloud;
use crate::diagnostic::Diagnostic;
use crate::spec::Executor;

pub use files::{ci_workflow, pre_commit_config, requirement};

/// What `platc init` was asked for.
#[derive(Debug, Clone)]
pub struct Request {
    pub cloud: Cloud,
    pub airflow: String,
    pub executor: Executor,
    pub name: String,
    pub domain: String,
    pub dag_repo: String,
    pub gitops_repo: String,
    pub environments: Vec<String>,
}

/// The files of a new GitOps repository, by path relative to its root, in writing order.
#[derive(Debug, Clone)]
pub struct Scaffold {
    pub files: Vec<(PathBuf, String)>,
}

/// The spec file's name and the schema path its modeline names.
pub const SPEC: &str = "platform.yaml";
pub const SCHEMA: &str = "schema/platform.schema.json";
pub const WORKFLOW: &str = ".github/workflows/platc.yml";
pub const PRE_COMMIT: &str = ".pre-commit-config.yaml";

/// Builds the files; the spec must validate and compile as written, or this is the reason.
pub fn scaffold(request: &Request) -> Result<Scaffold, Vec<Diagnostic>> {
    let text = spec::render(request).map_err(|d| vec![d])?;
    let doc = crate::load::load_str(SPEC, text.clone()).map_err(|d| vec![d])?;
    let front = crate::pipeline::front_end_doc(doc).map_err(|f| f.diagnostics.0)?;
    if front.warnings.has_errors() {
        return Err(front.warnings.0);
    }
    crate::pipeline::compile(&front, std::path::Path::new(SPEC)).map_err(|f| f.diagnostics.0)?;
    Ok(Scaffold {
        files: vec![
            (PathBuf::from(SPEC), text),
            (PathBuf::from(SCHEMA), crate::schema::schema_text()),
            (PathBuf::from(WORKFLOW), ci_workflow()),
            (PathBuf::from(PRE_COMMIT), pre_commit_config()),
        ],
    })
}
