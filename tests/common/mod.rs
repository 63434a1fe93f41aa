//! Helpers shared by the integration tests: the bundled spec, a project folder holding a spec,
//! and running the `platc` binary.
//!
//! Each test binary includes this with `mod common;` and uses what it needs.

#![allow(dead_code)]

pub mod prometheus;

use std::path::{Path, PathBuf};
use std::process::Output;

use assert_cmd::Command;
use tempfile::TempDir;

/// The crate's root folder (`CARGO_MANIFEST_DIR`).
pub fn crate_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The path of the bundled spec, `platform.yaml` at the crate's root.
pub fn bundled_spec() -> PathBuf {
    crate_dir().join("platform.yaml")
}

/// The text of the bundled spec.
pub fn bundled() -> String {
    std::fs::read_to_string(bundled_spec()).expect("bundled spec")
}

/// A temporary project folder holding `spec` as its `platform.yaml`.
pub fn project(spec: impl AsRef<[u8]>) -> TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("platform.yaml"), spec).expect("write spec");
    dir
}

/// The `platc` binary, with `NO_COLOR` removed so `--color` behaves the same whatever the
/// caller's environment sets.
pub fn command() -> Command {
    let mut cmd = Command::cargo_bin("platc").expect("binary");
    cmd.env_remove("NO_COLOR");
    cmd
}

/// What a run of `platc` left: its exit status (-1 when killed by a signal) and its output.
pub struct Outcome {
    pub status: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Outcome {
    /// The outcome of a finished process, as it is: no check made.
    pub fn from_output(output: &Output) -> Self {
        Outcome {
            status: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }

    /// Runs `cmd` to its end and asserts it did not panic.
    pub fn of(cmd: &mut Command) -> Self {
        let outcome = Self::from_output(&cmd.output().expect("run platc"));
        assert!(
            !outcome.stderr.contains("panicked"),
            "platc panicked:\n{}",
            outcome.stderr
        );
        outcome
    }
}

/// Runs `platc ARGS` in `dir` and asserts it did not panic.
pub fn platc(dir: &Path, args: &[&str]) -> Outcome {
    Outcome::of(command().current_dir(dir).args(args))
}

/// The run's stdout as one JSON document; `what` names the run in the failure message.
pub fn json_stdout(out: &Outcome, what: &str) -> serde_json::Value {
    serde_json::from_str(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{what}: stdout is not one JSON document ({e}):\n{}\nstderr:\n{}",
            out.stdout, out.stderr
        )
    })
}

/// The helm binary from `PLATC_HELM` (`.ci/run` exports it), or `None` after saying so.
pub fn helm() -> Option<PathBuf> {
    let helm = std::env::var_os("PLATC_HELM").map(PathBuf::from);
    if helm.is_none() {
        eprintln!("skipped helm template: PLATC_HELM is not set (`.ci/tools.sh helm` prints it)");
    }
    helm
}

/// The official chart's sources for offline `helm template`, or `None` after saying so.
pub fn chart_src(version: &str) -> Option<PathBuf> {
    let dir = crate_dir()
        .join("../shared/conformance/airflow-chart-src")
        .join(version);
    if dir.join("Chart.yaml").is_file() {
        Some(dir)
    } else {
        eprintln!("skipped helm template: {} not found", dir.display());
        None
    }
}
