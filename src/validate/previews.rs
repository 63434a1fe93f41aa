//! Rule family `preview-*`: what a per-branch preview needs from the rest of the platform.

use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::load::Document;
use crate::resolve::Model;
use crate::spec::Database;
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
        let mut needed: Vec<&str> = vec![&env.secrets.fernet_key, &env.secrets.api_secret_key];
        needed.extend(env.secrets.jwt_secret.as_deref());
        needed.extend(env.secrets.git_ssh_key.as_deref());
        needed.extend(env.secrets.git_credentials.as_deref());
        if let Database::External(db) = &env.database {
            needed.push(&db.secret);
        }
        out.push(
            Diagnostic::warning(
                "preview-secrets",
                format!("each preview namespace needs the Secrets {}; platc does not create them", needed.join(", ")),
            )
            .at(doc.key_place(&at.own("/preview")))
            .help("copy them into every `<namespace>-*` namespace (a secret replicator or External Secrets), then record how with `# platc:allow(preview-secrets): <how>` on the `preview:` line"),
        );
    }
    out
}
