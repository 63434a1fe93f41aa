//! Cluster extras per environment: namespace, Cloud SQL Auth Proxy and a kustomization listing them.
//!
//! Argo CD applies the folder `<env>/extras` next to the Helm chart. A long-lived environment's
//! namespace is not managed here: it must exist before the first sync because it holds the
//! Secrets platc never sees, and deleting the Application must never delete it. A preview's
//! Namespace is part of its Application, renamed per branch by the ApplicationSet's kustomize
//! patch, so it is deleted with the branch.

use serde_json::{Value, json};

use crate::resolve::{Model, ResolvedEnvironment};
use crate::spec::Database;

/// The Cloud SQL Auth Proxy image (v2).
pub const CLOUD_SQL_PROXY_IMAGE: &str = "gcr.io/cloud-sql-connectors/cloud-sql-proxy";

/// Name of the proxy's Service; the metadata connection string points at `<name>:5432`.
pub const CLOUD_SQL_PROXY_NAME: &str = "cloud-sql-proxy";

/// Argo CD's annotation that orders resources within a sync.
const SYNC_WAVE: &str = "argocd.argoproj.io/sync-wave";

/// The wave of every extra: one before the chart's resources and hooks (wave 0).
const BEFORE_THE_CHART: &str = "-1";

/// The extras folder of an environment, relative to the output folder.
pub fn extras_dir(env: &ResolvedEnvironment) -> String {
    format!("{}/extras", env.name)
}

/// Every extra manifest of one environment, by output path.
pub fn render(model: &Model, env: &ResolvedEnvironment) -> Vec<(String, Value)> {
    let dir = extras_dir(env);
    let mut files: Vec<(String, Value)> = Vec::new();
    if env.is_preview() {
        files.push((
            format!("{dir}/namespace.yaml"),
            preview_namespace(model, env),
        ));
    }
    if let Database::External(db) = &env.database
        && let Some(proxy) = &db.cloud_sql_proxy
    {
        let labels = json!({ "app.kubernetes.io/name": CLOUD_SQL_PROXY_NAME, "app.kubernetes.io/part-of": model.platform.name });
        files.push((
            format!("{dir}/cloud-sql-proxy-serviceaccount.yaml"),
            json!({
                "apiVersion": "v1",
                "kind": "ServiceAccount",
                "metadata": {
                    "name": CLOUD_SQL_PROXY_NAME,
                    "namespace": env.namespace,
                    "labels": labels,
                    "annotations": crate::render::helm_values::identity_annotations(env),
                },
            }),
        ));
        files.push((
            format!("{dir}/cloud-sql-proxy-daemonset.yaml"),
            json!({
                "apiVersion": "apps/v1",
                "kind": "DaemonSet",
                "metadata": { "name": CLOUD_SQL_PROXY_NAME, "namespace": env.namespace, "labels": labels },
                "spec": {
                    "selector": { "matchLabels": { "app.kubernetes.io/name": CLOUD_SQL_PROXY_NAME } },
                    "template": {
                        "metadata": { "labels": labels },
                        "spec": {
                            "serviceAccountName": CLOUD_SQL_PROXY_NAME,
                            // The Service keeps connections on the node, so every node an
                            // Airflow pod may land on needs a proxy, tainted node pools too.
                            "tolerations": [{ "operator": "Exists" }],
                            "containers": [{
                                "name": CLOUD_SQL_PROXY_NAME,
                                "image": format!("{CLOUD_SQL_PROXY_IMAGE}:{}", proxy.version),
                                "args": [
                                    "--address=0.0.0.0",
                                    "--port=5432",
                                    "--structured-logs",
                                    "--health-check",
                                    "--http-address=0.0.0.0",
                                    proxy.instance,
                                ],
                                "ports": [{ "name": "postgres", "containerPort": 5432, "protocol": "TCP" }],
                                "startupProbe": { "httpGet": { "path": "/startup", "port": 9090 }, "periodSeconds": 1, "failureThreshold": 60 },
                                "livenessProbe": { "httpGet": { "path": "/liveness", "port": 9090 }, "periodSeconds": 10 },
                                "resources": {
                                    "requests": { "cpu": "100m", "memory": "128Mi" },
                                    "limits": { "memory": "256Mi" },
                                },
                                "securityContext": {
                                    "runAsNonRoot": true,
                                    "allowPrivilegeEscalation": false,
                                    "readOnlyRootFilesystem": true,
                                    "capabilities": { "drop": ["ALL"] },
                                },
                            }],
                        },
                    },
                },
            }),
        ));
        files.push((
            format!("{dir}/cloud-sql-proxy-service.yaml"),
            json!({
                "apiVersion": "v1",
                "kind": "Service",
                "metadata": { "name": CLOUD_SQL_PROXY_NAME, "namespace": env.namespace, "labels": labels },
                "spec": {
                    "selector": { "app.kubernetes.io/name": CLOUD_SQL_PROXY_NAME },
                    // Connections stay on the node: that is why the proxy runs as a DaemonSet.
                    "internalTrafficPolicy": "Local",
                    "ports": [{ "name": "postgres", "port": 5432, "targetPort": "postgres", "protocol": "TCP" }],
                },
            }),
        ));
    }
    if let Some(store) = &env.secrets.external_secrets {
        for (name, keys) in secret_keys(env) {
            files.push((
                format!("{dir}/externalsecret-{name}.yaml"),
                external_secret(model, env, store, &name, &keys),
            ));
        }
    }
    files.extend(
        super::monitoring::extras(model, env)
            .into_iter()
            .map(|(file, doc)| (format!("{dir}/{file}"), doc)),
    );
    // Secrets and the database proxy exist before the chart's migration job (a Sync hook in
    // wave 0) and its pods start, instead of being retried into place.
    for (_, doc) in &mut files {
        if doc["kind"] != "Namespace" {
            doc["metadata"]["annotations"][SYNC_WAVE] = json!(BEFORE_THE_CHART);
        }
    }
    let resources: Vec<Value> = files
        .iter()
        .filter_map(|(path, _)| path.rsplit('/').next().map(|f| Value::String(f.to_owned())))
        .collect();
    files.push((
        format!("{dir}/kustomization.yaml"),
        json!({
            "apiVersion": "kustomize.config.k8s.io/v1beta1",
            "kind": "Kustomization",
            "resources": resources,
        }),
    ));
    files
}

/// Every Secret the environment's values name, with the keys the chart reads from it. An empty
/// key list means the pods read the whole Secret (`envFrom`, a volume without `items`), as
/// Secrets named in `helm.values` may be.
pub fn secret_keys(env: &ResolvedEnvironment) -> Vec<(String, Vec<String>)> {
    let airflow3 =
        crate::airflow::AirflowVersion::parse(&env.airflow.version).is_ok_and(|v| v.major >= 3);
    let mut found: Vec<(&str, &str)> = vec![
        (&env.secrets.fernet_key, "fernet-key"),
        (
            &env.secrets.api_secret_key,
            if airflow3 {
                "api-secret-key"
            } else {
                "webserver-secret-key"
            },
        ),
    ];
    if let Some(jwt) = &env.secrets.jwt_secret {
        found.push((jwt, "jwt-secret"));
    }
    if let Some(ssh) = &env.secrets.git_ssh_key {
        found.push((ssh, "gitSshKey"));
    }
    if let Some(https) = &env.secrets.git_credentials {
        // The chart's git-sync container reads both git-sync v4's and v3's names, neither
        // optional: a Secret without all four keys keeps the pods from starting.
        for key in [
            "GITSYNC_USERNAME",
            "GITSYNC_PASSWORD",
            "GIT_SYNC_USERNAME",
            "GIT_SYNC_PASSWORD",
        ] {
            found.push((https, key));
        }
    }
    if let Database::External(db) = &env.database {
        found.push((&db.secret, "connection"));
    }
    if env.airflow.executor == crate::spec::Executor::CeleryExecutor {
        if let Some(redis) = &env.secrets.redis_password {
            found.push((redis, "password"));
        }
        if let Some(broker) = &env.secrets.broker_url {
            found.push((broker, "connection"));
        }
    }
    // Options and variables the spec reads from Secrets: the pods read them at start.
    let refs = env
        .airflow
        .config
        .values()
        .flat_map(|options| options.values())
        .chain(env.airflow.env.values());
    for value in refs {
        if let crate::spec::ConfigValue::Secret(s) = value {
            found.push((&s.secret, &s.key));
        }
    }
    let passthrough = super::secret_refs::in_chart_values(&env.helm.values);
    for (name, keys) in &passthrough.keys {
        found.extend(keys.iter().map(|key| (name.as_str(), key.as_str())));
    }
    let mut out: Vec<(String, Vec<String>)> = Vec::new();
    for (name, key) in found {
        match out.iter_mut().find(|(n, _)| n == name) {
            Some((_, keys)) => {
                if !keys.iter().any(|k| k == key) {
                    keys.push(key.to_owned());
                }
            }
            None => out.push((name.to_owned(), vec![key.to_owned()])),
        }
    }
    for whole in passthrough.whole {
        match out.iter_mut().find(|(n, _)| *n == whole) {
            Some((_, keys)) => keys.clear(),
            None => out.push((whole, Vec::new())),
        }
    }
    out.sort();
    out
}

fn external_secret(
    model: &Model,
    env: &ResolvedEnvironment,
    store: &str,
    name: &str,
    keys: &[String],
) -> Value {
    let mut target = json!({ "name": name, "creationPolicy": "Owner" });
    if keys == [super::secret_refs::DOCKER_CONFIG_KEY] {
        // A registry pull Secret: the kubelet reads only this type.
        target["template"] = json!({
            "type": "kubernetes.io/dockerconfigjson",
            "engineVersion": "v2",
            "mergePolicy": "Merge",
        });
    }
    let single = keys.len() == 1;
    let data: Vec<Value> = keys
        .iter()
        .map(|key| {
            let mut remote = json!({ "key": name });
            if !single {
                remote["property"] = json!(key);
            }
            json!({ "secretKey": key, "remoteRef": remote })
        })
        .collect();
    let mut doc = json!({
        "apiVersion": "external-secrets.io/v1",
        "kind": "ExternalSecret",
        "metadata": {
            "name": name,
            "labels": { "app.kubernetes.io/part-of": model.platform.name, "platc.dev/environment": env.name },
        },
        "spec": {
            "refreshInterval": "1h",
            "secretStoreRef": { "kind": "ClusterSecretStore", "name": store },
            "target": target,
            "data": data,
        },
    });
    if keys.is_empty() {
        // Read whole by the pods: every property of the store's entry becomes a key.
        if let Some(spec) = doc["spec"].as_object_mut() {
            spec.remove("data");
            spec.insert("dataFrom".into(), json!([{ "extract": { "key": name } }]));
        }
    }
    doc
}

/// The placeholder Namespace of a preview: `metadata.name` is `env.namespace`, which the
/// ApplicationSet's kustomize patch replaces with the branch's namespace.
fn preview_namespace(model: &Model, env: &ResolvedEnvironment) -> Value {
    json!({
        "apiVersion": "v1",
        "kind": "Namespace",
        "metadata": {
            "name": env.namespace,
            "labels": {
                "app.kubernetes.io/part-of": model.platform.name,
                "platc.dev/environment": env.name,
                "platc.dev/class": env.class.as_str(),
            },
        },
    })
}
