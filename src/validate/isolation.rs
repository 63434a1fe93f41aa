//! Rule family `isolation-*`: a dev or preview environment never shares anything with production.

use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::load::Document;
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
                && (dl.remote.trim_end_matches('/') == pl.remote.trim_end_matches('/')
                    || dl
                        .remote
                        .starts_with(&format!("{}/", pl.remote.trim_end_matches('/'))))
            {
                shared("log folder", "/logging/remote", false);
            }
        }
        if let Lifecycle::Preview(preview) = &dev.lifecycle {
            for prod in &prods {
                if let Lifecycle::LongLived { branch } = &prod.lifecycle
                    && glob_matches(&preview.branches, branch)
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

/// Matches a branch against a glob where `*` stands for any run of characters (including `/`).
pub fn glob_matches(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    let (mut pi, mut ti, mut star, mut mark) = (0, 0, None, 0);
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == '*')
}

#[cfg(test)]
mod tests {
    use super::glob_matches;

    #[test]
    fn globs() {
        assert!(glob_matches("feature/*", "feature/hardy"));
        assert!(glob_matches("*", "main"));
        assert!(!glob_matches("feature/*", "main"));
        assert!(glob_matches("ma?n", "main"));
    }
}
