//! The emit stage against a real folder: atomic writes, ownership, diffs and git commits.

#![allow(clippy::result_large_err)]

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, SystemTime};

use platc::emit::{self, ConflictKind, DiffKind, MANIFEST, Summary};
use platc::render::OutputTree;
use tempfile::TempDir;

fn tree(files: &[(&str, &str)]) -> OutputTree {
    let mut tree = OutputTree::default();
    for (path, content) in files {
        tree.insert(*path, (*content).to_string()).unwrap();
    }
    tree
}

fn base() -> OutputTree {
    tree(&[
        ("prod/values.yaml", "replicas: 3\nimage: airflow:2.10\n"),
        ("staging/values.yaml", "replicas: 1\nimage: airflow:2.10\n"),
        ("argocd/prod.yaml", "kind: Application\nname: prod\n"),
        ("image/Dockerfile", "FROM apache/airflow:2.10.5\n"),
    ])
}

fn write(
    out: &Path,
    tree: &OutputTree,
    force: bool,
) -> Result<Summary, platc::diagnostic::Diagnostic> {
    let plan = emit::plan(out, tree)?;
    emit::apply(out, &plan, force)
}

/// Every entry under `dir`: files with their bytes, folders as `/`, symlinks as `-> target`.
fn snapshot(dir: &Path) -> BTreeMap<String, String> {
    fn walk(dir: &Path, prefix: &str, into: &mut BTreeMap<String, String>) {
        let Ok(entries) = fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let rel = format!("{prefix}{}", entry.file_name().to_string_lossy());
            let kind = entry.file_type().unwrap();
            if kind.is_symlink() {
                let target = fs::read_link(entry.path()).unwrap();
                into.insert(rel, format!("-> {}", target.display()));
            } else if kind.is_dir() {
                into.insert(format!("{rel}/"), String::new());
                walk(&entry.path(), &format!("{rel}/"), into);
            } else {
                into.insert(
                    rel,
                    String::from_utf8_lossy(&fs::read(entry.path()).unwrap()).into_owned(),
                );
            }
        }
    }
    let mut map = BTreeMap::new();
    walk(dir, "", &mut map);
    map
}

fn mtimes(dir: &Path) -> BTreeMap<String, SystemTime> {
    snapshot(dir)
        .into_keys()
        .filter(|rel| !rel.ends_with('/'))
        .map(|rel| {
            let time = fs::symlink_metadata(dir.join(&rel))
                .unwrap()
                .modified()
                .unwrap();
            (rel, time)
        })
        .collect()
}

/// Sets every file's mtime an hour back, so a rewrite cannot hide in the clock's resolution.
fn age(dir: &Path) {
    let old = SystemTime::now() - Duration::from_secs(3600);
    for rel in mtimes(dir).keys() {
        fs::File::options()
            .write(true)
            .open(dir.join(rel))
            .unwrap()
            .set_modified(old)
            .unwrap();
    }
}

fn out_dir() -> (TempDir, std::path::PathBuf) {
    let tmp = TempDir::new().unwrap();
    let out = tmp.path().join("out");
    (tmp, out)
}

#[test]
fn first_write_creates_files_and_manifest() {
    let (_tmp, out) = out_dir();
    let summary = write(&out, &base(), false).unwrap();
    assert_eq!(summary.created.len(), 4);
    assert_eq!(
        summary.to_string(),
        "4 created, 0 updated, 0 deleted, 0 unchanged"
    );
    assert_eq!(
        fs::read_to_string(out.join("prod/values.yaml")).unwrap(),
        "replicas: 3\nimage: airflow:2.10\n"
    );
    let manifest = fs::read_to_string(out.join(MANIFEST)).unwrap();
    let parsed = emit::Manifest::parse(&manifest).unwrap();
    assert_eq!(parsed.version, 1);
    assert_eq!(
        parsed.files.keys().collect::<Vec<_>>(),
        [
            "argocd/prod.yaml",
            "image/Dockerfile",
            "prod/values.yaml",
            "staging/values.yaml"
        ]
    );
    assert_eq!(
        parsed.files["image/Dockerfile"],
        "fceb1fc6f41a8c06a2ba3b8065f34633a19f47a0c8e8c23b8c0b33fc59d750bb"
    );
    assert!(
        manifest.starts_with("{\n  \"version\": 1,\n  \"files\": {\n    \"argocd/prod.yaml\": \"")
    );
    assert!(manifest.ends_with("}\n"));
}

#[test]
fn second_write_touches_nothing() {
    let (_tmp, out) = out_dir();
    write(&out, &base(), false).unwrap();
    age(&out);
    let before = mtimes(&out);
    let plan = emit::plan(&out, &base()).unwrap();
    assert!(plan.is_noop());
    let summary = emit::apply(&out, &plan, false).unwrap();
    assert!(!summary.changed());
    assert_eq!(summary.unchanged, 4);
    assert_eq!(mtimes(&out), before);
}

#[test]
fn update_rewrites_only_the_changed_file() {
    let (_tmp, out) = out_dir();
    write(&out, &base(), false).unwrap();
    age(&out);
    let before = mtimes(&out);
    let mut files = base().files().clone();
    files.insert(
        "prod/values.yaml".into(),
        "replicas: 5\nimage: airflow:2.10\n".into(),
    );
    let next = tree(
        &files
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect::<Vec<_>>(),
    );
    let summary = write(&out, &next, false).unwrap();
    assert_eq!(summary.updated, ["prod/values.yaml"]);
    assert!(summary.edited.is_empty());
    let after = mtimes(&out);
    for (rel, time) in &before {
        let changed = rel == "prod/values.yaml" || rel == MANIFEST;
        assert_eq!(after[rel] != *time, changed, "{rel}");
    }
}

#[test]
fn stale_owned_file_is_pruned_with_its_empty_folder() {
    let (_tmp, out) = out_dir();
    write(&out, &base(), false).unwrap();
    let without_staging = tree(&[
        ("prod/values.yaml", "replicas: 3\nimage: airflow:2.10\n"),
        ("argocd/prod.yaml", "kind: Application\nname: prod\n"),
        ("image/Dockerfile", "FROM apache/airflow:2.10.5\n"),
    ]);
    let summary = write(&out, &without_staging, false).unwrap();
    assert_eq!(summary.deleted, ["staging/values.yaml"]);
    assert!(!out.join("staging").exists());
    assert!(out.join("prod/values.yaml").exists());
    let manifest = emit::Manifest::load(&out).unwrap();
    assert!(!manifest.files.contains_key("staging/values.yaml"));
    // Removing every file leaves the output folder itself in place.
    write(&out, &OutputTree::default(), false).unwrap();
    assert!(out.is_dir());
    assert_eq!(snapshot(&out).into_keys().collect::<Vec<_>>(), [MANIFEST]);
}

#[test]
fn foreign_files_are_preserved() {
    let (_tmp, out) = out_dir();
    write(&out, &base(), false).unwrap();
    fs::write(out.join("README.md"), "hand written\n").unwrap();
    fs::write(out.join("staging/notes.txt"), "mine\n").unwrap();
    let only_prod = tree(&[("prod/values.yaml", "replicas: 3\n")]);
    write(&out, &only_prod, false).unwrap();
    assert_eq!(
        fs::read_to_string(out.join("README.md")).unwrap(),
        "hand written\n"
    );
    assert_eq!(
        fs::read_to_string(out.join("staging/notes.txt")).unwrap(),
        "mine\n"
    );
    assert!(!out.join("staging/values.yaml").exists());
}

#[test]
fn foreign_file_at_a_produced_path_is_a_conflict_until_forced() {
    let (_tmp, out) = out_dir();
    fs::create_dir_all(out.join("prod")).unwrap();
    fs::write(out.join("prod/values.yaml"), "someone else's\n").unwrap();
    let before = snapshot(&out);
    let plan = emit::plan(&out, &base()).unwrap();
    assert_eq!(plan.conflicts.len(), 1);
    assert_eq!(plan.conflicts[0].kind, ConflictKind::Foreign);
    let err = emit::apply(&out, &plan, false).unwrap_err();
    assert_eq!(err.code, "E054");
    assert!(err.notes[0].contains("prod/values.yaml"), "{err:?}");
    assert_eq!(snapshot(&out), before, "nothing may be written");

    let summary = emit::apply(&out, &plan, true).unwrap();
    assert_eq!(summary.forced, ["prod/values.yaml"]);
    assert_eq!(
        fs::read_to_string(out.join("prod/values.yaml")).unwrap(),
        "replicas: 3\nimage: airflow:2.10\n"
    );
    assert!(emit::plan(&out, &base()).unwrap().is_noop());
}

#[test]
fn identical_foreign_file_is_adopted_without_conflict() {
    let (_tmp, out) = out_dir();
    fs::create_dir_all(out.join("image")).unwrap();
    fs::write(out.join("image/Dockerfile"), "FROM apache/airflow:2.10.5\n").unwrap();
    let plan = emit::plan(&out, &base()).unwrap();
    assert!(plan.conflicts.is_empty());
    assert_eq!(plan.unchanged, ["image/Dockerfile"]);
    emit::apply(&out, &plan, false).unwrap();
    assert!(
        emit::Manifest::load(&out)
            .unwrap()
            .files
            .contains_key("image/Dockerfile")
    );
}

#[test]
fn hand_edited_owned_file_is_reported_and_overwritten() {
    let (_tmp, out) = out_dir();
    write(&out, &base(), false).unwrap();
    fs::write(out.join("prod/values.yaml"), "replicas: 99\n").unwrap();
    let plan = emit::plan(&out, &base()).unwrap();
    assert!(plan.conflicts.is_empty());
    assert_eq!(plan.edited, ["prod/values.yaml"]);
    let summary = emit::apply(&out, &plan, false).unwrap();
    assert_eq!(summary.edited, ["prod/values.yaml"]);
    assert_eq!(
        fs::read_to_string(out.join("prod/values.yaml")).unwrap(),
        "replicas: 3\nimage: airflow:2.10\n"
    );
}

#[test]
fn hand_edited_stale_file_is_a_conflict_not_deleted() {
    let (_tmp, out) = out_dir();
    write(&out, &base(), false).unwrap();
    fs::write(out.join("staging/values.yaml"), "edited\n").unwrap();
    let next = tree(&[("prod/values.yaml", "replicas: 3\nimage: airflow:2.10\n")]);
    let plan = emit::plan(&out, &next).unwrap();
    assert_eq!(plan.conflicts.len(), 1);
    assert_eq!(plan.conflicts[0].kind, ConflictKind::EditedStale);
    assert!(!plan.delete.contains(&"staging/values.yaml".to_string()));
    assert_eq!(emit::apply(&out, &plan, false).unwrap_err().code, "E054");
    assert_eq!(
        fs::read_to_string(out.join("staging/values.yaml")).unwrap(),
        "edited\n"
    );
    let summary = emit::apply(&out, &plan, true).unwrap();
    assert!(summary.deleted.contains(&"staging/values.yaml".to_string()));
    assert!(!out.join("staging").exists());
}

#[test]
fn failed_staging_leaves_out_exactly_as_before() {
    let (_tmp, out) = out_dir();
    write(&out, &base(), false).unwrap();
    let next = tree(&[
        ("argocd/prod.yaml", "kind: Application\nname: prod2\n"),
        ("image/Dockerfile", "FROM apache/airflow:3.0.0\n"),
        ("prod/values.yaml", "replicas: 4\n"),
        ("prod/extra/deep/config.yaml", "x: 1\n"),
        ("zeta/new/values.yaml", "new: true\n"),
    ]);
    let plan = emit::plan(&out, &next).unwrap();
    // After planning, a file appears where a folder must go; it is staged last but one.
    fs::create_dir_all(out.join("zeta")).unwrap();
    fs::write(out.join("zeta/new"), "in the way\n").unwrap();
    let before = snapshot(&out);
    let err = emit::apply(&out, &plan, false).unwrap_err();
    assert_eq!(err.code, "E055");
    assert!(err.message.contains("zeta/new"), "{}", err.message);
    assert_eq!(snapshot(&out), before);
}

#[test]
fn failed_temp_file_removes_every_staged_file() {
    let (_tmp, out) = out_dir();
    write(&out, &base(), false).unwrap();
    let next = tree(&[
        ("argocd/prod.yaml", "kind: Application\nname: prod2\n"),
        ("prod/new/values.yaml", "replicas: 4\n"),
        ("staging/values.yaml", "replicas: 2\n"),
    ]);
    let plan = emit::plan(&out, &next).unwrap();
    // The last temporary file cannot be created: a folder holds its name.
    let blocker = out.join(format!("staging/.values.yaml.platc-tmp-{}", emit::token()));
    fs::create_dir(&blocker).unwrap();
    let before = snapshot(&out);
    let err = emit::apply(&out, &plan, false).unwrap_err();
    assert_eq!(err.code, "E055");
    assert!(
        err.message.contains(".values.yaml.platc-tmp-"),
        "{}",
        err.message
    );
    assert_eq!(
        snapshot(&out),
        before,
        "temporary files and new folders are removed"
    );
    fs::remove_dir(&blocker).unwrap();
    emit::apply(&out, &plan, false).unwrap();
    assert_eq!(
        fs::read_to_string(out.join("prod/new/values.yaml")).unwrap(),
        "replicas: 4\n"
    );
}

#[cfg(unix)]
#[test]
fn symlink_inside_out_is_never_followed() {
    let (tmp, out) = out_dir();
    let outside = tmp.path().join("outside");
    fs::create_dir_all(&outside).unwrap();
    fs::create_dir_all(&out).unwrap();
    std::os::unix::fs::symlink(&outside, out.join("prod")).unwrap();
    let err = emit::plan(&out, &base()).unwrap_err();
    assert_eq!(err.code, "E051");
    assert!(err.message.contains("symlink"));

    // A symlink planted between plan and apply is caught while staging.
    fs::remove_file(out.join("prod")).unwrap();
    let plan = emit::plan(&out, &base()).unwrap();
    std::os::unix::fs::symlink(&outside, out.join("prod")).unwrap();
    let before = snapshot(&out);
    let err = emit::apply(&out, &plan, false).unwrap_err();
    assert_eq!(err.code, "E051");
    assert_eq!(snapshot(&out), before);
    assert!(
        snapshot(&outside).is_empty(),
        "nothing is written outside out/"
    );

    // A symlinked file is not written through either.
    fs::remove_file(out.join("prod")).unwrap();
    fs::create_dir_all(out.join("prod")).unwrap();
    fs::write(outside.join("target.yaml"), "outside\n").unwrap();
    std::os::unix::fs::symlink(outside.join("target.yaml"), out.join("prod/values.yaml")).unwrap();
    assert_eq!(emit::plan(&out, &base()).unwrap_err().code, "E051");
    assert_eq!(
        fs::read_to_string(outside.join("target.yaml")).unwrap(),
        "outside\n"
    );
}

#[test]
fn bad_output_paths_are_rejected() {
    let (_tmp, out) = out_dir();
    for bad in [
        "../escape.yaml",
        "/etc/passwd",
        "prod//values.yaml",
        "prod/./x",
        MANIFEST,
        "a\\b",
        "",
    ] {
        let err = emit::plan(&out, &tree(&[(bad, "x")])).unwrap_err();
        assert_eq!(err.code, "E050", "{bad}");
    }
    let clash = tree(&[("prod", "x"), ("prod/values.yaml", "y")]);
    assert_eq!(emit::plan(&out, &clash).unwrap_err().code, "E050");
    assert!(!out.exists());
}

#[test]
fn manifest_listing_a_path_outside_is_refused() {
    let (tmp, out) = out_dir();
    fs::create_dir_all(&out).unwrap();
    fs::write(tmp.path().join("victim"), "keep\n").unwrap();
    fs::write(
        out.join(MANIFEST),
        "{\"version\": 1, \"files\": {\"../victim\": \"00\"}}",
    )
    .unwrap();
    assert_eq!(emit::plan(&out, &base()).unwrap_err().code, "E053");
    fs::write(out.join(MANIFEST), "not json").unwrap();
    assert_eq!(emit::plan(&out, &base()).unwrap_err().code, "E053");
    assert!(tmp.path().join("victim").exists());
}

#[test]
fn only_temporary_files_named_in_the_journal_are_cleaned_up() {
    let (_tmp, out) = out_dir();
    write(&out, &base(), false).unwrap();
    // A user's file that merely looks like a temporary file is never platc's to delete.
    let lookalike = out.join("prod/.values.yaml.platc-tmp-12345");
    fs::write(&lookalike, "mine").unwrap();
    let plan = emit::plan(&out, &base()).unwrap();
    assert!(plan.leftovers.is_empty(), "{:?}", plan.leftovers);
    assert!(plan.is_noop());
    // A dead run's journal names its token: its temporary files go, with the folder they
    // alone filled, and the journal itself.
    let dead = "0123456789abcdef0123456789abcdef";
    fs::write(
        out.join(emit::JOURNAL),
        format!("{{\"version\": 1, \"token\": \"{dead}\", \"files\": {{}}}}\n"),
    )
    .unwrap();
    fs::create_dir(out.join("half")).unwrap();
    fs::write(out.join(format!("half/.x.yaml.platc-tmp-{dead}")), "ha").unwrap();
    fs::write(out.join(format!("prod/.values.yaml.platc-tmp-{dead}")), "h").unwrap();
    let plan = emit::plan(&out, &base()).unwrap();
    assert_eq!(
        plan.leftovers,
        [
            format!("half/.x.yaml.platc-tmp-{dead}"),
            format!("prod/.values.yaml.platc-tmp-{dead}")
        ]
    );
    assert!(!plan.is_noop());
    emit::apply(&out, &plan, false).unwrap();
    assert!(!out.join("half").exists(), "an emptied folder was left");
    assert!(!out.join(emit::JOURNAL).exists());
    assert_eq!(fs::read_to_string(&lookalike).unwrap(), "mine");
    assert!(emit::plan(&out, &base()).unwrap().is_noop());
}

/// A run killed after some renames: its new files are adopted, its stale ones deleted, and
/// nothing it wrote is refused as foreign, whatever spec comes next.
#[test]
fn files_of_an_interrupted_run_are_never_refused() {
    let (_tmp, out) = out_dir();
    write(&out, &base(), false).unwrap();
    let next = tree(&[
        ("prod/values.yaml", "replicas: 9\n"),
        ("extra/new.yaml", "a: 1\n"),
    ]);
    let plan = emit::plan(&out, &next).unwrap();
    // What a kill after two renames leaves: the journal, two new files, the old manifest.
    let dead = "fedcba9876543210fedcba9876543210";
    let journal = serde_json::json!({
        "version": 1,
        "token": dead,
        "files": plan.manifest().files,
    });
    fs::write(out.join(emit::JOURNAL), journal.to_string()).unwrap();
    fs::write(out.join("prod/values.yaml"), "replicas: 9\n").unwrap();
    fs::create_dir(out.join("extra")).unwrap();
    fs::write(out.join("extra/new.yaml"), "a: 1\n").unwrap();
    // A third spec that produces neither the same `extra/new.yaml` nor the old files.
    let third = tree(&[("extra/new.yaml", "a: 2\n"), ("other.yaml", "b: 1\n")]);
    let plan = emit::plan(&out, &third).unwrap();
    assert!(plan.conflicts.is_empty(), "{:?}", plan.conflicts);
    emit::apply(&out, &plan, false).unwrap();
    assert_eq!(snapshot_files(&out), third_files(&third));
}

fn snapshot_files(out: &Path) -> BTreeMap<String, String> {
    snapshot(out)
        .into_iter()
        .filter(|(p, _)| p != emit::MANIFEST)
        .collect()
}

/// The files of `tree` and the folders holding them, as [`snapshot`] lists them.
fn third_files(tree: &OutputTree) -> BTreeMap<String, String> {
    let mut all = tree.files().clone();
    for rel in tree.files().keys() {
        let mut at = rel.as_str();
        while let Some((parent, _)) = at.rsplit_once('/') {
            all.insert(format!("{parent}/"), String::new());
            at = parent;
        }
    }
    all
}

fn changed_setup() -> (TempDir, std::path::PathBuf, OutputTree) {
    let (tmp, out) = out_dir();
    write(&out, &base(), false).unwrap();
    let next = tree(&[
        ("prod/values.yaml", "replicas: 5\nimage: airflow:2.10\n"),
        ("prod-eu/values.yaml", "replicas: 2\n"),
        ("dev/values.yaml", "replicas: 1\n"),
        (
            "argocd/prod.yaml",
            "kind: Application\nname: prod\nsync: auto\n",
        ),
        ("image/Dockerfile", "FROM apache/airflow:3.0.2\n"),
    ]);
    (tmp, out, next)
}

#[test]
fn diff_reports_added_modified_and_deleted() {
    let (_tmp, out, next) = changed_setup();
    let diffs = emit::diff(&out, &next).unwrap();
    let kinds: Vec<(&str, DiffKind)> = diffs.iter().map(|d| (d.path.as_str(), d.kind)).collect();
    assert_eq!(
        kinds,
        [
            ("argocd/prod.yaml", DiffKind::Modified),
            ("dev/values.yaml", DiffKind::Added),
            ("image/Dockerfile", DiffKind::Modified),
            ("prod-eu/values.yaml", DiffKind::Added),
            ("prod/values.yaml", DiffKind::Modified),
            ("staging/values.yaml", DiffKind::Deleted),
        ]
    );
    let text = emit::unified(&diffs, "out", false);
    assert!(!text.contains('\x1b'));
    assert!(text.contains("--- a/out/prod/values.yaml\n+++ b/out/prod/values.yaml\n@@ -1,2 +1,2 @@\n-replicas: 3\n+replicas: 5\n image: airflow:2.10\n"), "{text}");
    assert!(
        text.contains("--- /dev/null\n+++ b/out/dev/values.yaml\n@@ -0,0 +1 @@\n+replicas: 1\n"),
        "{text}"
    );
    assert!(
        text.contains("--- a/out/staging/values.yaml\n+++ /dev/null\n"),
        "{text}"
    );
    let colored = emit::unified(&diffs, "out", true);
    assert!(
        colored.contains("\x1b[32m+replicas: 5\x1b[0m\n"),
        "{colored}"
    );
    assert!(
        colored.contains("\x1b[31m-replicas: 3\x1b[0m\n"),
        "{colored}"
    );
    // Nothing was written.
    assert_eq!(
        fs::read_to_string(out.join("prod/values.yaml")).unwrap(),
        "replicas: 3\nimage: airflow:2.10\n"
    );
}

#[test]
fn stat_counts_lines_per_file() {
    let (_tmp, out, next) = changed_setup();
    let diffs = emit::diff(&out, &next).unwrap();
    insta::assert_snapshot!("stat", emit::stat(&diffs, "out"));
}

#[test]
fn markdown_groups_by_environment() {
    let (_tmp, out, next) = changed_setup();
    let diffs = emit::diff(&out, &next).unwrap();
    insta::assert_snapshot!("markdown", emit::markdown(&diffs, "out"));
    assert_eq!(
        emit::markdown(&[], "out"),
        "### platc: no changes\n\n`out/` is up to date.\n"
    );
}

#[test]
fn token_like_lines_are_masked_in_every_rendering() {
    let (_tmp, out) = out_dir();
    let leaky = tree(&[(
        "prod/values.yaml",
        "token: ghp_0123456789abcdefghijklmnopqrstuvwxyz\nslack: xoxb-1234567890-abcdef\naws: AKIAIOSFODNN7EXAMPLE\nkey: |\n  -----BEGIN RSA PRIVATE KEY-----\n  MIIEowIBAAKCAQEA\n  -----END RSA PRIVATE KEY-----\n",
    )]);
    let diffs = emit::diff(&out, &leaky).unwrap();
    for text in [
        emit::unified(&diffs, "out", false),
        emit::unified(&diffs, "out", true),
        emit::markdown(&diffs, "out"),
    ] {
        for secret in [
            "0123456789abcdef",
            "1234567890-abcdef",
            "IOSFODNN7EXAMPLE",
            "BEGIN RSA",
            "MIIEowIBAAKCAQEA",
        ] {
            assert!(!text.contains(secret), "{secret} leaked in:\n{text}");
        }
        assert!(text.contains("token: ghp_[masked by platc]"), "{text}");
    }
}

#[test]
fn check_reports_only_what_is_stale() {
    let (_tmp, out, next) = changed_setup();
    assert!(emit::check(&out, &base()).unwrap().is_empty());
    let stale = emit::check(&out, &next).unwrap();
    let paths: Vec<&str> = stale.iter().map(|d| d.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "argocd/prod.yaml",
            "dev/values.yaml",
            "image/Dockerfile",
            "prod-eu/values.yaml",
            "prod/values.yaml",
            "staging/values.yaml"
        ]
    );
    write(&out, &next, false).unwrap();
    assert!(emit::check(&out, &next).unwrap().is_empty());
    // A lost manifest makes out/ stale even when every file is right, and diff says so too.
    fs::remove_file(out.join(MANIFEST)).unwrap();
    let stale = emit::check(&out, &next).unwrap();
    assert_eq!(stale.len(), 1);
    assert_eq!(
        (stale[0].path.as_str(), stale[0].kind),
        (MANIFEST, DiffKind::Added)
    );
    assert_eq!(emit::diff(&out, &next).unwrap(), stale);
}

fn git(dir: &Path, args: &[&str]) -> String {
    let output = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
fn commit_records_only_platc_files() {
    let tmp = TempDir::new().unwrap();
    let repo = tmp.path();
    git(repo, &["init", "-q", "-b", "main"]);
    git(repo, &["config", "user.name", "platc test"]);
    git(repo, &["config", "user.email", "platc@example.com"]);
    git(repo, &["config", "commit.gpgsign", "false"]);
    fs::write(repo.join("platform.yaml"), "name: x\n").unwrap();
    git(repo, &["add", "platform.yaml"]);
    git(repo, &["commit", "-q", "-m", "spec"]);

    let out = repo.join("out");
    write(&out, &base(), false).unwrap();
    fs::write(out.join("notes.txt"), "foreign\n").unwrap();
    fs::write(repo.join("platform.yaml"), "name: y\n").unwrap();
    git(repo, &["add", "platform.yaml"]);

    assert!(emit::commit(repo, &out, "platc: compile").unwrap());
    let files = git(repo, &["show", "--name-only", "--format=%s", "HEAD"]);
    assert_eq!(
        files,
        "platc: compile\n\nout/.platc-manifest.json\nout/argocd/prod.yaml\nout/image/Dockerfile\nout/prod/values.yaml\nout/staging/values.yaml\n"
    );
    let status = git(repo, &["status", "--porcelain"]);
    assert!(
        status.contains("M  platform.yaml"),
        "other staged changes stay staged: {status}"
    );
    assert!(status.contains("?? out/notes.txt"), "{status}");

    assert!(
        !emit::commit(repo, &out, "platc: again").unwrap(),
        "nothing to commit"
    );

    let without_staging = tree(&[
        ("prod/values.yaml", "replicas: 3\nimage: airflow:2.10\n"),
        ("argocd/prod.yaml", "kind: Application\nname: prod\n"),
        ("image/Dockerfile", "FROM apache/airflow:2.10.5\n"),
    ]);
    write(&out, &without_staging, false).unwrap();
    assert!(emit::commit(repo, &out, "platc: drop staging").unwrap());
    let files = git(repo, &["show", "--name-status", "--format=%s", "HEAD"]);
    assert_eq!(
        files,
        "platc: drop staging\n\nM\tout/.platc-manifest.json\nD\tout/staging/values.yaml\n"
    );
}

#[test]
fn commit_outside_a_work_tree_is_an_error() {
    let (_tmp, out) = out_dir();
    write(&out, &base(), false).unwrap();
    let err = emit::commit(out.parent().unwrap(), &out, "x").unwrap_err();
    assert_eq!(err.code, "E057");
}

#[test]
fn diffs_name_the_real_output_folder() {
    let (_tmp, out, next) = changed_setup();
    let diffs = emit::diff(&out, &next).unwrap();
    let text = emit::unified(&diffs, "deploy/rendered", false);
    assert!(
        text.contains(
            "--- a/deploy/rendered/prod/values.yaml\n+++ b/deploy/rendered/prod/values.yaml\n"
        ),
        "{text}"
    );
    assert!(!text.contains("a/out/"), "{text}");
    assert!(emit::stat(&diffs, "deploy/rendered").contains(" deploy/rendered/prod/values.yaml "));
    assert!(emit::markdown(&[], "deploy/rendered").contains("`deploy/rendered/` is up to date"));
    let changes = emit::changes(&diffs, "deploy/rendered");
    assert_eq!(changes[0].path, "deploy/rendered/argocd/prod.yaml");
    assert_eq!(changes[0].kind, "modified");
    assert_eq!(emit::out_name(std::path::Path::new("./out/")), "out");
    assert_eq!(emit::out_name(std::path::Path::new("../x/out")), "../x/out");
}

/// Large outputs are staged on several threads, one subtree each: when one subtree fails (here a
/// file appears, after planning, where a folder must be created), what the other threads staged
/// is taken back too.
#[test]
fn a_failure_in_one_subtree_of_a_parallel_write_takes_back_every_subtree() {
    let dir = TempDir::new().unwrap();
    let out = dir.path().join("out");
    let mut files = OutputTree::default();
    for subtree in 0..30 {
        for file in 0..10 {
            files
                .insert(
                    format!("s{subtree:02}/f{file}.yaml"),
                    format!("n: {file}\n"),
                )
                .unwrap();
        }
    }
    let plan = emit::plan(&out, &files).unwrap();
    fs::create_dir(&out).unwrap();
    fs::write(out.join("s17"), "in the way\n").unwrap();
    let before = snapshot(&out);

    let err = emit::apply(&out, &plan, false).unwrap_err();
    assert_eq!(err.code, "E055", "{err:?}");
    assert!(err.message.contains("s17"), "{}", err.message);
    assert_eq!(
        snapshot(&out),
        before,
        "a failed write left files or folders behind"
    );
}
