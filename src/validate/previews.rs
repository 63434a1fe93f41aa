//! Rule family `preview-*`: what a per-branch preview needs from the rest of the platform.

use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::load::Document;
use crate::resolve::Model;
use crate::validate::origin::Origin;

/// Checks every preview environment.
pub fn check(model: &Model, doc: &Document) -> Diagnostics {
    let mut out = Diagnostics::default();
    for env in model.environments.iter().filter(|e| e.is_preview()) {
        let at = Origin::new(doc, &env.name);
        if crate::naming::github_repo(&env.dags.repo).is_none() {
            out.push(
                Diagnostic::error("preview-needs-github", format!("previews of `{}` need a GitHub DAG repository", env.name))
                    .at(at.value("/dags/repo"))
                    .help("Argo CD finds the branches with its GitHub SCM provider: use `git@github.com:ORG/REPO.git` or `https://github.com/ORG/REPO.git`"),
            );
        }
        if model.argocd.scm_token_secret.is_none() {
            out.push(
                Diagnostic::warning("preview-scm-token", "previews list branches through the GitHub API without a token")
                    .at(doc.key_place(&at.own("/preview")))
                    .help("set `argocd.scmTokenSecret` to a Secret in Argo CD's namespace with key `token`: anonymous calls see no private repository and are limited to 60 an hour"),
            );
        }
        if env.secrets.external_secrets.is_none() {
            let needed: Vec<String> = crate::render::manifests::secret_keys(env)
                .into_iter()
                .map(|(n, _)| n)
                .collect();
            out.push(
                Diagnostic::warning(
                    "preview-secrets",
                    format!("each preview namespace needs the Secrets {}, and nothing creates them there", needed.join(", ")),
                )
                .at(doc.key_place(&at.own("/preview")))
                .help("set `secrets.externalSecrets: <ClusterSecretStore>` so platc renders ExternalSecrets into each preview, or record how they get there with `# platc:allow(preview-secrets): <how>`"),
            );
        }
    }
    out
}
