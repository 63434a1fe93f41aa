//! `helm.values` (the chart passthrough) and `airflow.placement`: rendered into the values, checked
//! against the chart's schema at their place, refused where platc owns the key, and read back by
//! `helm template` with the official chart when helm is available (`PLATC_HELM`).

mod common;

use std::path::Path;

use common::{bundled, chart_src, helm, platc, project};

const PLACEMENT: &str = "  placement:
    all:
      nodeSelector: {kubernetes.io/os: linux}
    workers:
      tolerations:
        - {key: dedicated, operator: Equal, value: airflow-tasks, effect: NoSchedule}
      affinity:
        nodeAffinity:
          preferredDuringSchedulingIgnoredDuringExecution:
            - weight: 1
              preference:
                matchExpressions:
                  - {key: cloud.google.com/gke-spot, operator: In, values: ['true']}
";

const HELM: &str = "helm:
  values:
    workers:
      kubernetes:
        nodeSelector: {cloud.google.com/gke-nodepool: airflow-tasks}
    cleanup:
      enabled: true
";

/// The bundled spec with the placement under `airflow:` and `extra` before `environments:`.
fn spec_with(extra: &str) -> String {
    bundled()
        .replacen("  resources:\n", &format!("{PLACEMENT}  resources:\n"), 1)
        .replacen(
            "\nenvironments:\n",
            &format!("\n{extra}\nenvironments:\n"),
            1,
        )
}

fn values(dir: &Path, env: &str) -> serde_json::Value {
    let text = std::fs::read_to_string(dir.join("out").join(env).join("values.yaml")).unwrap();
    platc::load::load_str("values.yaml", text).unwrap().value
}

#[test]
fn passthrough_and_placement_render() {
    let dir = project(spec_with(HELM));
    let out = platc(dir.path(), &["compile", "--out", "out"]);
    assert_eq!(out.status, 0, "{}", out.stderr);
    for env in ["prod", "dev"] {
        let v = values(dir.path(), env);
        let k8s = &v["workers"]["kubernetes"];
        assert_eq!(
            k8s["nodeSelector"]["cloud.google.com/gke-nodepool"], "airflow-tasks",
            "{env}"
        );
        assert_eq!(k8s["tolerations"][0]["effect"], "NoSchedule");
        assert!(k8s["affinity"]["nodeAffinity"].is_object());
        // platc's own keys beside them are untouched.
        assert_eq!(k8s["serviceAccount"]["name"], "airflow-worker-kubernetes");
        assert_eq!(v["nodeSelector"]["kubernetes.io/os"], "linux");
        assert_eq!(v["cleanup"]["enabled"], true);
    }
}

#[test]
fn per_environment_values_merge_over_the_shared_ones() {
    let text = spec_with(HELM).replacen(
        "    branch: main\n",
        "    branch: main\n    helm:\n      values:\n        cleanup: {schedule: '*/30 * * * *'}\n        workers: {kubernetes: {nodeSelector: null}}\n",
        1,
    );
    let dir = project(text);
    let out = platc(dir.path(), &["compile", "--out", "out"]);
    assert_eq!(out.status, 0, "{}", out.stderr);
    let prod = values(dir.path(), "prod");
    assert_eq!(prod["cleanup"]["enabled"], true);
    assert_eq!(prod["cleanup"]["schedule"], "*/30 * * * *");
    assert!(prod["workers"]["kubernetes"].get("nodeSelector").is_none());
    let dev = values(dir.path(), "dev");
    assert!(dev["cleanup"].get("schedule").is_none());
    assert_eq!(
        dev["workers"]["kubernetes"]["nodeSelector"]["cloud.google.com/gke-nodepool"],
        "airflow-tasks"
    );
}

/// Line and column (1-based) of the first occurrence of `needle` in `text`.
fn place_of(text: &str, needle: &str) -> (usize, usize) {
    let at = text.find(needle).expect("needle");
    let line = text[..at].matches('\n').count() + 1;
    let col = at - text[..at].rfind('\n').map_or(0, |n| n + 1) + 1;
    (line, col)
}

#[test]
fn owned_keys_are_refused_at_their_place_with_the_field_to_use() {
    let text = spec_with("helm:\n  values:\n    images:\n      airflow: {tag: latest}\n");
    let dir = project(&text);
    let out = platc(dir.path(), &["validate"]);
    assert_eq!(out.status, 1, "{}", out.stderr);
    let (line, col) = place_of(&text, "images:");
    assert!(
        out.stderr.contains("error[helm-values-owned]"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains(&format!("platform.yaml:{line}:{col}")),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr
            .contains("use `image.repository and airflow.version"),
        "{}",
        out.stderr
    );
    // Deeper owned keys name the typed field.
    let text = spec_with(
        "helm:\n  values:\n    workers:\n      kubernetes:\n        resources: {}\n        tolerations: []\n",
    );
    let out = platc(project(&text).path(), &["validate"]);
    assert_eq!(out.status, 1);
    assert!(
        out.stderr.contains("use `airflow.resources.workers`"),
        "{}",
        out.stderr
    );
    // Placement may come through the passthrough, but not a key the typed field sets too.
    assert!(
        out.stderr
            .contains("use `airflow.placement.workers.tolerations (set it in one place)`"),
        "{}",
        out.stderr
    );
}

#[test]
fn chart_schema_errors_point_into_the_spec() {
    let text =
        spec_with("helm:\n  values:\n    cleanup:\n      enabled: sometimes\n    pgbouncr: {}\n");
    let dir = project(&text);
    let out = platc(dir.path(), &["validate"]);
    assert_eq!(out.status, 1, "{}", out.stderr);
    assert!(
        out.stderr.contains("error[helm-values-schema]"),
        "{}",
        out.stderr
    );
    let (line, col) = place_of(&text, "sometimes");
    assert!(
        out.stderr.contains(&format!("platform.yaml:{line}:{col}")),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("no value `pgbouncr`")
            && out.stderr.contains("did you mean `pgbouncer`?"),
        "{}",
        out.stderr
    );
    // A placement affinity the chart's Affinity type refuses is reported at the placement.
    let text = bundled().replacen(
        "  resources:\n",
        "  placement:\n    workers:\n      affinity: {nodeAffinity: {requiredDuringSchedulingIgnoredDuringExecution: {}}}\n  resources:\n",
        1,
    );
    let out = platc(project(&text).path(), &["validate"]);
    assert_eq!(out.status, 1, "{}", out.stderr);
    assert!(
        out.stderr.contains("airflow.placement.workers.affinity"),
        "{}",
        out.stderr
    );
    // Label grammar: a node selector that is not a label.
    let text = bundled().replacen(
        "  resources:\n",
        "  placement:\n    workers:\n      nodeSelector: {pool: \"$(reboot)\"}\n  resources:\n",
        1,
    );
    let out = platc(project(&text).path(), &["validate"]);
    assert_eq!(out.status, 1, "{}", out.stderr);
    assert!(
        out.stderr.contains("error[placement-label]"),
        "{}",
        out.stderr
    );
}

#[test]
fn helm_template_puts_the_placement_on_the_task_pods() {
    let (Some(helm), Some(chart)) = (helm(), chart_src("1.22.0")) else {
        return;
    };
    let dir = project(spec_with(HELM));
    assert_eq!(platc(dir.path(), &["compile", "--out", "out"]).status, 0);
    let rendered = std::process::Command::new(helm)
        .args(["template", "airflow"])
        .arg(&chart)
        .args(["-n", "airflow", "-f"])
        .arg(dir.path().join("out/prod/values.yaml"))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&rendered.stdout);
    assert!(
        rendered.status.success(),
        "{}",
        String::from_utf8_lossy(&rendered.stderr)
    );
    // The pod template file the KubernetesExecutor launches task pods from.
    let template = stdout
        .split("\n---")
        .find(|doc| doc.contains("pod_template_file.yaml"))
        .expect("the pod template ConfigMap");
    assert!(
        template.contains("cloud.google.com/gke-nodepool: airflow-tasks"),
        "{template}"
    );
    assert!(template.contains("airflow-tasks"), "{template}");
    assert!(template.contains("dedicated"), "{template}");
    assert!(template.contains("cloud.google.com/gke-spot"), "{template}");
    // The scheduler runs on linux nodes (`all`), the cleanup CronJob exists.
    assert!(stdout.contains("kubernetes.io/os: linux"));
    assert!(stdout.contains("kind: CronJob"), "cleanup is on");
}

#[test]
fn secrets_named_in_helm_values_must_be_kubernetes_names_and_reach_the_inventory() {
    let bad = spec_with("helm:\n  values:\n    registry: {secretName: Team_Registry}\n");
    let out = platc(project(bad).path(), &["validate"]);
    assert_eq!(out.status, 1, "{}", out.stderr);
    assert!(
        out.stderr.contains("error[helm-values-secret]") && out.stderr.contains("Team_Registry"),
        "{}",
        out.stderr
    );
    let good = spec_with(
        "helm:\n  values:\n    registry: {secretName: team-registry}\n    extraEnvFrom: |\n      - secretRef:\n          name: team-env\n",
    );
    let dir = project(good);
    let out = platc(dir.path(), &["compile", "--out", "out"]);
    assert_eq!(out.status, 0, "{}", out.stderr);
    let prerequisites = std::fs::read_to_string(dir.path().join("out/PREREQUISITES.md")).unwrap();
    assert!(
        prerequisites.contains("`team-registry`") && prerequisites.contains("`team-env`"),
        "{prerequisites}"
    );
}

#[test]
fn deprecated_chart_keys_in_helm_values_are_warned_with_the_key_to_use() {
    // Chart 1.22.0 marks `workers.extraVolumes` deprecated in its schema, as 1.21.0 does.
    let spec = spec_with(
        "helm:\n  values:\n    workers:\n      extraVolumes: [{name: x, emptyDir: {}}]\n",
    );
    let out = platc(project(spec).path(), &["validate"]);
    assert_eq!(out.status, 0, "a warning: {}", out.stderr);
    assert!(
        out.stderr.contains("warning[helm-values-deprecated]")
            && out.stderr.contains("`workers.extraVolumes`")
            && out.stderr.contains("workers.kubernetes.extraVolumes"),
        "{}",
        out.stderr
    );
}
