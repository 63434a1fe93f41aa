//! Canonical identities for the isolation rules: clusters as Argo CD matches them, and the cloud
//! project or account a project id, service account, role ARN, Cloud SQL instance or Azure
//! resource id belongs to. Two spellings of one thing compare equal here.

use std::fmt;

/// A cluster API URL as Argo CD matches destinations: scheme and host lower-cased, the
/// scheme's default port dropped, trailing slashes trimmed.
pub fn cluster(url: &str) -> String {
    let url = url.trim();
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.trim_end_matches('/').to_ascii_lowercase();
    };
    let scheme = scheme.to_ascii_lowercase();
    let (authority, path) = rest.find('/').map_or((rest, ""), |i| rest.split_at(i));
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let mut host = host_port.to_ascii_lowercase();
    let default_port = match scheme.as_str() {
        "https" => Some(":443"),
        "http" => Some(":80"),
        _ => None,
    };
    if let Some(port) = default_port
        && host.ends_with(port)
    {
        host.truncate(host.len() - port.len());
    }
    format!("{scheme}://{host}{}", path.trim_end_matches('/'))
}

/// A cloud project or account.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Account {
    /// `gcp`, `aws` or `azure`.
    pub cloud: &'static str,
    /// The project id, account number or subscription id, lower-cased.
    pub id: String,
}

impl fmt::Display for Account {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match self.cloud {
            "aws" => "AWS account",
            "azure" => "Azure subscription",
            _ => "GCP project",
        };
        write!(f, "{what} `{}`", self.id)
    }
}

fn account(cloud: &'static str, id: &str) -> Option<Account> {
    let id = id.trim().to_ascii_lowercase();
    (!id.is_empty()).then_some(Account { cloud, id })
}

/// The account an environment's `cloudProject` names: twelve digits are an AWS account, a GUID an
/// Azure subscription, anything else a GCP project id.
pub fn project(cloud_project: &str) -> Option<Account> {
    let p = cloud_project.trim();
    if p.len() == 12 && p.bytes().all(|b| b.is_ascii_digit()) {
        account("aws", p)
    } else if is_guid(p) {
        account("azure", p)
    } else if let Some(sub) = azure_subscription(p) {
        account("azure", sub)
    } else {
        account("gcp", p)
    }
}

/// The account an identity or resource lives in, when its spelling says: a GCP service-account
/// email (`sa@PROJECT.iam.gserviceaccount.com`), a workload-identity member
/// (`PROJECT.svc.id.goog[ns/sa]`), a Cloud SQL instance (`PROJECT:REGION:INSTANCE`), an ARN
/// (`arn:aws:iam::ACCOUNT:role/x`) or an Azure resource id (`/subscriptions/ID/…`).
pub fn owner(identity: &str) -> Option<Account> {
    let s = identity.trim();
    if let Some(rest) = s.strip_prefix("arn:") {
        let parts: Vec<&str> = rest.splitn(5, ':').collect();
        return match parts.as_slice() {
            [_, _, _, acct, _] if acct.len() == 12 && acct.bytes().all(|b| b.is_ascii_digit()) => {
                account("aws", acct)
            }
            _ => None,
        };
    }
    if let Some(sub) = azure_subscription(s) {
        return account("azure", sub);
    }
    if let Some((_, domain)) = s.rsplit_once('@') {
        let domain = domain.to_ascii_lowercase();
        let project = domain
            .strip_suffix(".iam.gserviceaccount.com")
            .or_else(|| domain.strip_suffix("@appspot.gserviceaccount.com"))
            .or_else(|| domain.strip_suffix(".appspot.gserviceaccount.com"));
        return match (project, domain.as_str()) {
            (Some(p), _) => account("gcp", p),
            (None, "appspot.gserviceaccount.com") => {
                account("gcp", s.split('@').next().unwrap_or_default())
            }
            _ => None,
        };
    }
    if let Some((project, _)) = s.split_once(".svc.id.goog") {
        return account("gcp", project);
    }
    // PROJECT:REGION:INSTANCE, where a domain-scoped project is `example.com:project`.
    let parts: Vec<&str> = s.split(':').collect();
    if parts.len() >= 3 && parts.iter().all(|p| !p.is_empty()) {
        return account("gcp", &parts[..parts.len() - 2].join(":"));
    }
    None
}

fn azure_subscription(s: &str) -> Option<&str> {
    let lower = s.to_ascii_lowercase();
    let at = lower.find("/subscriptions/")? + "/subscriptions/".len();
    let id = s[at..].split('/').next()?;
    is_guid(id).then_some(id)
}

fn is_guid(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    parts.iter().map(|p| p.len()).eq([8, 4, 4, 4, 12])
        && parts
            .iter()
            .all(|p| p.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// A branch name as git and Argo CD resolve it: `refs/heads/main` is `main`.
pub fn branch(name: &str) -> &str {
    let name = name.trim();
    name.strip_prefix("refs/heads/").unwrap_or(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clusters_compare_as_argo_cd_matches_them() {
        let same = [
            "https://34.76.10.1",
            "https://34.76.10.1/",
            "https://34.76.10.1:443",
            "HTTPS://34.76.10.1:443//",
            " https://34.76.10.1 ",
        ];
        for a in same {
            assert_eq!(cluster(a), "https://34.76.10.1", "{a}");
        }
        assert_eq!(
            cluster("https://Kubernetes.Default.SVC"),
            "https://kubernetes.default.svc"
        );
        assert_eq!(
            cluster("https://[2001:db8::1]:443/"),
            "https://[2001:db8::1]"
        );
        assert_ne!(
            cluster("https://34.76.10.1:6443"),
            cluster("https://34.76.10.1")
        );
        assert_ne!(cluster("http://34.76.10.1"), cluster("https://34.76.10.1"));
        assert_eq!(cluster("http://h:80/x/"), "http://h/x");
    }

    #[test]
    fn owners_of_identities() {
        let gcp = |id: &str| {
            Some(Account {
                cloud: "gcp",
                id: id.into(),
            })
        };
        assert_eq!(
            owner("airflow@Carshare-Data-Prod.iam.gserviceaccount.com"),
            gcp("carshare-data-prod")
        );
        assert_eq!(
            owner("carshare-data-prod:europe-west1:airflow-metadata"),
            gcp("carshare-data-prod")
        );
        assert_eq!(
            owner("example.com:proj:europe-west1:db"),
            gcp("example.com:proj")
        );
        assert_eq!(owner("proj@appspot.gserviceaccount.com"), gcp("proj"));
        assert_eq!(owner("proj.svc.id.goog[airflow/worker]"), gcp("proj"));
        assert_eq!(
            owner("arn:aws:iam::123456789012:role/airflow"),
            Some(Account {
                cloud: "aws",
                id: "123456789012".into()
            })
        );
        assert_eq!(
            owner(
                "/subscriptions/0B1F6471-1BF0-4DDA-AEC3-CB9272F09590/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/airflow"
            ),
            Some(Account {
                cloud: "azure",
                id: "0b1f6471-1bf0-4dda-aec3-cb9272f09590".into()
            })
        );
        assert_eq!(owner("123-compute@developer.gserviceaccount.com"), None);
        assert_eq!(owner("airflow"), None);
        assert_eq!(owner("arn:aws:iam::notanaccount:role/x"), None);
    }

    #[test]
    fn projects_by_shape() {
        assert_eq!(project("123456789012").unwrap().cloud, "aws");
        assert_eq!(
            project("0b1f6471-1bf0-4dda-aec3-cb9272f09590")
                .unwrap()
                .cloud,
            "azure"
        );
        assert_eq!(
            project("Carshare-Data-Prod").unwrap(),
            Account {
                cloud: "gcp",
                id: "carshare-data-prod".into()
            }
        );
    }

    #[test]
    fn branches() {
        assert_eq!(branch("refs/heads/main"), "main");
        assert_eq!(branch("main"), "main");
        assert_eq!(branch("refs/tags/v1"), "refs/tags/v1");
    }
}
