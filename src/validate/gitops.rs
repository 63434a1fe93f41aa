//! Rules `gitops-path` and `gitops-repo`: the output folder is a plain relative path inside the
//! GitOps repository, outside its `.git` folder; the repository URL parses without credentials.

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
    let in_git = Path::new(path)
        .components()
        .any(|c| c.as_os_str().eq_ignore_ascii_case(".git"));
    let mut out = Diagnostics::default();
    if plain && in_git {
        out.push(
            Diagnostic::error(
                "gitops-path",
                format!("`{path}` is inside the repository's `.git` folder"),
            )
            .at(doc.value_place("/gitops/path"))
            .help("git keeps its hooks and config there; use a folder of the work tree, such as `out`"),
        );
    }
    if let Err(why) = crate::naming::urls::git_repo_url(&model.gitops.repo) {
        out.push(
            Diagnostic::error(
                "gitops-repo",
                format!("`{}` is not a repository URL Argo CD can read: {why}", model.gitops.repo.escape_debug()),
            )
            .at(doc.value_place("/gitops/repo"))
            .help("use `https://github.com/org/repo.git` or `git@github.com:org/repo.git`; Argo CD's repository credentials hold any token"),
        );
    }
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
