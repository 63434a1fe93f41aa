//! Rule family `isolation-*`: a dev or preview environment never shares anything with production.

use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::load::Document;
use crate::naming::BranchGlob;
use crate::resolve::{Lifecycle, Model, ResolvedEnvironment};
use crate::spec::{Database, EnvClass};
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
            if dev.cluster == prod.cluster && namespace_clash {
                shared("cluster and namespace", "/namespace", true);
            }
            if dev.cloud_project == prod.cloud_project {
                shared("cloud project", "/cloudProject", true);
            }
            if dev.service_account == prod.service_account {
                shared("service account", "/serviceAccount", true);
            }
            if let (Database::External(d), Database::External(p)) = (&dev.database, &prod.database)
            {
                if d.secret == p.secret && dev.cluster == prod.cluster {
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
        }
        if let Lifecycle::Preview(preview) = &dev.lifecycle {
            for prod in &prods {
                if let Lifecycle::LongLived { branch } = &prod.lifecycle
                    && BranchGlob(&preview.branches).matches(branch)
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
