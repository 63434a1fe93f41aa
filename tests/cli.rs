//! The command line end to end: spec in, stdout, stderr and exit status out.

mod common;

use std::path::PathBuf;

use common::{Outcome, bundled, json_stdout, platc, project};

/// A small builder: a spec text, arguments, and what to expect.
struct Run {
    dir: tempfile::TempDir,
    args: Vec<String>,
}

impl Run {
    fn spec(text: &str) -> Self {
        Self::spec_bytes(text.as_bytes())
    }

    fn spec_bytes(bytes: &[u8]) -> Self {
        Run {
            dir: project(bytes),
            args: Vec::new(),
        }
    }

    fn args(mut self, args: &[&str]) -> Self {
        self.args.extend(args.iter().map(|s| s.to_string()));
        self
    }

    fn path(&self) -> PathBuf {
        self.dir.path().to_path_buf()
    }

    fn run(&self) -> Outcome {
        let args: Vec<&str> = self.args.iter().map(String::as_str).collect();
        platc(self.dir.path(), &args)
    }
}

/// The first `--> file:line:col` of a human report.
fn first_place(stderr: &str) -> Option<(usize, usize)> {
    let line = stderr.lines().find(|l| l.trim_start().starts_with("-->"))?;
    let mut parts = line.rsplit(':');
    let col = parts.next()?.trim().parse().ok()?;
    let row = parts.next()?.trim().parse().ok()?;
    Some((row, col))
}

/// The 1-based line of the first line of `text` that contains `needle`.
fn line_of(text: &str, needle: &str) -> usize {
    text.lines()
        .position(|l| l.contains(needle))
        .expect("needle in text")
        + 1
}

fn invalid(text: &str, code: &str, place: (usize, usize)) -> Outcome {
    let out = Run::spec(text).args(&["validate"]).run();
    assert_eq!(out.status, 1, "stderr:\n{}", out.stderr);
    assert!(
        out.stderr.contains(&format!("error[{code}]")),
        "expected {code}:\n{}",
        out.stderr
    );
    assert_eq!(
        first_place(&out.stderr),
        Some(place),
        "stderr:\n{}",
        out.stderr
    );
    out
}

#[test]
fn bundled_spec_is_valid() {
    let out = Run::spec(&bundled()).args(&["validate"]).run();
    assert_eq!(out.status, 0, "{}", out.stderr);
    assert!(out.stderr.contains("valid (2 environments)"));
}

#[test]
fn yaml_syntax_error() {
    let out = invalid("version: 1\nplatform: [unclosed\n", "E014", (2, 20));
    insta::assert_snapshot!(out.stderr);
}

#[test]
fn duplicate_key() {
    let text = bundled().replacen(
        "  domain: data.carshare.example\n",
        "  domain: data.carshare.example\n  domain: again.example\n",
        1,
    );
    let out = invalid(&text, "E012", (line_of(&text, "domain: again"), 3));
    insta::assert_snapshot!(out.stderr);
}

#[test]
fn wrong_type_suggests_quoting() {
    let text = bundled().replacen("python: \"3.12\"", "python: 3.10", 1);
    let out = invalid(&text, "E022", (line_of(&text, "python: 3.10"), 11));
    assert!(
        out.stderr
            .contains("quote it so YAML keeps it as text: \"3.10\""),
        "{}",
        out.stderr
    );
    insta::assert_snapshot!(out.stderr);
}

#[test]
fn unknown_field_suggests_the_right_one() {
    let text = bundled().replacen("  subPath: dags", "  subpath: dags", 1);
    let out = invalid(&text, "E020", (line_of(&text, "subpath: dags"), 3));
    assert!(
        out.stderr.contains("did you mean `subPath`?"),
        "{}",
        out.stderr
    );
    insta::assert_snapshot!(out.stderr);
}

#[test]
fn missing_required_field() {
    let text = bundled().replacen("  domain: data.carshare.example\n", "", 1);
    let out = invalid(&text, "E021", (7, 1));
    insta::assert_snapshot!(out.stderr);
}

#[test]
fn alias_bomb_fails_fast() {
    let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 1..14 {
        let p = i - 1;
        text.push_str(&format!(
            "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
        ));
    }
    invalid(&text, "E013", (5, 45));
}

#[test]
fn empty_file() {
    invalid("", "E010", (1, 1));
}

#[test]
fn invalid_utf8() {
    let out = Run::spec_bytes(b"version: 1\nplatform:\n  name: caf\xe9\n")
        .args(&["validate"])
        .run();
    assert_eq!(out.status, 1);
    assert!(out.stderr.contains("error[E003]"), "{}", out.stderr);
    assert_eq!(first_place(&out.stderr), Some((3, 12)));
}

#[test]
fn every_error_is_reported_at_once() {
    let text = bundled()
        .replacen("  subPath: dags", "  subpath: dags", 1)
        .replacen("python: \"3.12\"", "python: 3.10", 1);
    let out = Run::spec(&text).args(&["validate"]).run();
    assert_eq!(out.status, 1);
    assert!(out.stderr.contains("2 errors found"), "{}", out.stderr);
}

#[test]
fn json_format_lists_diagnostics_with_places() {
    let text = bundled().replacen("  subPath: dags", "  subpath: dags", 1);
    let out = Run::spec(&text)
        .args(&["validate", "--format", "json"])
        .run();
    assert_eq!(out.status, 1);
    let report = json_stdout(&out, "validate");
    assert_eq!(report["ok"], false);
    assert_eq!(report["diagnostics"][0]["code"], "E020");
    assert_eq!(
        report["diagnostics"][0]["place"]["line"],
        line_of(&text, "subpath: dags")
    );
    assert_eq!(report["diagnostics"][0]["place"]["column"], 3);
}

#[test]
fn github_format_prints_workflow_commands() {
    let text = bundled().replacen("  subPath: dags", "  subpath: dags", 1);
    let out = Run::spec(&text)
        .args(&["validate", "--format", "github"])
        .run();
    assert_eq!(out.status, 1);
    let expected = format!(
        "::error file=platform.yaml,line={},col=3,title=platc E020::unknown field `subpath`",
        line_of(&text, "subpath: dags")
    );
    assert!(out.stderr.starts_with(&expected), "{}", out.stderr);
}

#[test]
fn no_colour_when_not_a_terminal() {
    let text = bundled().replacen("  subPath: dags", "  subpath: dags", 1);
    let out = Run::spec(&text).args(&["validate"]).run();
    assert!(!out.stderr.contains('\u{1b}'));
    let forced = Run::spec(&text)
        .args(&["validate", "--color", "always"])
        .run();
    assert!(forced.stderr.contains('\u{1b}'));
}

#[test]
fn missing_spec_is_an_io_error() {
    let run = Run::spec("").args(&["validate", "-f", "nope.yaml"]);
    let out = run.run();
    assert_eq!(out.status, 2);
    assert!(out.stderr.contains("error[E001]"), "{}", out.stderr);
}

#[test]
fn usage_errors_exit_2() {
    let out = Run::spec("").args(&["frobnicate"]).run();
    assert_eq!(out.status, 2);
    let help = Run::spec("").args(&["--help"]).run();
    assert_eq!(help.status, 0);
    assert!(help.stdout.contains("Examples:"));
}

#[test]
fn show_prints_the_resolved_environment() {
    let out = Run::spec(&bundled()).args(&["show", "dev"]).run();
    assert_eq!(out.status, 0, "{}", out.stderr);
    assert!(
        out.stdout
            .contains("remote: \"gs://carshare-data-dev-airflow-logs/logs\""),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("connection: google_cloud_default"),
        "inherited from the shared section"
    );
    assert!(
        !out.stdout.contains("notifications:"),
        "null removes the inherited value"
    );
    let unknown = Run::spec(&bundled()).args(&["show", "prd"]).run();
    assert_eq!(unknown.status, 2);
    assert!(unknown.stderr.contains("did you mean `prod`?"));
}

#[test]
fn schema_command_prints_the_committed_schema() {
    let out = Run::spec("").args(&["schema"]).run();
    let committed =
        std::fs::read_to_string(common::crate_dir().join("schema/platform.schema.json"))
            .expect("schema");
    assert_eq!(out.stdout, committed);
}

#[test]
fn compile_then_check_then_diff() {
    let run = Run::spec(&bundled()).args(&["compile", "--out", "out"]);
    assert_eq!(run.run().status, 0);
    let root = run.path();
    assert!(root.join("out/prod/values.yaml").exists());
    // The spec's modeline names the schema file; check wants it current.
    let schema = platc(&root, &["schema"]).stdout;
    std::fs::create_dir_all(root.join("schema")).unwrap();
    std::fs::write(root.join("schema/platform.schema.json"), schema).unwrap();
    let check = platc(&root, &["check", "--out", "out"]);
    assert_eq!(check.status, 0, "{}", check.stderr);
    // Change the spec: check fails, diff shows it.
    let changed = bundled().replacen("syncPeriod: 60s", "syncPeriod: 2m", 1);
    std::fs::write(root.join("platform.yaml"), changed).unwrap();
    let check = platc(&root, &["check", "--out", "out", "--format", "github"]);
    assert_eq!(check.status, 1);
    assert!(
        check
            .stderr
            .contains("::error file=out/prod/values.yaml,line=1,col=1,title=platc out-stale::"),
        "{}",
        check.stderr
    );
    let diff = platc(&root, &["diff", "--out", "out", "--exit-code"]);
    assert_eq!(diff.status, 1);
    assert!(diff.stdout.contains("+    period: 2m"), "{}", diff.stdout);
}

#[test]
fn diff_detailed_exitcode_tells_changes_from_errors() {
    let run = Run::spec(&bundled()).args(&["compile", "--out", "out"]);
    assert_eq!(run.run().status, 0);
    let root = run.path();
    let detailed = ["diff", "--out", "out", "--detailed-exitcode", "--stat"];
    let same = platc(&root, &detailed);
    assert_eq!(same.status, 0, "no changes: {}", same.stderr);
    let changed = bundled().replacen("syncPeriod: 60s", "syncPeriod: 2m", 1);
    std::fs::write(root.join("platform.yaml"), changed).unwrap();
    let changes = platc(&root, &detailed);
    assert_eq!(changes.status, 2, "changes: {}", changes.stderr);
    assert!(changes.stdout.contains("values.yaml"), "{}", changes.stdout);
    // An invalid spec is 1, never 2 ("changes"), and never 0.
    let broken = bundled().replacen("syncPeriod: 60s", "syncPeriod: often", 1);
    std::fs::write(root.join("platform.yaml"), broken).unwrap();
    let invalid = platc(&root, &detailed);
    assert_eq!(invalid.status, 1, "invalid: {}", invalid.stderr);
    // An unreadable spec (an I/O error, 2 elsewhere) is 1 too.
    let missing = platc(&root, &["diff", "-f", "nope.yaml", "--detailed-exitcode"]);
    assert_eq!(missing.status, 1, "{}", missing.stderr);
    let both = platc(&root, &["diff", "--exit-code", "--detailed-exitcode"]);
    assert_eq!(both.status, 2, "the two flags conflict: {}", both.stderr);
}

#[test]
fn preview_names_a_branch() {
    let out = Run::spec(&bundled())
        .args(&["preview", "feature/hardy", "--format", "json"])
        .run();
    assert_eq!(out.status, 0, "{}", out.stderr);
    let v = json_stdout(&out, "preview");
    assert_eq!(v["namespace"], "airflow-dev-hardy-84de9709b0a253");
    assert_eq!(
        v["url"],
        "https://airflow.dev.data.carshare.example/feature/hardy"
    );
    assert_eq!(
        v["log_folder"],
        "gs://carshare-data-dev-airflow-logs/logs/airflow-dev-hardy-84de9709b0a253"
    );
    assert_eq!(
        v["service_account"],
        "airflow@carshare-data-dev.iam.gserviceaccount.com"
    );
    let members = v["workload_identity_members"].as_array().unwrap();
    assert_eq!(members.len(), 5, "{members:?}");
    assert_eq!(
        members[0],
        "serviceAccount:carshare-data-dev.svc.id.goog[airflow-dev-hardy-84de9709b0a253/airflow-scheduler]"
    );
    let main = Run::spec(&bundled()).args(&["preview", "main"]).run();
    assert_eq!(main.status, 1);
}

#[test]
fn completions_and_manual() {
    let bash = Run::spec("").args(&["completions", "bash"]).run();
    assert_eq!(bash.status, 0);
    assert!(bash.stdout.contains("_platc()"));
    let man = Run::spec("").args(&["man"]).run();
    assert_eq!(man.status, 0);
    assert!(man.stdout.contains(".TH platc 1"));
    let run = Run::spec("");
    std::fs::create_dir(run.path().join("man")).unwrap();
    let pages = platc(&run.path(), &["man", "--out", "man"]);
    assert_eq!(pages.status, 0, "{}", pages.stderr);
    for page in [
        "platc.1",
        "platc-compile.1",
        "platc-dag-check.1",
        "platc-rules.1",
    ] {
        assert!(run.path().join("man").join(page).is_file(), "{page}");
    }
    let help = platc(&run.path(), &["completions", "--help"]);
    assert!(
        help.stdout.contains("bash-completion/completions/platc"),
        "{}",
        help.stdout
    );
}

#[test]
fn a_spec_in_a_subfolder_of_a_git_repository_compiles_to_the_repository_root() {
    let run = Run::spec("");
    let root = run.path();
    std::fs::create_dir_all(root.join(".git")).unwrap();
    std::fs::create_dir_all(root.join("platform")).unwrap();
    std::fs::write(root.join("platform/platform.yaml"), bundled()).unwrap();
    let out = platc(&root, &["compile", "-f", "platform/platform.yaml"]);
    assert_eq!(out.status, 0, "{}", out.stderr);
    assert!(
        root.join("out/prod/values.yaml").exists(),
        "Argo CD reads gitops.path from the repository root"
    );
    assert!(!root.join("platform/out").exists());
    let workflow =
        std::fs::read_to_string(root.join("out/dag-repo/.github/workflows/dags.yml")).unwrap();
    assert!(
        workflow.contains("PLATFORM_SPEC: \".platform/platform/platform.yaml\"")
            && workflow.contains("platc -f \"$PLATFORM_SPEC\" dag check"),
        "the DAG repository's CI must find the spec where it sits in the platform repository:\n{workflow}"
    );
}

/// `--commit` is checked before anything is written: outside a work tree nothing appears.
#[test]
fn compile_commit_outside_a_work_tree_writes_nothing() {
    let run = Run::spec(&bundled()).args(&["compile", "--commit"]);
    let out = run.run();
    assert_eq!(out.status, 2, "{}", out.stderr);
    assert!(out.stderr.contains("E057"), "{}", out.stderr);
    assert!(out.stderr.contains("nothing was written"), "{}", out.stderr);
    assert!(!run.path().join("out").exists());
}

/// Without -f, the spec is found from any folder of the git work tree.
#[test]
fn the_spec_is_found_from_a_subfolder_of_the_work_tree() {
    let run = Run::spec(&bundled());
    let root = run.path();
    std::fs::create_dir(root.join(".git")).unwrap();
    let deeper = root.join("docs/notes");
    std::fs::create_dir_all(&deeper).unwrap();
    let out = platc(&deeper, &["validate"]);
    assert_eq!(out.status, 0, "{}", out.stderr);
    assert!(
        out.stderr.contains("../../platform.yaml: valid"),
        "{}",
        out.stderr
    );
    // An explicit -f is taken as given.
    let out = platc(&deeper, &["validate", "-f", "platform.yaml"]);
    assert_eq!(out.status, 2, "{}", out.stderr);
    assert!(out.stderr.contains("E001"), "{}", out.stderr);
    // Outside a work tree nothing bounds the search, so there is none.
    std::fs::remove_dir(root.join(".git")).unwrap();
    let out = platc(&deeper, &["validate"]);
    assert_eq!(out.status, 2, "{}", out.stderr);
    assert!(out.stderr.contains("E001"), "{}", out.stderr);
}

/// GitHub shows ten annotations of a kind per step: many stale files make one finding.
#[test]
fn many_stale_files_are_one_finding_that_lists_them() {
    let run = Run::spec(&bundled());
    let out = platc(&run.path(), &["check", "--format", "json"]);
    assert_eq!(out.status, 1, "{}", out.stderr);
    let v = json_stdout(&out, "check");
    let stale: Vec<&serde_json::Value> = v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["code"] == "out-stale")
        .collect();
    assert_eq!(stale.len(), 1, "{v}");
    let listed = stale[0]["notes"].as_array().unwrap().len();
    assert_eq!(
        listed,
        v["stale"].as_array().unwrap().len(),
        "a schema file the folder does not commit is not stale"
    );
    assert!(listed > 5);
}

/// `-f -` reads the spec from standard input where no file is needed.
#[test]
fn the_spec_can_come_from_standard_input() {
    let dir = project("");
    let mut cmd = common::command();
    cmd.current_dir(dir.path())
        .args(["validate", "-f", "-"])
        .write_stdin(bundled().replacen("syncPeriod: 60s", "syncPeriod: 1s", 1));
    let out = Outcome::of(&mut cmd);
    assert_eq!(out.status, 1, "{}", out.stderr);
    assert!(out.stderr.contains("--> <stdin>:"), "{}", out.stderr);
    let mut cmd = common::command();
    cmd.current_dir(dir.path())
        .args(["compile", "-f", "-"])
        .write_stdin(bundled());
    let out = Outcome::of(&mut cmd);
    assert_eq!(out.status, 2, "{}", out.stderr);
    assert!(!dir.path().join("out").exists());
}

/// `--quiet` keeps problems and drops the lines about what went well.
#[test]
fn quiet_prints_only_problems() {
    let run = Run::spec(&bundled());
    for args in [
        &["validate", "-q"][..],
        &["compile", "--quiet"],
        &["check", "-q"],
    ] {
        let out = platc(&run.path(), args);
        assert_eq!(out.status, 0, "{args:?}: {}", out.stderr);
        if args[0] == "check" {
            // The missing schema file is a warning, a problem that --quiet keeps.
            assert!(out.stderr.contains("schema-missing"), "{}", out.stderr);
            assert!(!out.stderr.contains("is current"), "{}", out.stderr);
        } else {
            assert_eq!(out.stderr, "", "{args:?}");
        }
    }
    let warned = Run::spec(&bundled().replacen("  className: nginx", "  className: gce", 1));
    let out = platc(&warned.path(), &["validate", "-q"]);
    assert!(
        out.stderr.contains("preview-ingress-class"),
        "{}",
        out.stderr
    );
    assert!(!out.stderr.contains(": valid"), "{}", out.stderr);
}

/// `platc rules` prints the catalogue of docs/rules.md from the binary.
#[test]
fn rules_list_and_explain() {
    let run = Run::spec("");
    let all = platc(&run.path(), &["rules"]);
    assert_eq!(all.status, 0, "{}", all.stderr);
    assert!(all.stdout.contains("isolation-shared"), "{}", all.stdout);
    assert!(all.stdout.contains("git-known-hosts"), "{}", all.stdout);
    let one = platc(&run.path(), &["rules", "resources-missing"]);
    assert_eq!(one.status, 0, "{}", one.stderr);
    assert!(
        one.stdout.starts_with("resources-missing (warning)"),
        "{}",
        one.stdout
    );
    let typo = platc(&run.path(), &["rules", "isolation-shrd"]);
    assert_eq!(typo.status, 2);
    assert!(
        typo.stderr.contains("did you mean `isolation-shared`?"),
        "{}",
        typo.stderr
    );
    let json = platc(&run.path(), &["rules", "--format", "json"]);
    let v = json_stdout(&json, "rules");
    assert!(v["rules"].as_array().unwrap().len() > 40, "{v}");
}

/// A finding in `image.requirementsFile` points into that file, with its own snippet.
#[test]
fn requirements_file_findings_point_into_the_file() {
    let spec = bundled().replacen(
        "    - lxml==5.3.0\n",
        "    - lxml==5.3.0\n  requirementsFile: requirements.txt\n",
        1,
    );
    let run = Run::spec(&spec);
    std::fs::write(
        run.path().join("requirements.txt"),
        "# extra\nrequests==2.31.0\n  pandas>=2\n",
    )
    .unwrap();
    let out = platc(&run.path(), &["validate", "--format", "json"]);
    assert_eq!(out.status, 1, "{}", out.stderr);
    let v = json_stdout(&out, "validate");
    let d = &v["diagnostics"][0];
    assert_eq!(d["code"], "requirement-unpinned", "{v}");
    assert_eq!(d["place"]["file"], "requirements.txt");
    assert_eq!(
        (d["place"]["line"].as_u64(), d["place"]["column"].as_u64()),
        (Some(3), Some(3))
    );
    let human = platc(&run.path(), &["validate"]);
    assert!(human.stderr.contains("3 |   pandas>=2"), "{}", human.stderr);
}

/// `pip-compile --generate-hashes` output is accepted inline and in `image.requirementsFile`,
/// written back with its hashes under `--require-hashes`; a file where only some lines have
/// hashes is refused at the first line without.
#[test]
fn hash_pinned_requirements_are_enforced() {
    let (a, b) = ("a".repeat(64), "b".repeat(64));
    let spec = bundled()
        .replacen(
            "    - beautifulsoup4==4.9.3\n",
            &format!("    - \"beautifulsoup4==4.9.3 --hash=sha256:{a}\"\n"),
            1,
        )
        .replacen(
            "    - lxml==5.3.0\n",
            &format!("    - \"lxml==5.3.0 \\\\\\n      --hash=sha256:{b}\"\n  requirementsFile: requirements.txt\n"),
            1,
        );
    let run = Run::spec(&spec);
    let file = format!(
        "# pip-compile --generate-hashes\nrequests==2.32.3 \\\n    --hash=sha256:{a} \\\n    --hash=sha256:{b}\n    # via -r requirements.in\n"
    );
    std::fs::write(run.path().join("requirements.txt"), &file).unwrap();
    let out = platc(&run.path(), &["compile", "--out", "out"]);
    assert_eq!(out.status, 0, "{}", out.stderr);
    let txt = std::fs::read_to_string(run.path().join("out/image/requirements.txt")).unwrap();
    let body: Vec<&str> = txt.lines().skip(1).collect();
    assert_eq!(
        body,
        [
            "--require-hashes".to_owned(),
            "beautifulsoup4==4.9.3 \\".to_owned(),
            format!("    --hash=sha256:{a}"),
            "lxml==5.3.0 \\".to_owned(),
            format!("    --hash=sha256:{b}"),
            "requests==2.32.3 \\".to_owned(),
            format!("    --hash=sha256:{a} \\"),
            format!("    --hash=sha256:{b}"),
        ]
    );
    let docker = std::fs::read_to_string(run.path().join("out/image/Dockerfile")).unwrap();
    assert!(
        docker.contains("RUN pip install --no-cache-dir --require-hashes -r /requirements.txt"),
        "{docker}"
    );
    std::fs::write(
        run.path().join("requirements.txt"),
        format!("{file}\n  idna==3.10  # no hash\n"),
    )
    .unwrap();
    let out = platc(&run.path(), &["validate", "--format", "json"]);
    assert_eq!(out.status, 1, "{}", out.stderr);
    let v = json_stdout(&out, "validate");
    let d = &v["diagnostics"][0];
    assert_eq!(d["code"], "requirement-hash-mixed", "{v}");
    assert_eq!(d["place"]["file"], "requirements.txt");
    assert_eq!(
        (d["place"]["line"].as_u64(), d["place"]["column"].as_u64()),
        (Some(7), Some(3))
    );
}
