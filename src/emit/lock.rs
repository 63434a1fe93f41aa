//! One writer per output folder: `flock(2)` on the folder itself (no lock file to leave behind
//! or commit). `compile` holds it exclusively from planning to the last rename; `diff` and
//! `check` hold it shared, so they never read a half-applied tree. A second writer waits,
//! saying so once, and gives up with E061 after [`WAIT`] (`PLATC_LOCK_TIMEOUT` seconds
//! overrides it); the kernel drops the lock when a process dies, so a killed compile never
//! leaves it held.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use super::io_error;
use crate::diagnostic::Diagnostic;

/// How long a writer waits for another by default.
pub const WAIT: Duration = Duration::from_secs(120);

/// A held lock; released on drop. Folders created to hold it are removed again if still empty.
#[derive(Debug)]
pub struct Lock {
    _handle: Option<fs::File>,
    created: Vec<PathBuf>,
}

impl Drop for Lock {
    fn drop(&mut self) {
        for dir in self.created.iter().rev() {
            if fs::remove_dir(dir).is_err() {
                break;
            }
        }
    }
}

/// Locks `out_dir` for writing, creating it (and missing parents) if needed. `waiting` is
/// called once when another process holds the lock.
pub fn exclusive(out_dir: &Path, waiting: impl FnOnce(&str)) -> Result<Lock, Diagnostic> {
    let mut created = Vec::new();
    let mut missing = out_dir;
    while fs::symlink_metadata(missing).is_err() {
        created.push(missing.to_path_buf());
        match missing.parent().filter(|p| !p.as_os_str().is_empty()) {
            Some(parent) => missing = parent,
            None => break,
        }
    }
    created.reverse();
    let mut lock = Lock {
        _handle: None,
        created: Vec::new(),
    };
    for dir in created {
        match fs::create_dir(&dir) {
            Ok(()) => lock.created.push(dir),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(io_error("E055", "create folder", &dir, &e)),
        }
    }
    let handle = open(out_dir)?;
    let wait = std::env::var("PLATC_LOCK_TIMEOUT")
        .ok()
        .and_then(|s| s.parse().ok())
        .map_or(WAIT, Duration::from_secs);
    acquire(&handle, out_dir, true, wait, waiting)?;
    lock._handle = Some(handle);
    Ok(lock)
}

/// Locks an existing `out_dir` for reading; a missing folder needs no lock.
pub fn shared(out_dir: &Path) -> Result<Lock, Diagnostic> {
    let mut lock = Lock {
        _handle: None,
        created: Vec::new(),
    };
    if !out_dir.is_dir() {
        return Ok(lock);
    }
    let handle = open(out_dir)?;
    acquire(&handle, out_dir, false, WAIT, |_| {})?;
    lock._handle = Some(handle);
    Ok(lock)
}

fn open(out_dir: &Path) -> Result<fs::File, Diagnostic> {
    fs::File::open(out_dir).map_err(|e| io_error("E052", "open", out_dir, &e))
}

#[cfg(target_os = "linux")]
fn acquire(
    handle: &fs::File,
    out_dir: &Path,
    exclusive: bool,
    wait: Duration,
    waiting: impl FnOnce(&str),
) -> Result<(), Diagnostic> {
    use rustix::fs::{FlockOperation, flock};
    let op = if exclusive {
        FlockOperation::NonBlockingLockExclusive
    } else {
        FlockOperation::NonBlockingLockShared
    };
    let started = Instant::now();
    let mut waiting = Some(waiting);
    loop {
        match flock(handle, op) {
            Ok(()) => return Ok(()),
            Err(rustix::io::Errno::WOULDBLOCK | rustix::io::Errno::INTR) => {}
            Err(e) => return Err(io_error("E061", "lock", out_dir, &e.into())),
        }
        if started.elapsed() >= wait {
            return Err(Diagnostic::error(
                "E061",
                format!(
                    "another platc has been writing `{}` for {} s; nothing was written",
                    out_dir.display(),
                    wait.as_secs()
                ),
            )
            .help(
                "wait for it to finish and run again (PLATC_LOCK_TIMEOUT=SECONDS waits longer)",
            ));
        }
        if let Some(say) = waiting.take() {
            say(&format!(
                "waiting for another platc writing `{}`…",
                out_dir.display()
            ));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Elsewhere there is no lock; the journal still makes a crash recoverable.
#[cfg(not(target_os = "linux"))]
fn acquire(
    _handle: &fs::File,
    _out_dir: &Path,
    _exclusive: bool,
    _wait: Duration,
    _waiting: impl FnOnce(&str),
) -> Result<(), Diagnostic> {
    Ok(())
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;

    #[test]
    fn a_second_writer_times_out_and_a_created_folder_is_removed() {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("a/out");
        let first = exclusive(&out, |_| {}).unwrap();
        assert!(out.is_dir());
        let handle = open(&out).unwrap();
        let mut said = String::new();
        let err = acquire(&handle, &out, true, Duration::from_millis(50), |s| {
            said = s.to_owned()
        })
        .unwrap_err();
        assert_eq!(err.code, "E061");
        assert!(said.contains("waiting"), "{said}");
        assert!(acquire(&handle, &out, false, Duration::ZERO, |_| {}).is_err());
        drop(first);
        assert!(!tmp.path().join("a").exists(), "empty folders left behind");
    }
}
