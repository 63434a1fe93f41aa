//! The plan: what writing an output tree would do to `out/`, found without writing anything.

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

use super::io_error;
use super::journal::{self, Interrupted, Owned};
use super::manifest::{Manifest, sha256_hex};
use super::path::{self, Entry};
use crate::diagnostic::Diagnostic;
use crate::render::OutputTree;

/// A file platc will not touch without `force`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conflict {
    /// Path relative to the output folder.
    pub path: String,
    /// Why it is a conflict.
    pub kind: ConflictKind,
}

/// Why a file is a conflict.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConflictKind {
    /// A file platc does not own sits at a path it produces; `force` overwrites it.
    Foreign,
    /// A file platc owns, no longer produced, was edited by hand; `force` deletes it.
    EditedStale,
}

impl fmt::Display for Conflict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.kind {
            ConflictKind::Foreign => write!(
                f,
                "`{}` exists but was not written by platc; platc would overwrite it",
                self.path
            ),
            ConflictKind::EditedStale => write!(
                f,
                "`{}` is no longer produced but was edited by hand; platc would delete it",
                self.path
            ),
        }
    }
}

/// What [`super::apply`] will do; every list is sorted by path.
#[derive(Debug, Clone, Default)]
pub struct Plan {
    /// Produced files that do not exist yet.
    pub create: Vec<String>,
    /// Produced files whose content differs from the disk (includes foreign conflicts).
    pub update: Vec<String>,
    /// Produced files already on disk with the right content; never rewritten.
    pub unchanged: Vec<String>,
    /// Owned files no longer produced and unedited since platc wrote them.
    pub delete: Vec<String>,
    /// Owned files edited by hand that are still produced: overwritten, but worth saying.
    pub edited: Vec<String>,
    /// Files platc will only touch with `force`.
    pub conflicts: Vec<Conflict>,
    /// Temporary files left by an interrupted run (named with its journal's token); removed
    /// by [`super::apply`].
    pub leftovers: Vec<String>,
    /// The run that was interrupted, when its journal is still in `out/`.
    pub interrupted: Option<Interrupted>,
    pub(super) contents: BTreeMap<String, String>,
    pub(super) old_contents: BTreeMap<String, Vec<u8>>,
    pub(super) old_manifest: Manifest,
    pub(super) manifest: Manifest,
}

impl Plan {
    /// The manifest [`super::apply`] writes.
    pub fn manifest(&self) -> &Manifest {
        &self.manifest
    }

    /// The manifest found on disk (empty when there was none).
    pub fn old_manifest(&self) -> &Manifest {
        &self.old_manifest
    }

    /// Whether applying would change nothing on disk.
    pub fn is_noop(&self) -> bool {
        self.create.is_empty()
            && self.update.is_empty()
            && self.delete.is_empty()
            && self.conflicts.is_empty()
            && self.leftovers.is_empty()
            && self.interrupted.is_none()
            && self.manifest == self.old_manifest
    }

    /// The refusal [`super::apply`] returns when there are conflicts and no `force`.
    pub fn conflict_error(&self) -> Diagnostic {
        let mut d = Diagnostic::error(
            "E054",
            format!(
                "{} file(s) in the output folder would be lost; nothing was written",
                self.conflicts.len()
            ),
        )
        .help("move those files away, or run again with --force to let platc replace them");
        for conflict in &self.conflicts {
            d = d.note(conflict.to_string());
        }
        d
    }
}

/// Compares `tree` with `out_dir` and its manifest. Reads only.
pub fn plan(out_dir: &Path, tree: &OutputTree) -> Result<Plan, Diagnostic> {
    check_tree(tree)?;
    match std::fs::metadata(out_dir) {
        Ok(meta) if !meta.is_dir() => {
            return Err(Diagnostic::error(
                "E051",
                format!("output folder `{}` is not a folder", out_dir.display()),
            ));
        }
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(io_error("E052", "inspect", out_dir, &e)),
    }
    let Owned {
        manifest: old_manifest,
        interrupted,
    } = journal::owned(out_dir)?;
    let mut plan = Plan {
        manifest: Manifest::of(tree.files()),
        contents: tree.files().clone(),
        ..Plan::default()
    };
    // Reading thousands of files waits on the kernel: each thread its own share, in order.
    let files: Vec<(&String, &String)> = tree.files().iter().collect();
    let found = crate::parallel::map_chunks(&files, 256, |part| {
        let mut disk = path::Inspector::new(out_dir);
        part.iter().map(|(rel, _)| disk.inspect(rel)).collect()
    });
    for ((rel, content), entry) in files.into_iter().zip(found) {
        let bytes = match entry? {
            Entry::Missing => {
                plan.create.push(rel.clone());
                continue;
            }
            Entry::File(bytes) => bytes,
        };
        if bytes == content.as_bytes() {
            plan.unchanged.push(rel.clone());
            continue;
        }
        match old_manifest.files.get(rel) {
            Some(hash) if *hash != sha256_hex(&bytes) => plan.edited.push(rel.clone()),
            Some(_) => {}
            None => plan.conflicts.push(Conflict {
                path: rel.clone(),
                kind: ConflictKind::Foreign,
            }),
        }
        plan.update.push(rel.clone());
        plan.old_contents.insert(rel.clone(), bytes);
    }
    for (rel, hash) in &old_manifest.files {
        if tree.get(rel).is_some() {
            continue;
        }
        let Entry::File(bytes) = path::Inspector::new(out_dir).inspect(rel)? else {
            continue;
        };
        if *hash == sha256_hex(&bytes) {
            plan.delete.push(rel.clone());
        } else {
            plan.conflicts.push(Conflict {
                path: rel.clone(),
                kind: ConflictKind::EditedStale,
            });
        }
        plan.old_contents.insert(rel.clone(), bytes);
    }
    plan.conflicts.sort_by(|a, b| a.path.cmp(&b.path));
    if let Some(token) = interrupted.as_ref().and_then(|i| i.token.as_deref()) {
        plan.leftovers = path::leftover_temps(out_dir, token)?;
    }
    plan.interrupted = interrupted;
    plan.old_manifest = old_manifest;
    Ok(plan)
}

/// Every path is valid, and no produced file sits where another needs a folder.
fn check_tree(tree: &OutputTree) -> Result<(), Diagnostic> {
    for rel in tree.files().keys() {
        path::validate(rel)?;
        let mut prefix = rel.as_str();
        while let Some((parent, _)) = prefix.rsplit_once('/') {
            if tree.get(parent).is_some() {
                return Err(Diagnostic::error(
                    "E050",
                    format!("output path `{parent}` is both a file and the folder of `{rel}`"),
                ));
            }
            prefix = parent;
        }
    }
    Ok(())
}
