//! Applying a plan: atomic, staged writes into `out/`.
//!
//! Design. Every new or changed file is first written in full to a temporary file in its own
//! folder (`.<name>.platc-tmp-<pid>`, created exclusively, never through a symlink) and fsynced;
//! the new manifest is staged the same way. Only when every temporary file exists does platc
//! rename them over their targets, one by one, then delete stale owned files and the folders
//! that emptied, then rename the manifest into place last. A failure while staging (unwritable
//! folder, a file where a folder must go, disk full) removes every temporary file and every
//! folder it created, so `out/` is exactly as before.
//!
//! Remaining window: the renames are each atomic but not atomic together. A crash between them
//! leaves every file either wholly old or wholly new, with the old manifest, plus perhaps some
//! temporary files. The next run repairs it: files already new compare equal and are adopted,
//! the rest are rewritten, stale files are deleted again, and leftover temporary files are
//! removed.

use std::fmt;
use std::fs::{self, OpenOptions};
use std::io::{ErrorKind, Write};
use std::path::{Path, PathBuf};

use super::io_error;
use super::manifest::MANIFEST;
use super::path;
use super::plan::{ConflictKind, Plan};
use crate::diagnostic::Diagnostic;

/// What [`apply`] did; lists are sorted by path.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Summary {
    /// Files written that did not exist.
    pub created: Vec<String>,
    /// Files rewritten with new content.
    pub updated: Vec<String>,
    /// Stale owned files removed.
    pub deleted: Vec<String>,
    /// Files left untouched because they were already right.
    pub unchanged: usize,
    /// Owned files that had been edited by hand and were overwritten.
    pub edited: Vec<String>,
    /// Conflicting files replaced or deleted because of `force`.
    pub forced: Vec<String>,
}

impl Summary {
    /// Whether any produced file changed on disk.
    pub fn changed(&self) -> bool {
        !(self.created.is_empty() && self.updated.is_empty() && self.deleted.is_empty())
    }
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} created, {} updated, {} deleted, {} unchanged",
            self.created.len(),
            self.updated.len(),
            self.deleted.len(),
            self.unchanged
        )
    }
}

/// Writes `plan` into `out_dir`. With conflicts and no `force`, writes nothing and fails.
pub fn apply(out_dir: &Path, plan: &Plan, force: bool) -> Result<Summary, Diagnostic> {
    if !plan.conflicts.is_empty() && !force {
        return Err(plan.conflict_error());
    }
    let mut writes: Vec<(PathBuf, &str)> = Vec::new();
    for rel in plan.create.iter().chain(&plan.update) {
        let content = plan.contents.get(rel).map_or("", String::as_str);
        writes.push((out_dir.join(rel), content));
    }
    let manifest_text = plan.manifest.to_text();
    let manifest_path = out_dir.join(MANIFEST);
    let manifest_stale = fs::read(&manifest_path).ok().as_deref() != Some(manifest_text.as_bytes());

    let mut stage = Stage::default();
    let staged = stage.dir(out_dir, None).and_then(|()| {
        for (target, content) in &writes {
            stage.parents(out_dir, target)?;
            stage.file(target, content)?;
        }
        if manifest_stale {
            stage.file(&manifest_path, &manifest_text)?;
        }
        stage.sync()
    });
    if let Err(d) = staged {
        stage.undo();
        return Err(d.note(format!("nothing in `{}` was changed", out_dir.display())));
    }

    let mut temps = stage.temps.iter();
    while let Some((temp, target)) = temps.next() {
        if *target == manifest_path {
            continue;
        }
        if let Err(e) = fs::rename(temp, target) {
            let _ = fs::remove_file(temp);
            for (temp, _) in temps {
                let _ = fs::remove_file(temp);
            }
            return Err(io_error("E056", "replace", target, &e)
                .note("some files may already be new; run platc again to finish"));
        }
    }
    let mut deleted: Vec<String> = plan.delete.clone();
    let mut forced: Vec<String> = Vec::new();
    if force {
        for conflict in &plan.conflicts {
            if conflict.kind == ConflictKind::EditedStale {
                deleted.push(conflict.path.clone());
            }
            forced.push(conflict.path.clone());
        }
        deleted.sort();
    }
    for rel in &deleted {
        let target = out_dir.join(rel);
        match fs::remove_file(&target) {
            Ok(()) => remove_empty_parents(out_dir, rel),
            Err(e) if e.kind() == ErrorKind::NotFound => {}
            Err(e) => {
                let _ = fs::remove_file(path::temp_path(&manifest_path));
                return Err(
                    io_error("E056", "delete", &target, &e).note("run platc again to finish")
                );
            }
        }
    }
    for rel in &plan.leftovers {
        let _ = fs::remove_file(out_dir.join(rel));
    }
    // Folder flushes wait on the disk, not the CPU: run them side by side.
    let chunk = stage.touched.len().div_ceil(8).max(1);
    std::thread::scope(|scope| {
        for part in stage.touched.chunks(chunk) {
            scope.spawn(move || part.iter().for_each(|dir| sync_dir(dir)));
        }
    });
    if manifest_stale {
        let temp = path::temp_path(&manifest_path);
        fs::rename(&temp, &manifest_path).map_err(|e| {
            let _ = fs::remove_file(&temp);
            io_error("E056", "replace", &manifest_path, &e).note("run platc again to finish")
        })?;
        sync_dir(out_dir);
    }
    Ok(Summary {
        created: plan.create.clone(),
        updated: plan.update.clone(),
        deleted,
        unchanged: plan.unchanged.len(),
        edited: plan.edited.clone(),
        forced,
    })
}

/// Everything staged so far, so that a failure can take it all back.
#[derive(Default)]
struct Stage {
    /// (temporary file, target), in the order written.
    temps: Vec<(PathBuf, PathBuf)>,
    /// Folders created, outermost first.
    created_dirs: Vec<PathBuf>,
    /// Folders holding a staged file, to fsync after the renames.
    touched: Vec<PathBuf>,
}

impl Stage {
    /// Makes sure `dir` is a folder, creating it (and missing ancestors) if needed. Below
    /// `out_dir` (`inside` is `Some`), a symlink or a file in the way is an error.
    fn dir(&mut self, dir: &Path, inside: Option<&Path>) -> Result<(), Diagnostic> {
        match fs::symlink_metadata(dir) {
            Ok(meta) if inside.is_some() && meta.file_type().is_symlink() => {
                Err(Diagnostic::error(
                    "E051",
                    format!(
                        "`{}` is a symlink; platc never writes through symlinks",
                        dir.display()
                    ),
                ))
            }
            Ok(_) if dir.is_dir() => Ok(()),
            Ok(_) => Err(Diagnostic::error(
                "E055",
                format!(
                    "cannot create folder `{}`: a file is in the way",
                    dir.display()
                ),
            )),
            Err(e) if e.kind() == ErrorKind::NotFound => {
                if let Some(parent) = dir.parent().filter(|p| !p.as_os_str().is_empty()) {
                    let parent_inside =
                        inside.filter(|out| parent.starts_with(out) && parent != *out);
                    self.dir(parent, parent_inside)?;
                }
                fs::create_dir(dir).map_err(|e| io_error("E055", "create folder", dir, &e))?;
                self.created_dirs.push(dir.to_path_buf());
                Ok(())
            }
            Err(e) => Err(io_error("E052", "inspect", dir, &e)),
        }
    }

    /// Makes sure every folder between `out_dir` and `target` exists and is a real folder.
    fn parents(&mut self, out_dir: &Path, target: &Path) -> Result<(), Diagnostic> {
        let Some(parent) = target.parent() else {
            return Ok(());
        };
        let mut dir = out_dir.to_path_buf();
        if let Ok(rest) = parent.strip_prefix(out_dir) {
            for name in rest.components() {
                dir.push(name);
                self.dir(&dir, Some(out_dir))?;
            }
        }
        if !self.touched.iter().any(|d| d == parent) {
            self.touched.push(parent.to_path_buf());
        }
        Ok(())
    }

    /// Writes `content` to a fresh temporary file beside `target` and fsyncs it.
    fn file(&mut self, target: &Path, content: &str) -> Result<(), Diagnostic> {
        let existing = match fs::symlink_metadata(target) {
            Ok(meta) if meta.is_dir() => {
                return Err(Diagnostic::error(
                    "E055",
                    format!(
                        "cannot write `{}`: a folder is in the way",
                        target.display()
                    ),
                ));
            }
            Ok(meta) => Some(meta),
            Err(_) => None,
        };
        let temp = path::temp_path(target);
        let mut file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&temp)
            .map_err(|e| io_error("E055", "write", &temp, &e))?;
        self.temps.push((temp.clone(), target.to_path_buf()));
        if let Some(meta) = existing.filter(|m| m.is_file()) {
            let _ = file.set_permissions(meta.permissions());
        }
        file.write_all(content.as_bytes())
            .map_err(|e| io_error("E055", "write", &temp, &e))
    }

    /// Flushes every staged file to disk before any rename, so a power loss after a rename never
    /// leaves an empty file. The flushes run on a few threads: each waits on the disk, not the CPU.
    fn sync(&self) -> Result<(), Diagnostic> {
        const WORKERS: usize = 8;
        let chunk = self.temps.len().div_ceil(WORKERS).max(1);
        std::thread::scope(|scope| {
            let handles: Vec<_> = self
                .temps
                .chunks(chunk)
                .map(|part| {
                    scope.spawn(move || {
                        for (temp, _) in part {
                            fs::File::open(temp)
                                .and_then(|f| f.sync_all())
                                .map_err(|e| io_error("E055", "flush", temp, &e))?;
                        }
                        Ok(())
                    })
                })
                .collect();
            handles.into_iter().try_for_each(|h| {
                h.join().unwrap_or_else(|_| {
                    Err(Diagnostic::error(
                        "E055",
                        "a flush to disk failed unexpectedly",
                    ))
                })
            })
        })
    }

    /// Removes every temporary file and created folder.
    fn undo(&mut self) {
        for (temp, _) in self.temps.drain(..) {
            let _ = fs::remove_file(temp);
        }
        for dir in self.created_dirs.drain(..).rev() {
            let _ = fs::remove_dir(dir);
        }
    }
}

/// Removes the folders of `rel` that are now empty, up to but never including `out_dir`.
fn remove_empty_parents(out_dir: &Path, rel: &str) {
    let mut rest = rel;
    while let Some((parent, _)) = rest.rsplit_once('/') {
        if fs::remove_dir(out_dir.join(parent)).is_err() {
            break;
        }
        rest = parent;
    }
}

/// Flushes a folder's entries (the renames) to disk; best effort, and only where supported.
fn sync_dir(dir: &Path) {
    #[cfg(unix)]
    if let Ok(handle) = fs::File::open(dir) {
        let _ = handle.sync_all();
    }
    #[cfg(not(unix))]
    let _ = dir;
}
