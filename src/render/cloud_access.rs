//! What each cloud must grant before the pods can act as the environment's identity and write
//! task logs, as `PREREQUISITES.md` paragraphs and as the commands `platc preview` prints.
//!
//! Every spec value in a command goes through [`crate::encode::shell`]; identities, projects and
//! buckets have already been checked against the cloud by `validate/cloud.rs`.

use crate::cloud::{Cloud, aws_role, wasb_folder};
use crate::encode::shell::quote;
use crate::resolve::ResolvedEnvironment;

/// What the cluster itself needs for workload identity.
pub fn cluster_requirement(cloud: Cloud) -> &'static str {
    match cloud {
        Cloud::Gcp => "with Workload Identity on the cluster and its node pools (`GKE_METADATA`)",
        Cloud::Aws => {
            "with an IAM OIDC identity provider for the cluster's issuer (IAM roles for service \
             accounts; EKS runs the webhook that mounts the token)"
        }
        Cloud::Azure => {
            "with the OIDC issuer and Microsoft Entra Workload ID on \
             (`az aks update --enable-oidc-issuer --enable-workload-identity`)"
        }
    }
}

/// The bullet that grants the identity access to the log folder `remote`.
pub fn log_access(env: &ResolvedEnvironment, remote: &str) -> String {
    let identity = &env.service_account;
    match env.cloud {
        Cloud::Gcp => {
            let bucket = bucket_of(remote);
            format!(
                "`roles/storage.objectUser` for `{identity}` on the bucket of `{remote}`: task \
                 logs are written there, rewritten to append, and read back by the UI:\n  \
                 `gcloud storage buckets add-iam-policy-binding {} --member {} --role roles/storage.objectUser`",
                quote(&format!("gs://{bucket}")),
                quote(&format!("serviceAccount:{identity}")),
            )
        }
        Cloud::Aws => {
            let bucket = bucket_of(remote);
            let prefix = remote
                .split_once("://")
                .map_or("", |(_, r)| r)
                .split_once('/')
                .map_or("", |(_, p)| p.trim_matches('/'));
            let objects = if prefix.is_empty() {
                format!("arn:aws:s3:::{bucket}/*")
            } else {
                format!("arn:aws:s3:::{bucket}/{prefix}/*")
            };
            let policy = serde_json::json!({
                "Version": "2012-10-17",
                "Statement": [
                    { "Effect": "Allow", "Action": ["s3:ListBucket"], "Resource": format!("arn:aws:s3:::{bucket}") },
                    { "Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"], "Resource": objects },
                ],
            });
            let role = aws_role(identity).map_or(identity.as_str(), |(_, r)| r);
            let name = role.rsplit('/').next().unwrap_or(role);
            format!(
                "A policy of the role `{identity}` that lets it list the bucket of `{remote}` and \
                 read and write objects below it: task logs are written there and read back by \
                 the UI:\n  `aws iam put-role-policy --role-name {} --policy-name airflow-task-logs --policy-document {}`",
                quote(name),
                quote(&policy.to_string()),
            )
        }
        Cloud::Azure => {
            let (account, container) =
                wasb_folder(remote).map_or(("ACCOUNT", "CONTAINER"), |f| (f.account, f.container));
            format!(
                "`Storage Blob Data Contributor` for the identity `{identity}` on the container \
                 `{container}` of storage account `{account}`: task logs are written there and \
                 read back by the UI:\n  `az role assignment create --assignee {} --role \"Storage Blob Data Contributor\" --scope \"$(az storage account show --name {} --query id -o tsv)/blobServices/default/containers/{}\"`",
                quote(identity),
                quote(account),
                container,
            )
        }
    }
}

/// The bucket (or container) name of an object-storage folder.
fn bucket_of(remote: &str) -> &str {
    let rest = remote.split_once("://").map_or(remote, |(_, r)| r);
    rest.split('/').next().unwrap_or_default()
}

/// The subject each Kubernetes service account presents, in the cloud's own spelling: the
/// workload pool member on GCP, the token subject on AWS and Azure.
pub fn subject(env: &ResolvedEnvironment, namespace: &str, account: &str) -> String {
    match env.cloud {
        Cloud::Gcp => format!(
            "serviceAccount:{}.svc.id.goog[{namespace}/{account}]",
            env.cloud_project
        ),
        Cloud::Aws | Cloud::Azure => format!("system:serviceaccount:{namespace}:{account}"),
    }
}

/// The command that lets one Kubernetes service account act as the environment's identity, or
/// `None` where one trust policy covers every account (AWS).
pub fn binding_command(
    env: &ResolvedEnvironment,
    namespace: &str,
    account: &str,
) -> Option<String> {
    let subject = subject(env, namespace, account);
    match env.cloud {
        Cloud::Gcp => Some(format!(
            "gcloud iam service-accounts add-iam-policy-binding {} --role roles/iam.workloadIdentityUser --member {}",
            quote(&env.service_account),
            quote(&subject)
        )),
        Cloud::Aws => None,
        Cloud::Azure => Some(format!(
            "az identity federated-credential create --identity-name IDENTITY --resource-group GROUP --name {} --issuer \"$(az aks show --name CLUSTER --resource-group GROUP --query oidcIssuerProfile.issuerUrl -o tsv)\" --subject {} --audiences api://AzureADTokenExchange",
            quote(&format!("{namespace}-{account}")),
            quote(&subject)
        )),
    }
}

/// The `PREREQUISITES.md` paragraph on workload identity for the accounts of one environment.
/// `accounts` are (component, Kubernetes service account).
pub fn identity_section(env: &ResolvedEnvironment, accounts: &[(&str, String)]) -> String {
    let identity = &env.service_account;
    let list: String = accounts
        .iter()
        .map(|(label, name)| format!("\n  - `{name}` ({label})"))
        .collect();
    let namespace = if env.is_preview() {
        format!("{}-*", env.namespace)
    } else {
        env.namespace.clone()
    };
    match env.cloud {
        Cloud::Gcp => {
            let mut text = format!(
                "Workload identity. Each of these Kubernetes service accounts acts as `{identity}` \
                 and needs `roles/iam.workloadIdentityUser` on it, for the member \
                 `serviceAccount:{}.svc.id.goog[NAMESPACE/ACCOUNT]`:{list}",
                env.cloud_project
            );
            text.push_str(&per_branch_or_example(env, accounts));
            text
        }
        Cloud::Aws => {
            let (account_id, _) = aws_role(identity).unwrap_or(("ACCOUNT", ""));
            let subjects: Vec<String> = accounts
                .iter()
                .map(|(_, a)| format!("system:serviceaccount:{namespace}:{a}"))
                .collect();
            let operator = if env.is_preview() {
                "StringLike"
            } else {
                "StringEquals"
            };
            let trust = serde_json::json!({
                "Version": "2012-10-17",
                "Statement": [{
                    "Effect": "Allow",
                    "Principal": { "Federated": format!("arn:aws:iam::{account_id}:oidc-provider/OIDC_PROVIDER") },
                    "Action": "sts:AssumeRoleWithWebIdentity",
                    "Condition": { operator: {
                        "OIDC_PROVIDER:sub": subjects,
                        "OIDC_PROVIDER:aud": "sts.amazonaws.com",
                    } },
                }],
            });
            let pretty = serde_json::to_string_pretty(&trust).unwrap_or_default();
            let indented: String = pretty.lines().map(|l| format!("  {l}\n")).collect();
            let name = aws_role(identity).map_or(identity.as_str(), |(_, r)| {
                r.rsplit('/').next().unwrap_or(r)
            });
            let preview = if env.is_preview() {
                "\n\n  The `*` matches every branch's namespace, so a new branch needs no new trust."
            } else {
                ""
            };
            format!(
                "Workload identity (IAM roles for service accounts). Each of these Kubernetes \
                 service accounts carries `eks.amazonaws.com/role-arn: {identity}`, and the role's \
                 trust policy must accept their tokens:{list}\n\n  \
                 With `OIDC_PROVIDER` the cluster's issuer without `https://` (`aws eks describe-cluster --name CLUSTER --query cluster.identity.oidc.issuer --output text`), \
                 save this as `trust.json` and run `aws iam update-assume-role-policy --role-name {} --policy-document file://trust.json`:\n\n  ```json\n{indented}  ```{preview}",
                quote(name),
            )
        }
        Cloud::Azure => {
            let mut text = format!(
                "Workload identity (Microsoft Entra Workload ID). Each of these Kubernetes service \
                 accounts carries `azure.workload.identity/client-id: {identity}`, and the managed \
                 identity with that client id (`IDENTITY` in resource group `GROUP`; \
                 `az identity list --query \"[?clientId=='{identity}']\"` finds it) needs a \
                 federated credential for the subject `system:serviceaccount:NAMESPACE:ACCOUNT`:{list}\n\n  \
                 An identity holds at most 20 federated credentials."
            );
            text.push_str(&per_branch_or_example(env, accounts));
            text
        }
    }
}

/// For a preview: why the bindings come per branch; otherwise one example command.
fn per_branch_or_example(env: &ResolvedEnvironment, accounts: &[(&str, String)]) -> String {
    if env.is_preview() {
        "\n\n  A preview's namespace exists only once its branch does, so these bindings cannot be \
         made in advance: add them when a branch appears, for example from the CI that pushes it.\n  \
         `platc preview BRANCH` prints the commands (`--format json`: `workload_identity_members`).\n  \
         Until then the branch's pods get no cloud credentials, and its task logs are not written."
            .to_owned()
    } else {
        let first = accounts
            .first()
            .map_or("ACCOUNT", |(_, name)| name.as_str());
        match binding_command(env, &env.namespace, first) {
            Some(command) => format!("\n\n  For example:\n  `{command}`"),
            None => String::new(),
        }
    }
}
