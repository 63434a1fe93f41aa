//! Rule `gitops-path`: the output folder is a plain relative path inside the GitOps repository.

use std::path::{Component, Path};

use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::load::Document;
use crate::resolve::Model;

/// Checks `gitops.path`.
pub fn check(model: &Model, doc: &Document) -> Diagnostics {
    let path = &model.gitops.path;
    let plain = !path.is_empty()
        && Path::new(path)
            .components()
            .all(|c| matches!(c, Component::Normal(_)))
        && !path.contains('\\');
    let mut out = Diagnostics::default();
    if !plain {
        out.push(
            Diagnostic::error(
                "gitops-path",
                format!("`{path}` is not a folder inside the GitOps repository"),
            )
            .at(doc.value_place("/gitops/path"))
            .help("use a relative path without `..`, such as `out`"),
        );
    }
    out
}
