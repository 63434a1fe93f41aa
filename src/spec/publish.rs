//! `image.publish`: where CI pushes the image from and how it signs in to the registry, keyless.
//!
//! GitHub Actions presents its OIDC token to the cloud, which trusts the GitOps repository by
//! name: no key, password or token is stored anywhere, so there is no field that could hold one.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// How the image workflow signs in: one key, the spec's `cloud`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub enum Publish {
    /// Google Cloud: Workload Identity Federation, acting as a service account that may write to
    /// the Artifact Registry repository.
    Gcp(GcpPublish),
    /// AWS: an IAM role that trusts GitHub's OIDC provider and may push to the ECR repository.
    Aws(AwsPublish),
    /// Azure: an app registration (or user-assigned managed identity) with federated
    /// credentials for the GitOps repository and `AcrPush` on the registry.
    Azure(AzurePublish),
}

/// Google Cloud Workload Identity Federation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct GcpPublish {
    /// The provider's full name:
    /// `projects/NUMBER/locations/global/workloadIdentityPools/POOL/providers/PROVIDER`.
    pub workload_identity_provider: String,
    /// The Google service account the workflow acts as, `NAME@PROJECT.iam.gserviceaccount.com`.
    pub service_account: String,
}

/// An AWS IAM role assumed with GitHub's OIDC token.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct AwsPublish {
    /// The role ARN, `arn:aws:iam::ACCOUNT:role/NAME`. The region comes from the ECR host.
    pub role_arn: String,
}

/// Microsoft Entra workload identity federation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct AzurePublish {
    /// The application (client) id, a UUID.
    pub client_id: String,
    /// The directory (tenant) id, a UUID.
    pub tenant_id: String,
    /// The subscription that holds the container registry, a UUID.
    pub subscription_id: String,
}

impl Publish {
    /// The cloud this section signs in to.
    pub fn cloud(&self) -> crate::spec::Cloud {
        match self {
            Publish::Gcp(_) => crate::spec::Cloud::Gcp,
            Publish::Aws(_) => crate::spec::Cloud::Aws,
            Publish::Azure(_) => crate::spec::Cloud::Azure,
        }
    }
}
