//! Preview names (issue 13 §6): the slug leaves out the glob's fixed prefix, the Go template
//! Argo CD evaluates agrees with `platc preview` (checked with the sprig functions helm runs),
//! `platc preview --check` reports branches that would share a name, and validate refuses
//! previews whose prefixes nest.

mod common;

use std::fmt::Write as _;

use common::{Outcome, bundled, command, helm, json_stdout, platc, project};
use platc::encode::go_template;
use platc::naming::{BranchGlob, sha256_prefix};

#[test]
fn the_slug_leaves_out_the_globs_fixed_prefix() {
    let dir = project(bundled());
    let out = platc(
        dir.path(),
        &["preview", "feature/hardy", "--format", "json"],
    );
    assert_eq!(out.status, 0, "{}", out.stderr);
    let report = json_stdout(&out, "preview");
    let hash = sha256_prefix("feature/hardy", 14);
    assert_eq!(report["namespace"], format!("airflow-dev-hardy-{hash}"));
    assert_eq!(
        report["application"],
        format!("carshare-data-dev-hardy-{hash}")
    );
}

#[test]
fn check_reads_branches_from_arguments_and_standard_input() {
    let dir = project(bundled());
    let out = Outcome::of(
        command()
            .current_dir(dir.path())
            .args(["preview", "--check", "feature/a", "-", "--format", "json"])
            .write_stdin("feature/b\n\nmain\nfeature/a\n  feature/c  \n"),
    );
    assert_eq!(out.status, 0, "{}", out.stderr);
    let report = json_stdout(&out, "preview --check");
    assert_eq!(report["checked"], 4, "each branch once");
    assert_eq!(report["unmatched"], serde_json::json!(["main"]));
    assert_eq!(report["previews"].as_array().map(Vec::len), Some(3));
    assert_eq!(report["clashes"], serde_json::json!([]));
}

#[test]
fn a_hundred_thousand_branches_share_no_name() {
    let dir = project(bundled());
    let mut branches = String::new();
    for i in 0..100_000 {
        // Branches that slugify alike in their first 30 characters: only the hash tells them apart.
        let _ = writeln!(branches, "feature/{}-{i}", "same-prefix-for-all".repeat(2));
    }
    let out = Outcome::of(
        command()
            .current_dir(dir.path())
            .args(["preview", "--check", "-", "--format", "json"])
            .write_stdin(branches),
    );
    assert_eq!(out.status, 0, "{}", out.stderr);
    let report = json_stdout(&out, "preview --check");
    assert_eq!(report["checked"], 100_000);
    assert_eq!(report["clashes"], serde_json::json!([]));
}

#[test]
fn check_reports_a_preview_that_would_take_a_long_lived_environments_namespace() {
    // A long-lived copy of branch `feature/x`'s preview, on the dev cluster, in the namespace
    // that branch's preview gets.
    let taken = format!("airflow-dev-x-{}", sha256_prefix("feature/x", 14));
    let spec = bundled().replace(
        "\n  dev:\n",
        &format!(
            "
  frozen:
    class: dev
    cluster: https://35.195.20.2:443/
    namespace: {taken}
    cloudProject: carshare-data-dev
    serviceAccount: airflow@carshare-data-dev.iam.gserviceaccount.com
    host: airflow.frozen.data.carshare.example
    branch: frozen
    productionData: read-only
    database:
      inCluster: {{}}
    logging:
      remote: gs://carshare-data-dev-airflow-logs/frozen
    notifications: null

  dev:
"
        ),
    );
    let dir = project(spec);
    let out = platc(
        dir.path(),
        &["preview", "--check", "feature/y", "feature/x"],
    );
    assert_eq!(out.status, 1, "{}", out.stderr);
    assert!(
        out.stderr.contains("error[preview-name-clash]")
            && out.stderr.contains("branch `feature/x` of preview `dev`")
            && out.stderr.contains("environment `frozen`")
            && out.stderr.contains(&taken),
        "{}",
        out.stderr
    );
    assert!(!out.stderr.contains("feature/y` of"), "{}", out.stderr);

    let json = platc(
        dir.path(),
        &["preview", "--check", "feature/x", "--format", "json"],
    );
    assert_eq!(json.status, 1);
    let report = json_stdout(&json, "preview --check");
    assert_eq!(report["clashes"][0]["kind"], "namespace");
    assert_eq!(report["clashes"][0]["name"], taken.as_str());
    assert_eq!(report["diagnostics"][0]["code"], "preview-name-clash");
}

#[test]
fn usage_errors_exit_2() {
    let dir = project(bundled());
    let several = platc(dir.path(), &["preview", "feature/a", "feature/b"]);
    assert_eq!(several.status, 2);
    assert!(several.stderr.contains("error[E064]"), "{}", several.stderr);
    let refused = platc(
        dir.path(),
        &["preview", "--check", "feature/a", "bad..name"],
    );
    assert_eq!(refused.status, 2);
    assert!(refused.stderr.contains("error[E044]"), "{}", refused.stderr);
    let none = platc(
        dir.path(),
        &["preview", "--check", "--env", "prod", "feature/a"],
    );
    assert_eq!(none.status, 2);
    assert!(none.stderr.contains("error[E041]"), "{}", none.stderr);
}

/// A second preview like `dev`, on `cluster`, with namespace prefix `namespace` and branches
/// `feature/x-*`, in the dev project.
fn with_second_preview(cluster: &str, namespace: &str) -> String {
    bundled().replace(
        "\n  dev:\n",
        &format!(
            "
  devx:
    class: dev
    cluster: {cluster}
    namespace: {namespace}
    cloudProject: carshare-data-dev
    serviceAccount: airflow@carshare-data-dev.iam.gserviceaccount.com
    host: airflow.devx.data.carshare.example
    preview:
      branches: feature/x-*
    productionData: read-only
    database:
      inCluster: {{}}
    logging:
      remote: gs://carshare-data-dev-airflow-logs/devx
    secrets:
      externalSecrets: gcp-secret-manager
    notifications: null

  dev:
"
        ),
    )
}

/// `platc validate` of the bundled spec with a second preview; the status and stderr.
fn validate_with_second_preview(cluster: &str, namespace: &str) -> (i32, String) {
    let dir = project(with_second_preview(cluster, namespace));
    let out = platc(dir.path(), &["validate"]);
    (out.status, out.stderr)
}

#[test]
fn nested_prefixes_clash_across_clusters_of_one_cloud_project() {
    // Another cluster, same project: `feature/x-y` would be `airflow-dev-x-y-<hash>` in both,
    // one Workload Identity member `carshare-data-dev.svc.id.goog[airflow-dev-x-y-…/…]`.
    // Equal prefixes on two clusters of one project clash too; one that does not nest is fine.
    for (namespace, refused) in [
        ("airflow-dev-x", true),
        ("airflow-dev", true),
        ("airflow-sandbox", false),
    ] {
        let (status, stderr) = validate_with_second_preview("https://35.195.99.9", namespace);
        assert_eq!(status, i32::from(refused), "{namespace}: {stderr}");
        assert_eq!(
            stderr.contains("error[preview-prefix-nested]"),
            refused,
            "{namespace}: {stderr}"
        );
    }
}

#[test]
fn refused_lines_of_standard_input_are_skipped_with_a_warning() {
    let dir = project(bundled());
    let out = Outcome::of(
        command()
            .current_dir(dir.path())
            .args(["preview", "--check", "-"])
            .write_stdin("(HEAD detached at 1a2b3c)\nfeature/a\r\nfeature/b\n"),
    );
    assert_eq!(out.status, 0, "{}", out.stderr);
    assert!(out.stderr.contains("warning[E044]"), "{}", out.stderr);
    assert!(out.stderr.contains("2 branches checked"), "{}", out.stderr);
    // The spec's own warning (`preview-secrets`, say) is printed once, not twice.
    let spec = std::fs::read_to_string(
        common::crate_dir().join("tests/specs/gcp-airflow2-chart-1-21.yaml"),
    )
    .expect("team spec");
    let dir = project(spec);
    let out = platc(dir.path(), &["preview", "--check", "feature/a"]);
    assert_eq!(out.status, 0, "{}", out.stderr);
    assert_eq!(
        out.stderr.matches("warning[image-unpublished]").count(),
        1,
        "{}",
        out.stderr
    );
    let unknown = platc(
        dir.path(),
        &["preview", "--check", "--env", "nosuch", "feature/a"],
    );
    assert_eq!(unknown.status, 2);
    assert!(unknown.stderr.contains("error[E040]"), "{}", unknown.stderr);
}

#[test]
fn validate_refuses_previews_whose_prefixes_nest() {
    let (status, stderr) = validate_with_second_preview("https://35.195.20.2", "airflow-dev-x");
    assert_eq!(status, 1, "{stderr}");
    assert!(
        stderr.contains("error[preview-prefix-nested]")
            && stderr.contains("`airflow-dev` and `airflow-dev-x`"),
        "{stderr}"
    );
}

/// The parts of the preview name template that are plain Go template and sprig (`trimPrefix`
/// with platc's Go string constant, `sha256sum | trunc 14`), evaluated by helm's template
/// engine, give what `platc preview` computes. `slugify` is Argo CD's own function and is
/// checked against Argo CD's vectors in `naming.rs`.
#[test]
fn helm_evaluates_the_trim_and_hash_as_platc_does() {
    let Some(helm) = helm() else { return };
    let chart = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir(chart.path().join("templates")).expect("templates");
    std::fs::write(
        chart.path().join("Chart.yaml"),
        "apiVersion: v2\nname: names\nversion: 0.1.0\n",
    )
    .expect("Chart.yaml");
    let cases = [
        ("feature/*", "feature/hardy"),
        ("feature/*", "feature/feature/twice"),
        ("zi-sandbox/sandbox-*", "zi-sandbox/sandbox-quick.fix_1"),
        ("release-1.?-*", "release-1.2-rc"),
        ("*", "anything/goes"),
        ("main", "main"),
    ];
    let mut template = String::new();
    let mut want = String::new();
    for (i, (glob, branch)) in cases.iter().enumerate() {
        let strip = BranchGlob(glob).fixed_prefix();
        let _ = writeln!(
            template,
            "c{i}: {{{{ with index .Values.branches {i} }}}}{{{{ trimPrefix {} . }}}}|{{{{ . | sha256sum | trunc 14 }}}}{{{{ end }}}}",
            go_template::string(strip)
        );
        let _ = writeln!(
            want,
            "c{i}: {}|{}",
            branch.strip_prefix(strip).unwrap_or(branch),
            sha256_prefix(branch, 14)
        );
    }
    std::fs::write(chart.path().join("templates/names.txt"), template).expect("template");
    let values: Vec<String> = cases.iter().map(|(_, b)| format!("\"{b}\"")).collect();
    std::fs::write(
        chart.path().join("values.yaml"),
        format!("branches: [{}]\n", values.join(", ")),
    )
    .expect("values");
    let out = std::process::Command::new(helm)
        .args(["template", "t"])
        .arg(chart.path())
        .output()
        .expect("helm");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let got: String = stdout
        .lines()
        .filter(|l| l.starts_with('c'))
        .map(|l| format!("{l}\n"))
        .collect();
    assert_eq!(got, want);
}
