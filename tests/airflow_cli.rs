//! `platc airflow options|explain` and `platc upgrade`, run as the binary.

mod common;

use std::fs;
use std::path::Path;

use assert_cmd::Command;
use common::{Outcome, bundled_spec};
use tempfile::TempDir;

/// The `platc` binary, with `NO_COLOR` set.
fn platc() -> Command {
    let mut cmd = common::command();
    cmd.env("NO_COLOR", "1");
    cmd
}

/// `platc -f SPEC`, arguments to follow.
fn platc_f(spec: &Path) -> Command {
    let mut cmd = platc();
    cmd.arg("-f").arg(spec);
    cmd
}

/// Runs `cmd`, asserts it succeeded and returns its stdout.
fn stdout(cmd: &mut Command) -> String {
    let out = Outcome::of(cmd);
    assert!(
        out.status == 0,
        "exit {}\nstdout:\n{}\nstderr:\n{}",
        out.status,
        out.stdout,
        out.stderr
    );
    out.stdout
}

/// Runs `platc -f BUNDLED ARGS`, asserts it succeeded and returns its stdout.
fn on_bundled(args: &[&str]) -> String {
    stdout(platc_f(&bundled_spec()).args(args))
}

/// Runs `platc -f BUNDLED ARGS`, asserts it is a usage error (exit 2) and returns its stderr.
fn usage_error(args: &[&str]) -> String {
    let out = Outcome::of(platc_f(&bundled_spec()).args(args));
    assert_eq!(out.status, 2);
    out.stderr
}

#[test]
fn options_lists_one_section() {
    let text = on_bundled(&["airflow", "options", "dag_processor"]);
    assert!(
        text.starts_with("[dag_processor]  (Airflow 3.2.2"),
        "{text}"
    );
    assert!(text.contains("parsing_processes"), "{text}");
    assert!(!text.contains("[core]"), "{text}");

    let json = stdout(platc().args([
        "airflow",
        "options",
        "api",
        "--version",
        "3.3.2",
        "--format",
        "json",
    ]));
    let report: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(report["version"], "3.3.2");
    assert_eq!(report["diagnostics"], serde_json::json!([]));
    let rows = report["options"].as_array().unwrap();
    let timeout = rows
        .iter()
        .find(|r| r["option"] == "worker_timeout")
        .unwrap();
    assert_eq!(timeout["section"], "api");
    assert_eq!(timeout["type"], "integer");
    assert_eq!(timeout["default"], "120");
    assert_eq!(timeout["sensitive"], false);
    let server = rows.iter().find(|r| r["option"] == "server_type").unwrap();
    assert_eq!(server["added"], "3.2.0");
}

#[test]
fn options_of_an_unknown_section_suggests_one() {
    let err = usage_error(&["airflow", "options", "dag_procesor"]);
    assert!(err.contains("did you mean `dag_processor`?"), "{err}");
}

#[test]
fn explain_shows_each_environments_value() {
    let text = on_bundled(&["airflow", "explain", "dag_processor.parsing_processes"]);
    assert!(
        text.contains("[dag_processor] parsing_processes  (Airflow 3.2.2)"),
        "{text}"
    );
    assert!(text.contains("type:       integer"), "{text}");
    assert!(text.contains("default:    2"), "{text}");
    assert!(text.contains("[scheduler] parsing_processes"), "{text}");
    assert!(text.contains("prod: 8"), "{text}");
    assert!(text.contains("dev:  8"), "{text}");

    // The environment-variable form names the same option.
    let json = on_bundled(&[
        "airflow",
        "explain",
        "AIRFLOW__DAG_PROCESSOR__PARSING_PROCESSES",
        "--format",
        "json",
    ]);
    let ex: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(ex["section"], "dag_processor");
    assert_eq!(ex["option"], "parsing_processes");
    let envs = ex["environments"].as_array().unwrap();
    assert_eq!(envs.len(), 2);
    for e in envs {
        assert_eq!(e["value"], 8, "{e}");
    }
}

#[test]
fn explain_of_a_moved_option_names_the_new_one() {
    let text = on_bundled(&[
        "airflow",
        "explain",
        "webserver.web_server_worker_timeout",
        "--version",
        "3.3.2",
    ]);
    assert!(
        text.contains("`[webserver] web_server_worker_timeout` is an old name: it moved to `[api] worker_timeout` in 3.0; Airflow 3.3.2 still reads the old name"),
        "{text}"
    );
    assert!(
        text.contains("[api] worker_timeout  (Airflow 3.3.2)"),
        "{text}"
    );
    assert!(text.contains("default:    120"), "{text}");
    // The bundled spec sets the new name.
    assert!(text.contains("prod: 300"), "{text}");

    let text = on_bundled(&[
        "airflow",
        "explain",
        "webserver.page_size",
        "--version",
        "3.3.2",
    ]);
    assert!(
        text.contains(
            "then to `[api] fallback_page_limit` in 3.2.0; Airflow 3.3.2 does not read the old name"
        ),
        "{text}"
    );

    let err = usage_error(&["airflow", "explain", "core.paralelism"]);
    assert!(err.contains("did you mean `[core] parallelism`?"), "{err}");
}

/// The bundled spec written the way a 2.11 team had it: the reference tuning under its old names.
fn spec_2_11() -> String {
    let text = common::bundled();
    let start = text.find("  config:\n").unwrap();
    let end = text.find("\ndags:").unwrap();
    let config = "  config:
    scheduler:
      parsing_processes: 8          # 600 DAG files parse faster
    webserver:
      page_size: 50                 # faster page loads
      worker_refresh_interval: 1800 # recycle gunicorn workers every 30 minutes
      web_server_worker_timeout: 300 # slow pages do not time out
    core:
      default_task_weight_rule: absolute   # tasks late in a DAG are not starved
";
    let text = format!("{}{config}{}", &text[..start], &text[end..]);
    let text = text
        .replacen("  version: 3.2.2\n", "  version: 2.11.2\n", 1)
        .replacen("  chart: 1.22.0\n", "  chart: 1.21.0\n", 1);
    assert!(text.contains("  version: 2.11.2\n  chart: 1.21.0\n"));
    text
}

fn comments(text: &str) -> Vec<&str> {
    text.lines()
        .filter_map(|l| l.find('#').map(|i| l[i..].trim_end()))
        .collect()
}

#[test]
fn upgrade_a_2_11_spec_to_3_3() {
    let dir = TempDir::new().unwrap();
    let spec = dir.path().join("platform.yaml");
    let before = spec_2_11();
    fs::write(&spec, &before).unwrap();

    // The 2.11 spec is valid as it stands.
    platc_f(&spec).arg("validate").assert().success();

    // Without --write: a diff with the renames, and the file untouched.
    let out = Outcome::of(platc_f(&spec).args(["upgrade", "--to", "3.3.2"]));
    assert_eq!(out.status, 0, "{}", out.stderr);
    let (diff, notes) = (out.stdout, out.stderr);
    assert!(
        diff.starts_with("--- a/platform.yaml\n+++ b/platform.yaml\n"),
        "{diff}"
    );
    for line in [
        "-  version: 2.11.2",
        "+  version: 3.3.2",
        "-  chart: 1.21.0",
        "+  chart: 1.22.0",
        "-    scheduler:",
        "+    dag_processor:",
        "-    webserver:",
        "+    api:",
        "-      page_size: 50                 # faster page loads",
        "+      fallback_page_limit: 50       # faster page loads",
        "+      worker_timeout: 300            # slow pages do not time out",
        "+      # worker_refresh_interval: 1800 # recycle gunicorn workers every 30 minutes",
    ] {
        assert!(
            diff.lines().any(|l| l == line),
            "missing {line:?} in\n{diff}"
        );
    }
    assert!(
        notes.contains(
            "renamed: [scheduler] parsing_processes -> [dag_processor] parsing_processes"
        ),
        "{notes}"
    );
    assert!(
        notes.contains("renamed: [webserver] page_size -> [api] fallback_page_limit"),
        "{notes}"
    );
    assert!(
        notes.contains("renamed: [webserver] web_server_worker_timeout -> [api] worker_timeout"),
        "{notes}"
    );
    assert!(
        notes.contains("removed: [webserver] worker_refresh_interval: removed in Airflow 3.0"),
        "{notes}"
    );
    assert!(notes.contains("`[api] server_type = gunicorn`"), "{notes}");
    // The chart-level changes that go with the major.
    assert!(
        notes.contains("the chart reads key `api-secret-key` instead of `webserver-secret-key`"),
        "{notes}"
    );
    assert!(
        notes.contains("the chart's `webserver` component becomes `apiServer`"),
        "{notes}"
    );
    assert_eq!(fs::read_to_string(&spec).unwrap(), before);

    // With --write: the file changes, validates and compiles.
    platc_f(&spec)
        .args(["upgrade", "--to", "3.3.2", "--write"])
        .assert()
        .success();
    let after = fs::read_to_string(&spec).unwrap();
    assert!(
        after.contains("  version: 3.3.2\n  chart: 1.22.0\n"),
        "{after}"
    );
    assert!(
        after.contains(
            "    dag_processor:\n      parsing_processes: 8          # 600 DAG files parse faster\n"
        ),
        "{after}"
    );
    platc_f(&spec).arg("validate").assert().success();
    platc_f(&spec)
        .arg("compile")
        .arg("--out")
        .arg(dir.path().join("out"))
        .assert()
        .success();
    assert!(dir.path().join("out/prod/values.yaml").is_file());

    // Every comment survived (the removed option's line is kept as a comment too), and the
    // lines the upgrade did not touch are byte-identical.
    let after_comments = comments(&after);
    for c in comments(&before) {
        assert!(
            after_comments.iter().any(|a| a.ends_with(c)),
            "lost comment {c:?}\n{after}"
        );
    }
    let head = before.find("airflow:\n").unwrap();
    assert_eq!(&after[..head], &before[..head]);
    let tail = before.find("\ndags:").unwrap();
    assert!(after.ends_with(&before[tail..]));

    // No temporary file is left behind, and a second upgrade has nothing to do.
    let names: Vec<_> = fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert!(
        names.iter().all(|n| !n.contains("platc-upgrade")),
        "{names:?}"
    );
    let again = Outcome::of(platc_f(&spec).args(["upgrade", "--to", "3.3.2"]));
    assert_eq!(again.status, 0);
    assert!(again.stdout.is_empty());
}

#[test]
fn upgrade_refuses_flow_style_config() {
    let dir = TempDir::new().unwrap();
    let spec = dir.path().join("platform.yaml");
    let text = spec_2_11();
    let start = text.find("  config:\n").unwrap();
    let end = text.find("\ndags:").unwrap();
    let flow = "  config: {scheduler: {parsing_processes: 8}}\n";
    fs::write(&spec, format!("{}{flow}{}", &text[..start], &text[end..])).unwrap();
    let out = Outcome::of(platc_f(&spec).args(["upgrade", "--to", "3.3.2", "--write"]));
    assert_eq!(out.status, 2);
    assert!(out.stderr.contains("flow-style"));
    assert!(fs::read_to_string(&spec).unwrap().contains(flow));
}

#[test]
fn upgrade_to_an_unsupported_version_is_a_usage_error() {
    let err = usage_error(&["upgrade", "--to", "2.10.5"]);
    assert!(err.contains("not supported"), "{err}");
}

/// Going back to Airflow 2 renames the options to the names 2.11 reads, instead of dropping them.
#[test]
fn downgrade_to_2_11_restores_the_older_names() {
    let out = Outcome::of(platc_f(&bundled_spec()).args(["upgrade", "--to", "2.11.2"]));
    assert_eq!(out.status, 0, "{}", out.stderr);
    assert!(
        out.stdout
            .contains("-    dag_processor:\n+    scheduler:\n"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("+      web_server_worker_timeout: 300"),
        "{}",
        out.stdout
    );
    assert!(
        out.stderr.contains(
            "renamed: [dag_processor] parsing_processes -> [scheduler] parsing_processes"
        ),
        "{}",
        out.stderr
    );
    assert!(!out.stderr.contains("does not exist"), "{}", out.stderr);
    assert!(
        out.stderr.contains("the upgraded spec validates"),
        "{}",
        out.stderr
    );
}
