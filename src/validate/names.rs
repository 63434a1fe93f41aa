//! Rule family `name-*`: every generated Kubernetes and Argo CD name is valid and unique.

use std::collections::BTreeMap;

use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::load::{Document, escape_pointer};
use crate::naming::{
    PREVIEW_PREFIX_MAX_LEN, is_dns1123_label, is_dns1123_subdomain, is_valid_preview_prefix,
};
use crate::resolve::Model;
use crate::validate::origin::Origin;

/// Environment names that would clash with platc's own output folders.
const RESERVED: [&str; 3] = ["argocd", "image", "dag-repo"];

/// Checks names of the platform, environments, namespaces, hosts and applications.
pub fn check(model: &Model, doc: &Document) -> Diagnostics {
    let mut out = Diagnostics::default();
    let label = |value: &str, what: &str, place, out: &mut Diagnostics| {
        if !is_dns1123_label(value) {
            out.push(
                Diagnostic::error("name-invalid", format!("{what} `{value}` is not a valid Kubernetes name"))
                    .at(place)
                    .help("use at most 63 lower-case letters, digits and `-`, starting and ending with a letter or digit"),
            );
        }
    };
    label(
        &model.platform.name,
        "platform name",
        doc.value_place("/platform/name"),
        &mut out,
    );
    if !is_dns1123_subdomain(&model.platform.domain) {
        out.push(
            Diagnostic::error(
                "name-invalid",
                format!("domain `{}` is not a valid DNS name", model.platform.domain),
            )
            .at(doc.value_place("/platform/domain")),
        );
    }
    // (cluster, namespace or preview prefix) → environment: two Helm releases in one namespace
    // would overwrite each other, and two previews with one prefix would share namespaces.
    let mut namespaces: BTreeMap<(String, String), String> = BTreeMap::new();
    for env in &model.environments {
        let at = Origin::new(doc, &env.name);
        label(
            &env.name,
            "environment name",
            doc.key_place(&format!("/environments/{}", escape_pointer(&env.name))),
            &mut out,
        );
        if env.is_preview() {
            if !is_valid_preview_prefix(&env.namespace) {
                out.push(
                    Diagnostic::error("name-invalid", format!("namespace prefix `{}` leaves no room for the branch", env.namespace))
                        .at(doc.value_place(&at.own("/namespace")))
                        .help(format!("a preview's namespace is `<prefix>-<branch>-<hash>`: keep the prefix a name of at most {PREVIEW_PREFIX_MAX_LEN} characters")),
                );
            }
        } else {
            label(
                &env.namespace,
                "namespace",
                doc.value_place(&at.own("/namespace")),
                &mut out,
            );
        }
        if !is_dns1123_subdomain(&env.host) {
            out.push(
                Diagnostic::error(
                    "name-invalid",
                    format!("host `{}` is not a valid DNS name", env.host),
                )
                .at(doc.value_place(&at.own("/host"))),
            );
        }
        let app = format!("{}-{}", model.platform.name, env.name);
        let fits = if env.is_preview() {
            is_valid_preview_prefix(&app)
        } else {
            is_dns1123_label(&app)
        };
        if !fits {
            out.push(
                Diagnostic::error("name-too-long", format!("Argo CD application name `{app}` is too long or invalid"))
                    .at(doc.key_place(&format!("/environments/{}", escape_pointer(&env.name))))
                    .help("shorten the platform or environment name: application names become Kubernetes labels of at most 63 characters"),
            );
        }
        if RESERVED.contains(&env.name.as_str()) {
            out.push(
                Diagnostic::error(
                    "name-reserved",
                    format!("`{}` names an output folder of platc", env.name),
                )
                .at(doc.key_place(&format!("/environments/{}", escape_pointer(&env.name))))
                .help(format!(
                    "rename the environment: {} are taken",
                    RESERVED.join(", ")
                )),
            );
        }
        let key = (
            super::identity::cluster(&env.cluster),
            env.namespace.clone(),
        );
        if let Some(other) = namespaces.insert(key, env.name.clone()) {
            out.push(
                Diagnostic::error(
                    "namespace-collision",
                    format!(
                        "environments `{other}` and `{}` use namespace `{}` on the same cluster",
                        env.name, env.namespace
                    ),
                )
                .at(doc.value_place(&at.own("/namespace")))
                .help("give each environment its own namespace (for previews, its own prefix)"),
            );
        }
    }
    nested_preview_prefixes(model, doc, &mut out);
    out
}

/// A preview's names are `<prefix>-<slug>-<hash>`, with the slug taken after the glob's fixed
/// prefix. When one preview's prefix is another's followed by `-` (`airflow` and `airflow-dev`),
/// a branch both match can get one name from both: `feature/dev-x` under `airflow` with
/// `feature/*` and under `airflow-dev` with `feature/dev-*` are both `airflow-dev-x-<hash>`.
/// Namespaces clash on one cluster, and across clusters in one cloud project (its Workload
/// Identity members) or one log bucket (the preview's log folder); Application names clash in
/// Argo CD wherever they deploy.
fn nested_preview_prefixes(model: &Model, doc: &Document, out: &mut Diagnostics) {
    let previews: Vec<_> = model
        .environments
        .iter()
        .filter(|e| e.is_preview())
        .collect();
    let apps: Vec<String> = previews
        .iter()
        .map(|e| crate::render::argocd::app_name(model, e))
        .collect();
    // Linear in the names: each name is looked up by every prefix of it that ends before a `-`
    // (at most 63 per name), and by itself; a name shared by several previews is paired with
    // the first of them only.
    fn first_of<'n>(names: &[&'n str]) -> std::collections::HashMap<&'n str, usize> {
        let mut first = std::collections::HashMap::new();
        for (i, name) in names.iter().enumerate() {
            first.entry(*name).or_insert(i);
        }
        first
    }
    let namespaces: Vec<&str> = previews.iter().map(|e| e.namespace.as_str()).collect();
    let app_names: Vec<&str> = apps.iter().map(String::as_str).collect();
    let (by_namespace, by_app) = (first_of(&namespaces), first_of(&app_names));
    let outer_of = |name: &'_ str, index: &std::collections::HashMap<&str, usize>| {
        name.match_indices('-')
            .filter_map(|(at, _)| index.get(&name[..at]).copied())
            .collect::<Vec<usize>>()
    };
    for (b, env_b) in previews.iter().enumerate() {
        let mut candidates: Vec<(usize, bool)> = outer_of(&env_b.namespace, &by_namespace)
            .into_iter()
            .map(|a| (a, false))
            .collect();
        if let Some(&a) = by_namespace.get(env_b.namespace.as_str())
            && a != b
        {
            candidates.push((a, true));
        }
        let mut clash = None;
        for (a, equal) in candidates {
            let env_a = previews[a];
            let same_cluster = super::identity::cluster(&env_a.cluster)
                == super::identity::cluster(&env_b.cluster);
            // A namespace also names things outside its cluster: the Workload Identity member
            // `PROJECT.svc.id.goog[NAMESPACE/…]` of the cloud project, and the preview's log
            // folder below `logging.remote`. Equal prefixes on one cluster are
            // `namespace-collision`.
            let shared_outside = env_a.cloud_project.trim() == env_b.cloud_project.trim()
                || matches!((&env_a.logging, &env_b.logging), (Some(x), Some(y)) if x.remote.trim_end_matches('/') == y.remote.trim_end_matches('/'));
            // Nested on one cluster, or nested or equal across clusters that share a project or
            // log folder (equal on one cluster is `namespace-collision`).
            if (!equal && same_cluster) || (!same_cluster && shared_outside) {
                clash = Some(("namespace prefixes", a));
                break;
            }
        }
        if clash.is_none() {
            clash = outer_of(&apps[b], &by_app)
                .first()
                .map(|&a| ("Application names", a));
        }
        if let Some((what, a)) = clash {
            let (x, y) = if what == "namespace prefixes" {
                (&previews[a].namespace, &env_b.namespace)
            } else {
                (&apps[a], &apps[b])
            };
            let at = Origin::new(doc, &env_b.name);
            out.push(
                Diagnostic::error(
                    "preview-prefix-nested",
                    format!(
                        "previews `{}` and `{}` have nested or equal {what} `{x}` and `{y}`: a branch both match can get one name from both",
                        previews[a].name, env_b.name
                    ),
                )
                .at(doc.value_place(&at.own("/namespace")))
                .help("make neither prefix the other followed by `-`, such as `airflow-dev` and `airflow-hotfix`"),
            );
        }
    }
}
