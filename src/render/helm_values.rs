//! Helm values for the official Apache Airflow chart, one file per environment.
//!
//! Two chart versions are supported, each with the Airflow releases it runs:
//!
//! * `1.22.0`: Airflow 3.1 and later. The UI is the API server (`apiServer`, `ingress.apiServer`,
//!   `apiSecretKeySecretName`); the chart has no `webserver` section any more.
//! * `1.21.0`: Airflow 2.11 and later, 2.x and 3.x. On Airflow 3 it renders like 1.22.0; on
//!   Airflow 2 the UI is the webserver (`webserver`, `ingress.web`, `webserverSecretKeySecretName`).
//!
//! The chart's defaults are kept wherever they already do the right thing: it derives
//! `[core] executor` from `executor` and `[kubernetes_executor] namespace` from the release
//! namespace, so neither is repeated in `config`. Values that differ per branch of a preview
//! environment are left out of the shared values and come from [`branch_parameters`], which the
//! ApplicationSet passes as Helm parameters.

use serde_json::{Map, Value, json};

use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::render::image::ImageRef;
use crate::resolve::{Lifecycle, Model, ResolvedEnvironment};
use crate::spec::{ConfigValue, Database, Executor};

/// The chart versions platc renders values for, with the Airflow releases each supports.
pub const SUPPORTED_CHARTS: &str = "chart 1.22.0 with Airflow 3.1 or later, or chart 1.21.0 with Airflow 2.11 or later (2.x and 3.x)";

/// The annotation that binds a Kubernetes service account to a Google service account.
const GKE_WORKLOAD_IDENTITY: &str = "iam.gke.io/gcp-service-account";

/// The Go template of the ApplicationSet's branch parameter.
const BRANCH_TEMPLATE: &str = "{{ .branch }}";

/// Where an environment's values file goes.
pub fn path(env: &ResolvedEnvironment) -> String {
    format!("{}/values.yaml", env.name)
}

/// What the values depend on, once the (chart, Airflow) pair is known to be supported. Both
/// supported charts spell every key platc sets the same way; only the Airflow major differs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Target {
    /// Airflow 3: API server instead of webserver, standalone DAG processor, JWT secret.
    airflow3: bool,
}

impl Target {
    /// The chart section of the UI component.
    fn ui_component(self) -> &'static str {
        if self.airflow3 {
            "apiServer"
        } else {
            "webserver"
        }
    }

    /// The key under `ingress` of the UI.
    fn ingress_key(self) -> &'static str {
        if self.airflow3 { "apiServer" } else { "web" }
    }

    /// The Airflow config section that holds `base_url`.
    fn base_url_section(self) -> &'static str {
        if self.airflow3 { "api" } else { "webserver" }
    }
}

/// `MAJOR.MINOR[.PATCH]` as numbers; `None` when it is not a plain release number.
fn airflow_release(version: &str) -> Option<(u32, u32, u32)> {
    let parts: Vec<&str> = version.trim().split('.').collect();
    if !(2..=3).contains(&parts.len()) {
        return None;
    }
    let mut numbers = [0u32; 3];
    for (slot, part) in numbers.iter_mut().zip(&parts) {
        if part.is_empty() || !part.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        *slot = part.parse().ok()?;
    }
    Some((numbers[0], numbers[1], numbers[2]))
}

/// The chart and Airflow pair of an environment, or the `unsupported-chart` error.
fn target(env: &ResolvedEnvironment) -> Result<Target, Diagnostic> {
    let chart = env.airflow.chart.trim();
    let airflow = env.airflow.version.trim();
    let release = airflow_release(airflow);
    let supported = match (chart, release) {
        ("1.22.0", Some((3, minor, _))) if minor >= 1 => Some(Target { airflow3: true }),
        ("1.21.0", Some((2, minor, _))) if minor >= 11 => Some(Target { airflow3: false }),
        ("1.21.0", Some((3, _, _))) => Some(Target { airflow3: true }),
        _ => None,
    };
    supported.ok_or_else(|| {
        let message = if chart == "1.22.0" || chart == "1.21.0" {
            format!(
                "environment `{}`: Airflow chart {chart} does not support Airflow {airflow}",
                env.name
            )
        } else {
            format!(
                "environment `{}`: Airflow chart {chart} is not supported",
                env.name
            )
        };
        Diagnostic::error("unsupported-chart", message)
            .help(format!("platc renders values for {SUPPORTED_CHARTS}"))
    })
}

/// The values for one environment.
pub fn render(
    _model: &Model,
    env: &ResolvedEnvironment,
    image: &ImageRef,
) -> Result<Value, Diagnostics> {
    let target = target(env).map_err(Diagnostics::from)?;
    let executor = env.airflow.executor;
    let celery = executor == Executor::CeleryExecutor;
    let mut values = Map::new();

    values.insert("airflowVersion".into(), json!(env.airflow.version));
    values.insert("defaultAirflowRepository".into(), json!(image.repository));
    values.insert("defaultAirflowTag".into(), json!(image.tag));
    values.insert(
        "images".into(),
        json!({ "airflow": { "repository": image.repository, "tag": image.tag } }),
    );
    values.insert("executor".into(), json!(executor.as_str()));

    // Static secrets: Argo CD re-renders on every sync, so nothing may be generated by the chart.
    values.insert("fernetKeySecretName".into(), json!(env.secrets.fernet_key));
    let secret_key_name = if target.airflow3 {
        "apiSecretKeySecretName"
    } else {
        "webserverSecretKeySecretName"
    };
    values.insert(secret_key_name.into(), json!(env.secrets.api_secret_key));
    if target.airflow3
        && let Some(jwt) = &env.secrets.jwt_secret
    {
        values.insert("jwtSecretName".into(), json!(jwt));
    }

    // Database.
    match &env.database {
        Database::External(db) => {
            values.insert("data".into(), json!({ "metadataSecretName": db.secret }));
            values.insert("postgresql".into(), json!({ "enabled": false }));
        }
        Database::InCluster(db) => {
            values.insert(
                "postgresql".into(),
                json!({ "enabled": true, "primary": { "persistence": { "size": db.size } } }),
            );
        }
    }
    if !celery {
        values.insert("redis".into(), json!({ "enabled": false }));
    }

    values.insert("dags".into(), json!({ "gitSync": git_sync(env) }));

    let (config, mut secret) = config(env, target);
    values.insert("config".into(), Value::Object(config));
    let mut plain_env = Vec::new();
    for (name, value) in &env.airflow.env {
        match value {
            ConfigValue::Literal(literal) => {
                plain_env.push(json!({ "name": name, "value": literal.to_string() }));
            }
            ConfigValue::Secret(s) => secret.push(json!({
                "envName": name,
                "secretName": s.secret,
                "secretKey": s.key,
            })),
        }
    }
    if !plain_env.is_empty() {
        values.insert("env".into(), Value::Array(plain_env));
    }
    if !secret.is_empty() {
        values.insert("secret".into(), Value::Array(secret));
    }

    values.insert("ingress".into(), ingress(env, target));

    // Workload identity on every component that runs Airflow code.
    let identity = json!({ "annotations": { GKE_WORKLOAD_IDENTITY: env.service_account } });
    values.insert(
        "scheduler".into(),
        json!({ "serviceAccount": identity.clone() }),
    );
    values.insert(
        target.ui_component().into(),
        json!({ "serviceAccount": identity.clone() }),
    );
    let mut workers = Map::new();
    if celery {
        workers.insert(
            "celery".into(),
            json!({ "serviceAccount": identity.clone() }),
        );
    } else {
        // Pods from the pod-template-file get their own account; `workers.serviceAccount` is
        // deprecated in both chart versions. `automountServiceAccountToken` is spelled out
        // because the dedicated account's template prints it as is.
        workers.insert(
            "kubernetes".into(),
            json!({
                "serviceAccount": {
                    "create": true,
                    "automountServiceAccountToken": true,
                    "annotations": { GKE_WORKLOAD_IDENTITY: env.service_account },
                }
            }),
        );
    }
    values.insert("workers".into(), Value::Object(workers));
    if target.airflow3 {
        // Airflow 3 always runs the standalone DAG processor.
        values.insert(
            "dagProcessor".into(),
            json!({ "serviceAccount": identity.clone() }),
        );
    }
    values.insert("triggerer".into(), json!({ "serviceAccount": identity }));

    // What the chart documentation requires under Argo CD.
    // The chart's default user is admin/admin: a known password behind a public URL. platc
    // never creates it; the first admin comes from the team's identity provider or the CLI.
    values.insert(
        "createUserJob".into(),
        json!({ "enabled": false, "useHelmHooks": false, "applyCustomEnv": false }),
    );
    values.insert(
        "migrateDatabaseJob".into(),
        json!({
            "useHelmHooks": false,
            "applyCustomEnv": false,
            "jobAnnotations": { "argocd.argoproj.io/hook": "Sync" },
        }),
    );
    Ok(Value::Object(values))
}

/// `dags.gitSync`: the branch only for long-lived environments (previews get it per branch).
fn git_sync(env: &ResolvedEnvironment) -> Value {
    let mut sync = Map::new();
    sync.insert("enabled".into(), json!(true));
    sync.insert("repo".into(), json!(env.dags.repo));
    if let Lifecycle::LongLived { branch } = &env.lifecycle {
        sync.insert("branch".into(), json!(branch));
        sync.insert("ref".into(), json!(branch));
    }
    if let Some(sub_path) = &env.dags.sub_path {
        sync.insert("subPath".into(), json!(sub_path));
    }
    sync.insert("period".into(), json!(env.dags.sync_period));
    if let Some(secret) = &env.secrets.git_ssh_key {
        sync.insert("sshKeySecret".into(), json!(secret));
    }
    if let Some(secret) = &env.secrets.git_credentials {
        sync.insert("credentialsSecret".into(), json!(secret));
    }
    Value::Object(sync)
}

/// `config` (airflow.cfg, as strings the way Airflow reads them) and the `secret` entries of
/// options whose value comes from a Secret.
fn config(env: &ResolvedEnvironment, target: Target) -> (Map<String, Value>, Vec<Value>) {
    let mut config = Map::new();
    let mut secret = Vec::new();
    let mut set = |section: &str, key: &str, value: String| {
        let entry = config
            .entry(section.to_owned())
            .or_insert_with(|| Value::Object(Map::new()));
        if let Value::Object(options) = entry {
            options.insert(key.to_owned(), Value::String(value));
        }
    };
    if let Some(logging) = &env.logging {
        set("logging", "remote_logging", "True".to_owned());
        set("logging", "remote_base_log_folder", logging.remote.clone());
        set("logging", "remote_log_conn_id", logging.connection.clone());
    }
    if let Lifecycle::LongLived { .. } = env.lifecycle {
        set(
            target.base_url_section(),
            "base_url",
            base_url(&env.host, "/"),
        );
    }
    // The spec's own options come last and win.
    for (section, options) in &env.airflow.config {
        for (key, value) in options {
            match value {
                ConfigValue::Literal(literal) => set(section, key, literal.to_string()),
                ConfigValue::Secret(s) => secret.push(json!({
                    "envName": format!(
                        "AIRFLOW__{}__{}",
                        section.to_ascii_uppercase(),
                        key.to_ascii_uppercase()
                    ),
                    "secretName": s.secret,
                    "secretKey": s.key,
                })),
            }
        }
    }
    (config, secret)
}

/// `https://<host><path>`, without a trailing slash for the root path.
fn base_url(host: &str, path: &str) -> String {
    let path = path.trim_end_matches('/');
    format!("https://{host}{path}")
}

/// The Ingress of the UI; previews get the path per branch.
fn ingress(env: &ResolvedEnvironment, target: Target) -> Value {
    let mut ui = Map::new();
    ui.insert("enabled".into(), json!(true));
    if !env.is_preview() {
        ui.insert("path".into(), json!("/"));
    }
    ui.insert("hosts".into(), json!([{ "name": env.host }]));
    let mut ingress = Map::new();
    ingress.insert(target.ingress_key().into(), Value::Object(ui));
    Value::Object(ingress)
}

/// The URL path of a preview environment as a Go template over `.branch`.
fn preview_path_template(env: &ResolvedEnvironment, path: &str, slug_length: usize) -> String {
    let slug = crate::naming::preview_name_template(&env.namespace, slug_length);
    path.replace("{branch}", BRANCH_TEMPLATE)
        .replace("{slug}", &slug)
}

/// A Helm `--set` path from its keys: dots inside a key are escaped with `\`.
fn helm_key(keys: &[&str]) -> String {
    keys.iter()
        .map(|k| k.replace('.', "\\."))
        .collect::<Vec<_>>()
        .join(".")
}

/// Values that differ per branch of a preview environment, as Helm parameter names with Argo CD
/// Go-template values (strings only: Argo CD templates string fields).
pub fn branch_parameters(_model: &Model, env: &ResolvedEnvironment) -> Vec<(String, String)> {
    let Lifecycle::Preview(preview) = &env.lifecycle else {
        return Vec::new();
    };
    // The parameters depend only on the Airflow major version; an unsupported pair is
    // reported by `render`, so fall back to Airflow 3 names here.
    let target = target(env).unwrap_or(Target {
        airflow3: !matches!(airflow_release(&env.airflow.version), Some((2, _, _))),
    });
    let path = preview_path_template(env, &preview.path, preview.slug_length);
    vec![
        (
            helm_key(&["dags", "gitSync", "ref"]),
            BRANCH_TEMPLATE.to_owned(),
        ),
        (
            helm_key(&["dags", "gitSync", "branch"]),
            BRANCH_TEMPLATE.to_owned(),
        ),
        (
            helm_key(&["ingress", target.ingress_key(), "path"]),
            path.clone(),
        ),
        (
            helm_key(&["config", target.base_url_section(), "base_url"]),
            base_url(&env.host, &path),
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn model() -> Model {
        let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("platform.yaml");
        match crate::pipeline::front_end(&path) {
            Ok(front) => front.model,
            Err(failure) => panic!("bundled spec fails: {:?}", failure.diagnostics),
        }
    }

    fn image() -> ImageRef {
        ImageRef {
            repository: "registry.example/airflow".into(),
            tag: "3.2.2-0123456789ab".into(),
        }
    }

    fn env<'m>(model: &'m Model, name: &str) -> &'m ResolvedEnvironment {
        model
            .environments
            .iter()
            .find(|e| e.name == name)
            .unwrap_or_else(|| panic!("no environment {name}"))
    }

    #[test]
    fn prod_values_of_the_bundled_spec() {
        let model = model();
        let prod = env(&model, "prod");
        let v = render(&model, prod, &image()).expect("renders");
        assert_eq!(v["airflowVersion"], "3.2.2");
        assert_eq!(
            v["images"]["airflow"]["repository"],
            "registry.example/airflow"
        );
        assert_eq!(v["images"]["airflow"]["tag"], "3.2.2-0123456789ab");
        assert_eq!(v["defaultAirflowTag"], "3.2.2-0123456789ab");
        assert_eq!(v["executor"], "KubernetesExecutor");
        assert_eq!(v["redis"]["enabled"], false);
        assert_eq!(v["postgresql"]["enabled"], false);
        assert_eq!(v["data"]["metadataSecretName"], "airflow-metadata-db");
        assert_eq!(v["fernetKeySecretName"], "airflow-fernet-key");
        assert_eq!(v["apiSecretKeySecretName"], "airflow-api-secret-key");
        assert_eq!(v["jwtSecretName"], "airflow-jwt-secret");
        assert!(v.get("webserverSecretKeySecretName").is_none());
        assert!(v.get("webserver").is_none());

        let sync = &v["dags"]["gitSync"];
        assert_eq!(sync["enabled"], true);
        assert_eq!(sync["repo"], "git@github.com:carshare/dags.git");
        assert_eq!(sync["branch"], "main");
        assert_eq!(sync["ref"], "main");
        assert_eq!(sync["subPath"], "dags");
        assert_eq!(sync["period"], "60s");
        assert_eq!(sync["sshKeySecret"], "airflow-git-ssh");
        assert!(sync.get("credentialsSecret").is_none());

        let config = &v["config"];
        assert_eq!(config["logging"]["remote_logging"], "True");
        assert_eq!(
            config["logging"]["remote_base_log_folder"],
            "gs://carshare-data-prod-airflow-logs/logs"
        );
        assert_eq!(
            config["logging"]["remote_log_conn_id"],
            "google_cloud_default"
        );
        assert_eq!(
            config["api"]["base_url"],
            "https://airflow.data.carshare.example"
        );
        assert_eq!(config["api"]["fallback_page_limit"], "50");
        assert_eq!(config["dag_processor"]["parsing_processes"], "8");
        assert_eq!(config["core"]["default_task_weight_rule"], "absolute");
        assert!(config["core"].get("executor").is_none());

        let ingress = &v["ingress"]["apiServer"];
        assert_eq!(ingress["enabled"], true);
        assert_eq!(ingress["path"], "/");
        assert_eq!(ingress["hosts"][0]["name"], "airflow.data.carshare.example");

        let sa = "airflow@carshare-data-prod.iam.gserviceaccount.com";
        for component in ["scheduler", "apiServer", "dagProcessor", "triggerer"] {
            assert_eq!(
                v[component]["serviceAccount"]["annotations"][GKE_WORKLOAD_IDENTITY], sa,
                "{component}"
            );
        }
        let workers = &v["workers"]["kubernetes"]["serviceAccount"];
        assert_eq!(workers["create"], true);
        assert_eq!(workers["annotations"][GKE_WORKLOAD_IDENTITY], sa);

        assert_eq!(v["createUserJob"]["enabled"], false);
        assert_eq!(v["createUserJob"]["useHelmHooks"], false);
        assert_eq!(v["createUserJob"]["applyCustomEnv"], false);
        assert_eq!(v["migrateDatabaseJob"]["useHelmHooks"], false);
        assert_eq!(v["migrateDatabaseJob"]["applyCustomEnv"], false);
        assert_eq!(
            v["migrateDatabaseJob"]["jobAnnotations"]["argocd.argoproj.io/hook"],
            "Sync"
        );
        assert!(branch_parameters(&model, prod).is_empty());
    }

    #[test]
    fn preview_values_leave_the_branch_to_the_parameters() {
        let model = model();
        let dev = env(&model, "dev");
        let v = render(&model, dev, &image()).expect("renders");
        assert_eq!(v["postgresql"]["enabled"], true);
        assert_eq!(v["postgresql"]["primary"]["persistence"]["size"], "8Gi");
        assert!(v.get("data").is_none());
        assert!(v["dags"]["gitSync"].get("ref").is_none());
        assert!(v["dags"]["gitSync"].get("branch").is_none());
        assert!(v["ingress"]["apiServer"].get("path").is_none());
        assert!(v["config"]["api"].get("base_url").is_none());
        assert_eq!(
            v["config"]["logging"]["remote_base_log_folder"],
            "gs://carshare-data-dev-airflow-logs/logs"
        );

        let params = branch_parameters(&model, dev);
        let get = |name: &str| {
            params
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v.as_str())
                .unwrap_or_else(|| panic!("no parameter {name}: {params:?}"))
        };
        assert_eq!(get("dags.gitSync.ref"), "{{ .branch }}");
        assert_eq!(get("dags.gitSync.branch"), "{{ .branch }}");
        assert_eq!(get("ingress.apiServer.path"), "/{{ .branch }}");
        assert_eq!(
            get("config.api.base_url"),
            "https://airflow.dev.data.carshare.example/{{ .branch }}"
        );
    }

    #[test]
    fn slug_in_the_preview_path_is_the_name_template() {
        let model = model();
        let mut dev = env(&model, "dev").clone();
        if let Lifecycle::Preview(p) = &mut dev.lifecycle {
            p.path = "/preview/{slug}".into();
        }
        let params = branch_parameters(&model, &dev);
        let want = format!(
            "/preview/{}",
            crate::naming::preview_name_template("airflow-dev", 30)
        );
        assert!(params.contains(&("ingress.apiServer.path".to_owned(), want)));
    }

    #[test]
    fn airflow_2_on_chart_1_21_uses_the_webserver() {
        let model = model();
        let mut prod = env(&model, "prod").clone();
        prod.airflow.chart = "1.21.0".into();
        prod.airflow.version = "2.11.2".into();
        prod.airflow.config.clear();
        let v = render(&model, &prod, &image()).expect("renders");
        assert_eq!(v["webserverSecretKeySecretName"], "airflow-api-secret-key");
        assert!(v.get("apiSecretKeySecretName").is_none());
        assert!(v.get("jwtSecretName").is_none());
        assert!(v.get("apiServer").is_none());
        assert!(v.get("dagProcessor").is_none());
        assert_eq!(v["ingress"]["web"]["path"], "/");
        assert_eq!(
            v["config"]["webserver"]["base_url"],
            "https://airflow.data.carshare.example"
        );
        assert!(v["webserver"]["serviceAccount"]["annotations"][GKE_WORKLOAD_IDENTITY].is_string());
    }

    #[test]
    fn secrets_go_to_the_secret_list() {
        use crate::spec::{Literal, SecretRef};
        let model = model();
        let mut prod = env(&model, "prod").clone();
        prod.airflow
            .config
            .entry("smtp".into())
            .or_default()
            .insert(
                "smtp_password".into(),
                ConfigValue::Secret(SecretRef {
                    secret: "smtp".into(),
                    key: "password".into(),
                }),
            );
        prod.airflow
            .env
            .insert("TEAM".into(), ConfigValue::Literal(Literal::Bool(true)));
        prod.airflow.env.insert(
            "TOKEN".into(),
            ConfigValue::Secret(SecretRef {
                secret: "tok".into(),
                key: "t".into(),
            }),
        );
        let v = render(&model, &prod, &image()).expect("renders");
        assert!(v["config"].get("smtp").is_none());
        assert_eq!(
            v["secret"],
            json!([
                {"envName": "AIRFLOW__SMTP__SMTP_PASSWORD", "secretName": "smtp", "secretKey": "password"},
                {"envName": "TOKEN", "secretName": "tok", "secretKey": "t"},
            ])
        );
        assert_eq!(v["env"], json!([{"name": "TEAM", "value": "True"}]));
    }

    #[test]
    fn unsupported_pairs_are_errors() {
        let model = model();
        for (chart, airflow) in [
            ("1.20.0", "3.2.2"),
            ("1.22.0", "2.11.2"),
            ("1.22.0", "3.0.6"),
            ("1.21.0", "2.10.5"),
            ("1.21.0", "4.0.0"),
        ] {
            let mut prod = env(&model, "prod").clone();
            prod.airflow.chart = chart.into();
            prod.airflow.version = airflow.into();
            let err = render(&model, &prod, &image()).expect_err(chart);
            let d = err.iter().next().expect("one diagnostic");
            assert_eq!(d.code, "unsupported-chart");
            assert!(d.help.as_deref().is_some_and(|h| h.contains("1.22.0")));
        }
    }

    #[test]
    fn dots_in_helm_keys_are_escaped() {
        assert_eq!(
            helm_key(&["a", "argocd.argoproj.io/hook"]),
            "a.argocd\\.argoproj\\.io/hook"
        );
    }
}
