//! Rule family `image-publish-*`: `image.publish` signs in to the cloud every environment runs
//! in, with fields of that cloud's shape, and pushes to that cloud's registry from a GitHub
//! repository. Without the section nothing platc writes builds the image (`image-unpublished`).

use crate::cloud::{self, Cloud, federation};
use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::load::Document;
use crate::resolve::Model;
use crate::spec::Publish;

/// Checks `image.publish` against `cloud`, `image.repository` and `gitops.repo`.
pub fn check(model: &Model, doc: &Document) -> Diagnostics {
    let mut out = Diagnostics::default();
    let Some(publish) = &model.image.publish else {
        out.push(
            Diagnostic::warning(
                "image-unpublished",
                format!(
                    "the values name an image in `{}` that nothing platc writes builds",
                    model.image.repository
                ),
            )
            .at(doc.key_place("/image"))
            .help(format!(
                "add `image.publish.{}` (keyless CI sign-in) and platc writes the GitOps repository's image workflow; or build and push `out/image/` yourself under `platc image tag --reference`",
                model.cloud.as_str()
            )),
        );
        return out;
    };
    let signs_in = publish.cloud();
    let key = format!("/image/publish/{}", signs_in.as_str());
    if signs_in != model.cloud {
        out.push(
            Diagnostic::error(
                "image-publish-cloud",
                format!(
                    "`image.publish.{}` signs in to `{}`, but `cloud` is `{}`: every environment pulls the image there",
                    signs_in.as_str(),
                    signs_in.as_str(),
                    model.cloud.as_str()
                ),
            )
            .at(doc.key_place(&key))
            .label(format!("not {}", model.cloud.as_str()))
            .help(format!(
                "write `image.publish.{}` with the sign-in of the spec's cloud",
                model.cloud.as_str()
            )),
        );
    }
    for (field, why) in field_problems(publish) {
        out.push(
            Diagnostic::error(
                "image-publish-field",
                // The value stays out of the message: the snippet shows it, masked where the
                // secret detector finds a pasted key.
                format!("`image.publish.{}.{field}` {why}", signs_in.as_str()),
            )
            .at(doc.value_place(&format!("{key}/{field}")))
            .help("platc signs in with GitHub's OIDC token: name the identity, never a key or password"),
        );
    }
    let repository = &model.image.repository;
    let registry = cloud::registry(repository);
    let registry_ok = match (&registry, publish) {
        (Some(r), _) if r.cloud() != signs_in => false,
        (Some(cloud::Registry::Ecr { china, .. }), Publish::Aws(aws)) => {
            aws.role_arn.starts_with("arn:aws-cn:") == *china
        }
        (Some(_), _) => true,
        (None, _) => false,
    };
    if !registry_ok {
        let belongs = registry
            .as_ref()
            .filter(|r| r.cloud() != signs_in)
            .map(|r| format!(" (it belongs to `{}`)", r.cloud().as_str()))
            .unwrap_or_default();
        out.push(
            Diagnostic::error(
                "image-publish-registry",
                format!(
                    "`image.repository` is not {}{belongs}, but `image.publish` signs in to `{}`",
                    signs_in.registry_kind(),
                    signs_in.as_str()
                ),
            )
            .at(doc.value_place("/image/repository"))
            .label(format!("not in {}", signs_in.registry_name()))
            .help(format!(
                "push to {} (and the role's partition, for AWS China)",
                signs_in.registry_kind()
            )),
        );
    }
    if crate::naming::github_repo(&model.gitops.repo).is_none() {
        out.push(
            Diagnostic::error(
                "image-publish-github",
                "`image.publish` writes a GitHub Actions workflow, but `gitops.repo` is not a GitHub repository",
            )
            .at(doc.key_place("/image/publish"))
            .help("host the GitOps repository on GitHub, or remove `image.publish` and build the image in your own CI"),
        );
    }
    out
}

/// Each field that does not have its cloud's shape: (field, why).
fn field_problems(publish: &Publish) -> Vec<(&'static str, String)> {
    let mut found = Vec::new();
    match publish {
        Publish::Gcp(gcp) => {
            if let Err(why) = federation::wif_provider(&gcp.workload_identity_provider) {
                found.push((
                    "workloadIdentityProvider",
                    format!("is not a Workload Identity Federation provider: {why}"),
                ));
            }
            if !Cloud::Gcp.is_identity(&gcp.service_account) {
                found.push((
                    "serviceAccount",
                    format!("is not {}", Cloud::Gcp.identity_kind()),
                ));
            }
        }
        Publish::Aws(aws) => {
            if cloud::aws_role(&aws.role_arn).is_none() {
                found.push(("roleArn", format!("is not {}", Cloud::Aws.identity_kind())));
            }
        }
        Publish::Azure(azure) => {
            for (field, value, what) in [
                ("clientId", &azure.client_id, "application (client) id"),
                ("tenantId", &azure.tenant_id, "directory (tenant) id"),
                ("subscriptionId", &azure.subscription_id, "subscription id"),
            ] {
                if !cloud::is_uuid(value) {
                    found.push((
                        field,
                        format!("is not an {what}: a UUID `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx`"),
                    ));
                }
            }
        }
    }
    found
}
