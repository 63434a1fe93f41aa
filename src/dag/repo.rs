//! The DAG repository checkout: which files are DAG files, and reading them.

use std::path::Path;

use crate::dag::check::Rules;
use crate::dag::source::DagFile;
use crate::diagnostic::Diagnostic;

/// The `.py` files under the layout's root folder, relative to the repository, sorted.
/// Hidden folders and `__pycache__` are skipped; a missing root folder has no files.
pub fn python_files(repo: &Path, rules: &Rules) -> Result<Vec<String>, Diagnostic> {
    let root = rules.layout.root().trim_end_matches('/');
    python_files_under(repo, root)
}

/// The `.py` files under a folder of the repository (`""` for all of it), relative to it, sorted.
pub fn python_files_under(repo: &Path, rel_dir: &str) -> Result<Vec<String>, Diagnostic> {
    let mut out = Vec::new();
    let start = if rel_dir.is_empty() {
        repo.to_path_buf()
    } else {
        repo.join(rel_dir)
    };
    if start.is_dir() {
        walk(&start, rel_dir, &mut out)?;
    }
    out.sort();
    Ok(out)
}

fn walk(dir: &Path, rel: &str, out: &mut Vec<String>) -> Result<(), Diagnostic> {
    let entries = std::fs::read_dir(dir)
        .map_err(|e| Diagnostic::error("E049", format!("cannot list {}: {e}", dir.display())))?;
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') || name == "__pycache__" {
            continue;
        }
        let child = if rel.is_empty() {
            name.clone()
        } else {
            format!("{rel}/{name}")
        };
        let path = entry.path();
        if path.is_dir() {
            walk(&path, &child, out)?;
        } else if name.ends_with(".py") {
            out.push(child);
        }
    }
    Ok(())
}

/// How a repository path is shown: as is for the current folder, else under the repository.
pub fn shown(repo: &Path, rel: &str) -> String {
    if repo == Path::new(".") || repo.as_os_str().is_empty() {
        rel.to_owned()
    } else {
        repo.join(rel).display().to_string()
    }
}

/// Reads and parses one file of the repository.
pub fn load(repo: &Path, rel: &str) -> Result<DagFile, Diagnostic> {
    let path = repo.join(rel);
    let bytes = std::fs::read(&path)
        .map_err(|e| Diagnostic::error("E048", format!("cannot read {}: {e}", path.display())))?;
    let text = String::from_utf8_lossy(&bytes).into_owned();
    DagFile::parse(shown(repo, rel), rel, text)
        .map_err(|e| Diagnostic::error("E099", format!("internal error: {e}")))
}
