//! Clouds: the team-shaped specs in `tests/specs/` render each cloud's workload identity, and a
//! spec that mixes clouds is refused at the field, naming the cloud it expected.

mod common;

use std::path::PathBuf;

use serde_json::Value;

fn spec_path(name: &str) -> PathBuf {
    common::crate_dir().join("tests/specs").join(name)
}

fn spec_text(name: &str) -> String {
    std::fs::read_to_string(spec_path(name)).expect("test spec")
}

/// The rendered values of one environment of a spec file.
fn values(spec: &str, env: &str) -> Value {
    let path = spec_path(spec);
    let front = platc::pipeline::front_end(&path).expect("valid spec");
    let tree = platc::pipeline::compile(&front, &path).expect("renders");
    let file = format!("{env}/values.yaml");
    let text = tree.get(&file).expect("values file");
    platc::load::load_str(&file, text.to_owned())
        .expect("values are YAML")
        .value
}

/// The `platc validate --format json` diagnostics of `text`.
fn diagnostics(text: &str) -> Vec<Value> {
    let dir = common::project(text);
    let out = common::platc(dir.path(), &["validate", "--format", "json"]);
    assert_eq!(out.status, 1, "{}", out.stdout);
    common::json_stdout(&out, "validate")["diagnostics"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

fn codes(diagnostics: &[Value]) -> Vec<&str> {
    diagnostics
        .iter()
        .filter_map(|d| d["code"].as_str())
        .collect()
}

#[test]
fn aws_accounts_carry_irsa_roles_and_logs_use_an_aws_connection() {
    let v = values("aws-celery-s3.yaml", "prod");
    let role = "arn:aws:iam::123456789012:role/airflow-prod";
    for component in ["scheduler", "apiServer", "dagProcessor", "triggerer"] {
        let annotations = &v[component]["serviceAccount"]["annotations"];
        assert_eq!(
            annotations["eks.amazonaws.com/role-arn"], role,
            "{component}"
        );
        assert!(annotations.get("iam.gke.io/gcp-service-account").is_none());
    }
    assert_eq!(
        v["workers"]["celery"]["serviceAccount"]["annotations"]["eks.amazonaws.com/role-arn"],
        role
    );
    let env = v["env"].as_array().expect("env");
    assert!(
        env.iter()
            .any(|e| e["name"] == "AIRFLOW_CONN_AWS_DEFAULT" && e["value"] == "aws://"),
        "{env:?}"
    );
    assert!(v.get("labels").is_none());
}

#[test]
fn azure_accounts_carry_the_client_id_and_pods_the_use_label() {
    let v = values("azure-wasb.yaml", "prod");
    let client = "6b7c1f0e-3a5d-4c2b-9e8f-0a1b2c3d4e5f";
    for component in ["scheduler", "apiServer", "dagProcessor", "triggerer"] {
        assert_eq!(
            v[component]["serviceAccount"]["annotations"]["azure.workload.identity/client-id"],
            client,
            "{component}"
        );
    }
    assert_eq!(
        v["workers"]["kubernetes"]["serviceAccount"]["annotations"]["azure.workload.identity/client-id"],
        client
    );
    for labels in [
        &v["scheduler"]["labels"],
        &v["apiServer"]["labels"],
        &v["dagProcessor"]["labels"],
        &v["triggerer"]["labels"],
        &v["workers"]["kubernetes"]["labels"],
    ] {
        assert_eq!(labels["azure.workload.identity/use"], "true", "{v}");
    }
}

#[test]
fn a_gcp_identity_in_an_aws_spec_is_refused_at_its_field() {
    let text = spec_text("aws-celery-s3.yaml").replace(
        "arn:aws:iam::210987654321:role/airflow-dev",
        "airflow@rides-data-dev.iam.gserviceaccount.com",
    );
    let found = diagnostics(&text);
    let d = found
        .iter()
        .find(|d| d["code"] == "cloud-identity")
        .unwrap_or_else(|| panic!("{:?}", codes(&found)));
    let message = d["message"].as_str().unwrap();
    assert!(message.contains("`serviceAccount`"), "{message}");
    assert!(message.contains("`aws`"), "{message}");
    assert!(message.contains("belongs to `gcp`"), "{message}");
    let line = text
        .lines()
        .position(|l| l.contains("airflow@rides-data-dev"))
        .unwrap()
        + 1;
    assert_eq!(d["place"]["line"], line);
}

#[test]
fn buckets_connections_and_cloud_sql_of_another_cloud_are_refused() {
    let text = spec_text("aws-celery-s3.yaml")
        .replace(
            "s3://rides-data-dev-airflow-logs/logs",
            "gs://rides-data-dev-airflow-logs/logs",
        )
        .replace(
            "connection: aws_default",
            "connection: google_cloud_default",
        )
        .replace(
            "        secret: airflow-metadata-db\n",
            "        secret: airflow-metadata-db\n        cloudSqlProxy: {instance: p:r:i}\n",
        );
    let found = diagnostics(&text);
    let codes = codes(&found);
    for code in ["cloud-bucket", "cloud-log-connection", "cloud-database"] {
        assert!(codes.contains(&code), "{code} in {codes:?}");
    }
    let bucket = found.iter().find(|d| d["code"] == "cloud-bucket").unwrap();
    assert!(bucket["message"].as_str().unwrap().contains("`s3://`"));
}

#[test]
fn an_aws_role_of_another_account_is_refused() {
    let text = spec_text("aws-celery-s3.yaml").replace(
        "arn:aws:iam::210987654321:role/airflow-dev",
        "arn:aws:iam::123456789012:role/airflow-dev",
    );
    let found = diagnostics(&text);
    assert!(
        found.iter().any(|d| d["code"] == "cloud-identity"
            && d["message"]
                .as_str()
                .unwrap()
                .contains("account 123456789012")),
        "{:?}",
        codes(&found)
    );
}

#[test]
fn a_spec_without_cloud_is_refused() {
    let text = common::bundled().replace("cloud: gcp", "");
    let found = diagnostics(&text);
    assert!(codes(&found).contains(&"E021"), "{:?}", codes(&found));
}

/// One compiled file of a spec in `tests/specs/`.
fn compiled(spec: &str, file: &str) -> String {
    let path = spec_path(spec);
    let front = platc::pipeline::front_end(&path).expect("valid spec");
    let tree = platc::pipeline::compile(&front, &path).expect("renders");
    tree.get(file).expect("file").to_owned()
}

/// The service accounts and pod labels of one environment's values, per component.
fn identity_values(spec: &str, env: &str) -> String {
    let v = values(spec, env);
    let mut out = serde_json::Map::new();
    for component in ["scheduler", "apiServer", "dagProcessor", "triggerer"] {
        out.insert(component.into(), v[component]["serviceAccount"].clone());
    }
    out.insert("workers".into(), v["workers"].clone());
    for component in ["scheduler", "apiServer", "dagProcessor", "triggerer"] {
        out.insert(format!("{component}Labels"), v[component]["labels"].clone());
    }
    serde_json::to_string_pretty(&out).unwrap()
}

#[test]
fn snapshot_service_accounts_per_cloud() {
    insta::assert_snapshot!(
        "gcp-accounts",
        identity_values("../../platform.yaml", "prod")
    );
    insta::assert_snapshot!(
        "aws-accounts",
        identity_values("aws-celery-s3.yaml", "prod")
    );
    insta::assert_snapshot!("azure-accounts", identity_values("azure-wasb.yaml", "prod"));
}

#[test]
fn snapshot_prerequisites_per_cloud() {
    insta::assert_snapshot!(
        "aws-prerequisites",
        compiled("aws-celery-s3.yaml", "PREREQUISITES.md")
    );
    insta::assert_snapshot!(
        "azure-prerequisites",
        compiled("azure-wasb.yaml", "PREREQUISITES.md")
    );
}

#[test]
fn snapshot_preview_bindings_per_cloud() {
    let run = |spec: PathBuf| {
        let out = common::platc(
            common::crate_dir(),
            &["preview", "-f", spec.to_str().unwrap(), "feature/new-model"],
        );
        assert_eq!(out.status, 0, "{}", out.stderr);
        out.stdout
    };
    insta::assert_snapshot!("gcp-preview", run(common::bundled_spec()));
    insta::assert_snapshot!("azure-preview", run(spec_path("azure-wasb.yaml")));
    let aws = spec_text("aws-celery-s3.yaml").replace(
        "    branch: develop\n",
        "    preview: {branches: feature/*}\n",
    );
    let dir = common::project(aws);
    let out = common::platc(dir.path(), &["preview", "feature/new-model"]);
    assert_eq!(out.status, 0, "{}", out.stderr);
    insta::assert_snapshot!("aws-preview", out.stdout);
}

#[test]
fn celery_without_its_secrets_and_a_layout_outside_sub_path_are_refused() {
    let text = spec_text("aws-celery-s3.yaml")
        .replace("  redisPassword: airflow-redis-password\n", "")
        .replace(
            "layout: airflow/dags/{domain}/{name}.py",
            "layout: dags/{domain}/{name}.py",
        );
    let found = diagnostics(&text);
    let codes = codes(&found);
    assert!(codes.contains(&"celery-secrets"), "{codes:?}");
    assert!(codes.contains(&"dags-layout"), "{codes:?}");
}

#[test]
fn celery_workers_render_under_their_current_chart_names() {
    let v = values("aws-celery-s3.yaml", "prod");
    let celery = &v["workers"]["celery"];
    assert_eq!(celery["resources"]["requests"]["memory"], "4Gi");
    assert_eq!(celery["persistence"]["enabled"], false);
    assert_eq!(celery["keda"]["maxReplicaCount"], 6);
    assert!(v["workers"].get("resources").is_none());
    assert_eq!(v["redis"]["passwordSecretName"], "airflow-redis-password");
    assert_eq!(v["data"]["brokerUrlSecretName"], "airflow-broker-url");
    assert_eq!(v["dags"]["gitSync"]["subPath"], "airflow/dags");
}
