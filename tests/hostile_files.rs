//! Hostile files and slow inputs: what the spec names on disk (`image.requirementsFile`,
//! `gitops.path`) and inputs built to be slow. Each case is built in a temporary work tree,
//! because links, FIFOs and megabyte files do not belong in `tests/corpus/`, and each must end
//! with its expected code at its expected place. Slow inputs run under a generous watchdog
//! (a hang fails the test); their speed is measured in `benches/` and `docs/performance.md`.

mod common;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use assert_cmd::cargo::cargo_bin;
use serde_json::Value;

/// A work tree (a `.git` folder is all platc looks for) holding the bundled spec, edited.
struct Tree {
    _dir: tempfile::TempDir,
    root: PathBuf,
}

impl Tree {
    fn new(edit: impl FnOnce(String) -> String) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("repo");
        fs::create_dir_all(root.join(".git")).unwrap();
        fs::write(root.join("platform.yaml"), edit(common::bundled())).unwrap();
        Tree { _dir: dir, root }
    }

    /// With `image.requirementsFile: req.txt`.
    fn with_requirements_file() -> Self {
        Tree::new(|text| {
            let edited = text.replacen(
                "\n  requirements:\n",
                "\n  requirementsFile: req.txt\n  requirements:\n",
                1,
            );
            assert_ne!(edited, text, "the bundled spec has `image.requirements`");
            edited
        })
    }

    fn spec(&self) -> PathBuf {
        self.root.join("platform.yaml")
    }

    fn spec_text(&self) -> String {
        fs::read_to_string(self.spec()).unwrap()
    }

    /// 1-based line and column of the first `needle` in the spec.
    fn place_of(&self, needle: &str) -> (u64, u64) {
        let text = self.spec_text();
        let at = text
            .find(needle)
            .unwrap_or_else(|| panic!("`{needle}` not in spec"));
        let line = text[..at].matches('\n').count() + 1;
        let column = at - text[..at].rfind('\n').map_or(0, |i| i + 1) + 1;
        (line as u64, column as u64)
    }
}

/// Runs platc with `args` plus `--format json`, killing it after `limit`: a hang is a failure.
fn run_bounded(args: &[&str], spec: &Path, limit: Duration) -> (i32, Value, String) {
    let dir = tempfile::tempdir().unwrap();
    let (out, err) = (dir.path().join("stdout"), dir.path().join("stderr"));
    let mut child = Command::new(cargo_bin("platc"))
        .args(args)
        .args(["--format", "json", "-f"])
        .arg(spec)
        .stdin(Stdio::null())
        .stdout(fs::File::create(&out).unwrap())
        .stderr(fs::File::create(&err).unwrap())
        .spawn()
        .unwrap();
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("platc {args:?} ran past {limit:?} on {}", spec.display());
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let stderr = fs::read_to_string(&err).unwrap_or_default();
    assert!(!stderr.contains("panicked"), "platc panicked: {stderr}");
    let stdout = fs::read_to_string(&out).unwrap_or_default();
    let json = serde_json::from_str(&stdout).unwrap_or(Value::Null);
    (status.code().unwrap_or(-1), json, stderr)
}

const QUICK: Duration = Duration::from_secs(60);

/// `(code, line, column, file)` of every diagnostic in a JSON report.
fn findings(json: &Value) -> Vec<(String, u64, u64, String)> {
    json["diagnostics"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|d| {
            (
                d["code"].as_str().unwrap_or_default().to_owned(),
                d["place"]["line"].as_u64().unwrap_or(0),
                d["place"]["column"].as_u64().unwrap_or(0),
                d["place"]["file"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

/// Expects exit `exit` and a `code` diagnostic at `place` (in the spec unless `file` is given).
fn expect(
    args: &[&str],
    tree: &Tree,
    exit: i32,
    code: &str,
    place: (u64, u64),
    file: Option<&str>,
) -> Value {
    let (status, json, stderr) = run_bounded(args, &tree.spec(), QUICK);
    let found = findings(&json);
    assert_eq!(status, exit, "{found:?} {stderr}");
    let hit = found.iter().any(|(c, line, column, f)| {
        c == code && (*line, *column) == place && file.is_none_or(|file| f.ends_with(file))
    });
    assert!(
        hit,
        "expected {code} at {place:?} in {file:?}; got {found:?} {stderr}"
    );
    json
}

/// What a requirements file may not be: each is refused at the spec's `requirementsFile`
/// value, without reading (and so without printing) what it points at.
#[cfg(unix)]
#[test]
fn requirements_files_that_are_not_plain_files_of_the_tree_are_refused_unread() {
    type Plant = fn(&Path);
    let cases: [(&str, Plant, &str); 7] = [
        (
            "link to /proc/self/environ",
            |p| std::os::unix::fs::symlink("/proc/self/environ", p).unwrap(),
            "requirements-file-path",
        ),
        (
            "link to /dev/zero",
            |p| std::os::unix::fs::symlink("/dev/zero", p).unwrap(),
            "requirements-file-path",
        ),
        (
            "link to /etc/passwd",
            |p| std::os::unix::fs::symlink("/etc/passwd", p).unwrap(),
            "requirements-file-path",
        ),
        (
            "link to a file above the tree",
            |p| {
                let above = p.parent().unwrap().parent().unwrap().join("secret.txt");
                fs::write(&above, "pandas==2.2.3\n").unwrap();
                std::os::unix::fs::symlink(&above, p).unwrap();
            },
            "requirements-file-path",
        ),
        (
            "a FIFO",
            |p| {
                let status = Command::new("mkfifo").arg(p).status().unwrap();
                assert!(status.success());
            },
            "requirements-file-path",
        ),
        (
            "a folder",
            |p| fs::create_dir(p).unwrap(),
            "requirements-file-path",
        ),
        (
            "over 1 MiB",
            |p| fs::write(p, "# pad\n".repeat(200_000)).unwrap(),
            "requirements-file-size",
        ),
    ];
    for (what, plant, code) in cases {
        let tree = Tree::with_requirements_file();
        plant(&tree.root.join("req.txt"));
        let place = tree.place_of("req.txt");
        let json = expect(&["validate"], &tree, 1, code, place, None);
        let text = json.to_string();
        assert!(
            !text.contains("PATH="),
            "{what}: the environment leaked: {text}"
        );
        assert!(
            !text.contains("root:x:"),
            "{what}: /etc/passwd leaked: {text}"
        );
    }
}

/// A link inside the tree to a regular file inside the tree is fine.
#[cfg(unix)]
#[test]
fn a_requirements_file_linked_within_the_tree_is_read() {
    let tree = Tree::with_requirements_file();
    fs::create_dir(tree.root.join("deps")).unwrap();
    fs::write(
        tree.root.join("deps/real.txt"),
        "pandas==2.2.3\npandas==2.2.3\n",
    )
    .unwrap();
    std::os::unix::fs::symlink("deps/real.txt", tree.root.join("req.txt")).unwrap();
    // Read: its duplicate line is found, in the file.
    expect(
        &["validate"],
        &tree,
        1,
        "requirement-duplicate",
        (2, 1),
        Some("req.txt"),
    );
}

#[test]
fn gitops_path_inside_dot_git_is_refused() {
    for path in [".git", ".git/hooks", "deploy/.git", ".GIT/hooks"] {
        let tree =
            Tree::new(|text| text.replacen("\n  path: out\n", &format!("\n  path: {path}\n"), 1));
        let place = tree.place_of(&format!("path: {path}"));
        expect(
            &["validate"],
            &tree,
            1,
            "gitops-path",
            (place.0, place.1 + 6),
            None,
        );
        assert!(!tree.root.join(".git/hooks").exists());
    }
}

#[cfg(unix)]
#[test]
fn an_output_folder_linked_out_of_the_tree_is_refused_and_nothing_is_written() {
    for (path, link_at) in [("out", "out"), ("deploy/out", "deploy")] {
        let tree =
            Tree::new(|text| text.replacen("\n  path: out\n", &format!("\n  path: {path}\n"), 1));
        let outside = tree.root.parent().unwrap().join("outside");
        fs::create_dir(&outside).unwrap();
        std::os::unix::fs::symlink(&outside, tree.root.join(link_at)).unwrap();
        let place = tree.place_of(&format!("path: {path}"));
        expect(
            &["compile"],
            &tree,
            1,
            "gitops-path",
            (place.0, place.1 + 6),
            None,
        );
        assert_eq!(
            fs::read_dir(&outside).unwrap().count(),
            0,
            "wrote through {link_at}"
        );
    }
}

/// Inputs built to be slow finish (well within the watchdog) with the expected finding; a
/// rule's findings past the first 20 are counted, not listed.
#[test]
fn slow_inputs_finish_with_their_findings() {
    // A 2 MB one-line flow list of 1e6 elements under an unknown key.
    let tree = Tree::new(|text| format!("{text}extra: [{}1]\n", "1,".repeat(999_999)));
    let place = tree.place_of("extra:");
    expect(&["validate"], &tree, 1, "E020", place, None);

    // 200 000 unknown keys in one mapping.
    let tree = Tree::new(|text| {
        let keys: String = (0..200_000).map(|i| format!("  k{i}: 1\n")).collect();
        text.replacen("platform:\n", &format!("platform:\n{keys}"), 1)
    });
    let place = tree.place_of("k0:");
    let json = expect(&["validate"], &tree, 1, "E020", place, None);
    let shown = findings(&json).iter().filter(|f| f.0 == "E020").count();
    assert_eq!(shown, 20, "the first 20 findings of a rule are listed");
    assert!(
        json["errors"].as_u64().unwrap() >= 200_000,
        "the count is exact"
    );
    assert!(json.to_string().contains("199980 more `E020` finding(s)"));

    // 50 000 findings of one semantic rule.
    let tree = Tree::new(|text| {
        let lines = "    - dup==1.0\n".repeat(50_000);
        text.replacen(
            "\n  requirements:\n",
            &format!("\n  requirements:\n{lines}"),
            1,
        )
    });
    let (line, _) = tree.place_of("- dup==1.0");
    expect(
        &["validate"],
        &tree,
        1,
        "requirement-duplicate",
        (line + 1, 7),
        None,
    );

    // A 1 MiB requirements file of one line repeated.
    let tree = Tree::with_requirements_file();
    let line = "pandas==2.2.3\n";
    fs::write(
        tree.root.join("req.txt"),
        line.repeat(1024 * 1024 / line.len()),
    )
    .unwrap();
    expect(
        &["validate"],
        &tree,
        1,
        "requirement-duplicate",
        (2, 1),
        Some("req.txt"),
    );

    // 200 000 keys in one flow mapping on one line.
    let tree = Tree::new(|text| {
        let keys: Vec<String> = (0..200_000).map(|i| format!("k{i}: 1")).collect();
        format!("{text}extra: {{{}}}\n", keys.join(", "))
    });
    let place = tree.place_of("extra:");
    expect(&["validate"], &tree, 1, "E020", place, None);
}
