//! Hostile and malformed specs: each file in `tests/corpus/` must be rejected with the expected
//! diagnostic at the expected place, and never crash the binary.
//!
//! A file's first line is `# expect: CODE LINE:COL [EXIT]`; files that cannot hold a comment
//! (empty, not UTF-8) have a sidecar `NAME.expect` holding `CODE LINE:COL [EXIT]`. EXIT defaults
//! to 1. A second line `# xfail: why` marks a known wrong place: the code must still appear, and
//! the test fails once the place becomes right, so the mark gets removed.

mod common;

use std::fs;
use std::path::{Path, PathBuf};

use common::Outcome;
use serde_json::Value;

struct Expect {
    code: String,
    line: u64,
    column: u64,
    exit: i32,
    xfail: bool,
}

fn parse_expect(spec: &str, xfail: bool) -> Expect {
    let mut parts = spec.split_whitespace();
    let code = parts.next().expect("a code").to_owned();
    let place = parts.next().expect("LINE:COL");
    let (line, column) = place.split_once(':').expect("LINE:COL");
    let exit = parts.next().map_or(1, |e| e.parse().expect("an exit code"));
    Expect {
        code,
        line: line.parse().expect("a line"),
        column: column.parse().expect("a column"),
        exit,
        xfail,
    }
}

fn expectation(path: &Path) -> Expect {
    let sidecar = PathBuf::from(format!("{}.expect", path.display()));
    if sidecar.exists() {
        return parse_expect(&fs::read_to_string(&sidecar).unwrap(), false);
    }
    let bytes = fs::read(path).unwrap();
    let text = String::from_utf8_lossy(&bytes);
    let mut lines = text.lines();
    let first = lines.next().unwrap_or_default();
    let spec = first.strip_prefix("# expect: ").unwrap_or_else(|| {
        panic!(
            "{}: first line must be `# expect: CODE LINE:COL`",
            path.display()
        )
    });
    let xfail = lines.next().is_some_and(|l| l.starts_with("# xfail:"));
    parse_expect(spec, xfail)
}

fn corpus() -> Vec<PathBuf> {
    let dir = common::crate_dir().join("tests/corpus");
    let mut files: Vec<PathBuf> = fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    files.sort();
    files
}

/// Runs `platc validate --format json -f FILE`; a panic is left for the caller to judge.
fn validate_json(path: &Path) -> Outcome {
    let output = common::command()
        .args(["validate", "--format", "json", "-f"])
        .arg(path)
        .output()
        .unwrap();
    Outcome::from_output(&output)
}

/// Runs `platc validate --format json -f FILE` and checks it against the expectation.
fn check(path: &Path, expect: &Expect) -> Result<(), String> {
    let output = validate_json(path);
    let name = path.display();
    let stderr = &output.stderr;
    let code = output.status;
    if code == 101 || stderr.contains("panicked") {
        return Err(format!("{name}: platc panicked: {stderr}"));
    }
    if code != expect.exit {
        return Err(format!(
            "{name}: exit {code}, expected {}; stderr: {stderr}",
            expect.exit
        ));
    }
    let json: Value = serde_json::from_str(&output.stdout)
        .map_err(|e| format!("{name}: stdout is not JSON ({e}): {}", output.stdout))?;
    let diagnostics = json["diagnostics"].as_array().cloned().unwrap_or_default();
    let with_code: Vec<(u64, u64)> = diagnostics
        .iter()
        .filter(|d| d["code"] == expect.code.as_str())
        .map(|d| {
            (
                d["place"]["line"].as_u64().unwrap_or(0),
                d["place"]["column"].as_u64().unwrap_or(0),
            )
        })
        .collect();
    if with_code.is_empty() {
        let codes: Vec<&Value> = diagnostics.iter().map(|d| &d["code"]).collect();
        return Err(format!(
            "{name}: no {} diagnostic; got {codes:?}",
            expect.code
        ));
    }
    let at_place = with_code.contains(&(expect.line, expect.column));
    match (at_place, expect.xfail) {
        (true, false) | (false, true) => Ok(()),
        (false, false) => Err(format!(
            "{name}: {} expected at {}:{}, found at {with_code:?}",
            expect.code, expect.line, expect.column
        )),
        (true, true) => Err(format!(
            "{name}: the known bug is fixed: remove its `# xfail:` line"
        )),
    }
}

#[test]
fn every_corpus_file_is_rejected_at_the_expected_place() {
    let files = corpus();
    assert!(files.len() >= 40, "the corpus has {} files", files.len());
    let failures: Vec<String> = files
        .iter()
        .filter_map(|path| check(path, &expectation(path)).err())
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} corpus files failed:\n{}",
        failures.len(),
        files.len(),
        failures.join("\n")
    );
}

#[test]
fn a_spec_over_the_size_limit_is_rejected_before_parsing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("huge.yaml");
    let mut text = String::from("version: 1\nplatform:\n  name: \"");
    text.push_str(&"x".repeat(platc::load::MAX_SPEC_BYTES));
    text.push_str("\"\n");
    fs::write(&path, text).unwrap();
    let output = validate_json(&path);
    assert_eq!(output.status, 1);
    let json = common::json_stdout(&output, "validate");
    assert_eq!(json["diagnostics"][0]["code"], "E002");
}

#[test]
fn a_missing_spec_is_an_io_error() {
    let output = validate_json(Path::new("/nonexistent/platform.yaml"));
    assert_eq!(output.status, 2);
}
