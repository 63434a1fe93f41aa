//! Rule family `isolation-*`: a dev or preview environment never shares anything with production.
//!
//! Everything is compared on canonical identities ([`super::identity`]): clusters as Argo CD
//! matches them, projects and accounts by what an identity's spelling says it belongs to,
//! branches after `refs/heads/`.

use super::identity::{self, Account};
use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::load::Document;
use crate::naming::BranchGlob;
use crate::resolve::{Lifecycle, Model, ResolvedEnvironment};
use crate::spec::{Database, EnvClass};

/// Namespaces a dev environment may never deploy into: the cluster's own and the default one.
const SYSTEM_NAMESPACES: [&str; 4] = ["kube-system", "kube-public", "kube-node-lease", "default"];
use crate::validate::origin::Origin;

/// Checks every dev environment against every prod environment.
pub fn check(model: &Model, doc: &Document) -> Diagnostics {
    let mut out = Diagnostics::default();
    let prods: Vec<&ResolvedEnvironment> = model
        .environments
        .iter()
        .filter(|e| e.class == EnvClass::Prod)
        .collect();
    for dev in model
        .environments
        .iter()
        .filter(|e| e.class == EnvClass::Dev)
    {
        let at = Origin::new(doc, &dev.name);
        for prod in &prods {
            let mut shared = |what: &str, rel: &str, own: bool| {
                let place = if own {
                    doc.value_place(&at.own(rel))
                } else {
                    at.value(rel)
                };
                out.push(
                    Diagnostic::error(
                        "isolation-shared",
                        format!(
                            "dev environment `{}` shares its {what} with prod environment `{}`",
                            dev.name, prod.name
                        ),
                    )
                    .at(place)
                    .label("the same as production")
                    .help(format!(
                        "give `{}` its own {what}: dev must never be able to touch production",
                        dev.name
                    )),
                );
            };
            let namespace_clash = match &dev.lifecycle {
                Lifecycle::Preview(_) => prod.namespace.starts_with(&format!("{}-", dev.namespace)),
                Lifecycle::LongLived { .. } => dev.namespace == prod.namespace,
            };
            let same_cluster = identity::cluster(&dev.cluster) == identity::cluster(&prod.cluster);
            if same_cluster && namespace_clash {
                shared("cluster and namespace", "/namespace", true);
            }
            if identity::project(&dev.cloud_project) == identity::project(&prod.cloud_project) {
                shared("cloud project", "/cloudProject", true);
            }
            if dev.service_account == prod.service_account {
                shared("service account", "/serviceAccount", true);
            }
            if let (Database::External(d), Database::External(p)) = (&dev.database, &prod.database)
            {
                if d.secret == p.secret && same_cluster {
                    shared("database secret", "/database/external/secret", true);
                }
                if let (Some(dp), Some(pp)) = (&d.cloud_sql_proxy, &p.cloud_sql_proxy)
                    && dp.instance == pp.instance
                {
                    shared(
                        "Cloud SQL instance",
                        "/database/external/cloudSqlProxy/instance",
                        true,
                    );
                }
            }
            if let (Some(dl), Some(pl)) = (&dev.logging, &prod.logging)
                && same_bucket(&dl.remote, &pl.remote)
            {
                shared("log folder", "/logging/remote", false);
            }
            if same_cluster
                && let (Some(ds), Some(ps)) = (
                    &dev.secrets.external_secrets,
                    &prod.secrets.external_secrets,
                )
                && ds == ps
            {
                out.push(
                    Diagnostic::error(
                        "isolation-secret-store",
                        format!(
                            "dev environment `{}` reads Secrets from `{ds}`, the store prod environment `{}` reads from on the same cluster",
                            dev.name, prod.name
                        ),
                    )
                    .at(at.value("/secrets/externalSecrets"))
                    .label("prod's secret keys are readable here")
                    .help(format!("give `{}` a ClusterSecretStore of its own, backed by a dev project's secret manager", dev.name)),
                );
            }
            identities(dev, prod, &at, doc, &mut out);
        }
        namespaces(dev, model, &at, doc, &mut out);
        if let Lifecycle::Preview(preview) = &dev.lifecycle {
            for prod in &prods {
                if let Lifecycle::LongLived { branch } = &prod.lifecycle
                    && BranchGlob(identity::branch(&preview.branches))
                        .matches(identity::branch(branch))
                {
                    out.push(
                        Diagnostic::error(
                            "isolation-branch",
                            format!("preview branches `{}` include `{branch}`, the branch prod environment `{}` follows", preview.branches, prod.name),
                        )
                        .at(doc.value_place(&at.own("/preview/branches")))
                        .help("narrow the pattern, for example `feature/*`, so production's branch never gets a preview"),
                    );
                }
            }
        }
    }
    for env in &model.environments {
        if env.class == EnvClass::Prod && env.is_preview() {
            out.push(
                Diagnostic::error(
                    "isolation-preview-class",
                    format!("preview environment `{}` is in class prod", env.name),
                )
                .at(doc.value_place(&Origin::new(doc, &env.name).own("/class")))
                .help("per-branch previews run untested code: set `class: dev`"),
            );
        }
    }
    out
}

/// A dev environment's service account and Cloud SQL instance may not live in a prod
/// environment's project or account.
fn identities(
    dev: &ResolvedEnvironment,
    prod: &ResolvedEnvironment,
    at: &Origin,
    doc: &Document,
    out: &mut Diagnostics,
) {
    let mut prod_accounts: Vec<Account> =
        identity::project(&prod.cloud_project).into_iter().collect();
    prod_accounts.extend(identity::owner(&prod.service_account));
    if let Database::External(p) = &prod.database
        && let Some(proxy) = &p.cloud_sql_proxy
    {
        prod_accounts.extend(identity::owner(&proxy.instance));
    }
    let mut check = |what: &str, value: &str, rel: &str| {
        let Some(owner) = identity::owner(value) else {
            return;
        };
        if prod_accounts.contains(&owner) {
            out.push(
                Diagnostic::error(
                    "isolation-identity",
                    format!(
                        "dev environment `{}`'s {what} belongs to {owner}, which prod environment `{}` uses",
                        dev.name, prod.name
                    ),
                )
                .at(doc.value_place(&at.own(rel)))
                .label("a production identity")
                .help(format!("use a {what} in `{}`'s own project or account", dev.name)),
            );
        }
    };
    check("service account", &dev.service_account, "/serviceAccount");
    if let Database::External(d) = &dev.database
        && let Some(proxy) = &d.cloud_sql_proxy
    {
        check(
            "Cloud SQL instance",
            &proxy.instance,
            "/database/external/cloudSqlProxy/instance",
        );
    }
}

/// A dev environment may not deploy into Argo CD's namespace or the cluster's system namespaces.
fn namespaces(
    dev: &ResolvedEnvironment,
    model: &Model,
    at: &Origin,
    doc: &Document,
    out: &mut Diagnostics,
) {
    let ns = dev.namespace.as_str();
    let argocd = ns == model.argocd.namespace || ns == "argocd";
    if argocd || SYSTEM_NAMESPACES.contains(&ns) {
        let whose = if argocd {
            "Argo CD's own namespace"
        } else {
            "a namespace of the cluster itself"
        };
        out.push(
            Diagnostic::error(
                "isolation-namespace",
                format!(
                    "dev environment `{}` deploys into `{ns}`, {whose}",
                    dev.name
                ),
            )
            .at(doc.value_place(&at.own("/namespace")))
            .label("not an application namespace")
            .help(format!(
                "give `{}` a namespace of its own, for example `airflow-{}`",
                dev.name, dev.name
            )),
        );
    }
}

/// Whether two object-storage folders live in one bucket (`gs://b/x` and `gs://b` do): writing
/// logs needs write access to the bucket, so sharing one lets dev write next to prod.
fn same_bucket(a: &str, b: &str) -> bool {
    fn bucket(url: &str) -> (&str, &str) {
        let (scheme, rest) = url.split_once("://").unwrap_or(("", url));
        (scheme, rest.split('/').next().unwrap_or_default())
    }
    let ((sa, ba), (sb, bb)) = (bucket(a), bucket(b));
    sa.eq_ignore_ascii_case(sb) && ba.eq_ignore_ascii_case(bb)
}

#[cfg(test)]
mod tests {
    use super::same_bucket;

    #[test]
    fn buckets() {
        assert!(same_bucket("gs://logs/prod", "gs://logs"));
        assert!(same_bucket("gs://logs", "gs://logs/dev/"));
        assert!(!same_bucket("gs://logs-dev/x", "gs://logs/x"));
        assert!(!same_bucket("s3://logs/x", "gs://logs/x"));
    }
}
