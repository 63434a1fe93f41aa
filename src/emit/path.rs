//! Output paths: validation of relative paths and a look at the disk that never follows symlinks.

use std::collections::HashMap;
use std::io::ErrorKind;
use std::path::{Path, PathBuf};

use super::io_error;
use super::manifest::MANIFEST;
use crate::diagnostic::Diagnostic;

/// Marker in the names of temporary files (`.<name>.platc-tmp-<token>`).
const TMP_MARKER: &str = ".platc-tmp-";

/// Hex digits in a run's token.
const TOKEN_LEN: usize = 32;

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
    if rel == MANIFEST || rel == super::journal::JOURNAL {
        return bad("is reserved for platc's manifest and journal");
    }
    Ok(())
}

/// This run's random token (128 bits, hex): its temporary files carry it, and the journal
/// records it, so a later run can tell them from a user's files that merely look alike.
pub fn token() -> &'static str {
    use std::hash::{BuildHasher, Hasher};
    static TOKEN: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    TOKEN.get_or_init(|| {
        // `RandomState` is seeded from the operating system's random source.
        let half = |salt: u64| {
            let mut h = std::collections::hash_map::RandomState::new().build_hasher();
            h.write_u64(salt);
            h.write_u32(std::process::id());
            h.finish()
        };
        let first = half(0);
        format!("{first:016x}{:016x}", half(first))
    })
}

/// Whether `s` has the shape of a token.
pub fn is_token(s: &str) -> bool {
    s.len() == TOKEN_LEN && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// The temporary file next to `target` that [`super::apply`] stages into.
pub fn temp_path(target: &Path) -> PathBuf {
    temp_path_of(target, token())
}

/// The temporary file next to `target` for the run with `token`.
pub fn temp_path_of(target: &Path, token: &str) -> PathBuf {
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    target.with_file_name(format!(".{name}{TMP_MARKER}{token}"))
}

/// Whether a file name is a temporary file of the run with `token`.
pub fn is_temp_of(name: &str, token: &str) -> bool {
    name.starts_with('.')
        && name
            .strip_suffix(token)
            .is_some_and(|rest| rest.ends_with(TMP_MARKER))
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

/// Every temporary file of the run with `token` under `out_dir`, as relative paths; symlinks
/// are not followed.
pub fn leftover_temps(out_dir: &Path, token: &str) -> Result<Vec<String>, Diagnostic> {
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
            } else if kind.is_file() && is_temp_of(&name, token) {
                found.push(rel);
            }
        }
    }
    found.sort();
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn temporary_files_are_recognised_by_their_token_only() {
        let token = token();
        assert!(is_token(token), "{token}");
        let ours = temp_path(Path::new("out/a/values.yaml"));
        let name = ours.file_name().unwrap().to_str().unwrap();
        assert!(is_temp_of(name, token), "{name}");
        for user in [
            ".values.yaml.platc-tmp-1234",
            ".values.yaml.platc-tmp-",
            "values.yaml.platc-tmp-0123456789abcdef0123456789abcdef",
            &format!(".values.yaml.platc-tmp-{}", "0".repeat(32)),
        ] {
            assert!(!is_temp_of(user, token), "{user}");
        }
    }
}
