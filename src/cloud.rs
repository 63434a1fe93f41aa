//! Clouds: how GCP, AWS and Azure spell a workload identity, a project, a log bucket and the
//! connection Airflow reaches it with.
//!
//! The spec names its cloud once (`cloud:`); validate checks every environment's identities,
//! buckets and connections against it with the recognisers here, and render asks the same
//! type for annotations, labels and connections, so the two cannot disagree.

pub use crate::spec::Cloud;

pub mod federation;
mod registry;

pub use registry::{Registry, registry};

/// Every cloud, in the order messages list them.
pub const ALL: [Cloud; 3] = [Cloud::Gcp, Cloud::Aws, Cloud::Azure];

impl Cloud {
    /// The name in the spec.
    pub fn as_str(self) -> &'static str {
        match self {
            Cloud::Gcp => "gcp",
            Cloud::Aws => "aws",
            Cloud::Azure => "azure",
        }
    }

    /// The command-line tool `PREREQUISITES.md` writes its commands for.
    pub fn cli(self) -> &'static str {
        match self {
            Cloud::Gcp => "gcloud",
            Cloud::Aws => "aws",
            Cloud::Azure => "az",
        }
    }

    /// What `serviceAccount` must be, as people say it.
    pub fn identity_kind(self) -> &'static str {
        match self {
            Cloud::Gcp => "a Google service account `NAME@PROJECT.iam.gserviceaccount.com`",
            Cloud::Aws => "an IAM role ARN `arn:aws:iam::ACCOUNT:role/NAME`",
            Cloud::Azure => "the client id (a UUID) of a user-assigned managed identity",
        }
    }

    /// What `cloudProject` must be, as people say it.
    pub fn project_kind(self) -> &'static str {
        match self {
            Cloud::Gcp => "a Google Cloud project id",
            Cloud::Aws => "the 12-digit AWS account id",
            Cloud::Azure => "the Azure subscription id (a UUID)",
        }
    }

    /// The scheme of remote log folders (`gs`, `s3`, `wasb`).
    pub fn log_scheme(self) -> &'static str {
        match self {
            Cloud::Gcp => "gs",
            Cloud::Aws => "s3",
            Cloud::Azure => "wasb",
        }
    }

    /// The Airflow connection id its provider uses by default.
    pub fn default_connection(self) -> &'static str {
        match self {
            Cloud::Gcp => "google_cloud_default",
            Cloud::Aws => "aws_default",
            Cloud::Azure => "wasb_default",
        }
    }

    /// A connection of the provider's type with no credentials, for the log folder `remote`:
    /// its hook then takes the pod's workload identity (Application Default Credentials, the
    /// web-identity token EKS mounts, the federated token Azure's webhook mounts). Azure's names
    /// the storage account, which Airflow reads from the connection, not from the folder.
    pub fn identity_connection(self, remote: &str) -> String {
        match self {
            Cloud::Gcp => "google-cloud-platform://".to_owned(),
            Cloud::Aws => "aws://".to_owned(),
            Cloud::Azure => match wasb_folder(remote) {
                Some(f) => serde_json::json!({
                    "conn_type": "wasb",
                    "host": format!("https://{}", f.host),
                })
                .to_string(),
                None => serde_json::json!({ "conn_type": "wasb" }).to_string(),
            },
        }
    }

    /// `[logging] remote_base_log_folder` as Airflow reads it, for the spec's folder `remote`.
    /// Airflow's Azure handler takes the container from its own option and the account from
    /// the connection, so only `wasb://PATH` stays of `wasb://CONTAINER@ACCOUNT…/PATH`.
    pub fn airflow_log_folder(self, remote: &str) -> String {
        match (self, wasb_folder(remote)) {
            (Cloud::Azure, Some(f)) => format!("wasb://{}", f.path),
            _ => remote.to_owned(),
        }
    }

    /// Annotations that bind a Kubernetes service account to `identity`.
    pub fn account_annotations(self, identity: &str) -> Vec<(&'static str, String)> {
        match self {
            Cloud::Gcp => vec![("iam.gke.io/gcp-service-account", identity.to_owned())],
            // IAM roles for service accounts, not EKS Pod Identity: a Pod Identity association
            // names one namespace, while a preview creates a namespace per branch; the role's
            // trust policy can match them all with a `StringLike` on the token's subject.
            Cloud::Aws => vec![("eks.amazonaws.com/role-arn", identity.to_owned())],
            Cloud::Azure => vec![("azure.workload.identity/client-id", identity.to_owned())],
        }
    }

    /// Labels every pod that acts as the identity needs (Azure's webhook acts only on those).
    pub fn pod_labels(self) -> Vec<(&'static str, &'static str)> {
        match self {
            Cloud::Azure => vec![("azure.workload.identity/use", "true")],
            Cloud::Gcp | Cloud::Aws => Vec::new(),
        }
    }

    /// Whether `identity` has this cloud's shape.
    pub fn is_identity(self, identity: &str) -> bool {
        match self {
            Cloud::Gcp => is_gcp_service_account(identity),
            Cloud::Aws => aws_role(identity).is_some(),
            Cloud::Azure => is_uuid(identity),
        }
    }

    /// Whether `project` has this cloud's shape.
    pub fn is_project(self, project: &str) -> bool {
        match self {
            Cloud::Gcp => is_gcp_project(project),
            Cloud::Aws => is_aws_account(project),
            Cloud::Azure => is_uuid(project),
        }
    }
}

/// The cloud whose identity `identity` looks like, if any.
pub fn cloud_of_identity(identity: &str) -> Option<Cloud> {
    ALL.into_iter()
        .find(|c| c.is_identity(identity))
        .or_else(|| identity.starts_with("arn:").then_some(Cloud::Aws))
        .or_else(|| {
            identity
                .ends_with(".gserviceaccount.com")
                .then_some(Cloud::Gcp)
        })
}

/// The cloud whose storage a log folder's scheme names (`wasbs` counts as Azure), if any.
pub fn cloud_of_log_folder(folder: &str) -> Option<Cloud> {
    let scheme = folder.split_once("://")?.0.to_ascii_lowercase();
    match scheme.as_str() {
        "gs" | "gcs" => Some(Cloud::Gcp),
        "s3" | "s3a" => Some(Cloud::Aws),
        "wasb" | "wasbs" | "abfs" | "abfss" => Some(Cloud::Azure),
        _ => None,
    }
}

/// The cloud whose provider uses `connection` as its default id, if any.
pub fn cloud_of_connection(connection: &str) -> Option<Cloud> {
    ALL.into_iter()
        .find(|c| c.default_connection() == connection)
        .or(match connection {
            "google_cloud_platform_default" | "gcp_default" => Some(Cloud::Gcp),
            "s3_default" => Some(Cloud::Aws),
            "azure_default" | "azure_data_lake_default" => Some(Cloud::Azure),
            _ => None,
        })
}

/// An Azure Blob Storage folder, `wasb://CONTAINER@ACCOUNT.blob.core.windows.net/PATH`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WasbFolder<'a> {
    /// The blob container.
    pub container: &'a str,
    /// The storage account.
    pub account: &'a str,
    /// `ACCOUNT.blob.core.windows.net` (or a sovereign cloud's blob endpoint).
    pub host: &'a str,
    /// The folder inside the container, without slashes around it.
    pub path: &'a str,
}

/// Splits a `wasb://` (or `wasbs://`) folder; `None` when it lacks container or account.
pub fn wasb_folder(url: &str) -> Option<WasbFolder<'_>> {
    let rest = url
        .strip_prefix("wasb://")
        .or_else(|| url.strip_prefix("wasbs://"))?;
    let (authority, path) = rest.split_once('/').unwrap_or((rest, ""));
    let (container, host) = authority.split_once('@')?;
    let (account, endpoint) = host.split_once('.')?;
    let container_ok = (3..=63).contains(&container.len())
        && container
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    let account_ok = (3..=24).contains(&account.len())
        && account
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit());
    (container_ok && account_ok && endpoint.starts_with("blob.")).then_some(WasbFolder {
        container,
        account,
        host,
        path: path.trim_matches('/'),
    })
}

/// An IAM role ARN, split: (account id, role path and name).
pub fn aws_role(arn: &str) -> Option<(&str, &str)> {
    let rest = ["arn:aws:iam::", "arn:aws-cn:iam::", "arn:aws-us-gov:iam::"]
        .into_iter()
        .find_map(|p| arn.strip_prefix(p))?;
    let (account, role) = rest.split_once(":role/")?;
    let name = role.rsplit('/').next().unwrap_or_default();
    let fits = |c: char| c.is_ascii_alphanumeric() || "+=,.@_-".contains(c);
    let path_fits = role.len() <= 576
        && role
            .split('/')
            .all(|part| !part.is_empty() && part.chars().all(fits));
    (is_aws_account(account) && !name.is_empty() && name.len() <= 64 && path_fits)
        .then_some((account, role))
}

fn is_aws_account(s: &str) -> bool {
    s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit())
}

/// A Google Cloud project id: 6–30 lowercase letters, digits and hyphens, starting with a
/// letter and not ending with a hyphen.
fn is_gcp_project(s: &str) -> bool {
    (6..=30).contains(&s.len())
        && s.starts_with(|c: char| c.is_ascii_lowercase())
        && !s.ends_with('-')
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// A user-managed Google service account's e-mail.
fn is_gcp_service_account(s: &str) -> bool {
    let Some((name, domain)) = s.split_once('@') else {
        return false;
    };
    let Some(project) = domain.strip_suffix(".iam.gserviceaccount.com") else {
        return false;
    };
    (6..=30).contains(&name.len())
        && name.starts_with(|c: char| c.is_ascii_lowercase())
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && is_gcp_project(project)
}

/// A UUID in its 8-4-4-4-12 hex form, as Azure prints client and subscription ids.
pub fn is_uuid(s: &str) -> bool {
    let groups: Vec<&str> = s.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(g, n)| g.len() == n && g.bytes().all(|b| b.is_ascii_hexdigit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identities_are_recognised_per_cloud() {
        let gcp = "airflow@carshare-data-prod.iam.gserviceaccount.com";
        let aws = "arn:aws:iam::123456789012:role/airflow/prod-airflow";
        let azure = "6b7c1f0e-3a5d-4c2b-9e8f-0a1b2c3d4e5f";
        for (identity, cloud) in [(gcp, Cloud::Gcp), (aws, Cloud::Aws), (azure, Cloud::Azure)] {
            assert_eq!(cloud_of_identity(identity), Some(cloud), "{identity}");
            for other in ALL.into_iter().filter(|c| *c != cloud) {
                assert!(!other.is_identity(identity), "{identity} is not {other:?}");
            }
        }
        assert_eq!(
            aws_role(aws),
            Some(("123456789012", "airflow/prod-airflow"))
        );
        for bad in [
            "arn:aws:iam::12345678901:role/x",
            "arn:aws:iam::123456789012:user/x",
            "arn:aws:iam::123456789012:role/",
            "arn:aws:iam::123456789012:role/a//b",
            "arn:aws:iam::123456789012:role/a b",
        ] {
            assert_eq!(aws_role(bad), None, "{bad}");
        }
        assert_eq!(cloud_of_identity("arn:aws:iam::1:role/x"), Some(Cloud::Aws));
        assert!(!Cloud::Azure.is_identity("6b7c1f0e-3a5d-4c2b-9e8f-0a1b2c3d4e5"));
    }

    #[test]
    fn projects_are_recognised_per_cloud() {
        assert!(Cloud::Gcp.is_project("carshare-data-prod"));
        assert!(!Cloud::Gcp.is_project("123456789012"));
        assert!(Cloud::Aws.is_project("123456789012"));
        assert!(!Cloud::Aws.is_project("carshare-data-prod"));
        assert!(Cloud::Azure.is_project("00000000-1111-2222-3333-444444444444"));
        assert!(!Cloud::Azure.is_project("carshare"));
    }

    #[test]
    fn log_folders_and_connections_name_their_cloud() {
        assert_eq!(cloud_of_log_folder("gs://b/logs"), Some(Cloud::Gcp));
        assert_eq!(cloud_of_log_folder("S3://b/logs"), Some(Cloud::Aws));
        assert_eq!(cloud_of_log_folder("wasb://c@a/logs"), Some(Cloud::Azure));
        assert_eq!(cloud_of_log_folder("/var/log"), None);
        assert_eq!(cloud_of_connection("aws_default"), Some(Cloud::Aws));
        assert_eq!(cloud_of_connection("my_logs"), None);
    }

    #[test]
    fn azure_folders_split_into_container_account_and_path() {
        let url = "wasb://airflow-logs@gridlogs.blob.core.windows.net/logs/prod/";
        let f = wasb_folder(url).unwrap();
        assert_eq!(
            (f.container, f.account, f.path),
            ("airflow-logs", "gridlogs", "logs/prod")
        );
        assert_eq!(Cloud::Azure.airflow_log_folder(url), "wasb://logs/prod");
        assert_eq!(
            Cloud::Azure.identity_connection(url),
            r#"{"conn_type":"wasb","host":"https://gridlogs.blob.core.windows.net"}"#
        );
        for bad in [
            "wasb://logs",
            "wasb://c@a/logs",
            "wasb://Logs@acct.blob.core.windows.net/x",
            "s3://b/x",
        ] {
            assert_eq!(wasb_folder(bad), None, "{bad}");
        }
        assert_eq!(Cloud::Aws.airflow_log_folder("s3://b/x"), "s3://b/x");
    }

    #[test]
    fn only_azure_labels_its_pods() {
        assert!(Cloud::Gcp.pod_labels().is_empty());
        assert_eq!(
            Cloud::Azure.pod_labels(),
            vec![("azure.workload.identity/use", "true")]
        );
    }
}
