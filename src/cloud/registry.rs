//! Container registries: which cloud's registry an image repository lives in, and the parts of
//! its name the image workflow and the one-time setup commands need.

use super::Cloud;

/// A repository in a cloud's own registry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Registry<'a> {
    /// Artifact Registry, `LOCATION-docker.pkg.dev/PROJECT/REPOSITORY/IMAGE`; the `gcr.io` hosts
    /// are Artifact Registry repositories named after the host (`gcr.io` lives in `us`).
    Google {
        /// The registry host.
        host: &'a str,
        /// The repository's location (`europe-west1`, `us`).
        location: &'a str,
        /// The project that holds it.
        project: &'a str,
        /// The Artifact Registry repository.
        repository: &'a str,
    },
    /// Elastic Container Registry, `ACCOUNT.dkr.ecr.REGION.amazonaws.com/REPOSITORY`.
    Ecr {
        /// The registry host.
        host: &'a str,
        /// The account that owns the registry.
        account: &'a str,
        /// Its region.
        region: &'a str,
        /// The ECR repository (the whole path).
        repository: &'a str,
        /// `true` for the China partition (`amazonaws.com.cn`).
        china: bool,
    },
    /// Azure Container Registry, `NAME.azurecr.io/REPOSITORY`.
    Acr {
        /// The registry host.
        host: &'a str,
        /// The registry's name.
        name: &'a str,
    },
}

impl Registry<'_> {
    /// The cloud the registry belongs to.
    pub fn cloud(&self) -> Cloud {
        match self {
            Registry::Google { .. } => Cloud::Gcp,
            Registry::Ecr { .. } => Cloud::Aws,
            Registry::Acr { .. } => Cloud::Azure,
        }
    }

    /// The host `docker login` signs in to.
    pub fn host(&self) -> &str {
        match self {
            Registry::Google { host, .. }
            | Registry::Ecr { host, .. }
            | Registry::Acr { host, .. } => host,
        }
    }
}

impl Cloud {
    /// The registry's product name.
    pub fn registry_name(self) -> &'static str {
        match self {
            Cloud::Gcp => "Artifact Registry",
            Cloud::Aws => "ECR",
            Cloud::Azure => "Azure Container Registry",
        }
    }

    /// The registry an image repository of this cloud lives in, as people write it.
    pub fn registry_kind(self) -> &'static str {
        match self {
            Cloud::Gcp => {
                "an Artifact Registry repository `LOCATION-docker.pkg.dev/PROJECT/REPOSITORY/IMAGE` (or `gcr.io/PROJECT/IMAGE`)"
            }
            Cloud::Aws => "an ECR repository `ACCOUNT.dkr.ecr.REGION.amazonaws.com/NAME`",
            Cloud::Azure => "an Azure Container Registry repository `NAME.azurecr.io/IMAGE`",
        }
    }
}

/// The cloud registry `repository` (an image repository without tag) lives in, if any.
pub fn registry(repository: &str) -> Option<Registry<'_>> {
    let (host, path) = repository.split_once('/')?;
    let label = |s: &str| {
        !s.is_empty()
            && !s.starts_with('-')
            && !s.ends_with('-')
            && s.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    };
    if let Some(location) = host.strip_suffix("-docker.pkg.dev") {
        let mut parts = path.splitn(3, '/');
        let (project, repo, image) = (parts.next()?, parts.next()?, parts.next()?);
        return (label(location) && label(project) && !repo.is_empty() && !image.is_empty())
            .then_some(Registry::Google {
                host,
                location,
                project,
                repository: repo,
            });
    }
    let gcr_location = match host {
        "gcr.io" | "us.gcr.io" => Some("us"),
        "eu.gcr.io" => Some("europe"),
        "asia.gcr.io" => Some("asia"),
        _ => None,
    };
    if let Some(location) = gcr_location {
        let (project, image) = path.split_once('/')?;
        return (label(project) && !image.is_empty()).then_some(Registry::Google {
            host,
            location,
            project,
            repository: host,
        });
    }
    if let Some((name, "azurecr.io" | "azurecr.cn" | "azurecr.us")) = host.split_once('.') {
        let ok = (5..=50).contains(&name.len()) && name.bytes().all(|b| b.is_ascii_alphanumeric());
        return ok.then_some(Registry::Acr { host, name });
    }
    let (rest, china) = match host.strip_suffix(".amazonaws.com.cn") {
        Some(rest) => (rest, true),
        None => (host.strip_suffix(".amazonaws.com")?, false),
    };
    let (account, region) = rest
        .split_once(".dkr.ecr.")
        .or_else(|| rest.split_once(".dkr.ecr-fips."))?;
    let ok = account.len() == 12
        && account.bytes().all(|b| b.is_ascii_digit())
        && label(region)
        && region.contains('-');
    ok.then_some(Registry::Ecr {
        host,
        account,
        region,
        repository: path,
        china,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_cloud_registry_is_recognised() {
        let ar = registry("europe-west1-docker.pkg.dev/carshare-data-prod/airflow/airflow");
        assert_eq!(
            ar,
            Some(Registry::Google {
                host: "europe-west1-docker.pkg.dev",
                location: "europe-west1",
                project: "carshare-data-prod",
                repository: "airflow",
            })
        );
        assert_eq!(
            registry("eu.gcr.io/carshare/airflow").map(|r| r.cloud()),
            Some(Cloud::Gcp)
        );
        let ecr = registry("123456789012.dkr.ecr.eu-west-1.amazonaws.com/team/airflow").unwrap();
        assert_eq!(ecr.cloud(), Cloud::Aws);
        assert!(matches!(
            ecr,
            Registry::Ecr {
                account: "123456789012",
                region: "eu-west-1",
                repository: "team/airflow",
                china: false,
                ..
            }
        ));
        assert_eq!(
            registry("gridacr.azurecr.io/airflow"),
            Some(Registry::Acr {
                host: "gridacr.azurecr.io",
                name: "gridacr"
            })
        );
        for other in [
            "ghcr.io/carshare/airflow",
            "docker.io/library/airflow",
            "airflow",
            "europe-west1-docker.pkg.dev/proj/airflow",
            "12345.dkr.ecr.eu-west-1.amazonaws.com/airflow",
            "123456789012.dkr.ecr.amazonaws.com/airflow",
            "acr.azurecr.io/airflow",
            "gcr.io/airflow",
        ] {
            assert_eq!(registry(other), None, "{other}");
        }
    }
}
