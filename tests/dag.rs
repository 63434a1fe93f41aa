//! `platc dag new`, `platc dag check` and the DAG repository's CI workflow, end to end.
//!
//! Black, Python's `ast` and check-jsonschema run when they are installed (on PATH or in
//! `.venv/bin/`); otherwise those tests print a skip line.

mod common;

use std::path::PathBuf;
use std::process::Command as Process;

use common::{Outcome, json_stdout, platc, project};

const CONVENTIONS: &str = "  conventions:
    layout: dags/{domain}/{name}.py
    dagId: \"{domain}__{name}\"
    defaults:
      owner: data-platform
      retries: 2
      onFailureCallback: plugins.alerts.on_failure
      tags: [data-platform]
    schedules: [cron, preset, timedelta, none, asset]
";

/// The bundled spec with the given Airflow version (and its chart), with or without conventions.
fn spec(airflow: &str, conventions: bool) -> String {
    let text = common::bundled();
    let start = text.find("  conventions:\n").expect("bundled conventions");
    let end = start + text[start..].find("\nimage:").expect("image section");
    let mut text = format!(
        "{}{}{}",
        &text[..start],
        if conventions { CONVENTIONS } else { "" },
        &text[end + 1..]
    );
    if airflow.starts_with('2') {
        // Airflow 2 needs chart 1.21 and options Airflow 2 reads.
        let config_start = text.find("  config:\n").expect("config");
        let config_end = config_start + text[config_start..].find("\ndags:").expect("dags");
        text = format!("{}{}", &text[..config_start], &text[config_end + 1..]);
        text = text.replace("chart: 1.22.0", "chart: 1.21.0");
    }
    text.replace("version: 3.2.2", &format!("version: {airflow}"))
}

struct Repo {
    dir: tempfile::TempDir,
}

impl Repo {
    fn new(airflow: &str) -> Self {
        Self::with_spec(&spec(airflow, true))
    }

    fn with_spec(spec: &str) -> Self {
        Repo { dir: project(spec) }
    }

    fn write(&self, rel: &str, text: &str) -> &Self {
        let path = self.dir.path().join(rel);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(path, text).expect("write");
        self
    }

    fn read(&self, rel: &str) -> String {
        std::fs::read_to_string(self.dir.path().join(rel)).expect("read")
    }

    fn path(&self) -> PathBuf {
        self.dir.path().to_path_buf()
    }

    fn run(&self, args: &[&str]) -> Outcome {
        platc(self.dir.path(), args)
    }

    /// `platc dag check --format json`: (code, line, column) of each diagnostic.
    fn check_places(&self, args: &[&str]) -> (i32, Vec<(String, usize, usize)>) {
        let mut all = vec!["dag", "check", "--format", "json"];
        all.extend(args);
        let out = self.run(&all);
        let report = json_stdout(&out, "dag check");
        let places = report["diagnostics"]
            .as_array()
            .expect("diagnostics")
            .iter()
            .map(|d| {
                (
                    d["code"].as_str().unwrap_or("").to_owned(),
                    d["place"]["line"].as_u64().unwrap_or(0) as usize,
                    d["place"]["column"].as_u64().unwrap_or(0) as usize,
                )
            })
            .collect();
        (out.status, places)
    }
}

fn place(code: &str, line: usize, column: usize) -> (String, usize, usize) {
    (code.to_owned(), line, column)
}

/// A tool from PATH or from the crate's `.venv/bin/`.
fn tool(name: &str) -> Option<PathBuf> {
    let venv = common::crate_dir().join(".venv/bin").join(name);
    if venv.is_file() {
        return Some(venv);
    }
    Process::new(name)
        .arg("--version")
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|_| PathBuf::from(name))
}

/// A good DAG for Airflow 3 at `dags/sales/orders.py`.
const GOOD: &str = r#"from airflow.sdk import DAG, task
from plugins.alerts import on_failure

default_args = {"owner": "data-platform", "retries": 2, "on_failure_callback": on_failure}

with DAG(
    dag_id="sales__orders",
    schedule="@daily",
    default_args=default_args,
    tags=["data-platform"],
):
    pass
"#;

#[test]
fn scaffold_on_airflow_3_uses_the_task_sdk_and_the_team_defaults() {
    let repo = Repo::new("3.2.2");
    let out = repo.run(&[
        "dag",
        "new",
        "sales",
        "daily_orders",
        "--schedule",
        "0 6 * * *",
        "--tags",
        "finance",
    ]);
    assert_eq!(out.status, 0, "{}", out.stderr);
    assert!(
        out.stderr
            .contains("created dags/sales/daily_orders.py (dag_id sales__daily_orders)"),
        "{}",
        out.stderr
    );
    let text = repo.read("dags/sales/daily_orders.py");
    assert!(
        text.contains("from airflow.sdk import DAG, task\n"),
        "{text}"
    );
    assert!(!text.contains("airflow.decorators"), "{text}");
    assert!(
        text.contains("from plugins.alerts import on_failure\n"),
        "{text}"
    );
    assert!(text.contains("    \"owner\": \"data-platform\",\n    \"retries\": 2,\n    \"on_failure_callback\": on_failure,\n"), "{text}");
    assert!(
        text.contains("    dag_id=\"sales__daily_orders\",\n    schedule=\"0 6 * * *\",\n"),
        "{text}"
    );
    assert!(
        text.contains("    tags=[\"data-platform\", \"sales\", \"finance\"],\n"),
        "{text}"
    );
    let check = repo.run(&["dag", "check"]);
    assert_eq!(check.status, 0, "{}", check.stderr);
}

#[test]
fn scaffold_on_airflow_2_imports_from_airflow() {
    let repo = Repo::new("2.11.2");
    let out = repo.run(&[
        "dag",
        "new",
        "ops",
        "cleanup",
        "--schedule",
        "6h",
        "--owner",
        "ops-team",
    ]);
    assert_eq!(out.status, 0, "{}", out.stderr);
    let text = repo.read("dags/ops/cleanup.py");
    assert!(
        text.contains("from airflow import DAG\nfrom airflow.decorators import task\n"),
        "{text}"
    );
    assert!(!text.contains("airflow.sdk"), "{text}");
    assert!(text.contains("from datetime import timedelta\n"), "{text}");
    assert!(
        text.contains("    schedule=timedelta(hours=6),\n"),
        "{text}"
    );
    assert!(text.contains("\"owner\": \"ops-team\""), "{text}");
    let check = repo.run(&["dag", "check"]);
    assert_eq!(check.status, 0, "{}", check.stderr);
}

#[test]
fn scaffold_refuses_to_overwrite() {
    let repo = Repo::new("3.2.2");
    assert_eq!(repo.run(&["dag", "new", "sales", "orders"]).status, 0);
    repo.write("dags/sales/orders.py", "# edited by hand\n");
    let again = repo.run(&["dag", "new", "sales", "orders"]);
    assert_eq!(again.status, 1);
    assert!(
        again
            .stderr
            .contains("error[dag-exists]: dags/sales/orders.py already exists"),
        "{}",
        again.stderr
    );
    assert_eq!(repo.read("dags/sales/orders.py"), "# edited by hand\n");
}

#[test]
fn scaffold_refuses_a_dag_id_that_exists_elsewhere() {
    let repo = Repo::new("3.2.2");
    repo.write(
        "dags/legacy/old.py",
        "from airflow.sdk import DAG\n\nwith DAG('sales__orders'):\n    pass\n",
    );
    let out = repo.run(&["dag", "new", "sales", "orders"]);
    assert_eq!(out.status, 1, "{}", out.stderr);
    assert!(
        out.stderr.contains(
            "error[dag-id-duplicate]: dag_id `sales__orders` already exists in dags/legacy/old.py"
        ),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("dags/legacy/old.py:3:10"),
        "{}",
        out.stderr
    );
    assert!(!repo.path().join("dags/sales/orders.py").exists());
}

#[test]
fn scaffold_validates_names_and_needs_conventions() {
    let repo = Repo::new("3.2.2");
    let out = repo.run(&["dag", "new", "Sales", "orders"]);
    assert_eq!(
        out.status, 2,
        "arguments that break the conventions are a usage error"
    );
    assert!(
        out.stderr
            .contains("error[dag-name]: the domain `Sales` is not lower snake case"),
        "{}",
        out.stderr
    );
    let out = repo.run(&["dag", "new", "sales", "daily-orders"]);
    assert_eq!(
        out.status, 2,
        "arguments that break the conventions are a usage error"
    );
    assert!(
        out.stderr.contains("the name `daily-orders`"),
        "{}",
        out.stderr
    );
    let out = repo.run(&["dag", "new", "sales", "x", "--schedule", "@dayly"]);
    assert_eq!(
        out.status, 2,
        "arguments that break the conventions are a usage error"
    );
    assert!(out.stderr.contains("dag-schedule-form"), "{}", out.stderr);
    let bare = Repo::with_spec(&spec("3.2.2", false));
    let out = bare.run(&["dag", "new", "sales", "orders"]);
    assert_eq!(out.status, 1);
    assert!(
        out.stderr
            .contains("error[dag-conventions]: the spec has no `dags.conventions`"),
        "{}",
        out.stderr
    );
}

#[test]
fn a_good_file_passes() {
    let repo = Repo::new("3.2.2");
    repo.write("dags/sales/orders.py", GOOD);
    let out = repo.run(&["dag", "check"]);
    assert_eq!(out.status, 0, "{}", out.stderr);
    assert!(
        out.stderr.contains("1 DAG file checked, no problems"),
        "{}",
        out.stderr
    );
    assert_eq!(repo.check_places(&[]), (0, vec![]));
}

#[test]
fn dag_id_rule() {
    let repo = Repo::new("3.2.2");
    repo.write(
        "dags/sales/orders.py",
        &GOOD.replace("dag_id=\"sales__orders\"", "dag_id=\"orders\""),
    );
    assert_eq!(
        repo.check_places(&[]),
        (1, vec![place("dag-id-rule", 7, 12)])
    );
    let human = repo.run(&["dag", "check"]);
    assert!(
        human.stderr.contains(" --> dags/sales/orders.py:7:12"),
        "{}",
        human.stderr
    );
    assert!(
        human.stderr.contains("7 |     dag_id=\"orders\","),
        "{}",
        human.stderr
    );
    assert!(
        human.stderr.contains("expected `sales__orders`"),
        "{}",
        human.stderr
    );
    // The decorated function's name is the dag_id when none is given.
    let repo = Repo::new("3.2.2");
    repo.write(
        "dags/sales/orders.py",
        "from airflow.sdk import dag\nfrom plugins.alerts import on_failure\n\n\n@dag(schedule=None, tags=[\"data-platform\"], default_args={\"owner\": \"x\", \"retries\": 1, \"on_failure_callback\": on_failure})\ndef orders():\n    pass\n",
    );
    assert_eq!(
        repo.check_places(&[]),
        (1, vec![place("dag-id-rule", 6, 5)])
    );
    repo.write("dags/sales/orders.py", &"from airflow.sdk import dag\nfrom plugins.alerts import on_failure\n\n\n@dag(schedule=None, tags=[\"data-platform\"], default_args={\"owner\": \"x\", \"retries\": 1, \"on_failure_callback\": on_failure})\ndef orders():\n    pass\n".replace("def orders", "def sales__orders"));
    assert_eq!(repo.check_places(&[]), (0, vec![]));
}

#[test]
fn a_dag_outside_the_layout_is_reported() {
    let repo = Repo::new("3.2.2");
    repo.write("dags/sales/extra/orders.py", GOOD);
    assert_eq!(
        repo.check_places(&[]),
        (1, vec![place("dag-path-rule", 6, 6)])
    );
}

#[test]
fn dag_id_duplicate_points_at_both_places() {
    let repo = Repo::new("3.2.2");
    repo.write("dags/sales/orders.py", GOOD);
    repo.write("dags/sales/orders_copy.py", &format!("\n{GOOD}"));
    let (status, places) = repo.check_places(&[]);
    assert_eq!(status, 1);
    assert!(
        places.contains(&place("dag-id-duplicate", 7, 12)),
        "{places:?}"
    );
    assert!(
        places.contains(&place("dag-id-duplicate", 8, 12)),
        "{places:?}"
    );
    let human = repo.run(&["dag", "check", "dags/sales/orders.py"]);
    assert_eq!(human.status, 1);
    assert!(
        human
            .stderr
            .contains("note: also declared at dags/sales/orders_copy.py:8:12"),
        "{}",
        human.stderr
    );
}

#[test]
fn dag_missing_default() {
    let repo = Repo::new("3.2.2");
    let text = GOOD
        .replace(", \"retries\": 2", "")
        .replace("tags=[\"data-platform\"]", "tags=[\"sales\"]");
    repo.write("dags/sales/orders.py", &text);
    assert_eq!(
        repo.check_places(&[]),
        (1, vec![place("dag-missing-default", 4, 16)])
    );
    let no_args =
        "from airflow.sdk import DAG\n\nwith DAG(\"sales__orders\", schedule=None):\n    pass\n";
    repo.write("dags/sales/orders.py", no_args);
    let (status, places) = repo.check_places(&[]);
    assert_eq!(status, 1);
    assert_eq!(
        places
            .iter()
            .filter(|p| p.0 == "dag-missing-default")
            .count(),
        1,
        "all of one DAG's missing defaults are one finding: {places:?}"
    );
    assert!(places.iter().all(|p| (p.1, p.2) == (3, 6)), "{places:?}");
}

#[test]
fn dag_schedule_form() {
    let repo = Repo::new("3.2.2");
    repo.write(
        "dags/sales/orders.py",
        &GOOD.replace("\"@daily\"", "\"every day\""),
    );
    assert_eq!(
        repo.check_places(&[]),
        (1, vec![place("dag-schedule-form", 8, 14)])
    );
    // The bundled conventions do not allow timetables.
    repo.write(
        "dags/sales/orders.py",
        &GOOD.replace(
            "\"@daily\"",
            "CronTriggerTimetable(\"0 6 * * *\", timezone=\"UTC\")",
        ),
    );
    assert_eq!(
        repo.check_places(&[]),
        (1, vec![place("dag-schedule-form", 8, 14)])
    );
    repo.write(
        "dags/sales/orders.py",
        &GOOD.replace("schedule=", "schedule_interval="),
    );
    assert_eq!(
        repo.check_places(&[]),
        (1, vec![place("dag-schedule-form", 8, 5)])
    );
    repo.write(
        "dags/sales/orders.py",
        &GOOD.replace("\"@daily\"", "[Asset(\"s3://bucket/orders\")]"),
    );
    assert_eq!(repo.check_places(&[]), (0, vec![]));
}

#[test]
fn dag_import_missing_on_airflow_3() {
    let repo = Repo::new("3.2.2");
    let text = format!(
        "from airflow.operators.dummy import DummyOperator\nfrom airflow.utils.dates import days_ago\nimport airflow.contrib.operators.ssh_operator\nfrom airflow.operators.bash import BashOperator\n{GOOD}"
    );
    repo.write("dags/sales/orders.py", &text);
    assert_eq!(
        repo.check_places(&[]),
        (
            1,
            vec![
                place("dag-import-missing", 1, 6),
                place("dag-import-missing", 2, 33),
                place("dag-import-missing", 3, 8),
                place("dag-import-moved", 4, 6),
            ]
        )
    );
    let human = repo.run(&["dag", "check"]);
    assert!(
        human
            .stderr
            .contains("help: use EmptyOperator from airflow.providers.standard.operators.empty"),
        "{}",
        human.stderr
    );
    // A warning alone passes, unless warnings are denied.
    repo.write(
        "dags/sales/orders.py",
        &format!("from airflow.operators.bash import BashOperator\n{GOOD}"),
    );
    assert_eq!(
        repo.check_places(&[]),
        (0, vec![place("dag-import-moved", 1, 6)])
    );
    assert_eq!(repo.run(&["dag", "check", "--deny-warnings"]).status, 1);
    repo.write(
        "dags/sales/orders.py",
        &format!("from airflow.providers.standard.operators.bash import BashOperator\n{GOOD}"),
    );
    assert_eq!(repo.check_places(&[]), (0, vec![]));
}

#[test]
fn dag_import_missing_on_airflow_2() {
    let repo = Repo::new("2.11.2");
    repo.write("dags/sales/orders.py", GOOD);
    assert_eq!(
        repo.check_places(&[]),
        (1, vec![place("dag-import-missing", 1, 6)])
    );
    repo.write(
        "dags/sales/orders.py",
        &GOOD.replace(
            "from airflow.sdk import DAG, task",
            "from airflow import DAG",
        ),
    );
    assert_eq!(repo.check_places(&[]), (0, vec![]));
}

#[test]
fn syntax_errors_and_github_format() {
    let repo = Repo::new("3.2.2");
    repo.write(
        "dags/sales/orders.py",
        "from airflow.sdk import DAG\nwith DAG(:\n",
    );
    let (status, places) = repo.check_places(&[]);
    assert_eq!(status, 1);
    assert_eq!(places[0].0, "dag-syntax");
    repo.write(
        "dags/sales/orders.py",
        &GOOD.replace("dag_id=\"sales__orders\"", "dag_id=\"orders\""),
    );
    let out = repo.run(&["dag", "check", "--format", "github"]);
    assert_eq!(out.status, 1);
    assert!(
        out.stderr.starts_with(
            "::error file=dags/sales/orders.py,line=7,col=12,title=platc dag-id-rule::"
        ),
        "{}",
        out.stderr
    );
}

#[test]
fn paths_outside_the_repository_are_a_usage_error() {
    let repo = Repo::new("3.2.2");
    assert_eq!(repo.run(&["dag", "new", "sales", "orders"]).status, 0);
    let out = repo.run(&["dag", "check", "/"]);
    assert_eq!(out.status, 2, "{}", out.stderr);
    assert!(out.stderr.contains("E048"), "{}", out.stderr);
    let missing = repo.run(&["dag", "check", "dags/sales/nope.py"]);
    assert_eq!(missing.status, 2, "{}", missing.stderr);
    assert!(missing.stderr.contains("E048"), "{}", missing.stderr);
}

/// Checking nothing must not pass: a wrong folder or a wrong `--repo` is a usage error.
#[test]
fn a_folder_that_is_not_the_dag_repository_is_a_usage_error() {
    let repo = Repo::new("3.2.2");
    let out = repo.run(&["dag", "check"]);
    assert_eq!(out.status, 2, "{}", out.stderr);
    assert!(
        out.stderr.contains("E047") && out.stderr.contains("no `dags/` folder"),
        "{}",
        out.stderr
    );
    let usages: [&[&str]; 2] = [
        &["dag", "check", "--repo", "no-such-folder"],
        &["dag", "new", "sales", "orders", "--repo", "no-such-folder"],
    ];
    for args in usages {
        let out = repo.run(args);
        assert_eq!(out.status, 2, "{args:?}: {}", out.stderr);
        assert!(out.stderr.contains("E047"), "{}", out.stderr);
    }
    assert!(!repo.path().join("no-such-folder").exists());
}

/// From any folder of a git checkout, the DAG repository is the work tree's root.
#[test]
fn both_commands_work_from_a_subfolder_of_the_checkout() {
    let repo = Repo::new("3.2.2");
    std::fs::create_dir(repo.path().join(".git")).unwrap();
    std::fs::create_dir_all(repo.path().join("dags/sales")).unwrap();
    let sub = repo.path().join("dags/sales");
    let new = platc(
        &sub,
        &["-f", "../../platform.yaml", "dag", "new", "sales", "weekly"],
    );
    assert_eq!(new.status, 0, "{}", new.stderr);
    assert!(repo.path().join("dags/sales/weekly.py").is_file());
    assert!(!sub.join("dags").exists(), "wrote below the current folder");
    let check = platc(
        &sub,
        &["-f", "../../platform.yaml", "dag", "check", "weekly.py"],
    );
    assert_eq!(check.status, 0, "{}", check.stderr);
    assert!(
        check.stderr.contains("1 DAG file checked"),
        "{}",
        check.stderr
    );
}

#[test]
fn generated_files_pass_black_and_parse() {
    let Some(black) = tool("black") else {
        println!("skipping: black not found (pip install black into .venv)");
        return;
    };
    for (airflow, args) in [
        (
            "3.2.2",
            vec![
                "dag",
                "new",
                "sales",
                "daily_orders",
                "--schedule",
                "@daily",
            ],
        ),
        (
            "3.2.2",
            vec![
                "dag",
                "new",
                "sales",
                "hourly_orders",
                "--schedule",
                "1h",
                "--tags",
                "a,b",
            ],
        ),
        (
            "2.11.2",
            vec!["dag", "new", "ops", "cleanup", "--schedule", "0 6 * * *"],
        ),
        (
            "3.2.2",
            vec![
                "dag",
                "new",
                "marketing",
                "campaign_attribution_model",
                "--tags",
                "attribution,campaigns,long_tag_number_one,long_tag_number_two,another",
            ],
        ),
    ] {
        let repo = Repo::new(airflow);
        let out = repo.run(&args);
        assert_eq!(out.status, 0, "{}", out.stderr);
        let check = Process::new(&black)
            .args(["--check", "--diff", "dags"])
            .current_dir(repo.path())
            .output()
            .expect("black");
        assert!(
            check.status.success(),
            "black would reformat:\n{}",
            String::from_utf8_lossy(&check.stdout)
        );
        let python = tool("python3").unwrap_or_else(|| PathBuf::from("python3"));
        let parse = Process::new(python)
            .args(["-c", "import ast, pathlib, sys\nfor p in pathlib.Path('dags').rglob('*.py'):\n    ast.parse(p.read_text(), str(p))\n"])
            .current_dir(repo.path())
            .output()
            .expect("python3");
        assert!(
            parse.status.success(),
            "{}",
            String::from_utf8_lossy(&parse.stderr)
        );
    }
}

#[test]
fn ci_workflow_is_rendered_only_with_conventions_and_is_a_valid_workflow() {
    let repo = Repo::new("3.2.2");
    let out = repo.run(&["compile", "--out", "out"]);
    assert_eq!(out.status, 0, "{}", out.stderr);
    let workflow = repo.read("out/dag-repo/.github/workflows/dags.yml");
    assert!(workflow.contains("black --check --diff ."), "{workflow}");
    assert!(
        workflow.contains("PLATFORM_SPEC: \".platform/platform.yaml\"")
            && workflow.contains("platc -f \"$PLATFORM_SPEC\" dag check --repo . --format github"),
        "{workflow}"
    );
    assert!(workflow.contains("docker run --rm"), "{workflow}");
    assert!(
        workflow.contains("europe-west1-docker.pkg.dev/carshare-data-prod/airflow/airflow:3.2.2-"),
        "{workflow}"
    );
    assert!(
        workflow.contains("DagBag(dag_folder=\"/opt/airflow/dag-repo/dags\""),
        "{workflow}"
    );
    match tool("check-jsonschema") {
        Some(checker) => {
            let check = Process::new(checker)
                .args([
                    "--builtin-schema",
                    "vendor.github-workflows",
                    "out/dag-repo/.github/workflows/dags.yml",
                ])
                .current_dir(repo.path())
                .output()
                .expect("check-jsonschema");
            assert!(
                check.status.success(),
                "{}{}",
                String::from_utf8_lossy(&check.stdout),
                String::from_utf8_lossy(&check.stderr)
            );
        }
        None => println!("skipping: check-jsonschema not found"),
    }
    let bare = Repo::with_spec(&spec("3.2.2", false));
    assert_eq!(bare.run(&["compile", "--out", "out"]).status, 0);
    assert!(!bare.path().join("out/dag-repo").exists());
}
