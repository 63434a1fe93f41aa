//! Rule family `cloud-*`: everything an environment names belongs to the spec's `cloud`.
//!
//! A spec written for AWS but read as GCP renders GKE annotations with role ARNs and `gcloud`
//! commands for `s3://` buckets; every finding here names the field and the cloud it expected.

use crate::cloud::{Cloud, cloud_of_connection, cloud_of_identity, cloud_of_log_folder};
use crate::diagnostic::{Diagnostic, Diagnostics, Place};
use crate::load::Document;
use crate::resolve::{Model, ResolvedEnvironment};
use crate::spec::Database;
use crate::validate::origin::Origin;

/// Checks every environment against the spec's cloud.
pub fn check(model: &Model, doc: &Document) -> Diagnostics {
    let mut out = Diagnostics::default();
    for env in &model.environments {
        check_env(env, doc, &mut out);
    }
    out
}

fn check_env(env: &ResolvedEnvironment, doc: &Document, out: &mut Diagnostics) {
    let cloud = env.cloud;
    let at = Origin::new(doc, &env.name);
    let found = |other: Option<Cloud>| match other {
        Some(c) if c != cloud => format!(" (it belongs to `{}`)", c.as_str()),
        _ => String::new(),
    };
    let mut push = |id: &str, field: &str, what: String, place: Option<Place>, help: String| {
        out.push(
            Diagnostic::error(
                id,
                format!(
                    "environment `{}`: `{field}` {what}, but `cloud` is `{}`",
                    env.name,
                    cloud.as_str()
                ),
            )
            .at(place)
            .label(format!("not {}", cloud.as_str()))
            .help(help),
        );
    };
    if !cloud.is_identity(&env.service_account) {
        push(
            "cloud-identity",
            "serviceAccount",
            format!(
                "is not {}{}",
                cloud.identity_kind(),
                found(cloud_of_identity(&env.service_account))
            ),
            doc.value_place(&at.own("/serviceAccount")),
            format!(
                "give {}, or set `cloud` to the cloud the environment runs in",
                cloud.identity_kind()
            ),
        );
    } else if let (Cloud::Aws, Some((account, _))) =
        (cloud, crate::cloud::aws_role(&env.service_account))
        && account != env.cloud_project
    {
        push(
            "cloud-identity",
            "serviceAccount",
            format!(
                "is a role of account {account}, not of `cloudProject` {}",
                env.cloud_project
            ),
            doc.value_place(&at.own("/serviceAccount")),
            "the IAM role must live in the account whose cluster trusts it".to_owned(),
        );
    }
    if !cloud.is_project(&env.cloud_project) {
        push(
            "cloud-project",
            "cloudProject",
            format!("is not {}", cloud.project_kind()),
            doc.value_place(&at.own("/cloudProject")),
            format!("give {}", cloud.project_kind()),
        );
    }
    if let Some(logging) = &env.logging {
        let scheme = cloud.log_scheme();
        let bucket_cloud = cloud_of_log_folder(&logging.remote);
        let wanted = match cloud {
            Cloud::Azure => crate::cloud::wasb_folder(&logging.remote).is_some(),
            Cloud::Gcp | Cloud::Aws => logging
                .remote
                .to_ascii_lowercase()
                .starts_with(&format!("{scheme}://")),
        };
        if !wanted {
            push(
                "cloud-bucket",
                "logging.remote",
                format!("is not a `{scheme}://` folder{}", found(bucket_cloud)),
                at.value("/logging/remote"),
                match cloud {
                    Cloud::Azure => "log to `wasb://CONTAINER@ACCOUNT.blob.core.windows.net/PATH`: Airflow needs the container and the account".to_owned(),
                    Cloud::Gcp | Cloud::Aws => format!("log to a `{scheme}://BUCKET/PATH` folder of the environment's cloud"),
                },
            );
        }
        if let Some(other) = cloud_of_connection(&logging.connection)
            && other != cloud
        {
            push(
                "cloud-log-connection",
                "logging.connection",
                format!(
                    "`{}` is the default connection of `{}`",
                    logging.connection,
                    other.as_str()
                ),
                at.value("/logging/connection"),
                format!(
                    "use `{}`, or a connection id of your own",
                    cloud.default_connection()
                ),
            );
        }
    }
    if let Database::External(db) = &env.database
        && db.cloud_sql_proxy.is_some()
        && cloud != Cloud::Gcp
    {
        push(
            "cloud-database",
            "database.external.cloudSqlProxy",
            "reaches a Google Cloud SQL instance".to_owned(),
            doc.key_place(&at.own("/database/external/cloudSqlProxy")),
            "remove `cloudSqlProxy`: the Secret's connection string reaches RDS or Azure Database directly".to_owned(),
        );
    }
}
