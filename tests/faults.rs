//! Fault injection on `platc compile --out DIR`: structural obstacles in the output folder, a
//! process killed mid-write, and a spec rewritten while it is read. The tests run as root in CI,
//! so they use structural faults rather than permissions.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command as StdCommand, Stdio};
use std::time::{Duration, Instant, SystemTime};

use assert_cmd::cargo::cargo_bin;
use common::Outcome;
use tempfile::TempDir;

mod common;

#[allow(dead_code)]
#[path = "../examples/gen_spec.rs"]
mod gen_spec;

fn spec_text(long_lived: usize, page_limit: u32) -> String {
    gen_spec::generate(&gen_spec::Params {
        long_lived,
        previews: long_lived / 10,
        page_limit,
        ..gen_spec::Params::default()
    })
}

/// Writes `text` as `DIR/NAME/platform.yaml` and returns the path.
fn spec_file(dir: &Path, name: &str, text: &str) -> PathBuf {
    let folder = dir.join(name);
    fs::create_dir_all(&folder).unwrap();
    let path = folder.join("platform.yaml");
    fs::write(&path, text).unwrap();
    path
}

/// The tree platc renders for `spec`, computed in process.
fn expected(spec: &Path) -> BTreeMap<String, String> {
    let front = platc::pipeline::front_end(spec).expect("valid spec");
    let tree = platc::pipeline::compile(&front, spec).expect("renders");
    tree.files().clone()
}

fn compile(spec: &Path, out: &Path) -> Outcome {
    Outcome::of(
        common::command()
            .args(["compile", "--format", "json", "-f"])
            .arg(spec)
            .arg("--out")
            .arg(out),
    )
}

fn assert_no_panic(output: &Outcome) {
    let stderr = &output.stderr;
    assert_ne!(output.status, 101, "platc panicked: {stderr}");
    assert!(!stderr.contains("panicked"), "platc panicked: {stderr}");
    assert_ne!(output.status, -1, "platc died of a signal: {stderr}");
}

/// Compiles `spec` into `out` and asserts it succeeded.
fn compile_ok(spec: &Path, out: &Path) {
    let output = compile(spec, out);
    assert_no_panic(&output);
    assert_eq!(output.status, 0, "{}", output.stderr);
}

/// Every regular file under `dir`, by relative path.
fn files_under(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    fn walk(dir: &Path, prefix: &str, into: &mut BTreeMap<String, Vec<u8>>) {
        for entry in fs::read_dir(dir).unwrap().flatten() {
            let rel = format!("{prefix}{}", entry.file_name().to_string_lossy());
            let kind = entry.file_type().unwrap();
            if kind.is_dir() {
                walk(&entry.path(), &format!("{rel}/"), into);
            } else {
                into.insert(rel, fs::read(entry.path()).unwrap_or_default());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, "", &mut out);
    out
}

fn is_temporary(rel: &str) -> bool {
    rel.rsplit('/')
        .next()
        .is_some_and(|name| name.contains(".platc-tmp-"))
}

/// `out` holds exactly `tree` plus the manifest.
fn assert_tree(out: &Path, tree: &BTreeMap<String, String>) {
    let on_disk = files_under(out);
    for (path, content) in tree {
        let found = on_disk
            .get(path)
            .unwrap_or_else(|| panic!("{path} is missing"));
        assert!(found == content.as_bytes(), "{path} differs");
    }
    let extra: Vec<&String> = on_disk
        .keys()
        .filter(|p| !tree.contains_key(*p) && p.as_str() != platc::emit::MANIFEST)
        .collect();
    assert!(extra.is_empty(), "unexpected files: {extra:?}");
}

#[test]
fn a_folder_replaced_by_a_file_is_reported_and_left_alone() {
    let dir = TempDir::new().unwrap();
    let spec = spec_file(dir.path(), "a", &spec_text(3, 50));
    let out = dir.path().join("out");
    compile_ok(&spec, &out);
    let folder = out.join("prod0000");
    assert!(
        folder.is_dir(),
        "expected a prod0000 folder in {:?}",
        files_under(&out).keys()
    );
    fs::remove_dir_all(&folder).unwrap();
    fs::write(&folder, "not a folder\n").unwrap();

    let output = compile(&spec, &out);
    assert_no_panic(&output);
    assert_ne!(output.status, 0, "compile wrote through a file in the way");
    assert_eq!(fs::read_to_string(&folder).unwrap(), "not a folder\n");
    assert!(
        files_under(&out).keys().all(|p| !is_temporary(p)),
        "temporary files left behind"
    );
}

/// Outputs of 256 files or more are staged on several threads, one subtree each.
#[test]
fn a_large_output_compiles_into_an_empty_folder_and_over_itself() {
    let dir = TempDir::new().unwrap();
    let spec_a = spec_file(dir.path(), "a", &spec_text(80, 50));
    let spec_b = spec_file(dir.path(), "b", &spec_text(80, 77));
    let tree_a = expected(&spec_a);
    assert!(tree_a.len() >= 256, "only {} files", tree_a.len());
    let out = dir.path().join("out");
    compile_ok(&spec_a, &out);
    assert_tree(&out, &tree_a);
    compile_ok(&spec_b, &out);
    assert_tree(&out, &expected(&spec_b));
}

#[test]
fn the_output_folder_being_a_file_is_an_error() {
    let dir = TempDir::new().unwrap();
    let spec = spec_file(dir.path(), "a", &spec_text(1, 50));
    let out = dir.path().join("out");
    fs::write(&out, "a file\n").unwrap();
    let output = compile(&spec, &out);
    assert_no_panic(&output);
    assert_ne!(output.status, 0);
    assert_eq!(fs::read_to_string(&out).unwrap(), "a file\n");
}

#[test]
fn symlinks_inside_out_are_never_followed_for_writing() {
    let dir = TempDir::new().unwrap();
    let spec_a = spec_file(dir.path(), "a", &spec_text(3, 50));
    let spec_b = spec_file(dir.path(), "b", &spec_text(3, 51));
    let out = dir.path().join("out");
    compile_ok(&spec_a, &out);

    // A file replaced by a symlink to a file outside, and a folder replaced by a symlink to a
    // folder outside. Spec b changes both, so compile has a reason to write there.
    let outside = dir.path().join("outside");
    fs::create_dir_all(outside.join("folder")).unwrap();
    fs::write(outside.join("victim"), "precious\n").unwrap();
    let tree_b = expected(&spec_b);
    let changed: Vec<&String> = tree_b
        .iter()
        .filter(|(p, c)| fs::read(out.join(p)).ok().as_deref() != Some(c.as_bytes()))
        .map(|(p, _)| p)
        .collect();
    let file = changed
        .iter()
        .find(|p| p.contains('/'))
        .expect("a changed file in a folder");
    let target = out.join(file);
    fs::remove_file(&target).unwrap();
    std::os::unix::fs::symlink(outside.join("victim"), &target).unwrap();
    let folder = out.join("dev0001");
    assert!(folder.is_dir());
    fs::remove_dir_all(&folder).unwrap();
    std::os::unix::fs::symlink(outside.join("folder"), &folder).unwrap();

    for force in [false, true] {
        let mut cmd = common::command();
        cmd.args(["compile", "-f"])
            .arg(&spec_b)
            .arg("--out")
            .arg(&out);
        if force {
            cmd.arg("--force");
        }
        let output = Outcome::of(&mut cmd);
        assert_no_panic(&output);
        assert_eq!(
            fs::read_to_string(outside.join("victim")).unwrap(),
            "precious\n"
        );
        let written: Vec<_> = fs::read_dir(outside.join("folder")).unwrap().collect();
        assert!(
            written.is_empty(),
            "compile wrote through a folder symlink: {written:?}"
        );
    }
}

/// A small xorshift generator seeded from the clock: delays differ from run to run.
struct Rng(u64);

impl Rng {
    fn new() -> Self {
        let nanos = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .unwrap()
            .as_nanos() as u64;
        Rng(nanos | 1)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n.max(1)
    }
}

/// `out` holds no temporary file, no journal and no empty folder.
fn assert_clean(out: &Path, context: &str) {
    fn walk(dir: &Path, context: &str) {
        let entries: Vec<_> = fs::read_dir(dir).unwrap().flatten().collect();
        assert!(
            !entries.is_empty(),
            "{context}: empty folder {}",
            dir.display()
        );
        for entry in entries {
            let name = entry.file_name().to_string_lossy().into_owned();
            assert!(!is_temporary(&name), "{context}: {name} left behind");
            assert_ne!(name, platc::emit::JOURNAL, "{context}: journal left behind");
            if entry.file_type().unwrap().is_dir() {
                walk(&entry.path(), context);
            }
        }
    }
    walk(out, context);
}

/// 100 compiles killed (SIGKILL) at random points, each followed by a compile of a randomly
/// chosen spec (often a third one): the killed run leaves every file wholly old or new, and the
/// next compile always succeeds with exactly its tree: it never refuses a file platc wrote
/// (E054), never leaves a temporary file, journal or empty folder behind.
#[test]
fn a_hundred_compiles_killed_at_random_points_are_always_finished_by_the_next() {
    let dir = TempDir::new().unwrap();
    // Three specs whose trees differ in content and in which files exist.
    let specs = [
        spec_file(dir.path(), "a", &spec_text(12, 50)),
        spec_file(dir.path(), "b", &spec_text(12, 77)),
        spec_file(dir.path(), "c", &spec_text(8, 61)),
    ];
    let trees: Vec<BTreeMap<String, String>> = specs.iter().map(|s| expected(s)).collect();
    assert_ne!(trees[0].len(), trees[2].len(), "spec c should drop files");
    let out = dir.path().join("out");
    let bin = cargo_bin("platc");

    // How long a full compile from one spec to another takes, to aim the kills inside it.
    compile_ok(&specs[0], &out);
    let started = Instant::now();
    compile_ok(&specs[1], &out);
    let mut full = started.elapsed().as_micros() as u64;
    compile_ok(&specs[0], &out);

    let mut rng = Rng::new();
    let mut now = 0;
    let mut killed = 0;
    for round in 0..100 {
        let to = (now + 1 + rng.below(2) as usize) % 3;
        let mut child = StdCommand::new(&bin)
            .args(["compile", "-f"])
            .arg(&specs[to])
            .arg("--out")
            .arg(&out)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        // Half anywhere in the run, half in its second half, where the writes are.
        let delay = if round % 2 == 0 {
            rng.below(full)
        } else {
            full / 2 + rng.below(full * 2 / 3)
        };
        std::thread::sleep(Duration::from_micros(delay));
        if child.try_wait().unwrap().is_none() {
            killed += 1;
        }
        let _ = child.kill(); // SIGKILL
        let _ = child.wait();

        for (path, content) in files_under(&out) {
            let name = path.rsplit('/').next().unwrap_or_default();
            if is_temporary(name) || path == platc::emit::MANIFEST || path == platc::emit::JOURNAL {
                continue;
            }
            let old = trees[now].get(&path).map(String::as_bytes);
            let new = trees[to].get(&path).map(String::as_bytes);
            assert!(
                old == Some(&content[..]) || new == Some(&content[..]),
                "round {round}: {path} is neither the old nor the new version"
            );
        }
        for path in trees[now].keys().filter(|p| trees[to].contains_key(*p)) {
            assert!(out.join(path).exists(), "round {round}: {path} vanished");
        }
        // The next compile, of any spec, finishes the job.
        let next = rng.below(3) as usize;
        if round % 10 == 9 {
            let check = Outcome::of(
                common::command()
                    .args(["check", "-f"])
                    .arg(&specs[next])
                    .arg("--out")
                    .arg(&out),
            );
            assert_no_panic(&check);
            assert!(matches!(check.status, 0 | 1), "{}", check.stderr);
        }
        let started = Instant::now();
        compile_ok(&specs[next], &out);
        // Track the machine's current speed (CI shares its cores), to keep aiming inside a run.
        full = (full * 3 + started.elapsed().as_micros() as u64) / 4;
        assert_tree(&out, &trees[next]);
        assert_clean(&out, &format!("round {round}"));
        now = next;
    }
    eprintln!("killed 100 compiles, {killed} of them mid-run (last full compile: {full} µs)");
    assert!(killed >= 25, "only {killed} kills landed inside a compile");
}

/// Runs `platc compile SPEC --out OUT` without waiting.
fn spawn_compile(spec: &Path, out: &Path) -> std::process::Child {
    StdCommand::new(cargo_bin("platc"))
        .args(["compile", "-f"])
        .arg(spec)
        .arg("--out")
        .arg(out)
        .env("PLATC_LOCK_TIMEOUT", "600")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// Saves `text` as `spec` the way editors do: a new file renamed over the old one.
fn save(spec: &Path, text: &str) {
    let temp = spec.with_extension("saving");
    fs::write(&temp, text).unwrap();
    fs::rename(&temp, spec).unwrap();
}

/// 50 compiles at once while the spec is saved again and again: with the same text, every one
/// succeeds and the tree is the spec's; with alternating texts, each either succeeds having
/// compiled the spec as it stands or refuses with E059, the tree is always wholly one spec's,
/// and a final compile gives exactly the last spec's tree.
#[test]
fn fifty_concurrent_compiles_never_mix_trees_nor_fail_spuriously() {
    let dir = TempDir::new().unwrap();
    let text_a = spec_text(6, 50);
    let text_b = spec_text(6, 77);
    let spec = spec_file(dir.path(), "s", &text_a);
    let tree_a = expected(&spec);
    let tree_b = expected(&spec_file(dir.path(), "b", &text_b));
    let out = dir.path().join("out");

    for alternate in [false, true] {
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let saver = {
            let (stop, spec) = (stop.clone(), spec.clone());
            let (text_a, text_b) = (text_a.clone(), text_b.clone());
            std::thread::spawn(move || {
                let mut i = 0u64;
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    let b = alternate && i % 2 == 1;
                    save(&spec, if b { &text_b } else { &text_a });
                    i += 1;
                    std::thread::sleep(Duration::from_millis(15));
                }
                // The last save is always spec a.
                save(&spec, &text_a);
            })
        };
        let children: Vec<_> = (0..25).map(|_| spawn_compile(&spec, &out)).collect();
        let mut outcomes: Vec<Outcome> = Vec::new();
        for child in children {
            outcomes.push(Outcome::from_output(&child.wait_with_output().unwrap()));
        }
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
        saver.join().unwrap();
        for (i, outcome) in outcomes.iter().enumerate() {
            assert_no_panic(outcome);
            let refused = outcome.status == 2 && outcome.stderr.contains("E059");
            assert!(
                outcome.status == 0 || (alternate && refused),
                "alternate={alternate}, compile {i}: exit {}: {}",
                outcome.status,
                outcome.stderr
            );
        }
        let on_disk = files_under(&out);
        let is = |tree: &BTreeMap<String, String>| {
            on_disk
                .iter()
                .filter(|(p, _)| p.as_str() != platc::emit::MANIFEST)
                .map(|(p, c)| (p.as_str(), c.as_slice()))
                .eq(tree.iter().map(|(p, c)| (p.as_str(), c.as_bytes())))
        };
        assert!(
            is(&tree_a) || is(&tree_b),
            "alternate={alternate}: a mixed tree"
        );
        if !alternate {
            assert!(is(&tree_a));
        }
        assert_clean(&out, &format!("alternate={alternate}"));
        compile_ok(&spec, &out);
        assert_tree(&out, &tree_a);
    }
}

/// A compile that cannot get the lock in time says so and writes nothing.
#[test]
fn a_compile_waiting_too_long_for_the_lock_refuses_cleanly() {
    let dir = TempDir::new().unwrap();
    let spec = spec_file(dir.path(), "a", &spec_text(2, 50));
    let out = dir.path().join("out");
    let held = platc::emit::exclusive(&out, |_| {}).unwrap();
    let output = Outcome::of(
        common::command()
            .args(["compile", "-f"])
            .arg(&spec)
            .arg("--out")
            .arg(&out)
            .env("PLATC_LOCK_TIMEOUT", "1"),
    );
    assert_no_panic(&output);
    assert_eq!(output.status, 2, "{}", output.stderr);
    assert!(
        output.stderr.contains("waiting for another platc"),
        "{}",
        output.stderr
    );
    assert!(output.stderr.contains("E061"), "{}", output.stderr);
    assert!(files_under(&out).is_empty(), "a locked folder was written");
    drop(held);
    compile_ok(&spec, &out);
}

#[test]
fn a_spec_rewritten_while_being_read_never_panics_nor_mixes_trees() {
    let dir = TempDir::new().unwrap();
    // The writer truncates, then writes: a reader may see a prefix of either text. With the
    // required `version` last, no prefix is itself a valid spec (one cut after a whole
    // environment would compile to a third tree and fail this test by chance).
    let version_last = |text: String| {
        let rest = text.replacen("version: 1\n", "", 1);
        assert_ne!(rest, text, "the generated spec starts with `version: 1`");
        format!("{rest}version: 1\n")
    };
    let text_a = version_last(spec_text(30, 50));
    let text_b = version_last(spec_text(30, 77));
    let spec = spec_file(dir.path(), "s", &text_a);
    let tree_a = expected(&spec);
    let spec_b = spec_file(dir.path(), "b", &text_b);
    let tree_b = expected(&spec_b);

    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let writer = {
        let stop = stop.clone();
        let spec = spec.clone();
        std::thread::spawn(move || {
            let mut i = 0u64;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                // Plain (non-atomic) rewrites: readers may see a truncated or mixed file.
                let _ = fs::write(
                    &spec,
                    if i.is_multiple_of(2) {
                        &text_b
                    } else {
                        &text_a
                    },
                );
                i += 1;
            }
        })
    };
    for round in 0..10 {
        let out = dir.path().join(format!("out{round}"));
        let output = compile(&spec, &out);
        assert_no_panic(&output);
        match output.status {
            0 => {
                let on_disk = files_under(&out);
                let matches = |tree: &BTreeMap<String, String>| {
                    tree.iter()
                        .all(|(p, c)| on_disk.get(p).map(Vec::as_slice) == Some(c.as_bytes()))
                };
                assert!(
                    matches(&tree_a) || matches(&tree_b),
                    "round {round}: a mix of two specs"
                );
            }
            1 | 2 => {}
            other => panic!("round {round}: exit {other:?}"),
        }
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    writer.join().unwrap();
}
