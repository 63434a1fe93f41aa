//! Creating new files that must not exist yet (`platc init`): all or nothing, never overwrite.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use crate::diagnostic::Diagnostic;

/// Writes each file under `root`, creating folders. Refuses (writing nothing) when any of them
/// exists; a file that appears meanwhile is still never replaced (`create_new`).
pub fn create_new(root: &Path, files: &[(PathBuf, String)]) -> Result<(), Diagnostic> {
    let existing: Vec<String> = files
        .iter()
        .filter(|(path, _)| root.join(path).symlink_metadata().is_ok())
        .map(|(path, _)| path.display().to_string())
        .collect();
    if !existing.is_empty() {
        return Err(Diagnostic::error(
            "E063",
            format!(
                "{} already exist{}: platc init never overwrites",
                existing.join(", "),
                if existing.len() == 1 { "s" } else { "" }
            ),
        )
        .note("nothing was written")
        .help("move them aside, or run `platc init --dir NEW_FOLDER`"));
    }
    for (path, text) in files {
        let full = root.join(path);
        let fail = |e: std::io::Error| {
            Diagnostic::error("E063", format!("cannot write {}: {e}", full.display()))
        };
        if let Some(parent) = full.parent() {
            std::fs::create_dir_all(parent).map_err(fail)?;
        }
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&full)
            .map_err(fail)?;
        file.write_all(text.as_bytes()).map_err(fail)?;
        file.sync_all().map_err(fail)?;
    }
    Ok(())
}
