//! The generation journal: how a compile killed at any point is finished by the next one.
//!
//! Before [`super::apply`] stages anything it writes `out/.platc-journal.json`: the random token
//! its temporary files carry and the manifest it is about to install. The manifest replaces
//! the journal's role only once it is renamed into place, after which the journal is removed.
//! So while a journal exists, a file in `out/` is platc's exactly when its content hashes to
//! what the manifest on disk or the journal records for its path, and a temporary file is
//! platc's exactly when its name ends in the journal's token. [`owned`] works that out without
//! writing; `apply` then removes the dead run's temporary files and the folders they emptied,
//! installs the merged manifest and drops the journal before doing its own work, so old and new
//! files of an interrupted run are adopted or deleted, never refused.
//!
//! A journal that does not parse was cut short while being written: its run had staged
//! nothing yet (staging starts after the journal is flushed), so it is simply removed.

use std::collections::BTreeMap;
use std::fs;
use std::io::{ErrorKind, Write};
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::io_error;
use super::manifest::{MANIFEST, Manifest, sha256_hex};
use super::path::{self, Entry};
use crate::diagnostic::Diagnostic;

/// File name of the journal, directly under the output folder.
pub const JOURNAL: &str = ".platc-journal.json";

/// What a run records before it changes anything.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Journal {
    /// Format version, [`super::manifest::VERSION`].
    pub version: u32,
    /// The random token in the names of the run's temporary files.
    pub token: String,
    /// The manifest the run installs last: relative path → SHA-256 hex.
    pub files: BTreeMap<String, String>,
}

/// An interrupted run found on disk.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Interrupted {
    /// Its token, when its journal was whole.
    pub token: Option<String>,
    /// Every path it or the manifest before it knew, for removing emptied folders.
    pub paths: Vec<String>,
}

/// Which files in `out/` platc owns, with an interrupted run taken into account.
#[derive(Debug, Clone, Default)]
pub struct Owned {
    /// The manifest to plan against: on-disk manifest, plus what the journal proves.
    pub manifest: Manifest,
    /// The run that left a journal, if any.
    pub interrupted: Option<Interrupted>,
}

/// Works out what platc owns in `out_dir`. Reads only.
pub fn owned(out_dir: &Path) -> Result<Owned, Diagnostic> {
    let disk = Manifest::load(out_dir)?;
    for rel in disk.files.keys() {
        path::validate(rel).map_err(|d| bad_path(MANIFEST, &d))?;
    }
    let journal_path = out_dir.join(JOURNAL);
    let text = match fs::read_to_string(&journal_path) {
        Ok(text) => text,
        Err(e) if e.kind() == ErrorKind::NotFound => {
            return Ok(Owned {
                manifest: disk,
                interrupted: None,
            });
        }
        Err(e) if e.kind() == ErrorKind::InvalidData => String::new(),
        Err(e) => return Err(io_error("E052", "read", &journal_path, &e)),
    };
    let Ok(journal) = serde_json::from_str::<Journal>(&text) else {
        let paths = disk.files.keys().cloned().collect();
        return Ok(Owned {
            manifest: disk,
            interrupted: Some(Interrupted { token: None, paths }),
        });
    };
    for rel in journal.files.keys() {
        path::validate(rel).map_err(|d| bad_path(JOURNAL, &d))?;
    }
    if !path::is_token(&journal.token) {
        return Err(Diagnostic::error(
            "E053",
            format!("`{}` holds a bad token", journal_path.display()),
        ));
    }
    let mut paths: Vec<String> = disk
        .files
        .keys()
        .chain(journal.files.keys())
        .cloned()
        .collect();
    paths.sort();
    paths.dedup();
    let mut merged = BTreeMap::new();
    let mut disk_inspector = path::Inspector::new(out_dir);
    for rel in &paths {
        let Entry::File(bytes) = disk_inspector.inspect(rel)? else {
            continue;
        };
        let hash = sha256_hex(&bytes);
        let known = [disk.files.get(rel), journal.files.get(rel)];
        if known.contains(&Some(&hash)) {
            merged.insert(rel.clone(), hash);
        } else if let Some(recorded) = disk.files.get(rel) {
            // Edited by hand since platc wrote it: still platc's, reported as edited.
            merged.insert(rel.clone(), recorded.clone());
        }
    }
    Ok(Owned {
        manifest: Manifest {
            version: disk.version,
            files: merged,
        },
        interrupted: Some(Interrupted {
            token: Some(journal.token),
            paths,
        }),
    })
}

fn bad_path(file: &str, d: &Diagnostic) -> Diagnostic {
    Diagnostic::error("E053", format!("`{file}` lists a bad path: {}", d.message))
}

/// Writes the journal for a run with `token` about to install `manifest`, and flushes it.
/// Created exclusively: a journal already there means another writer, which the lock rules out.
pub fn write(out_dir: &Path, token: &str, manifest: &Manifest) -> Result<(), Diagnostic> {
    let journal = Journal {
        version: manifest.version,
        token: token.to_owned(),
        files: manifest.files.clone(),
    };
    let mut text = serde_json::to_string_pretty(&journal).unwrap_or_default();
    text.push('\n');
    let path = out_dir.join(JOURNAL);
    let mut file = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&path)
        .map_err(|e| io_error("E055", "write", &path, &e))?;
    file.write_all(text.as_bytes())
        .and_then(|()| file.sync_all())
        .map_err(|e| io_error("E055", "write", &path, &e))
}

/// Removes the journal; absent is fine.
pub fn remove(out_dir: &Path) -> Result<(), Diagnostic> {
    let path = out_dir.join(JOURNAL);
    match fs::remove_file(&path) {
        Err(e) if e.kind() != ErrorKind::NotFound => Err(io_error("E056", "delete", &path, &e)),
        _ => Ok(()),
    }
}
