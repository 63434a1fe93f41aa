//! Spec: the typed `platform.yaml`, as the user writes it.
//!
//! These types are the single source of the JSON Schema (`platc schema`). Environment overrides
//! are kept as raw values here and merged over the shared sections by [`crate::resolve`].

use indexmap::IndexMap;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

mod chart;

pub use chart::{Helm, NodePlacement, Placement, TaintEffect, Toleration, TolerationOperator};

pub mod monitoring;

pub use monitoring::Monitoring;

mod publish;

pub use publish::{AwsPublish, AzurePublish, GcpPublish, Publish};

/// A platform: one Airflow, its environments and how they are deployed.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[schemars(title = "platc platform spec")]
pub struct Spec {
    /// Version of the spec format. Only `1` exists.
    pub version: SpecVersion,
    /// Name and DNS domain of the platform.
    pub platform: Platform,
    /// The cloud every environment runs in: `gcp`, `aws` or `azure`. Workload identities,
    /// buckets, log connections and the database are checked against it and rendered its way.
    pub cloud: Cloud,
    /// Airflow and chart versions, executor and configuration shared by all environments.
    pub airflow: Airflow,
    /// The git repository that holds the DAGs.
    pub dags: Dags,
    /// The Airflow image built for this platform.
    pub image: Image,
    /// Remote task logging in object storage; omit to keep logs in the pods.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logging: Option<Logging>,
    /// Names of existing Kubernetes Secrets that hold Airflow's keys.
    pub secrets: Secrets,
    /// The GitOps repository that Argo CD syncs the compiled output from.
    pub gitops: GitOps,
    /// How Argo CD deploys the environments.
    #[serde(default)]
    pub argocd: ArgoCd,
    /// Where deployment events are announced.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notifications: Option<Notifications>,
    /// How the Airflow UI is exposed: ingress class, TLS and annotations.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ingress: Option<Ingress>,
    /// Chart settings platc does not model (`helm.values`), for every environment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub helm: Option<Helm>,
    /// Per-DAG metrics, Grafana dashboards and alerts; omit to leave monitoring off.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub monitoring: Option<Monitoring>,
    /// The environments, by name. Each inherits the sections above and may override them.
    pub environments: IndexMap<String, Environment>,
}

/// The version of the spec format; `1` is the only one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct SpecVersion(pub u32);

impl JsonSchema for SpecVersion {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "SpecVersion".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({ "type": "integer", "enum": [1], "description": "Version of the spec format." })
    }
}

/// The cloud the platform runs in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Cloud {
    /// Google Cloud: GKE Workload Identity, `gs://` buckets, Cloud SQL.
    Gcp,
    /// AWS: EKS with IAM roles for service accounts, `s3://` buckets, RDS.
    Aws,
    /// Azure: AKS with Microsoft Entra Workload ID, `wasb://` containers, Azure Database.
    Azure,
}

/// Name and domain of the platform.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Platform {
    /// Short name, used as prefix of Argo CD projects and applications (DNS-1123 label).
    pub name: String,
    /// DNS domain under which Airflow hosts live, such as `data.example.com`.
    pub domain: String,
}

/// Airflow itself.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Airflow {
    /// Airflow version, such as `3.2.2`.
    pub version: String,
    /// Version of the official Apache Airflow Helm chart, such as `1.22.0`.
    pub chart: String,
    /// The executor. The platform runs each task in its own pod with `KubernetesExecutor`.
    #[serde(default)]
    pub executor: Executor,
    /// Airflow configuration overrides: section, then option, then value.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub config: IndexMap<String, IndexMap<String, ConfigValue>>,
    /// Extra environment variables for every Airflow container.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub env: IndexMap<String, ConfigValue>,
    /// CPU and memory each component requests. The cluster autoscaler adds nodes only for pods
    /// that request resources, and pods without requests are the first evicted.
    #[serde(default, skip_serializing_if = "Resources::is_empty")]
    pub resources: Resources,
    /// Which nodes the pods run on: node selector, tolerations and affinity, for every pod
    /// (`all`) and per component (`workers` for an autoscaled task node pool).
    #[serde(default, skip_serializing_if = "Placement::is_empty")]
    pub placement: Placement,
    /// How many Celery workers run (CeleryExecutor only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub celery: Option<CeleryWorkers>,
}

/// The Celery workers: a fixed count, or a range KEDA scales within by the tasks queued.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct CeleryWorkers {
    /// Workers when not autoscaled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1, max = 1000))]
    pub replicas: Option<u32>,
    /// Scale with KEDA between `min` and `max` workers (KEDA must run in the cluster).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub autoscaling: Option<CeleryAutoscaling>,
}

/// The range KEDA scales the Celery workers within.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct CeleryAutoscaling {
    /// Fewest workers; `0` lets an idle environment run none.
    #[schemars(range(max = 1000))]
    pub min: u32,
    /// Most workers.
    #[schemars(range(min = 1, max = 1000))]
    pub max: u32,
}

/// What each Airflow component requests, by component.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Resources {
    /// The scheduler.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scheduler: Option<Request>,
    /// The UI: the API server on Airflow 3, the webserver on Airflow 2.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ui: Option<Request>,
    /// The standalone DAG processor (Airflow 3); it runs `parsing_processes` parsers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dag_processor: Option<Request>,
    /// The triggerer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub triggerer: Option<Request>,
    /// Each task's worker pod (KubernetesExecutor) or each Celery worker.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workers: Option<Request>,
    /// KubernetesExecutor only: the worker pod's request for the tasks whose
    /// `<dag_id>.<task_id>` matches the key, instead of `workers`. `*` stands for any run of
    /// characters and `?` for one; an exact key wins, then the first matching pattern. Rendered
    /// as a `pod_mutation_hook` in the chart's `airflowLocalSettings`; `platc rightsize --write`
    /// fills it in.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub tasks: IndexMap<String, Request>,
    /// How `platc rightsize` turns measured use into requests.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rightsize: Option<crate::rightsize::Settings>,
}

impl Resources {
    /// Whether no component requests anything.
    pub fn is_empty(&self) -> bool {
        *self == Resources::default()
    }
}

/// A resource request. Memory is also the limit: a container that grows past its request is
/// stopped rather than taking memory its node promised to others. CPU has no limit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Request {
    /// CPU as Kubernetes writes it: cores (`1`, `0.5`) or millicores (`500m`).
    pub cpu: Quantity,
    /// Memory with a unit: `512Mi`, `2Gi`.
    pub memory: Quantity,
}

/// A Kubernetes quantity, written as a number or as text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum Quantity {
    /// A bare number, such as `2` or `0.5`.
    Number(f64),
    /// Text, such as `500m` or `2Gi`.
    Text(String),
}

impl std::fmt::Display for Quantity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Quantity::Number(n) => write!(f, "{n}"),
            Quantity::Text(t) => f.write_str(t),
        }
    }
}

/// The Airflow executor.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum Executor {
    /// One worker pod per task.
    #[default]
    KubernetesExecutor,
    /// Tasks run in the scheduler's pod.
    LocalExecutor,
    /// Celery workers with Redis.
    CeleryExecutor,
}

impl Executor {
    /// The name Airflow and the chart use.
    pub fn as_str(self) -> &'static str {
        match self {
            Executor::KubernetesExecutor => "KubernetesExecutor",
            Executor::LocalExecutor => "LocalExecutor",
            Executor::CeleryExecutor => "CeleryExecutor",
        }
    }
}

/// A configuration or environment value: plain text, number or boolean, or a reference to a Secret.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum ConfigValue {
    /// A value read from a key of an existing Kubernetes Secret.
    Secret(SecretRef),
    /// A literal value.
    Literal(Literal),
}

/// A literal scalar.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum Literal {
    /// `true` or `false`.
    Bool(bool),
    /// A whole number.
    Integer(i64),
    /// A decimal number.
    Float(f64),
    /// Text.
    Text(String),
}

impl std::fmt::Display for Literal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            // Airflow reads booleans the Python way.
            Literal::Bool(true) => f.write_str("True"),
            Literal::Bool(false) => f.write_str("False"),
            Literal::Integer(i) => write!(f, "{i}"),
            Literal::Float(x) => write!(f, "{x}"),
            Literal::Text(s) => f.write_str(s),
        }
    }
}

/// A key of an existing Kubernetes Secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct SecretRef {
    /// Name of the Secret in the environment's namespace.
    pub secret: String,
    /// Key inside the Secret.
    pub key: String,
}

/// The DAG repository, pulled into the pods by git-sync.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Dags {
    /// Clone URL: `git@github.com:org/repo.git` with an SSH key, or `https://…` with a token.
    pub repo: String,
    /// Folder of the repository that holds the DAGs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub_path: Option<String>,
    /// How often git-sync pulls, as a duration such as `60s` or `5m`.
    #[serde(default = "default_sync_period")]
    pub sync_period: String,
    /// `known_hosts` lines of the SSH server, so git-sync checks its host key. GitHub's
    /// published keys are built in; other SSH hosts need this.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub known_hosts: Option<String>,
    /// The team's DAG conventions: `platc dag new` writes them, `platc dag check` enforces them,
    /// and the DAG repository's CI workflow is generated from them. Omit to do without.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conventions: Option<DagConventions>,
}

fn default_sync_period() -> String {
    "60s".to_owned()
}

/// How DAG files are named, what every DAG carries and how DAGs may be scheduled.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct DagConventions {
    /// Path of a DAG file in the DAG repository, with the placeholders `{domain}` and `{name}`
    /// (each lower snake case), such as `dags/{domain}/{name}.py`.
    #[serde(default = "default_dag_layout")]
    pub layout: String,
    /// The `dag_id` a DAG file must declare, from the same placeholders, such as `{domain}__{name}`.
    #[serde(default = "default_dag_id")]
    pub dag_id: String,
    /// Defaults every DAG carries in its `default_args` (owner, retries, failure callback) and tags.
    pub defaults: DagDefaults,
    /// The schedule forms a DAG may use; all of them when omitted.
    #[serde(default = "ScheduleForm::all")]
    pub schedules: Vec<ScheduleForm>,
}

fn default_dag_layout() -> String {
    "dags/{domain}/{name}.py".to_owned()
}

fn default_dag_id() -> String {
    "{domain}__{name}".to_owned()
}

/// The team defaults every DAG must carry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct DagDefaults {
    /// `owner` in `default_args`: the team that answers for the DAG, such as `data-platform`.
    pub owner: String,
    /// `retries` in `default_args`: how often a failed task is retried.
    pub retries: u32,
    /// `on_failure_callback` in `default_args`, as the import path of a function, such as
    /// `plugins.alerts.on_failure`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_failure_callback: Option<String>,
    /// Tags every DAG lists in `tags`, besides its own.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
}

/// A form a DAG's `schedule` may take.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum ScheduleForm {
    /// A cron expression, such as `"0 6 * * *"`.
    Cron,
    /// A preset, such as `"@daily"`.
    Preset,
    /// A fixed interval: `timedelta(...)`.
    Timedelta,
    /// No schedule: `None`, triggered by hand or by the API.
    None,
    /// Data-aware: an asset (Airflow 3) or dataset (Airflow 2), or an expression of them.
    Asset,
    /// A timetable object, such as `CronTriggerTimetable(...)`.
    Timetable,
}

impl ScheduleForm {
    /// Every form, the default when the conventions list none.
    pub fn all() -> Vec<ScheduleForm> {
        vec![
            ScheduleForm::Cron,
            ScheduleForm::Preset,
            ScheduleForm::Timedelta,
            ScheduleForm::None,
            ScheduleForm::Asset,
            ScheduleForm::Timetable,
        ]
    }

    /// The name used in the spec and in messages.
    pub fn as_str(self) -> &'static str {
        match self {
            ScheduleForm::Cron => "cron",
            ScheduleForm::Preset => "preset",
            ScheduleForm::Timedelta => "timedelta",
            ScheduleForm::None => "none",
            ScheduleForm::Asset => "asset",
            ScheduleForm::Timetable => "timetable",
        }
    }
}

/// The Airflow image: official base image plus the team's requirements.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Image {
    /// Registry and repository the built image is pushed to, without a tag.
    pub repository: String,
    /// Python version of the official base image, such as `"3.12"` (quoted).
    pub python: String,
    /// Pip requirement lines (PEP 508), pinned with `==`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub requirements: Vec<String>,
    /// A requirements file, relative to the spec, read in addition to `requirements`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requirements_file: Option<String>,
    /// Debian packages installed into the image.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub system_packages: Vec<String>,
    /// How CI pushes the image, keyless, per cloud: platc then writes the GitOps repository's
    /// image workflow. Omit it to build and push the image some other way.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub publish: Option<Publish>,
}

/// Remote task logs.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Logging {
    /// Base folder for task logs: `gs://…`, `s3://…` or `wasb://…`.
    pub remote: String,
    /// Airflow connection id used to reach the folder.
    pub connection: String,
}

/// The metadata database of one environment.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub enum Database {
    /// A database outside the cluster, its connection string in an existing Secret.
    External(ExternalDatabase),
    /// A PostgreSQL started by the chart inside the namespace, thrown away with the environment.
    InCluster(InClusterDatabase),
}

/// A database outside the cluster.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ExternalDatabase {
    /// Secret whose key `connection` holds the SQLAlchemy URL.
    pub secret: String,
    /// Reach the database through the Cloud SQL Auth Proxy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cloud_sql_proxy: Option<CloudSqlProxy>,
}

/// The Cloud SQL Auth Proxy, deployed as a DaemonSet next to Airflow.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct CloudSqlProxy {
    /// Instance connection name, `project:region:instance`.
    pub instance: String,
    /// Version of the proxy image (v2).
    #[serde(default = "default_proxy_version")]
    pub version: String,
}

fn default_proxy_version() -> String {
    "2.14.1".to_owned()
}

/// An in-cluster PostgreSQL.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct InClusterDatabase {
    /// Size of its volume, such as `8Gi`.
    #[serde(default = "default_db_size")]
    pub size: String,
}

fn default_db_size() -> String {
    "8Gi".to_owned()
}

/// Existing Kubernetes Secrets, by name, that hold Airflow's keys. platc never sees their content.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Secrets {
    /// Secret with key `fernet-key`.
    pub fernet_key: String,
    /// Secret with key `api-secret-key` (Airflow 3) or `webserver-secret-key` (Airflow 2).
    pub api_secret_key: String,
    /// Secret with key `jwt-secret` (Airflow 3).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jwt_secret: Option<String>,
    /// Secret with the SSH key for the DAG repository (key `gitSshKey`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub git_ssh_key: Option<String>,
    /// Secret with HTTPS credentials for the DAG repository (`GITSYNC_USERNAME`, `GITSYNC_PASSWORD`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub git_credentials: Option<String>,
    /// Secret with the password of the chart's Redis (key `password`); CeleryExecutor only. A
    /// Secret, not the chart's generated password: Argo CD renders the chart on every sync, and
    /// a generated one changes each time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redis_password: Option<String>,
    /// Secret with Celery's broker URL (key `connection`), `redis://:PASSWORD@airflow-redis:6379/0`
    /// with the same password; CeleryExecutor only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub broker_url: Option<String>,
    /// Name of an External Secrets Operator `ClusterSecretStore`. When set, platc renders an
    /// `ExternalSecret` for each Secret above (and the database's) into the environment's extras,
    /// so every namespace, including each preview's, gets them from the store: the remote key is
    /// the Secret's name, and a multi-key Secret reads each key as a property of it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_secrets: Option<String>,
}

/// The GitOps repository that holds the compiled output.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct GitOps {
    /// Clone URL of the repository Argo CD reads.
    pub repo: String,
    /// Branch Argo CD follows.
    #[serde(default = "default_branch")]
    pub branch: String,
    /// Folder of the repository where `out/` is committed.
    #[serde(default = "default_gitops_path")]
    pub path: String,
}

fn default_branch() -> String {
    "main".to_owned()
}

fn default_gitops_path() -> String {
    "out".to_owned()
}

/// How Argo CD deploys.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ArgoCd {
    /// Namespace Argo CD runs in and its Applications live in.
    #[serde(default = "default_argocd_namespace")]
    pub namespace: String,
    /// Automated sync settings.
    #[serde(default)]
    pub sync: SyncPolicy,
    /// Secret with a GitHub token for the preview ApplicationSets (key `token`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scm_token_secret: Option<String>,
}

impl Default for ArgoCd {
    fn default() -> Self {
        ArgoCd {
            namespace: default_argocd_namespace(),
            sync: SyncPolicy::default(),
            scm_token_secret: None,
        }
    }
}

fn default_argocd_namespace() -> String {
    "argocd".to_owned()
}

/// Automated sync.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct SyncPolicy {
    /// Delete resources that are no longer in the output.
    #[serde(default = "yes")]
    pub prune: bool,
    /// Undo changes made to the cluster by hand.
    #[serde(default = "yes")]
    pub self_heal: bool,
    /// How many times a failed sync is retried.
    #[serde(default = "default_retries")]
    #[schemars(range(max = 100))]
    pub retries: u32,
}

impl Default for SyncPolicy {
    fn default() -> Self {
        SyncPolicy {
            prune: true,
            self_heal: true,
            retries: default_retries(),
        }
    }
}

fn yes() -> bool {
    true
}

fn default_retries() -> u32 {
    5
}

/// Where deployment events are announced.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Notifications {
    /// Slack channel, through Argo CD notifications.
    pub slack: String,
}

/// The Ingress of the Airflow UI.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Ingress {
    /// The IngressClass, such as `nginx`. Preview environments share one host with a path per
    /// branch, so they need a controller that merges Ingresses by host.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub class_name: Option<String>,
    /// A Secret of type `kubernetes.io/tls` in the environment's namespace, holding the
    /// certificate of `host`; omit when TLS ends before the cluster or a controller default
    /// certificate covers the host.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls_secret: Option<String>,
    /// Annotations of the Ingress, such as `cert-manager.io/cluster-issuer`.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub annotations: IndexMap<String, String>,
}

/// One environment. Long-lived when it names a `branch`, per-branch preview when it has `preview`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Environment {
    /// Isolation class: `prod` environments may touch production; `dev` ones never can.
    pub class: EnvClass,
    /// Argo CD destination cluster: its API server URL.
    pub cluster: String,
    /// Kubernetes namespace; for a preview environment, the prefix of each branch's namespace.
    pub namespace: String,
    /// Cloud project the environment runs in.
    pub cloud_project: String,
    /// Cloud service account the Airflow pods act as (workload identity).
    pub service_account: String,
    /// Host name of the Airflow UI.
    pub host: String,
    /// Branch of the DAG repository a long-lived environment follows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub branch: Option<String>,
    /// Makes this a per-branch preview environment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preview: Option<Preview>,
    /// Access to production data: `none` or `read-only`. Only prod environments write it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub production_data: Option<DataAccess>,
    /// Whether every pip requirement of the image must be pinned with `==` (default: yes for
    /// long-lived environments, no for previews). The image is shared, so one environment that
    /// requires pins requires them for all.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pin_requirements: Option<bool>,
    /// The metadata database.
    pub database: Database,
    /// Overrides of the shared `airflow` section.
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    pub airflow: Option<Value>,
    /// Overrides of the shared `dags` section.
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    pub dags: Option<Value>,
    /// Overrides of the shared `logging` section; `null` turns remote logging off.
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    pub logging: Option<Value>,
    /// Overrides of the shared `secrets` section.
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    pub secrets: Option<Value>,
    /// Overrides of the shared `notifications` section; `null` silences this environment.
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    pub notifications: Option<Value>,
    /// Overrides of the shared `ingress` section.
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    pub ingress: Option<Value>,
    /// Overrides of the shared `helm` section (chart values platc does not model).
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    pub helm: Option<Value>,
    /// Overrides of the shared `monitoring` section; `null` turns monitoring off here.
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    pub monitoring: Option<Value>,
}

/// Keeps an explicit `null` as `Some(Value::Null)`: in an override it means "remove".
fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Value>, D::Error> {
    Value::deserialize(d).map(Some)
}

/// Isolation class.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum EnvClass {
    /// Production.
    Prod,
    /// Development and previews.
    Dev,
}

impl EnvClass {
    /// The lowercase name.
    pub fn as_str(self) -> &'static str {
        match self {
            EnvClass::Prod => "prod",
            EnvClass::Dev => "dev",
        }
    }
}

/// Access to production data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum DataAccess {
    /// No access.
    None,
    /// Read, never write.
    ReadOnly,
}

/// A throw-away Airflow per git branch, created when the branch appears and deleted with it.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Preview {
    /// Branches that get an environment, as a glob such as `feature/*`.
    pub branches: String,
    /// URL path of a branch's Airflow; `{branch}` is the branch name and `{slug}` its safe short name.
    #[serde(default = "default_preview_path")]
    pub path: String,
    /// How many characters of the branch go into names (the rest is a hash).
    #[serde(default = "default_slug_length")]
    #[schemars(range(min = 1, max = 40))]
    pub slug_length: usize,
    /// How often Argo CD looks for new or deleted branches, in seconds.
    #[serde(default = "default_requeue")]
    #[schemars(range(min = 1, max = 31_536_000))]
    pub requeue_after_seconds: u64,
}

impl Preview {
    /// How this preview's branches become the readable part of its names.
    #[must_use]
    pub fn slug(&self) -> crate::naming::Slug<'_> {
        crate::naming::Slug::new(&self.branches, self.slug_length)
    }
}

fn default_preview_path() -> String {
    "/{branch}".to_owned()
}

fn default_slug_length() -> usize {
    30
}

fn default_requeue() -> u64 {
    180
}

/// The sections an environment may override, with the pointer of each in the spec.
pub const OVERRIDABLE: [&str; 7] = [
    "airflow",
    "dags",
    "logging",
    "secrets",
    "notifications",
    "ingress",
    "monitoring",
];
