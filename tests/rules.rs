//! Every semantic rule, failing on a one-line change of the bundled spec at the line and column
//! of that change, and passing on the bundled spec itself.

mod common;

use common::bundled;

/// Applies `edit` (old → new, first match) to the bundled spec and returns every finding as
/// (code, line, column).
fn findings(edits: &[(&str, &str)]) -> (String, Vec<(String, usize, usize)>) {
    let mut text = bundled();
    for (old, new) in edits {
        assert!(
            text.contains(old),
            "the bundled spec no longer contains {old:?}"
        );
        text = text.replacen(old, new, 1);
    }
    let doc = platc::load::load_str("platform.yaml", text.clone()).expect("loads");
    let diagnostics = match platc::pipeline::front_end_doc(doc) {
        Ok(front) => front.warnings,
        Err(failure) => failure.diagnostics,
    };
    let found = diagnostics
        .iter()
        .map(|d| {
            let (line, column) = d.place.as_ref().map_or((0, 0), |p| (p.line, p.column));
            (d.code.clone(), line, column)
        })
        .collect();
    (text, found)
}

/// Line of the first line containing `needle`, and the column where `needle` starts.
fn at(text: &str, needle: &str) -> (usize, usize) {
    let start = text
        .find(needle)
        .unwrap_or_else(|| panic!("{needle:?} not in the spec"));
    let before = &text[..start];
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (
        before.matches('\n').count() + 1,
        before[line_start..].chars().count() + 1,
    )
}

#[track_caller]
fn fails(code: &str, edits: &[(&str, &str)], place_of: &str) {
    let (text, found) = findings(edits);
    let (line, column) = at(&text, place_of);
    assert!(
        found
            .iter()
            .any(|(c, l, col)| c == code && *l == line && *col == column),
        "expected {code} at {line}:{column}, found {found:?}"
    );
}

#[test]
fn the_bundled_spec_passes_every_rule() {
    let (_, found) = findings(&[]);
    assert!(found.is_empty(), "{found:?}");
}

#[test]
fn settings_that_only_look_optional() {
    fails(
        "override-airflow-version",
        &[(
            "    productionData: read-only\n",
            "    productionData: read-only\n    airflow:\n      version: 3.1.8\n",
        )],
        "3.1.8",
    );
    fails(
        "secret-missing",
        &[("  jwtSecret: airflow-jwt-secret\n", "")],
        "secrets:",
    );
    fails(
        "logging-off",
        &[(
            "    branch: main\n",
            "    branch: main\n    logging: null\n",
        )],
        "prod:",
    );
}

#[test]
fn previews() {
    fails(
        "preview-needs-github",
        &[(
            "repo: git@github.com:carshare/dags.git",
            "repo: git@gitlab.com:carshare/dags.git",
        )],
        "git@gitlab.com",
    );
    fails(
        "preview-secrets",
        &[(
            "      externalSecrets: gcp-secret-manager",
            "      jwtSecret: airflow-jwt-secret",
        )],
        "preview:",
    );
    fails(
        "preview-scm-token",
        &[("  scmTokenSecret: argocd-github-token", "")],
        "preview:",
    );
    fails(
        "preview-ingress-class",
        &[("  className: nginx", "  className: gce")],
        "preview:",
    );
    fails(
        "preview-tls-secret",
        &[(
            "  className: nginx",
            "  className: nginx\n  tlsSecret: airflow-tls",
        )],
        "preview:",
    );
}

#[test]
fn reserved_names_and_shared_namespaces() {
    fails(
        "name-reserved",
        &[("  dev:\n", "  argocd:\n")],
        "argocd:\n    class: dev",
    );
    fails(
        "namespace-collision",
        &[
            (
                "    namespace: airflow-dev\n",
                "    namespace: airflow-dev\n",
            ),
            (
                "  dev:\n",
                "  staging:\n    class: dev\n    cluster: https://34.76.10.1\n    namespace: airflow\n    cloudProject: carshare-data-staging\n    serviceAccount: airflow@carshare-data-staging.iam.gserviceaccount.com\n    host: airflow.staging.data.carshare.example\n    branch: staging\n    database:\n      inCluster: {}\n    logging:\n      remote: gs://carshare-data-staging-logs/logs\n  dev:\n",
            ),
        ],
        "airflow\n    cloudProject: carshare-data-staging",
    );
}

#[test]
fn pins_are_configurable_per_environment() {
    // A prod environment that opts out, and only previews left requiring nothing: no finding.
    let (_, found) = findings(&[
        ("- lxml==5.3.0", "- lxml>=4.6"),
        (
            "    branch: main\n",
            "    branch: main\n    pinRequirements: false\n",
        ),
    ]);
    assert!(found.is_empty(), "{found:?}");
    // A preview that opts in requires pins for the shared image.
    fails(
        "requirement-unpinned",
        &[
            ("- lxml==5.3.0", "- lxml>=4.6"),
            (
                "    branch: main\n",
                "    branch: main\n    pinRequirements: false\n",
            ),
            (
                "    productionData: read-only\n",
                "    productionData: read-only\n    pinRequirements: true\n",
            ),
        ],
        "lxml>=4.6",
    );
}

#[test]
fn requirements_file_stays_inside() {
    fails(
        "requirements-file-path",
        &[(
            "    - lxml==5.3.0\n",
            "    - lxml==5.3.0\n  requirementsFile: ../../etc/passwd\n",
        )],
        "../../etc/passwd",
    );
}

#[test]
fn isolation() {
    fails(
        "isolation-shared",
        &[(
            "cloudProject: carshare-data-dev",
            "cloudProject: carshare-data-prod",
        )],
        "carshare-data-prod\n    serviceAccount: airflow@carshare-data-dev",
    );
    fails(
        "isolation-shared",
        &[(
            "serviceAccount: airflow@carshare-data-dev.iam",
            "serviceAccount: airflow@carshare-data-prod.iam",
        )],
        "airflow@carshare-data-prod.iam.gserviceaccount.com\n    host: airflow.dev",
    );
    fails(
        "isolation-shared",
        &[(
            "remote: gs://carshare-data-dev-airflow-logs/logs",
            "remote: gs://carshare-data-prod-airflow-logs/logs/dev",
        )],
        "gs://carshare-data-prod-airflow-logs/logs/dev",
    );
    fails(
        "isolation-branch",
        &[("branches: feature/*", "branches: \"*\"")],
        "\"*\"",
    );
    fails(
        "isolation-preview-class",
        &[("class: dev", "class: prod")],
        "prod\n    cluster: https://35",
    );
}

#[test]
fn secrets() {
    fails(
        "secret-literal",
        &[("    core:\n", "    core:\n      smtp_password: hunter2\n")],
        "hunter2",
    );
    fails(
        "secret-token",
        &[(
            "slack: data-platform-deploys",
            "slack: xoxb-1234567890-abcdefghijklmnop",
        )],
        "xoxb-",
    );
    fails(
        "secret-url-password",
        &[(
            "repo: https://github.com/carshare/platform-gitops.git",
            "repo: https://bot:s3cret@github.com/carshare/platform-gitops.git",
        )],
        "https://bot:s3cret@",
    );
    fails(
        "airflow-set-by-platc",
        &[(
            "    core:\n",
            "    core:\n      fernet_key: {secret: airflow-fernet-key, key: fernet-key}\n",
        )],
        "fernet_key",
    );
}

#[test]
fn names() {
    fails(
        "name-invalid",
        &[("name: carshare-data", "name: Carshare_Data")],
        "Carshare_Data",
    );
    fails(
        "name-invalid",
        &[("namespace: airflow\n", "namespace: Airflow\n")],
        "Airflow\n",
    );
    fails(
        "name-invalid",
        &[("host: airflow.data.carshare.example", "host: airflow data")],
        "airflow data",
    );
}

#[test]
fn requirements() {
    fails(
        "requirement-unpinned",
        &[("- lxml==5.3.0", "- lxml>=4.6")],
        "lxml>=4.6",
    );
    fails(
        "requirement-duplicate",
        &[("- lxml==5.3.0", "- lxml==5.3.0\n    - LXML==5.3.0")],
        "LXML",
    );
    fails(
        "requirement-airflow",
        &[("- lxml==5.3.0", "- apache-airflow==2.10.0")],
        "apache-airflow==2.10.0",
    );
    fails(
        "requirement-syntax",
        &[("- lxml==5.3.0", "- lxml===")],
        "lxml===",
    );
}

#[test]
fn versions() {
    fails(
        "unsupported-chart",
        &[("chart: 1.22.0", "chart: 1.20.0")],
        "1.20.0",
    );
    fails(
        "version-python",
        &[("python: \"3.12\"", "python: \"3.8\"")],
        "\"3.8\"",
    );
    fails(
        "airflow-version",
        &[("version: 3.2.2", "version: 1.10.15")],
        "1.10.15",
    );
}

#[test]
fn airflow_options() {
    fails(
        "airflow-unknown-option",
        &[("parsing_processes: 8", "parsing_processess: 8")],
        "parsing_processess",
    );
    fails(
        "airflow-type-mismatch",
        &[("parsing_processes: 8", "parsing_processes: eight")],
        "eight",
    );
    fails(
        "airflow-invalid-value",
        &[(
            "default_task_weight_rule: absolute",
            "default_task_weight_rule: heaviest",
        )],
        "heaviest",
    );
    fails(
        "airflow-option-not-read",
        &[("    dag_processor:", "    scheduler:")],
        "parsing_processes",
    );
}

#[test]
fn git_and_gitops() {
    fails(
        "git-url",
        &[(
            "repo: git@github.com:carshare/dags.git",
            "repo: ftp://example.com/dags",
        )],
        "ftp://example.com/dags",
    );
    fails(
        "git-credentials",
        &[(
            "repo: git@github.com:carshare/dags.git",
            "repo: https://github.com/carshare/dags.git",
        )],
        "airflow-git-ssh",
    );
    fails(
        "git-known-hosts",
        &[(
            "repo: git@github.com:carshare/dags.git",
            "repo: git@git.carshare.example:data/dags.git",
        )],
        "git@git.carshare.example:data/dags.git",
    );
    let (_, found) = findings(&[
        (
            "repo: git@github.com:carshare/dags.git",
            "repo: git@git.carshare.example:data/dags.git",
        ),
        (
            "  syncPeriod: 60s",
            "  syncPeriod: 60s\n  knownHosts: \"git.carshare.example ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIExample\"",
        ),
    ]);
    assert!(
        found.iter().all(|(code, _, _)| code != "git-known-hosts"),
        "{found:?}"
    );
    fails(
        "git-sync-period",
        &[("syncPeriod: 60s", "syncPeriod: 2s")],
        "2s",
    );
    fails(
        "git-requeue",
        &[(
            "      path: /{branch}",
            "      path: /{branch}\n      requeueAfterSeconds: 5",
        )],
        "5\n",
    );
    fails(
        "gitops-path",
        &[("  path: out", "  path: ../../etc")],
        "../../etc",
    );
}

#[test]
fn resources() {
    fails(
        "resources-quantity",
        &[(
            "workers: {cpu: 500m, memory: 1Gi}",
            "workers: {cpu: 500m, memory: 1024}",
        )],
        "1024}",
    );
    fails(
        "resources-quantity",
        &[("triggerer: {cpu: 250m,", "triggerer: {cpu: fast,")],
        "fast,",
    );
    fails(
        "resources-missing",
        &[(
            "    workers: {cpu: 500m, memory: 1Gi}     # each task's pod\n",
            "",
        )],
        "prod:",
    );
}

#[test]
fn allows_silence_one_place_and_need_a_reason() {
    let (_, found) = findings(&[(
        "- lxml==5.3.0",
        "- lxml>=4.6  # platc:allow(requirement-unpinned): tracks the security fix line",
    )]);
    assert!(
        found.iter().all(|(c, _, _)| c == "preview-secrets"),
        "{found:?}"
    );
    let (_, found) = findings(&[(
        "- lxml==5.3.0",
        "- lxml>=4.6  # platc:allow(requirement-unpinned)",
    )]);
    let codes: Vec<&str> = found.iter().map(|(c, _, _)| c.as_str()).collect();
    assert!(
        codes.contains(&"allow-without-reason") && codes.contains(&"requirement-unpinned"),
        "{codes:?}"
    );
}

#[test]
fn image_publish() {
    let provider = "projects/412345678901/locations/global/workloadIdentityPools/github/providers/platform-gitops";
    fails(
        "image-unpublished",
        &[(
            &format!(
                "  publish:\n    gcp:\n      workloadIdentityProvider: {provider}\n      serviceAccount: image-publisher@carshare-data-prod.iam.gserviceaccount.com\n"
            ),
            "",
        )],
        "image:",
    );
    fails(
        "image-publish-cloud",
        &[(
            &format!(
                "    gcp:\n      workloadIdentityProvider: {provider}\n      serviceAccount: image-publisher@carshare-data-prod.iam.gserviceaccount.com\n"
            ),
            "    aws:\n      roleArn: arn:aws:iam::123456789012:role/publisher\n",
        )],
        "aws:\n      roleArn",
    );
    fails(
        "image-publish-field",
        &[(
            provider,
            "projects/carshare-data-prod/locations/global/workloadIdentityPools/github/providers/platform-gitops",
        )],
        "projects/carshare-data-prod/",
    );
    fails(
        "image-publish-field",
        &[(
            "image-publisher@carshare-data-prod.iam.gserviceaccount.com",
            "image-publisher@carshare-data-prod.iam.gserviceaccount.com;id",
        )],
        "image-publisher@",
    );
    fails(
        "image-publish-registry",
        &[(
            "europe-west1-docker.pkg.dev/carshare-data-prod/airflow/airflow",
            "ghcr.io/carshare/airflow",
        )],
        "ghcr.io/carshare/airflow",
    );
    fails(
        "image-publish-github",
        &[(
            "https://github.com/carshare/platform-gitops.git",
            "https://gitlab.com/carshare/platform-gitops.git",
        )],
        "publish:",
    );
}
