//! The manifest: which files in `out/` platc owns, with the SHA-256 of what it wrote.
//!
//! Format (`out/.platc-manifest.json`, pretty JSON, keys sorted, trailing newline):
//! `{"version": 1, "files": {"<relative path>": "<sha256 hex>", ...}}`.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::io_error;
use crate::diagnostic::Diagnostic;

/// File name of the manifest, directly under the output folder.
pub const MANIFEST: &str = ".platc-manifest.json";

/// The manifest format version this platc reads and writes.
pub const VERSION: u32 = 1;

/// What platc owns in `out/`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// Format version, [`VERSION`].
    pub version: u32,
    /// Relative path → lowercase SHA-256 hex of the content platc wrote.
    pub files: BTreeMap<String, String>,
}

impl Manifest {
    /// A manifest of the given files and contents.
    pub fn of<'a>(files: impl IntoIterator<Item = (&'a String, &'a String)>) -> Self {
        let files = files
            .into_iter()
            .map(|(path, content)| (path.clone(), sha256_hex(content.as_bytes())))
            .collect();
        Self {
            version: VERSION,
            files,
        }
    }

    /// Reads the manifest in `out_dir`; an absent manifest is an empty one.
    pub fn load(out_dir: &Path) -> Result<Self, Diagnostic> {
        let path = out_dir.join(MANIFEST);
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Self::empty()),
            Err(e) => return Err(io_error("E052", "read", &path, &e)),
        };
        Self::parse(&text).map_err(|message| {
            Diagnostic::error("E053", format!("`{}` {message}", path.display()))
                .help(format!("restore it from git, or delete it to let platc treat every file in `{}` as foreign", out_dir.display()))
        })
    }

    /// Parses manifest text, checking the version.
    pub fn parse(text: &str) -> Result<Self, String> {
        let manifest: Self = serde_json::from_str(text)
            .map_err(|e| format!("is not a valid platc manifest: {e}"))?;
        if manifest.version != VERSION {
            return Err(format!(
                "has version {}, this platc reads version {VERSION}",
                manifest.version
            ));
        }
        Ok(manifest)
    }

    /// The manifest as written to disk: same manifest, same bytes.
    pub fn to_text(&self) -> String {
        let mut text = serde_json::to_string_pretty(self).unwrap_or_default();
        text.push('\n');
        text
    }

    fn empty() -> Self {
        Self {
            version: VERSION,
            files: BTreeMap::new(),
        }
    }
}

/// Lowercase hex SHA-256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let digest = Sha256::digest(bytes);
    let mut hex = String::with_capacity(64);
    for byte in &digest {
        hex.push(char::from(HEX[usize::from(byte >> 4)]));
        hex.push(char::from(HEX[usize::from(byte & 0x0f)]));
    }
    hex
}
