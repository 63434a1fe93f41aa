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
//! Crashes: the renames are each atomic but not atomic together. Before staging, platc writes
//! a journal (see [`super::journal`]) naming this run's random token and the manifest it
//! installs; a kill at any point leaves every file wholly old or wholly new, perhaps temporary
//! files carrying the token, and the journal. The next run (under the same lock) adopts files
//! whose hash the manifest or the journal records, deletes the token's temporary files and the
//! folders they emptied, and carries on; only files it can prove it wrote are ever deleted.

use std::collections::{BTreeMap, HashSet};
use std::fmt;
use std::fs::{self, OpenOptions};
use std::io::{ErrorKind, Write};
use std::path::{Path, PathBuf};

use super::io_error;
use super::journal::{self, Interrupted};
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
    /// Whether the manifest was (re)written: with every produced file unchanged, it was missing
    /// or edited.
    pub manifest_written: bool,
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
    if let Some(interrupted) = &plan.interrupted {
        recover(out_dir, plan, interrupted)?;
    }
    let mut writes: Vec<Staged<'_>> = Vec::new();
    for (rels, exists) in [(&plan.create, false), (&plan.update, true)] {
        for rel in rels {
            let content = plan.contents.get(rel).map_or("", String::as_str);
            writes.push((out_dir.join(rel), content, exists));
        }
    }
    let manifest_text = plan.manifest.to_text();
    let manifest_path = out_dir.join(MANIFEST);
    let manifest_stale = fs::read(&manifest_path).ok().as_deref() != Some(manifest_text.as_bytes());

    // With more than the manifest to change, the journal first: from here on a kill is
    // finished by the next run (see `journal`).
    let journaled =
        !(writes.is_empty() && plan.delete.is_empty() && (!force || plan.conflicts.is_empty()));
    let mut stage = Stage::default();
    let staged = stage.dir(out_dir, None).and_then(|()| {
        if journaled {
            journal::write(out_dir, path::token(), &plan.manifest)?;
        }
        stage.files(out_dir, &writes)?;
        if manifest_stale {
            stage.file(&manifest_path, &manifest_text, true)?;
        }
        stage.sync(out_dir)
    });
    if let Err(d) = staged {
        stage.undo();
        if journaled {
            let _ = journal::remove(out_dir);
        }
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
    flush::folders(out_dir, &stage.touched);
    if manifest_stale {
        let temp = path::temp_path(&manifest_path);
        fs::rename(&temp, &manifest_path).map_err(|e| {
            let _ = fs::remove_file(&temp);
            io_error("E056", "replace", &manifest_path, &e).note("run platc again to finish")
        })?;
    }
    if journaled {
        journal::remove(out_dir)?;
    }
    if manifest_stale || journaled {
        flush::folder(out_dir);
    }
    Ok(Summary {
        created: plan.create.clone(),
        updated: plan.update.clone(),
        deleted,
        unchanged: plan.unchanged.len(),
        edited: plan.edited.clone(),
        forced,
        manifest_written: manifest_stale,
    })
}

/// Finishes the run that left a journal: removes its temporary files and the folders they or
/// its deletions emptied, installs the manifest [`super::plan`] merged from the manifest and the
/// journal, then drops the journal. Each step is safe to repeat if this run is killed too; the
/// merged manifest is staged under the dead run's token, which its journal still records.
fn recover(out_dir: &Path, plan: &Plan, interrupted: &Interrupted) -> Result<(), Diagnostic> {
    for rel in &plan.leftovers {
        let target = out_dir.join(rel);
        match fs::remove_file(&target) {
            Ok(()) => remove_empty_parents(out_dir, rel),
            Err(e) if e.kind() == ErrorKind::NotFound => {}
            Err(e) => return Err(io_error("E056", "delete", &target, &e)),
        }
    }
    for rel in &interrupted.paths {
        if fs::symlink_metadata(out_dir.join(rel)).is_err() {
            remove_empty_parents(out_dir, rel);
        }
    }
    if let Some(token) = &interrupted.token {
        let manifest_path = out_dir.join(MANIFEST);
        let text = plan.old_manifest.to_text();
        if fs::read(&manifest_path).ok().as_deref() != Some(text.as_bytes()) {
            let temp = path::temp_path_of(&manifest_path, token);
            let written = fs::write(&temp, &text)
                .and_then(|()| fs::File::open(&temp)?.sync_all())
                .and_then(|()| fs::rename(&temp, &manifest_path));
            if let Err(e) = written {
                let _ = fs::remove_file(&temp);
                return Err(io_error("E056", "replace", &manifest_path, &e));
            }
        }
    }
    journal::remove(out_dir)?;
    flush::folder(out_dir);
    Ok(())
}

/// A file to stage: target, content, and whether the plan found a file there.
type Staged<'a> = (PathBuf, &'a str, bool);

/// Everything staged so far, so that a failure can take it all back.
#[derive(Default)]
struct Stage {
    /// (temporary file, target), in the order written.
    temps: Vec<(PathBuf, PathBuf)>,
    /// Folders created, outermost first.
    created_dirs: Vec<PathBuf>,
    /// Folders whose entries change (they hold a staged file or a created folder), to flush
    /// after the renames; in first-seen order, each once.
    touched: Vec<PathBuf>,
    touched_set: HashSet<PathBuf>,
    /// Folders known to be real folders inside `out_dir`, so each is inspected once.
    known: HashSet<PathBuf>,
}

impl Stage {
    /// Makes sure `dir` is a folder, creating it (and missing ancestors) if needed. Below
    /// `out_dir` (`inside` is `Some`), a symlink or a file in the way is an error. Creating
    /// first and inspecting only what already exists costs one call per new folder.
    fn dir(&mut self, dir: &Path, inside: Option<&Path>) -> Result<(), Diagnostic> {
        match fs::create_dir(dir) {
            Ok(()) => {
                self.created(dir);
                Ok(())
            }
            Err(e) if e.kind() == ErrorKind::AlreadyExists => match fs::symlink_metadata(dir) {
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
                Err(e) => Err(io_error("E052", "inspect", dir, &e)),
            },
            Err(e) if e.kind() == ErrorKind::NotFound => {
                let Some(parent) = dir.parent().filter(|p| !p.as_os_str().is_empty()) else {
                    return Err(io_error("E055", "create folder", dir, &e));
                };
                let parent_inside = inside.filter(|out| parent.starts_with(out) && parent != *out);
                self.dir(parent, parent_inside)?;
                fs::create_dir(dir).map_err(|e| io_error("E055", "create folder", dir, &e))?;
                self.created(dir);
                Ok(())
            }
            Err(e) => Err(io_error("E055", "create folder", dir, &e)),
        }
    }

    /// Makes sure every folder between `out_dir` and `target` exists and is a real folder.
    fn parents(&mut self, out_dir: &Path, target: &Path) -> Result<(), Diagnostic> {
        let Some(parent) = target.parent() else {
            return Ok(());
        };
        if !self.known.contains(parent) {
            let mut dir = out_dir.to_path_buf();
            if let Ok(rest) = parent.strip_prefix(out_dir) {
                for name in rest.components() {
                    dir.push(name);
                    if !self.known.contains(&dir) {
                        self.dir(&dir, Some(out_dir))?;
                        self.known.insert(dir.clone());
                    }
                }
            }
            self.known.insert(parent.to_path_buf());
        }
        self.touch(parent);
        Ok(())
    }

    /// Records a folder this run created; its entry is new in its parent.
    fn created(&mut self, dir: &Path) {
        self.created_dirs.push(dir.to_path_buf());
        if let Some(parent) = dir.parent().filter(|p| !p.as_os_str().is_empty()) {
            self.touch(parent);
        }
    }

    /// Records a folder whose entries change.
    fn touch(&mut self, dir: &Path) {
        if self.touched_set.insert(dir.to_path_buf()) {
            self.touched.push(dir.to_path_buf());
        }
    }

    /// Stages every write, with its folders. Large outputs are split by their first name
    /// below `out_dir` over a few threads: creating files and folders is kernel work that
    /// runs side by side on several cores, and separate subtrees never wait on each other.
    fn files(&mut self, out_dir: &Path, writes: &[Staged<'_>]) -> Result<(), Diagnostic> {
        /// Below this many files, threads cost more than they save.
        const PARALLEL_FROM: usize = 256;
        let workers = std::thread::available_parallelism().map_or(1, |n| n.get().min(4));
        let workers = if writes.len() < PARALLEL_FROM {
            1
        } else {
            workers
        };
        self.files_on(out_dir, writes, workers)
    }

    /// [`Stage::files`] on `workers` threads (1: on this one).
    fn files_on(
        &mut self,
        out_dir: &Path,
        writes: &[Staged<'_>],
        workers: usize,
    ) -> Result<(), Diagnostic> {
        if workers <= 1 {
            return writes.iter().try_for_each(|(target, content, exists)| {
                self.parents(out_dir, target)?;
                self.file(target, content, *exists)
            });
        }
        // Subtrees by size, largest first, each to the least loaded worker.
        let mut subtrees: BTreeMap<&std::ffi::OsStr, Vec<&Staged<'_>>> = BTreeMap::new();
        for write in writes {
            let first = write.0.strip_prefix(out_dir).ok().and_then(|rel| {
                let mut names = rel.components();
                let first = names.next()?;
                names.next().map(|_| first.as_os_str())
            });
            subtrees
                .entry(first.unwrap_or_default())
                .or_default()
                .push(write);
        }
        let mut subtrees: Vec<Vec<&Staged<'_>>> = subtrees.into_values().collect();
        subtrees.sort_by_key(|subtree| std::cmp::Reverse(subtree.len()));
        let mut shares: Vec<Vec<&Staged<'_>>> = vec![Vec::new(); workers];
        for subtree in subtrees {
            if let Some(share) = shares.iter_mut().min_by_key(|share| share.len()) {
                share.extend(subtree);
            }
        }
        let results: Vec<_> = std::thread::scope(|scope| {
            let handles: Vec<_> = shares
                .iter()
                .map(|share| {
                    scope.spawn(move || {
                        let mut stage = Stage::default();
                        // A bug here must still hand back what was staged, for the undo.
                        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                            share.iter().try_for_each(|(target, content, exists)| {
                                stage.parents(out_dir, target)?;
                                stage.file(target, content, *exists)
                            })
                        }))
                        .unwrap_or_else(|_| {
                            Err(Diagnostic::error(
                                "E099",
                                "internal error while writing files",
                            ))
                        });
                        (stage, result)
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join()).collect()
        });
        let mut first_error = None;
        for joined in results {
            let Ok((stage, result)) = joined else {
                first_error.get_or_insert_with(|| {
                    Diagnostic::error("E055", "writing a file failed unexpectedly")
                });
                continue;
            };
            self.temps.extend(stage.temps);
            self.created_dirs.extend(stage.created_dirs);
            for dir in &stage.touched {
                self.touch(dir);
            }
            if let Err(d) = result {
                first_error.get_or_insert(d);
            }
        }
        first_error.map_or(Ok(()), Err)
    }

    /// Writes `content` to a fresh temporary file beside `target`. When `exists` (the plan saw
    /// a file there), the temporary file takes over its permissions.
    fn file(&mut self, target: &Path, content: &str, exists: bool) -> Result<(), Diagnostic> {
        let existing = match exists.then(|| fs::symlink_metadata(target)) {
            None => None,
            Some(Ok(meta)) if meta.is_dir() => {
                return Err(Diagnostic::error(
                    "E055",
                    format!(
                        "cannot write `{}`: a folder is in the way",
                        target.display()
                    ),
                ));
            }
            Some(Ok(meta)) => Some(meta),
            Some(Err(_)) => None,
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
    /// leaves an empty file.
    fn sync(&self, out_dir: &Path) -> Result<(), Diagnostic> {
        let temps: Vec<&Path> = self.temps.iter().map(|(temp, _)| temp.as_path()).collect();
        flush::files(out_dir, &temps)
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

/// Getting staged work onto the disk.
///
/// A flush waits on the device, not the CPU, and its cost is mostly one cache flush per call.
/// A few files are flushed one by one on several threads; past [`flush::BATCH`] files, Linux
/// flushes the whole file system once with `syncfs(2)`, which costs one device flush instead
/// of thousands (at 4 000 files: about 1.6 s of per-file flushes on the benchmark machine).
/// The price of `syncfs` is that it also writes other programs' pending data on the same file
/// system, which is why small outputs keep per-file flushes.
mod flush {
    use std::fs;
    use std::path::{Path, PathBuf};

    use super::io_error;
    use crate::diagnostic::Diagnostic;

    /// From this many paths on, one file-system flush replaces per-path flushes (Linux only).
    pub const BATCH: usize = 8;
    /// Threads for per-path flushes.
    const WORKERS: usize = 8;

    /// Makes the contents of the files at `paths` durable.
    pub fn files(out_dir: &Path, paths: &[&Path]) -> Result<(), Diagnostic> {
        if paths.len() >= BATCH && whole_file_system(out_dir).is_ok() {
            return Ok(());
        }
        each(paths, |path| {
            fs::File::open(path)
                .and_then(|f| f.sync_all())
                .map_err(|e| io_error("E055", "flush", path, &e))
        })
    }

    /// Makes the entries of `dirs` (the renames into them) durable; best effort, since a
    /// folder flush is not supported everywhere and the files themselves are already safe.
    pub fn folders(out_dir: &Path, dirs: &[PathBuf]) {
        if dirs.len() >= BATCH && whole_file_system(out_dir).is_ok() {
            return;
        }
        let dirs: Vec<&Path> = dirs.iter().map(PathBuf::as_path).collect();
        let _ = each(&dirs, |dir| {
            folder(dir);
            Ok(())
        });
    }

    /// Flushes one folder's entries; best effort.
    pub fn folder(dir: &Path) {
        #[cfg(unix)]
        if let Ok(handle) = fs::File::open(dir) {
            let _ = handle.sync_all();
        }
        #[cfg(not(unix))]
        let _ = dir;
    }

    /// Runs `flush` on every path, on up to [`WORKERS`] threads; the first error wins.
    fn each(
        paths: &[&Path],
        flush: impl Fn(&Path) -> Result<(), Diagnostic> + Sync,
    ) -> Result<(), Diagnostic> {
        let chunk = paths.len().div_ceil(WORKERS).max(1);
        let flush = &flush;
        std::thread::scope(|scope| {
            let handles: Vec<_> = paths
                .chunks(chunk)
                .map(|part| scope.spawn(move || part.iter().try_for_each(|p| flush(p))))
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

    /// Flushes the whole file system holding `dir`, where the platform can.
    #[cfg(target_os = "linux")]
    fn whole_file_system(dir: &Path) -> std::io::Result<()> {
        let handle = fs::File::open(dir)?;
        rustix::fs::syncfs(&handle)?;
        Ok(())
    }

    #[cfg(not(target_os = "linux"))]
    fn whole_file_system(_dir: &Path) -> std::io::Result<()> {
        Err(std::io::ErrorKind::Unsupported.into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn staged<'a>(out: &Path, rels: &[&str], content: &'a str) -> Vec<Staged<'a>> {
        rels.iter().map(|r| (out.join(r), content, false)).collect()
    }

    /// Every folder whose entries change is flushed: the folder of each file, and the parent of
    /// each folder created, however the files are ordered.
    #[test]
    fn every_changed_folder_is_flushed() {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("out");
        // Folders that exist: only the files' renames change them.
        fs::create_dir_all(out.join("a/b")).unwrap();
        let mut stage = Stage::default();
        stage.dir(&out, None).unwrap();
        let writes = staged(&out, &["a/b/x", "a/y", "c"], "1\n");
        stage.files_on(&out, &writes, 1).unwrap();
        let touched: HashSet<&Path> = stage.touched.iter().map(PathBuf::as_path).collect();
        for dir in [&out, &out.join("a"), &out.join("a/b")] {
            assert!(
                touched.contains(dir.as_path()),
                "{} not flushed: {touched:?}",
                dir.display()
            );
        }
        assert_eq!(stage.touched.len(), touched.len(), "flushed twice");
        stage.undo();
        // Folders that are created: their parents' entries change too.
        let fresh = tmp.path().join("fresh");
        let mut stage = Stage::default();
        stage.dir(&fresh, None).unwrap();
        stage
            .files_on(&fresh, &staged(&fresh, &["d/e/x"], "1\n"), 1)
            .unwrap();
        let touched: HashSet<&Path> = stage.touched.iter().map(PathBuf::as_path).collect();
        for dir in [tmp.path(), &fresh, &fresh.join("d"), &fresh.join("d/e")] {
            assert!(
                touched.contains(dir),
                "{} not flushed: {touched:?}",
                dir.display()
            );
        }
        stage.undo();
    }

    /// On several threads, a failure in one subtree takes back what every worker staged.
    #[test]
    fn a_failing_worker_leaves_nothing_behind() {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("out");
        fs::create_dir(&out).unwrap();
        fs::write(out.join("s3"), "in the way\n").unwrap();
        let rels: Vec<String> = (0..6)
            .flat_map(|s| (0..4).map(move |f| format!("s{s}/f{f}")))
            .collect();
        let rels: Vec<&str> = rels.iter().map(String::as_str).collect();
        let writes = staged(&out, &rels, "1\n");
        let mut stage = Stage::default();
        let err = stage.files_on(&out, &writes, 3).unwrap_err();
        assert_eq!(err.code, "E055");
        stage.undo();
        let left: Vec<String> = fs::read_dir(&out)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(left, ["s3"], "a worker's files or folders were left behind");
    }
}
