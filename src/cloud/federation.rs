//! Workload identity federation with GitHub Actions: the token GitHub issues, the subjects it
//! names, and Google's provider resource names.

/// The issuer of GitHub Actions' OIDC tokens.
pub const GITHUB_ISSUER: &str = "https://token.actions.githubusercontent.com";

/// The `job_workflow_ref` claim of a run of the workflow file `path` as it is on `branch`:
/// `OWNER/REPO/PATH@refs/heads/BRANCH`. A `pull_request_target` run and a run on a push to
/// `branch` carry it; a `pull_request` run carries the pull request's merge ref instead, so a
/// pull request that edits the workflow never gets a token with this claim.
pub fn workflow_ref(repo: &str, path: &str, branch: &str) -> String {
    format!("{repo}/{path}@refs/heads/{branch}")
}

/// The `sub` claim under the repository's subject template [`SUBJECT_CLAIMS`]: the context of
/// the run (`pull_request` for pull requests, `ref:refs/heads/BRANCH` for pushes) and the
/// workflow that runs.
pub fn workflow_subject(repo: &str, context: &str, workflow_ref: &str) -> String {
    format!("repo:{repo}:{context}:job_workflow_ref:{workflow_ref}")
}

/// The claims the repository's subject template must include for [`workflow_subject`]; AWS and
/// Azure match `sub` only, so the workflow's identity has to be in it.
pub const SUBJECT_CLAIMS: [&str; 3] = ["repo", "context", "job_workflow_ref"];

/// The context part of the subject of a pull request's run.
pub const PULL_REQUEST_CONTEXT: &str = "pull_request";

/// The context part of the subject of a run on a push to `branch`.
pub fn branch_context(branch: &str) -> String {
    format!("ref:refs/heads/{branch}")
}

/// A Google Workload Identity Federation provider, split from its resource name
/// `projects/NUMBER/locations/global/workloadIdentityPools/POOL/providers/PROVIDER`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WifProvider<'a> {
    /// The project number.
    pub project_number: &'a str,
    /// The pool id.
    pub pool: &'a str,
    /// The provider id.
    pub provider: &'a str,
}

impl WifProvider<'_> {
    /// The principal set of every token whose `job_workflow_ref` attribute is `workflow_ref`
    /// (the provider maps `attribute.job_workflow_ref=assertion.job_workflow_ref`): the grant
    /// names the workflow, so even a provider with a looser condition lends the identity to no
    /// other workflow of the repository.
    pub fn workflow_principal(&self, workflow_ref: &str) -> String {
        format!(
            "principalSet://iam.googleapis.com/projects/{}/locations/global/workloadIdentityPools/{}/attribute.job_workflow_ref/{workflow_ref}",
            self.project_number, self.pool
        )
    }
}

/// Parses a provider's resource name, or says what is wrong with it.
pub fn wif_provider(name: &str) -> Result<WifProvider<'_>, &'static str> {
    let parts: Vec<&str> = name.split('/').collect();
    let [
        "projects",
        number,
        "locations",
        "global",
        "workloadIdentityPools",
        pool,
        "providers",
        provider,
    ] = parts.as_slice()
    else {
        return Err(
            "it is not `projects/NUMBER/locations/global/workloadIdentityPools/POOL/providers/PROVIDER`",
        );
    };
    if number.is_empty() || number.len() > 20 || !number.bytes().all(|b| b.is_ascii_digit()) {
        return Err("the project is named by its number, digits only");
    }
    for id in [pool, provider] {
        let ok = (4..=32).contains(&id.len())
            && id.starts_with(|c: char| c.is_ascii_lowercase())
            && !id.ends_with('-')
            && !id.starts_with("gcp-")
            && id
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if !ok {
            return Err(
                "pool and provider ids are 4 to 32 lowercase letters, digits and hyphens, starting with a letter (not `gcp-`)",
            );
        }
    }
    Ok(WifProvider {
        project_number: number,
        pool,
        provider,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn provider_names() {
        let p = wif_provider(
            "projects/123456789012/locations/global/workloadIdentityPools/github/providers/platform-gitops",
        )
        .unwrap();
        assert_eq!(
            (p.project_number, p.pool, p.provider),
            ("123456789012", "github", "platform-gitops")
        );
        assert_eq!(
            p.workflow_principal(
                "carshare/platform-gitops/.github/workflows/platc-image.yml@refs/heads/main"
            ),
            "principalSet://iam.googleapis.com/projects/123456789012/locations/global/workloadIdentityPools/github/attribute.job_workflow_ref/carshare/platform-gitops/.github/workflows/platc-image.yml@refs/heads/main"
        );
        for bad in [
            "",
            "projects/my-project/locations/global/workloadIdentityPools/github/providers/gitops",
            "projects/1/locations/europe/workloadIdentityPools/github/providers/gitops",
            "projects/1/locations/global/workloadIdentityPools/gh/providers/gitops",
            "projects/1/locations/global/workloadIdentityPools/gcp-pool/providers/gitops",
            "projects/1/locations/global/workloadIdentityPools/github/providers/gitops/x",
            "projects/1/locations/global/workloadIdentityPools/github/providers/Git$(id)",
            "//iam.googleapis.com/projects/1/locations/global/workloadIdentityPools/github/providers/gitops",
        ] {
            assert!(wif_provider(bad).is_err(), "{bad}");
        }
    }
}
