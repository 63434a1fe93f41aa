//! `platc schema --write PATH`: the editor schema written atomically, only inside the work tree
//! platc runs in (the git work tree holding the current folder, or the current folder itself).

use std::fs::{self, OpenOptions};
use std::io::Write as _;
use std::path::{Path, PathBuf};

use super::{io_error, path};
use crate::diagnostic::Diagnostic;

/// Writes `text` to `target` unless it already holds exactly that; `Ok(true)` when it wrote.
/// Refuses (E050) a target whose folder resolves outside the work tree of `cwd`, and (E051) a
/// target that is a symlink or not a regular file. Missing folders are created.
pub fn write(cwd: &Path, target: &Path, text: &str) -> Result<bool, Diagnostic> {
    let root = work_tree(cwd).map_err(|e| io_error("E052", "resolve", cwd, &e))?;
    let full = cwd.join(target);
    if full.file_name().is_none() || target.as_os_str().is_empty() {
        return Err(Diagnostic::error(
            "E050",
            format!("`{}` is not a file path", target.display()),
        )
        .help("name a file, such as `schema/platform.schema.json`"));
    }
    let existing = full
        .ancestors()
        .skip(1)
        .find(|dir| dir.exists())
        .unwrap_or(cwd);
    let resolved = existing
        .canonicalize()
        .map_err(|e| io_error("E052", "resolve", existing, &e))?;
    if !resolved.starts_with(&root) {
        return Err(Diagnostic::error(
            "E050",
            format!(
                "`{}` is outside the work tree `{}`",
                target.display(),
                root.display()
            ),
        )
        .note("nothing was written")
        .help("write the schema inside the repository that commits the spec"));
    }
    match fs::symlink_metadata(&full) {
        Ok(meta) if !meta.is_file() => {
            let kind = if meta.file_type().is_symlink() {
                "a symlink"
            } else if meta.is_dir() {
                "a folder"
            } else {
                "not a regular file"
            };
            return Err(
                Diagnostic::error("E051", format!("`{}` is {kind}", target.display()))
                    .note("nothing was written")
                    .help("remove it, or name another path"),
            );
        }
        Ok(_) if fs::read(&full).is_ok_and(|b| b == text.as_bytes()) => return Ok(false),
        _ => {}
    }
    if let Some(parent) = full.parent() {
        fs::create_dir_all(parent).map_err(|e| io_error("E055", "create", parent, &e))?;
    }
    let temp = path::temp_path(&full);
    let staged = (|| {
        let mut file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&temp)?;
        file.write_all(text.as_bytes())?;
        file.sync_all()
    })();
    if let Err(e) = staged {
        let _ = fs::remove_file(&temp);
        return Err(io_error("E055", "write", &temp, &e));
    }
    if let Err(e) = fs::rename(&temp, &full) {
        let _ = fs::remove_file(&temp);
        return Err(io_error("E056", "rename", &full, &e));
    }
    Ok(true)
}

/// The top of the git work tree holding `dir`, or `dir` outside one. Canonical.
fn work_tree(dir: &Path) -> std::io::Result<PathBuf> {
    let dir = dir.canonicalize()?;
    Ok(dir
        .ancestors()
        .find(|d| d.join(".git").exists())
        .unwrap_or(&dir)
        .to_path_buf())
}
