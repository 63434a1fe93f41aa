//! Rule family `isolation-*`: a dev or preview environment never shares anything with production.
//!
//! Everything is compared on canonical identities ([`super::identity`]): clusters as Argo CD
//! matches them, projects and accounts by what an identity's spelling says it belongs to,
//! branches after `refs/heads/`.

use std::collections::{BTreeMap, HashMap};

use super::identity::{self, Account};
use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::load::Document;
use crate::naming::BranchGlob;
use crate::resolve::{Lifecycle, Model, ResolvedEnvironment};
use crate::spec::{Database, EnvClass};

/// Namespaces a dev environment may never deploy into: the cluster's own and the default one.
const SYSTEM_NAMESPACES: [&str; 4] = ["kube-system", "kube-public", "kube-node-lease", "default"];
use crate::validate::origin::Origin;

/// What a prod environment shares with a dev one, found through [`ProdIndex`].
#[derive(Default)]
struct Shared {
    cluster_and_namespace: bool,
    project: bool,
    service_account: bool,
    database_secret: bool,
    cloud_sql: bool,
    log_folder: bool,
    secret_store: bool,
    /// The dev identity (service account, Cloud SQL instance) whose owner the prod uses.
    service_account_owner: Option<Account>,
    cloud_sql_owner: Option<Account>,
}

/// The prod environments by each canonical identity the rules compare, so that each dev
/// environment finds the prods it shares something with by lookups: linear in the spec, where
/// comparing every dev with every prod was quadratic.
#[derive(Default)]
struct ProdIndex {
    /// (cluster, namespace), and (cluster, every prefix of the namespace before a `-`): a
    /// preview's branch namespaces are `<prefix>-…`.
    namespaces: HashMap<(String, String), Vec<usize>>,
    namespace_prefixes: HashMap<(String, String), Vec<usize>>,
    projects: HashMap<Account, Vec<usize>>,
    service_accounts: HashMap<String, Vec<usize>>,
    database_secrets: HashMap<(String, String), Vec<usize>>,
    cloud_sql: HashMap<String, Vec<usize>>,
    log_buckets: HashMap<(String, String), Vec<usize>>,
    secret_stores: HashMap<(String, String), Vec<usize>>,
    /// Every project or account a prod's project, service account or Cloud SQL instance names.
    accounts: HashMap<Account, Vec<usize>>,
}

impl ProdIndex {
    fn new(prods: &[&ResolvedEnvironment]) -> Self {
        let mut index = ProdIndex::default();
        for (i, prod) in prods.iter().enumerate() {
            let cluster = identity::cluster(&prod.cluster);
            index
                .namespaces
                .entry((cluster.clone(), prod.namespace.clone()))
                .or_default()
                .push(i);
            for (at, _) in prod.namespace.match_indices('-') {
                index
                    .namespace_prefixes
                    .entry((cluster.clone(), prod.namespace[..at].to_owned()))
                    .or_default()
                    .push(i);
            }
            let project = identity::project(&prod.cloud_project);
            if let Some(project) = &project {
                index.projects.entry(project.clone()).or_default().push(i);
            }
            index
                .service_accounts
                .entry(prod.service_account.clone())
                .or_default()
                .push(i);
            let mut accounts: Vec<Account> = project.into_iter().collect();
            accounts.extend(identity::owner(&prod.service_account));
            if let Database::External(p) = &prod.database {
                index
                    .database_secrets
                    .entry((cluster.clone(), p.secret.clone()))
                    .or_default()
                    .push(i);
                if let Some(proxy) = &p.cloud_sql_proxy {
                    index
                        .cloud_sql
                        .entry(proxy.instance.clone())
                        .or_default()
                        .push(i);
                    accounts.extend(identity::owner(&proxy.instance));
                }
            }
            accounts.sort();
            accounts.dedup();
            for account in accounts {
                index.accounts.entry(account).or_default().push(i);
            }
            if let Some(logging) = &prod.logging {
                index
                    .log_buckets
                    .entry(bucket(&logging.remote))
                    .or_default()
                    .push(i);
            }
            if let Some(store) = &prod.secrets.external_secrets {
                index
                    .secret_stores
                    .entry((cluster.clone(), store.clone()))
                    .or_default()
                    .push(i);
            }
        }
        index
    }

    /// What each prod shares with `dev`, by the prod's position.
    fn shared_with(&self, dev: &ResolvedEnvironment) -> BTreeMap<usize, Shared> {
        let mut found: BTreeMap<usize, Shared> = BTreeMap::new();
        let mut mark = |prods: Option<&Vec<usize>>, set: &dyn Fn(&mut Shared)| {
            for &i in prods.into_iter().flatten() {
                set(found.entry(i).or_default());
            }
        };
        let cluster = identity::cluster(&dev.cluster);
        let key = (cluster.clone(), dev.namespace.clone());
        let namespace_owners = match &dev.lifecycle {
            Lifecycle::Preview(_) => self.namespace_prefixes.get(&key),
            Lifecycle::LongLived { .. } => self.namespaces.get(&key),
        };
        mark(namespace_owners, &|s| s.cluster_and_namespace = true);
        if let Some(project) = identity::project(&dev.cloud_project) {
            mark(self.projects.get(&project), &|s| s.project = true);
        }
        mark(self.service_accounts.get(&dev.service_account), &|s| {
            s.service_account = true;
        });
        if let Database::External(d) = &dev.database {
            mark(
                self.database_secrets
                    .get(&(cluster.clone(), d.secret.clone())),
                &|s| s.database_secret = true,
            );
            if let Some(proxy) = &d.cloud_sql_proxy {
                mark(self.cloud_sql.get(&proxy.instance), &|s| s.cloud_sql = true);
                if let Some(owner) = identity::owner(&proxy.instance) {
                    let owned = owner.clone();
                    mark(self.accounts.get(&owner), &move |s| {
                        s.cloud_sql_owner = Some(owned.clone());
                    });
                }
            }
        }
        if let Some(logging) = &dev.logging {
            mark(self.log_buckets.get(&bucket(&logging.remote)), &|s| {
                s.log_folder = true;
            });
        }
        if let Some(store) = &dev.secrets.external_secrets {
            mark(self.secret_stores.get(&(cluster, store.clone())), &|s| {
                s.secret_store = true;
            });
        }
        if let Some(owner) = identity::owner(&dev.service_account) {
            let owned = owner.clone();
            mark(self.accounts.get(&owner), &move |s| {
                s.service_account_owner = Some(owned.clone());
            });
        }
        found
    }
}

/// Checks every dev environment against every prod environment.
pub fn check(model: &Model, doc: &Document) -> Diagnostics {
    let mut out = Diagnostics::default();
    let prods: Vec<&ResolvedEnvironment> = model
        .environments
        .iter()
        .filter(|e| e.class == EnvClass::Prod)
        .collect();
    let index = ProdIndex::new(&prods);
    for dev in model
        .environments
        .iter()
        .filter(|e| e.class == EnvClass::Dev)
    {
        let at = Origin::new(doc, &dev.name);
        for (i, found) in index.shared_with(dev) {
            let prod = prods[i];
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
            if found.cluster_and_namespace {
                shared("cluster and namespace", "/namespace", true);
            }
            if found.project {
                shared("cloud project", "/cloudProject", true);
            }
            if found.service_account {
                shared("service account", "/serviceAccount", true);
            }
            if found.database_secret {
                shared("database secret", "/database/external/secret", true);
            }
            if found.cloud_sql {
                shared(
                    "Cloud SQL instance",
                    "/database/external/cloudSqlProxy/instance",
                    true,
                );
            }
            if found.log_folder {
                shared("log folder", "/logging/remote", false);
            }
            if found.secret_store
                && let Some(ds) = &dev.secrets.external_secrets
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
            let mut identity_shared = |what: &str, owner: &Account, rel: &str| {
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
            };
            if let Some(owner) = &found.service_account_owner {
                identity_shared("service account", owner, "/serviceAccount");
            }
            if let Some(owner) = &found.cloud_sql_owner {
                identity_shared(
                    "Cloud SQL instance",
                    owner,
                    "/database/external/cloudSqlProxy/instance",
                );
            }
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
/// A log URL's scheme and bucket (or container), lower-cased: two folders in one bucket share it.
fn bucket(url: &str) -> (String, String) {
    let (scheme, rest) = url.split_once("://").unwrap_or(("", url));
    (
        scheme.to_ascii_lowercase(),
        rest.split('/')
            .next()
            .unwrap_or_default()
            .to_ascii_lowercase(),
    )
}

#[cfg(test)]
fn same_bucket(a: &str, b: &str) -> bool {
    bucket(a) == bucket(b)
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
