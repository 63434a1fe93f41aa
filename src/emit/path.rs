//! Output paths: validation of relative paths and a look at the disk that never follows symlinks.

use std::collections::HashMap;
use std::io::ErrorKind;
use std::path::{Path, PathBuf};

use super::io_error;
use super::manifest::MANIFEST;
use crate::diagnostic::Diagnostic;

/// Marker in the names of temporary files (`.<name>.platc-tmp-<pid>`).
const TMP_MARKER: &str = ".platc-tmp-";

/// What is on disk at an output path.
#[derive(Debug)]
pub enum Entry {
    /// Nothing, or a parent folder is missing.
    Missing,
    /// A regular file with these bytes.
    File(Vec<u8>),
}

/// Checks that `rel` is a plain relative path of `/`-separated names inside the output folder.
pub fn validate(rel: &str) -> Result<(), Diagnostic> {
    let bad = |why: &str| {
        Err(Diagnostic::error(
            "E050",
            format!("output path `{rel}` {why}"),
        ))
    };
    if rel.is_empty() {
        return bad("is empty");
    }
    if rel.starts_with('/') || Path::new(rel).is_absolute() {
        return bad("is absolute; output paths are relative to the output folder");
    }
    if rel.contains(['\\', '\0']) {
        return bad("contains a backslash or NUL; use `/` between names");
    }
    for name in rel.split('/') {
        match name {
            "" => return bad("has an empty name (`//` or a trailing `/`)"),
            "." | ".." => return bad("contains `.` or `..`"),
            _ if name.contains(TMP_MARKER) => {
                return bad("uses a name reserved for temporary files");
            }
            _ => {}
        }
    }
    if rel == MANIFEST {
        return bad("is reserved for platc's manifest");
    }
    Ok(())
}

/// The temporary file next to `target` that [`super::apply`] stages into.
pub fn temp_path(target: &Path) -> PathBuf {
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    static PID: std::sync::OnceLock<u32> = std::sync::OnceLock::new();
    let pid = PID.get_or_init(std::process::id);
    target.with_file_name(format!(".{name}{TMP_MARKER}{pid}"))
}

/// Whether a file name is one of platc's temporary files, left behind by a crash.
pub fn is_temp_name(name: &str) -> bool {
    name.starts_with('.')
        && name
            .rsplit_once(TMP_MARKER)
            .is_some_and(|(_, pid)| !pid.is_empty() && pid.bytes().all(|b| b.is_ascii_digit()))
}

/// Looks at files below one output folder without following any symlink, inspecting each
/// folder on the way once however many files it holds.
pub struct Inspector<'a> {
    out_dir: &'a Path,
    /// Folders already inspected (relative, without a trailing `/`): `true` when it is a real
    /// folder, `false` when it is missing.
    folders: HashMap<String, bool>,
}

impl<'a> Inspector<'a> {
    pub fn new(out_dir: &'a Path) -> Self {
        Inspector {
            out_dir,
            folders: HashMap::new(),
        }
    }

    /// Looks at `out_dir/rel`.
    ///
    /// A symlink anywhere on the way, a file where a folder must be, or a folder (or other
    /// non-file) at the path itself is an error: platc never writes through or over those.
    pub fn inspect(&mut self, rel: &str) -> Result<Entry, Diagnostic> {
        let mut end = 0;
        while let Some(slash) = rel[end..].find('/') {
            end += slash;
            let folder = &rel[..end];
            let exists = match self.folders.get(folder) {
                Some(&exists) => exists,
                None => {
                    let exists = self.look(folder, rel, false)?;
                    self.folders.insert(folder.to_owned(), exists);
                    exists
                }
            };
            if !exists {
                return Ok(Entry::Missing);
            }
            end += 1;
        }
        if !self.look(rel, rel, true)? {
            return Ok(Entry::Missing);
        }
        let path = self.out_dir.join(rel);
        std::fs::read(&path)
            .map(Entry::File)
            .map_err(|e| io_error("E052", "read", &path, &e))
    }

    /// Whether `out_dir/sub` exists as what `rel` needs there: a regular file when `last`, a
    /// real folder otherwise.
    fn look(&self, sub: &str, rel: &str, last: bool) -> Result<bool, Diagnostic> {
        let path = self.out_dir.join(sub);
        let meta = match std::fs::symlink_metadata(&path) {
            Ok(meta) => meta,
            Err(e) if e.kind() == ErrorKind::NotFound => return Ok(false),
            Err(e) => return Err(io_error("E052", "inspect", &path, &e)),
        };
        if meta.file_type().is_symlink() {
            return Err(in_the_way(
                &path,
                "is a symlink; platc never writes through symlinks",
            ));
        }
        if !last && !meta.is_dir() {
            return Err(in_the_way(
                &path,
                &format!("is a file, but `{rel}` needs a folder there"),
            ));
        }
        if last && !meta.is_file() {
            return Err(in_the_way(&path, "is not a regular file"));
        }
        Ok(true)
    }
}

fn in_the_way(path: &Path, why: &str) -> Diagnostic {
    Diagnostic::error("E051", format!("`{}` {why}", path.display()))
        .help("move it out of the output folder, then run platc again")
}

/// Every leftover temporary file under `out_dir`, as relative paths; symlinks are not followed.
pub fn leftover_temps(out_dir: &Path) -> Result<Vec<String>, Diagnostic> {
    let mut found = Vec::new();
    let mut stack = vec![(out_dir.to_path_buf(), String::new())];
    while let Some((dir, prefix)) = stack.pop() {
        let entries = match std::fs::read_dir(&dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == ErrorKind::NotFound => continue,
            Err(e) => return Err(io_error("E052", "list", &dir, &e)),
        };
        for entry in entries {
            let entry = entry.map_err(|e| io_error("E052", "list", &dir, &e))?;
            let name = entry.file_name().to_string_lossy().into_owned();
            let kind = entry
                .file_type()
                .map_err(|e| io_error("E052", "inspect", &entry.path(), &e))?;
            let rel = format!("{prefix}{name}");
            if kind.is_dir() {
                stack.push((entry.path(), format!("{rel}/")));
            } else if kind.is_file() && is_temp_name(&name) {
                found.push(rel);
            }
        }
    }
    found.sort();
    Ok(found)
}
