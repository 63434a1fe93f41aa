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
        let class = env.ingress.class_name.as_deref();
        if class.is_none_or(|c| c == "gce") {
            out.push(
                Diagnostic::warning(
                    "preview-ingress-class",
                    format!(
                        "every branch of `{}` gets its own Ingress for host {}, one path each",
                        env.name, env.host
                    ),
                )
                .at(doc.key_place(&at.own("/preview")))
                .help("set `ingress.className` to a controller that merges Ingresses of one host, such as `nginx`: GKE's own (`gce`, the default there) gives each Ingress its own load balancer and IP, and the one DNS name reaches only one of them"),
            );
        }
        let cert_manager = env
            .ingress
            .annotations
            .keys()
            .any(|k| k.starts_with("cert-manager.io/"));
        if let Some(secret) = &env.ingress.tls_secret
            && !cert_manager
        {
            out.push(
                Diagnostic::warning(
                    "preview-tls-secret",
                    format!("the TLS Secret `{secret}` must exist in every branch's namespace, and nothing creates it there"),
                )
                .at(doc.key_place(&at.own("/preview")))
                .help("serve the previews' host with the ingress controller's default certificate (a wildcard; ingress-nginx `--default-ssl-certificate`) and set `ingress.tlsSecret: null` for this environment, or let cert-manager issue it per namespace (annotation `cert-manager.io/cluster-issuer`)"),
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
