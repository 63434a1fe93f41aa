//! The editor schema in a user's repository: `platc schema --write PATH` writes it atomically
//! inside the work tree, and `platc check` holds it current only when the repository commits it.

mod common;

use std::path::Path;
use std::process::Command;

use common::{bundled, json_stdout, platc};

const SCHEMA: &str = "schema/platform.schema.json";

fn git(dir: &Path, args: &[&str]) {
    let status = Command::new("git")
        .current_dir(dir)
        .args(["-c", "user.name=t", "-c", "user.email=t@example.com"])
        .args(args)
        .status()
        .expect("git");
    assert!(status.success(), "git {args:?}");
}

/// A git repository holding the bundled spec and its compiled out/, committed; no schema file.
fn repo() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    git(dir.path(), &["init", "-q", "-b", "main"]);
    std::fs::write(dir.path().join("platform.yaml"), bundled()).unwrap();
    let out = platc(dir.path(), &["compile"]);
    assert_eq!(out.status, 0, "{}", out.stderr);
    git(dir.path(), &["add", "-A"]);
    git(dir.path(), &["commit", "-q", "-m", "start"]);
    dir
}

#[test]
fn write_creates_the_file_the_modeline_names_and_is_idempotent() {
    let repo = repo();
    let root = repo.path();
    let out = platc(root, &["schema", "--write", SCHEMA]);
    assert_eq!(out.status, 0, "{}", out.stderr);
    assert!(
        out.stderr.contains("wrote schema/platform.schema.json"),
        "{}",
        out.stderr
    );
    let printed = platc(root, &["schema"]).stdout;
    assert_eq!(std::fs::read_to_string(root.join(SCHEMA)).unwrap(), printed);
    let again = platc(root, &["schema", "--write", SCHEMA]);
    assert_eq!(again.status, 0, "{}", again.stderr);
    assert!(again.stderr.contains("is current"), "{}", again.stderr);
    let names: Vec<String> = std::fs::read_dir(root.join("schema"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["platform.schema.json"], "no temporary file is left");
}

#[test]
fn write_refuses_outside_the_work_tree_and_through_a_symlink() {
    let repo = repo();
    let root = repo.path();
    let elsewhere = tempfile::tempdir().unwrap();
    let target = elsewhere.path().join("s.json");
    let out = platc(root, &["schema", "--write", target.to_str().unwrap()]);
    assert_eq!(out.status, 2, "{}", out.stderr);
    assert!(
        out.stderr.contains("E050") && out.stderr.contains("outside the work tree"),
        "{}",
        out.stderr
    );
    assert!(!target.exists());
    // A folder symlinked out of the work tree is outside too.
    std::os::unix::fs::symlink(elsewhere.path(), root.join("link")).unwrap();
    let out = platc(root, &["schema", "--write", "link/s.json"]);
    assert_eq!(out.status, 2, "{}", out.stderr);
    assert!(out.stderr.contains("E050"), "{}", out.stderr);
    assert!(!target.exists());
    // A symlinked file is never written through.
    std::os::unix::fs::symlink(&target, root.join("file.json")).unwrap();
    let out = platc(root, &["schema", "--write", "file.json"]);
    assert_eq!(out.status, 2, "{}", out.stderr);
    assert!(
        out.stderr.contains("E051") && out.stderr.contains("symlink"),
        "{}",
        out.stderr
    );
    assert!(!target.exists());
}

#[test]
fn check_warns_about_a_missing_schema_without_failing() {
    let repo = repo();
    let root = repo.path();
    let out = platc(root, &["check"]);
    assert_eq!(
        out.status, 0,
        "a repository without the schema passes check:\n{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("warning[schema-missing]"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr
            .contains("platc schema --write schema/platform.schema.json"),
        "{}",
        out.stderr
    );
    let json = platc(root, &["check", "--format", "json"]);
    assert_eq!(json.status, 0, "{}", json.stderr);
    let v = json_stdout(&json, "check");
    assert_eq!(v["stale"].as_array().unwrap().len(), 0, "{v}");
    let denied = platc(root, &["check", "--deny-warnings"]);
    assert_eq!(denied.status, 1, "{}", denied.stderr);
    // Written, the warning goes.
    assert_eq!(platc(root, &["schema", "--write", SCHEMA]).status, 0);
    let out = platc(root, &["check"]);
    assert_eq!(out.status, 0, "{}", out.stderr);
    assert!(!out.stderr.contains("schema-missing"), "{}", out.stderr);
}

#[test]
fn a_stale_schema_fails_check_only_when_committed() {
    let repo = repo();
    let root = repo.path();
    std::fs::create_dir_all(root.join("schema")).unwrap();
    std::fs::write(root.join(SCHEMA), "{}\n").unwrap();
    let out = platc(root, &["check"]);
    assert_eq!(
        out.status, 0,
        "an untracked schema file is the user's own:\n{}",
        out.stderr
    );
    git(root, &["add", SCHEMA]);
    git(root, &["commit", "-q", "-m", "schema"]);
    let out = platc(root, &["check", "--format", "json"]);
    assert_eq!(out.status, 1, "{}", out.stderr);
    let v = json_stdout(&out, "check");
    assert!(
        v["stale"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["kind"] == "schema"),
        "{v}"
    );
    let stale = v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["code"] == "schema-stale")
        .expect("schema-stale");
    assert!(
        stale["help"]
            .as_str()
            .unwrap_or_default()
            .contains("platc schema --write"),
        "{v}"
    );
    assert_eq!(platc(root, &["schema", "--write", SCHEMA]).status, 0);
    let out = platc(root, &["check"]);
    assert_eq!(out.status, 0, "{}", out.stderr);
}
