//! Emit: the only stage that touches the disk. Compares an [`OutputTree`] with `out/`, writes it
//! atomically, shows what would change, and commits platc's own files to git.
//!
//! platc owns exactly the files listed in `out/.platc-manifest.json` ([`manifest`]); anything
//! else in `out/` is foreign and left alone. The flow is [`plan`] (read only) then [`apply`];
//! [`diff`] and [`check`] report without writing; [`unified`], [`stat`] and [`markdown`] render
//! the differences; [`commit`] records the result with the `git` command line.
//!
//! Error codes: E050 bad output path, E051 symlink or non-file in the way, E052 read failed,
//! E053 bad manifest, E054 conflicts, E055 write failed, E056 rename or delete failed,
//! E057 git failed, E061 output folder locked by another platc (E059, the spec changing mid-compile, is raised by the caller).
//!
//! [`OutputTree`]: crate::render::OutputTree

pub mod create;
mod diff;
mod format;
mod git;
pub mod journal;
mod lock;
pub mod manifest;
mod path;
mod plan;
pub mod schema_file;
mod write;

pub use crate::secret::{mask_secrets, star_secrets};
pub use create::create_new;
pub use diff::{DiffKind, FileDiff, check, diff, plan_diffs};
pub use format::{Change, changes, markdown, out_name, stat, unified};
pub use git::{check_committable, commit, is_tracked};
pub use journal::JOURNAL;
pub use lock::{Lock, exclusive, shared};
pub use manifest::{MANIFEST, Manifest};
pub use path::token;
pub use plan::{Conflict, ConflictKind, Plan, plan};
pub use write::{Summary, apply};

use std::path::Path;

use crate::diagnostic::Diagnostic;

/// An I/O error as a diagnostic that names the path and the OS error.
fn io_error(code: &str, action: &str, path: &Path, err: &std::io::Error) -> Diagnostic {
    Diagnostic::error(code, format!("cannot {action} `{}`: {err}", path.display()))
}
