//! What differs between an output tree and `out/`, file by file, for review and for `platc check`.

use std::path::Path;

use super::io_error;
use super::journal::JOURNAL;
use super::manifest::MANIFEST;
use super::plan::{ConflictKind, Plan, plan};
use crate::diagnostic::Diagnostic;
use crate::render::OutputTree;

/// How a file changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum DiffKind {
    /// New file.
    Added,
    /// Content changes.
    Modified,
    /// File goes away.
    Deleted,
}

/// One file's change; `old` is empty for added files, `new` for deleted ones.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileDiff {
    /// Path relative to the output folder.
    pub path: String,
    /// How it changes.
    pub kind: DiffKind,
    /// Content on disk now (invalid UTF-8 replaced).
    pub old: String,
    /// Content platc would write.
    pub new: String,
}

/// Everything in `out_dir` that differs from what writing `tree` would leave, sorted by path;
/// empty exactly when `out/` is up to date. `diff` and `check` both use it, so they agree.
///
/// Foreign files at produced paths show as modified, hand-edited stale files as deleted (what
/// `--force` would do). The manifest, platc's own record, changes with every produced file, so
/// it is listed only when nothing else differs (it is missing, or was edited).
///
/// An interrupted compile's journal shows as deleted: the next compile finishes and removes it.
pub fn diff(out_dir: &Path, tree: &OutputTree) -> Result<Vec<FileDiff>, Diagnostic> {
    let _reading = super::lock::shared(out_dir)?;
    let plan = plan(out_dir, tree)?;
    let mut diffs = plan_diffs(&plan);
    if plan.interrupted.is_some() {
        let old = std::fs::read(out_dir.join(JOURNAL)).unwrap_or_default();
        diffs.push(FileDiff {
            path: JOURNAL.to_string(),
            kind: DiffKind::Deleted,
            old: String::from_utf8_lossy(&old).into_owned(),
            new: String::new(),
        });
        diffs.sort_by(|a, b| a.path.cmp(&b.path));
    }
    if !diffs.is_empty() {
        return Ok(diffs);
    }
    let path = out_dir.join(MANIFEST);
    let new = plan.manifest().to_text();
    let (kind, old) = match std::fs::read(&path) {
        Ok(bytes) => (
            DiffKind::Modified,
            String::from_utf8_lossy(&bytes).into_owned(),
        ),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => (DiffKind::Added, String::new()),
        Err(e) => return Err(io_error("E052", "read", &path, &e)),
    };
    if old != new || kind == DiffKind::Added {
        diffs.push(FileDiff {
            path: MANIFEST.to_string(),
            kind,
            old,
            new,
        });
    }
    Ok(diffs)
}

/// Alias of [`diff`] for `platc check`: stale exactly when `diff` shows a change.
pub fn check(out_dir: &Path, tree: &OutputTree) -> Result<Vec<FileDiff>, Diagnostic> {
    diff(out_dir, tree)
}

/// The file changes in a plan, sorted by path.
pub fn plan_diffs(plan: &Plan) -> Vec<FileDiff> {
    let old = |rel: &str| {
        plan.old_contents
            .get(rel)
            .map(|b| String::from_utf8_lossy(b).into_owned())
            .unwrap_or_default()
    };
    let new = |rel: &str| plan.contents.get(rel).cloned().unwrap_or_default();
    let mut diffs: Vec<FileDiff> = Vec::new();
    for rel in &plan.create {
        diffs.push(FileDiff {
            path: rel.clone(),
            kind: DiffKind::Added,
            old: String::new(),
            new: new(rel),
        });
    }
    for rel in &plan.update {
        diffs.push(FileDiff {
            path: rel.clone(),
            kind: DiffKind::Modified,
            old: old(rel),
            new: new(rel),
        });
    }
    let stale = plan
        .conflicts
        .iter()
        .filter(|c| c.kind == ConflictKind::EditedStale)
        .map(|c| &c.path);
    for rel in plan.delete.iter().chain(stale) {
        diffs.push(FileDiff {
            path: rel.clone(),
            kind: DiffKind::Deleted,
            old: old(rel),
            new: String::new(),
        });
    }
    diffs.sort_by(|a, b| a.path.cmp(&b.path));
    diffs
}
