//! The commented platform.yaml `platc init` writes. Every value from a flag enters the YAML as a
//! JSON string literal (a valid YAML double-quoted scalar), so no flag can add a key or a
//! comment; the validation that follows checks what the values mean.

use std::fmt::Write as _;

use crate::airflow::AirflowVersion;
use crate::cloud::Cloud;
use crate::diagnostic::Diagnostic;
use crate::encode::json::string as quoted;
use crate::init::Request;
use crate::spec::Executor;

/// Placeholders per cloud: an account/project, a workload identity and a registry, each to be
/// replaced by the team's own (the comments say so).
struct CloudDefaults {
    project: fn(&str, &str, usize) -> String,
    identity: fn(&str, usize) -> String,
    registry: fn(&str) -> String,
    cluster: fn(&str, usize) -> String,
    log_folder: fn(&str, &str, &str) -> String,
    what: &'static str,
}

fn defaults(cloud: Cloud) -> CloudDefaults {
    match cloud {
        Cloud::Gcp => CloudDefaults {
            project: |name, env, _| format!("{name}-{env}"),
            identity: |project, _| format!("airflow@{project}.iam.gserviceaccount.com"),
            registry: |project| format!("europe-west1-docker.pkg.dev/{project}/airflow/airflow"),
            cluster: |_, i| format!("https://10.0.{i}.1"),
            log_folder: |project, _, _| format!("gs://{project}-airflow-logs/logs"),
            what: "GKE: the Google Cloud project, a Google service account bound by Workload Identity, Artifact Registry",
        },
        Cloud::Aws => CloudDefaults {
            project: |_, _, i| format!("{}", 111_111_111_111u64 * (i as u64 + 1)),
            identity: |account, i| {
                format!(
                    "arn:aws:iam::{account}:role/airflow-{}",
                    if i == 0 { "prod" } else { "dev" }
                )
            },
            registry: |account| format!("{account}.dkr.ecr.eu-west-1.amazonaws.com/airflow"),
            cluster: |_, i| format!("https://{:016X}.gr7.eu-west-1.eks.amazonaws.com", i + 1),
            log_folder: |_, name, env| format!("s3://{name}-{env}-airflow-logs/logs"),
            what: "EKS: the AWS account, an IAM role for service accounts (IRSA), ECR",
        },
        Cloud::Azure => CloudDefaults {
            project: |_, _, i| format!("00000000-0000-4000-8000-{:012}", i + 1),
            identity: |_, i| format!("00000000-0000-4000-9000-{:012}", i + 1),
            registry: |name| format!("{}acr.azurecr.io/airflow", name.replace('-', "")),
            cluster: |name, i| format!("https://{name}-{i}.hcp.westeurope.azmk8s.io:443"),
            log_folder: |_, name, env| {
                format!(
                    "wasb://airflow-logs@{}{}logs.blob.core.windows.net/logs",
                    name.replace('-', ""),
                    env.replace('-', "")
                )
            },
            what: "AKS: the Azure subscription, a managed identity's client id (workload identity federation), ACR",
        },
    }
}

/// The spec text.
pub fn render(r: &Request) -> Result<String, Diagnostic> {
    let version = AirflowVersion::parse(&r.airflow).map_err(|e| {
        Diagnostic::error(
            "E062",
            format!("`{}` is not an Airflow version: {e}", r.airflow),
        )
        .help("give a release such as 3.2.2")
    })?;
    let chart = crate::charts::chart_for(&version).ok_or_else(|| {
        Diagnostic::error(
            "E062",
            format!("no supported chart runs Airflow {}", r.airflow),
        )
        .help(format!("platc renders {}", crate::charts::supported()))
    })?;
    if r.environments.is_empty() {
        return Err(Diagnostic::error("E062", "give at least one --env"));
    }
    let d = defaults(r.cloud);
    let cloud = r.cloud;
    let q = |s: &str| quoted(s);
    let ssh = r.dag_repo.starts_with("git@") || r.dag_repo.starts_with("ssh://");
    let prod_project = (d.project)(&r.name, &r.environments[0], 0);
    let mut t = String::new();
    let _ = writeln!(t, "# yaml-language-server: $schema={}", crate::init::SCHEMA);
    let _ = writeln!(
        t,
        "#
# The platform spec: `platc validate` checks it, `platc compile` writes out/ from it, and Argo CD
# deploys out/. Written by `platc init`; the values marked REPLACE are placeholders for your own.
# `platc schema` and `platc rules` document every field and check.
version: 1
cloud: {}   # {}
platform:
  name: {}
  domain: {}   # hosts of the Airflow UI live under it
",
        cloud.as_str(),
        d.what,
        q(&r.name),
        q(&r.domain),
    );
    let _ = writeln!(
        t,
        "airflow:
  version: {}
  chart: {chart}   # the official Apache Airflow chart: the newest platc renders for this Airflow
  executor: {}",
        q(&r.airflow),
        r.executor.as_str(),
    );
    let _ = writeln!(
        t,
        "  # What each component requests; node autoscaling sizes the cluster by these. Starting points.
  resources:
    scheduler: {{cpu: 1, memory: 2Gi}}
    ui: {{cpu: 500m, memory: 1Gi}}
    triggerer: {{cpu: 250m, memory: 512Mi}}"
    );
    if version.major >= 3 {
        let _ = writeln!(t, "    dagProcessor: {{cpu: 1, memory: 2Gi}}");
    }
    if r.executor != Executor::LocalExecutor {
        let _ = writeln!(
            t,
            "    workers: {{cpu: 500m, memory: 1Gi}}   # each task's pod or worker"
        );
    }
    let _ = writeln!(
        t,
        "
dags:
  repo: {}   # the DAG repository git-sync pulls
  subPath: dags
  syncPeriod: 60s

image:
  repository: {}   # REPLACE: the registry the image pipeline pushes to
  python: \"3.12\"
  requirements: []   # pinned pip requirements of your DAGs, such as `requests==2.32.3`{}

logging:
  remote: {}   # REPLACE: a bucket of the prod environment
  connection: {}

# Names of Kubernetes Secrets you create in each namespace (PREREQUISITES.md in out/ lists them).
secrets:
  fernetKey: airflow-fernet-key
  apiSecretKey: airflow-api-secret-key",
        q(&r.dag_repo),
        q(&(d.registry)(if cloud == Cloud::Azure {
            &r.name
        } else {
            &prod_project
        })),
        publish(r, &prod_project),
        q(&(d.log_folder)(&prod_project, &r.name, &r.environments[0])),
        cloud.default_connection(),
    );
    if version.major >= 3 {
        let _ = writeln!(t, "  jwtSecret: airflow-jwt-secret");
    }
    if r.executor == Executor::CeleryExecutor {
        let _ = writeln!(
            t,
            "  redisPassword: airflow-redis-password   # key `password`\n  brokerUrl: airflow-broker-url   # key `connection`: redis://:PASSWORD@airflow-redis:6379/0"
        );
    }
    let _ = writeln!(
        t,
        "  {}: airflow-git-{}",
        if ssh { "gitSshKey" } else { "gitCredentials" },
        if ssh { "ssh" } else { "credentials" }
    );
    let _ = writeln!(
        t,
        "
gitops:
  repo: {}   # this repository: Argo CD syncs out/ from it

ingress:
  className: nginx

environments:",
        q(&r.gitops_repo),
    );
    for (i, env) in r.environments.iter().enumerate() {
        let prod = i == 0;
        let project = (d.project)(&r.name, env, i);
        let host = if prod {
            format!("airflow.{}", r.domain)
        } else {
            format!("airflow.{env}.{}", r.domain)
        };
        let namespace = if prod {
            "airflow".to_owned()
        } else {
            format!("airflow-{env}")
        };
        let _ = writeln!(
            t,
            "  {}:
    class: {}
    cluster: {}   # REPLACE: the API server URL Argo CD deploys to
    namespace: {}
    cloudProject: {}   # REPLACE
    serviceAccount: {}   # REPLACE: the identity the Airflow pods act as
    host: {}
    branch: {}   # the DAG repository branch this environment runs",
            q(env),
            if prod { "prod" } else { "dev" },
            q(&(d.cluster)(&r.name, i)),
            q(&namespace),
            q(&project),
            q(&(d.identity)(&project, i)),
            q(&host),
            q(if prod { "main" } else { env }),
        );
        if prod {
            let _ = writeln!(
                t,
                "    database:
      external:
        secret: airflow-metadata-db   # a Secret with the connection URI of your managed PostgreSQL"
            );
        } else {
            let _ = writeln!(
                t,
                "    database:
      inCluster: {{}}   # a throwaway PostgreSQL inside the namespace
    logging:
      remote: {}   # REPLACE: a bucket of this environment, never prod's",
                q(&(d.log_folder)(&project, &r.name, env)),
            );
        }
        let _ = writeln!(t);
    }
    Ok(t.trim_end().to_owned() + "\n")
}

/// `image.publish` with placeholders for the cloud's keyless sign-in, when the GitOps repository
/// is on GitHub (the image workflow is a GitHub Actions workflow); else nothing, and validate
/// warns that nothing builds the image.
fn publish(r: &Request, prod_project: &str) -> String {
    if crate::naming::github_repo(&r.gitops_repo).is_none() {
        return String::new();
    }
    let fields = match r.cloud {
        Cloud::Gcp => format!(
            "gcp:
      workloadIdentityProvider: projects/123456789012/locations/global/workloadIdentityPools/github/providers/platform-gitops
      serviceAccount: {}",
            quoted(&format!("image-publisher@{prod_project}.iam.gserviceaccount.com"))
        ),
        Cloud::Aws => format!(
            "aws:
      roleArn: {}",
            quoted(&format!("arn:aws:iam::{prod_project}:role/platform-image-publisher"))
        ),
        Cloud::Azure => format!(
            "azure:
      clientId: 00000000-0000-4000-a000-000000000001
      tenantId: 00000000-0000-4000-a000-000000000002
      subscriptionId: {}",
            quoted(prod_project)
        ),
    };
    format!(
        "
  # REPLACE: how CI signs in to push the image, with GitHub's OIDC token and no stored key
  # (out/PREREQUISITES.md has the one-time setup and the workflow to copy).
  publish:
    {fields}"
    )
}
