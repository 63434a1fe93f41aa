//! Argo CD: an AppProject per isolation class, an Application per long-lived environment and an
//! ApplicationSet (SCM provider generator, one Application per matching branch) per preview one.
//!
//! Every Application has three sources: the Airflow chart, the GitOps repo as `$values` (the
//! environment's `values.yaml`) and the GitOps repo's `<env>/extras` folder (kustomize).

use serde_json::{Map, Value, json};

use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::encode::go_template;
/// Kept here for callers that found it in this module; it lives in [`crate::naming`].
use crate::naming::github_repo;
use crate::naming::{
    BranchGlob, PREVIEW_PREFIX_MAX_LEN, is_dns1123_label, is_valid_preview_prefix, preview_name,
    preview_name_template, re2_escape,
};
use crate::render::helm_values;
use crate::resolve::{Lifecycle, Model, ResolvedEnvironment};
use crate::spec::{EnvClass, Preview};

/// API version of every Argo CD document.
pub const API_VERSION: &str = "argoproj.io/v1alpha1";
/// Helm repository of the official Apache Airflow chart.
pub const CHART_REPO: &str = "https://airflow.apache.org";
/// Name of the chart in [`CHART_REPO`].
pub const CHART: &str = "airflow";
/// Helm release name of every environment: set explicitly, because the default (the
/// Application name) may exceed Helm's 53 characters and prefixes every chart resource.
pub const RELEASE_NAME: &str = "airflow";
/// The `ref` of the GitOps source, so value files read `$values/<path>`.
pub const VALUES_REF: &str = "values";
/// Foreground cascading delete: deleting the Application deletes its resources first.
pub const RESOURCES_FINALIZER: &str = "resources-finalizer.argocd.argoproj.io";
/// Annotation on preview Applications with the raw branch name (the name only has a slug).
pub const BRANCH_ANNOTATION: &str = "platc/branch";

/// Argo CD notification triggers (standard catalog) every environment subscribes to.
const TRIGGERS: [&str; 3] = ["on-deployed", "on-health-degraded", "on-sync-failed"];
/// Extra triggers for previews: a branch's Airflow appearing and going away.
const PREVIEW_TRIGGERS: [&str; 2] = ["on-created", "on-deleted"];

/// Every Argo CD document, by output path: `argocd/project-<class>.yaml`, then `argocd/<env>.yaml`.
pub fn render(model: &Model) -> Result<Vec<(String, Value)>, Diagnostics> {
    let mut docs = Vec::new();
    let mut diagnostics = Diagnostics::default();
    for class in [EnvClass::Prod, EnvClass::Dev] {
        if model.environments.iter().any(|e| e.class == class) {
            docs.push((project_path(class), project(model, class)));
        }
    }
    for env in &model.environments {
        if env.name == project_file_stem(EnvClass::Prod)
            || env.name == project_file_stem(EnvClass::Dev)
        {
            diagnostics.push(
                Diagnostic::error(
                    "argocd-path-clash",
                    format!(
                        "environment `{}` would be written over an AppProject file",
                        env.name
                    ),
                )
                .help("rename the environment"),
            );
            continue;
        }
        let doc = match &env.lifecycle {
            Lifecycle::LongLived { .. } => application(model, env),
            Lifecycle::Preview(preview) => application_set(model, env, preview),
        };
        match doc {
            Ok(doc) => docs.push((path(env), doc)),
            Err(d) => diagnostics.extend(d),
        }
    }
    if diagnostics.has_errors() {
        return Err(diagnostics);
    }
    Ok(docs)
}

/// Where an environment's Application or ApplicationSet goes.
pub fn path(env: &ResolvedEnvironment) -> String {
    format!("argocd/{}.yaml", env.name)
}

/// Where a class's AppProject goes.
pub fn project_path(class: EnvClass) -> String {
    format!("argocd/{}.yaml", project_file_stem(class))
}

pub fn project_file_stem(class: EnvClass) -> String {
    format!("project-{}", class.as_str())
}

/// Name of the AppProject of an isolation class: `<platform>-<class>`.
pub fn project_name(model: &Model, class: EnvClass) -> String {
    format!("{}-{}", model.platform.name, class.as_str())
}

/// Name of an environment's Application, or the name prefix of its preview Applications.
pub fn app_name(model: &Model, env: &ResolvedEnvironment) -> String {
    format!("{}-{}", model.platform.name, env.name)
}

/// `gitops.path` without leading `./`, leading or trailing slashes; empty for the repo root.
pub fn gitops_dir(model: &Model) -> String {
    let p = model.gitops.path.trim();
    let p = p.strip_prefix("./").unwrap_or(p);
    let p = p.trim_matches('/');
    if p == "." {
        String::new()
    } else {
        p.to_owned()
    }
}

/// A path of the output folder as a path of the GitOps repository.
fn in_repo(model: &Model, rel: &str) -> String {
    match gitops_dir(model).as_str() {
        "" => rel.to_owned(),
        dir => format!("{dir}/{rel}"),
    }
}

/// The value file of an environment as the chart source reads it: `$values/<gitops.path>/<env>/values.yaml`.
pub fn value_file(model: &Model, env: &ResolvedEnvironment) -> String {
    format!("${VALUES_REF}/{}", in_repo(model, &helm_values::path(env)))
}

/// The extras folder of an environment in the GitOps repository: `<gitops.path>/<env>/extras`.
pub fn extras_path(model: &Model, env: &ResolvedEnvironment) -> String {
    in_repo(model, &format!("{}/extras", env.name))
}

/// The AppProject of one isolation class.
///
/// Sources are exactly the chart repo and the GitOps repo. Prod may deploy to the exact
/// (cluster, namespace) of each prod environment and create no cluster-scoped resource (its
/// namespaces exist beforehand: they hold the Secrets platc never sees). Dev may deploy to its
/// long-lived namespaces and to `<prefix>-*` for previews, create those previews' Namespaces, and
/// is denied every prod namespace.
fn project(model: &Model, class: EnvClass) -> Value {
    let envs = || model.environments.iter().filter(move |e| e.class == class);
    let mut destinations: Vec<Value> = Vec::new();
    let mut whitelist: Vec<Value> = Vec::new();
    for env in envs() {
        let namespace = if env.is_preview() {
            whitelist.push(
                json!({"group": "", "kind": "Namespace", "name": format!("{}-*", env.namespace)}),
            );
            format!("{}-*", env.namespace)
        } else {
            env.namespace.clone()
        };
        destinations.push(json!({"server": env.cluster, "namespace": namespace}));
    }
    if class == EnvClass::Dev {
        destinations.extend(prod_denies(model).map(|ns| json!({"namespace": format!("!{ns}")})));
    }
    dedup(&mut destinations);
    dedup(&mut whitelist);
    let description = match class {
        EnvClass::Prod => format!("{}: production Airflow", model.platform.name),
        EnvClass::Dev => format!(
            "{}: development and per-branch preview Airflows; never production namespaces",
            model.platform.name
        ),
    };
    json!({
        "apiVersion": API_VERSION,
        "kind": "AppProject",
        "metadata": {
            "name": project_name(model, class),
            "namespace": model.argocd.namespace,
            "finalizers": [RESOURCES_FINALIZER],
        },
        "spec": {
            "description": description,
            "sourceRepos": [CHART_REPO, model.gitops.repo],
            "destinations": destinations,
            "clusterResourceWhitelist": whitelist,
        },
    })
}

/// The prod namespaces the dev project denies.
///
/// Deny entries carry no `server` on purpose. Argo CD (`isDestinationMatched`) treats
/// `{server: S, namespace: "!N"}` as an *allow* for every other namespace of S, which would widen
/// the dev globs; without a server the entry never allows, but its deny applies on *every*
/// cluster. So a prod namespace is denied only where it protects something: its cluster is one a
/// dev environment deploys to, and no dev environment uses that very namespace (on its own
/// cluster), which the deny would block.
fn prod_denies(model: &Model) -> impl Iterator<Item = &str> {
    let devs: Vec<&ResolvedEnvironment> = model
        .environments
        .iter()
        .filter(|e| e.class == EnvClass::Dev)
        .collect();
    model
        .environments
        .iter()
        .filter(|e| e.class == EnvClass::Prod)
        .filter(move |prod| {
            devs.iter().any(|dev| dev.cluster == prod.cluster)
                && !devs
                    .iter()
                    .any(|dev| !dev.is_preview() && dev.namespace == prod.namespace)
        })
        .map(|prod| prod.namespace.as_str())
}

fn dedup(values: &mut Vec<Value>) {
    let mut seen = Vec::new();
    values.retain(|v| {
        let new = !seen.contains(v);
        if new {
            seen.push(v.clone());
        }
        new
    });
}

/// The Application of a long-lived environment.
fn application(model: &Model, env: &ResolvedEnvironment) -> Result<Value, Diagnostics> {
    let name = app_name(model, env);
    if !is_dns1123_label(&name) {
        return Err(Diagnostic::error(
            "argocd-app-name",
            format!("the Application name `{name}` (`<platform.name>-<environment>`) is not a DNS-1123 label of at most 63 characters"),
        )
        .help("shorten `platform.name` or the environment name; use lowercase letters, digits and `-`")
        .into());
    }
    let mut metadata = Map::new();
    metadata.insert("name".into(), json!(name));
    metadata.insert("namespace".into(), json!(model.argocd.namespace));
    if let Some(annotations) = notification_annotations(env, &[]) {
        metadata.insert("annotations".into(), annotations);
    }
    metadata.insert("finalizers".into(), json!([RESOURCES_FINALIZER]));
    Ok(json!({
        "apiVersion": API_VERSION,
        "kind": "Application",
        "metadata": metadata,
        "spec": app_spec(model, env, &env.namespace, None),
    }))
}

/// What differs in the Application template of a preview environment.
struct Branch {
    /// Helm parameters with Go-template values.
    parameters: Vec<(String, String)>,
}

/// Spec of an Application: the three sources, destination and sync policy. `namespace` is the
/// literal namespace or, for a preview, its Go template.
fn app_spec(
    model: &Model,
    env: &ResolvedEnvironment,
    namespace: &str,
    branch: Option<&Branch>,
) -> Value {
    let mut helm = Map::new();
    helm.insert("releaseName".into(), json!(RELEASE_NAME));
    helm.insert("valueFiles".into(), json!([value_file(model, env)]));
    if let Some(b) = branch.filter(|b| !b.parameters.is_empty()) {
        // forceString: a branch such as `1234` or `true` must stay a string for Helm.
        let params: Vec<Value> = b
            .parameters
            .iter()
            .map(|(name, value)| json!({"name": name, "value": value, "forceString": true}))
            .collect();
        helm.insert("parameters".into(), Value::Array(params));
    }
    // A preview's Application is a template Argo CD evaluates as Go text/template: spec text
    // in it is made literal (grammars already keep `{{` out of these fields; this is the
    // second wall).
    let text = |s: &str| -> String {
        if branch.is_some() {
            go_template::literal(s)
        } else {
            s.to_owned()
        }
    };
    let mut extras = json!({
        "repoURL": text(&model.gitops.repo),
        "targetRevision": text(&model.gitops.branch),
        "path": extras_path(model, env),
    });
    if branch.is_some() {
        extras["kustomize"] = preview_kustomize(env, namespace);
    }
    let sync = &model.argocd.sync;
    let mut sync_policy = json!({
        "automated": {"prune": sync.prune, "selfHeal": sync.self_heal},
        // CreateNamespace=false: a long-lived namespace exists before Argo CD (it holds the
        // Secrets platc never sees), so a typo fails the sync instead of creating an empty one;
        // a preview's Namespace is a resource of the app itself (synced first, deleted with it).
        "syncOptions": ["ServerSideApply=true", "CreateNamespace=false"],
    });
    if sync.retries > 0 {
        sync_policy["retry"] = json!({
            "limit": sync.retries,
            "backoff": {"duration": "10s", "factor": 2, "maxDuration": "5m"},
        });
    }
    json!({
        "project": project_name(model, env.class),
        "sources": [
            {
                "repoURL": CHART_REPO,
                "chart": CHART,
                "targetRevision": env.airflow.chart,
                "helm": helm,
            },
            {
                "repoURL": text(&model.gitops.repo),
                "targetRevision": text(&model.gitops.branch),
                "ref": VALUES_REF,
            },
            extras,
        ],
        "destination": {"server": text(&env.cluster), "namespace": namespace},
        "syncPolicy": sync_policy,
    })
}

/// The kustomize options that give a preview's extras their per-branch namespace.
///
/// The extras folder is static YAML: its Namespace is named `<env.namespace>` (a placeholder).
/// `namespace` puts every namespaced extra into the branch's namespace and the JSON 6902 patch
/// renames the Namespace itself; both are string fields, so the ApplicationSet templates them.
fn preview_kustomize(env: &ResolvedEnvironment, namespace: &str) -> Value {
    let patch = json!([{"op": "replace", "path": "/metadata/name", "value": namespace}]);
    json!({
        "namespace": namespace,
        "patches": [{
            "target": {"version": "v1", "kind": "Namespace", "name": env.namespace},
            "patch": patch.to_string(),
        }],
    })
}

/// `notifications.argoproj.io/subscribe.<trigger>.slack: <channel>` for each trigger.
fn notification_annotations(env: &ResolvedEnvironment, extra: &[&str]) -> Option<Value> {
    let channel = &env.notifications.as_ref()?.slack;
    let mut triggers: Vec<&str> = TRIGGERS.iter().chain(extra).copied().collect();
    triggers.sort_unstable();
    let map: Map<String, Value> = triggers
        .into_iter()
        .map(|t| {
            (
                format!("notifications.argoproj.io/subscribe.{t}.slack"),
                json!(channel),
            )
        })
        .collect();
    Some(Value::Object(map))
}

/// The ApplicationSet of a preview environment: one Application per matching branch of the DAG repo.
fn application_set(
    model: &Model,
    env: &ResolvedEnvironment,
    preview: &Preview,
) -> Result<Value, Diagnostics> {
    let mut diagnostics = Diagnostics::default();
    let prefix = app_name(model, env);
    for (what, p, fix) in [
        (
            "Application name prefix `<platform.name>-<environment>`",
            &prefix,
            "shorten `platform.name` or the environment name",
        ),
        (
            "namespace prefix",
            &env.namespace,
            "shorten the environment's `namespace`",
        ),
    ] {
        if !is_valid_preview_prefix(p) {
            diagnostics.push(
                Diagnostic::error(
                    "preview-name-prefix",
                    format!("the preview {what} `{p}` is not a DNS-1123 label of at most {PREVIEW_PREFIX_MAX_LEN} characters"),
                )
                .help(format!("{fix}: each branch appends `-<slug>-<hash>` and the result must fit 63 characters"))
                .note("lowercase letters, digits and `-` only"),
            );
        }
    }
    let github = match github_repo(&env.dags.repo) {
        Some(gh) => Some(gh),
        None => {
            diagnostics.push(
                Diagnostic::error(
                    "preview-needs-github",
                    format!("preview environment `{}` needs its DAG repository on GitHub, but `dags.repo` is `{}`", env.name, env.dags.repo),
                )
                .help("use `git@github.com:<org>/<repo>.git` or `https://github.com/<org>/<repo>.git`, or make the environment long-lived with `branch`")
                .note("Argo CD's SCM provider generator finds the branches; platc configures it for GitHub only"),
            );
            None
        }
    };
    let slug = preview.slug();
    // Guard against a naming regression: the worst branches must still give valid names.
    for branch in [
        format!("feature/{}", "x-".repeat(200)),
        "日本語".to_owned(),
        "A".to_owned(),
    ] {
        for p in [&prefix, &env.namespace] {
            let name = preview_name(p, &branch, slug);
            if is_valid_preview_prefix(p) && !is_dns1123_label(&name) {
                diagnostics.push(Diagnostic::error(
                    "E099",
                    format!("internal error: preview name `{name}` is not a DNS-1123 label"),
                ));
            }
        }
    }
    let (org, repo) = match github {
        Some(gh) if !diagnostics.has_errors() => gh,
        _ => return Err(diagnostics),
    };

    let mut github_gen = json!({"organization": org, "allBranches": true});
    if let Some(secret) = &model.argocd.scm_token_secret {
        github_gen["tokenRef"] = json!({"secretName": secret, "key": "token"});
    }
    // Two filters, on purpose. Argo CD (applicationset/services/scm_provider/utils.go) runs two
    // phases: filters with repository conditions select repos *before* branches are listed,
    // then filters with branch conditions select branches of those repos. Filters are ORed only
    // within a phase, so `[{repositoryMatch}, {branchMatch}]` means "this repo AND a matching
    // branch" and costs one list-branches call. A combined `{repositoryMatch, branchMatch}`
    // is a branch filter up to v3.5 and lists the branches of every repo in the organization
    // (rate limits: argo-cd #9413, #10788). Adding a third filter would break the AND.
    let generator = json!({
        "scmProvider": {
            "github": github_gen,
            "filters": [
                {"repositoryMatch": format!("^{}$", re2_escape(&repo))},
                {"branchMatch": BranchGlob(&preview.branches).to_re2()},
            ],
            "requeueAfterSeconds": preview.requeue_after_seconds,
        }
    });

    let namespace = preview_name_template(&env.namespace, slug);
    let branch = Branch {
        parameters: helm_values::branch_parameters(model, env),
    };
    let mut metadata = Map::new();
    metadata.insert("name".into(), json!(preview_name_template(&prefix, slug)));
    metadata.insert("namespace".into(), json!(model.argocd.namespace));
    let mut annotations = Map::new();
    annotations.insert(BRANCH_ANNOTATION.into(), json!("{{ .branch }}"));
    if let Some(Value::Object(notify)) = notification_annotations(env, &PREVIEW_TRIGGERS) {
        annotations.extend(notify.into_iter().map(|(key, channel)| {
            let channel = channel
                .as_str()
                .map_or(channel.clone(), |c| json!(go_template::literal(c)));
            (key, channel)
        }));
    }
    metadata.insert("annotations".into(), Value::Object(annotations));
    // Listed explicitly (the controller would add it too, since preserveResourcesOnDeletion is
    // false): a deleted branch deletes its Application, which deletes the chart's resources and
    // the Namespace.
    metadata.insert("finalizers".into(), json!([RESOURCES_FINALIZER]));

    Ok(json!({
        "apiVersion": API_VERSION,
        "kind": "ApplicationSet",
        "metadata": {
            "name": prefix,
            "namespace": model.argocd.namespace,
        },
        "spec": {
            "goTemplate": true,
            "goTemplateOptions": ["missingkey=error"],
            "generators": [generator],
            "syncPolicy": {"preserveResourcesOnDeletion": false},
            "template": {
                "metadata": metadata,
                "spec": app_spec(model, env, &namespace, Some(&branch)),
            },
        },
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::render::bundled_model as model;

    fn doc<'a>(docs: &'a [(String, Value)], path: &str) -> &'a Value {
        &docs
            .iter()
            .find(|(p, _)| p == path)
            .unwrap_or_else(|| panic!("no {path}"))
            .1
    }

    #[test]
    fn paths_and_kinds() {
        let docs = render(&model()).unwrap();
        let got: Vec<(&str, &str)> = docs
            .iter()
            .map(|(p, d)| (p.as_str(), d["kind"].as_str().unwrap()))
            .collect();
        assert_eq!(
            got,
            [
                ("argocd/project-prod.yaml", "AppProject"),
                ("argocd/project-dev.yaml", "AppProject"),
                ("argocd/prod.yaml", "Application"),
                ("argocd/dev.yaml", "ApplicationSet"),
            ]
        );
    }

    #[test]
    fn prod_application() {
        let docs = render(&model()).unwrap();
        let app = doc(&docs, "argocd/prod.yaml");
        assert_eq!(app["metadata"]["name"], "carshare-data-prod");
        assert_eq!(app["spec"]["project"], "carshare-data-prod");
        let sources = app["spec"]["sources"].as_array().unwrap();
        assert_eq!(sources.len(), 3);
        assert_eq!(sources[0]["chart"], "airflow");
        assert_eq!(sources[0]["targetRevision"], "1.22.0");
        assert_eq!(sources[0]["helm"]["releaseName"], RELEASE_NAME);
        assert_eq!(
            sources[0]["helm"]["valueFiles"],
            json!(["$values/out/prod/values.yaml"])
        );
        assert_eq!(sources[1]["ref"], "values");
        assert_eq!(sources[1]["targetRevision"], "main");
        assert_eq!(sources[2]["path"], "out/prod/extras");
        assert!(sources[2].get("kustomize").is_none());
        assert_eq!(
            app["spec"]["destination"],
            json!({"server": "https://34.76.10.1", "namespace": "airflow"})
        );
        assert_eq!(app["spec"]["syncPolicy"]["retry"]["limit"], 5);
        assert_eq!(
            app["metadata"]["annotations"]["notifications.argoproj.io/subscribe.on-sync-failed.slack"],
            "data-platform-deploys"
        );
        assert_eq!(app["metadata"]["finalizers"], json!([RESOURCES_FINALIZER]));
    }

    #[test]
    fn projects_isolate_dev_from_prod() {
        let docs = render(&model()).unwrap();
        let prod = doc(&docs, "argocd/project-prod.yaml");
        assert_eq!(
            prod["spec"]["destinations"],
            json!([{"server": "https://34.76.10.1", "namespace": "airflow"}])
        );
        assert_eq!(prod["spec"]["clusterResourceWhitelist"], json!([]));
        let dev = doc(&docs, "argocd/project-dev.yaml");
        // Dev runs on another cluster than prod: a server-less deny of `airflow` would only
        // block dev environments elsewhere, so there is none.
        assert_eq!(
            dev["spec"]["destinations"],
            json!([{"server": "https://35.195.20.2", "namespace": "airflow-dev-*"}])
        );
        assert_eq!(
            dev["spec"]["clusterResourceWhitelist"],
            json!([{"group": "", "kind": "Namespace", "name": "airflow-dev-*"}])
        );
        for p in [prod, dev] {
            assert_eq!(
                p["spec"]["sourceRepos"],
                json!([
                    CHART_REPO,
                    "https://github.com/carshare/platform-gitops.git"
                ])
            );
        }
    }

    fn dev_copy_of_prod(
        m: &Model,
        name: &str,
        cluster: &str,
        namespace: &str,
    ) -> ResolvedEnvironment {
        let mut env = m.environments[0].clone();
        assert_eq!(env.class, EnvClass::Prod);
        env.name = name.into();
        env.class = EnvClass::Dev;
        env.cluster = cluster.into();
        env.namespace = namespace.into();
        env
    }

    fn dev_destinations(m: &Model) -> Value {
        let docs = render(m).unwrap();
        doc(&docs, "argocd/project-dev.yaml")["spec"]["destinations"].clone()
    }

    #[test]
    fn prod_namespaces_are_denied_where_dev_shares_the_cluster() {
        let mut m = model();
        let prod_cluster = m.environments[0].cluster.clone();
        let qa = dev_copy_of_prod(&m, "qa", &prod_cluster, "airflow-qa");
        m.environments.push(qa);
        assert_eq!(
            dev_destinations(&m),
            json!([
                {"server": "https://35.195.20.2", "namespace": "airflow-dev-*"},
                {"server": "https://34.76.10.1", "namespace": "airflow-qa"},
                {"namespace": "!airflow"},
            ])
        );
    }

    #[test]
    fn a_namespace_dev_uses_elsewhere_is_never_denied() {
        let mut m = model();
        let prod_cluster = m.environments[0].cluster.clone();
        let qa = dev_copy_of_prod(&m, "qa", &prod_cluster, "airflow-qa");
        let staging = dev_copy_of_prod(&m, "staging", "https://10.20.0.1", "airflow");
        m.environments.push(staging);
        assert_eq!(
            dev_destinations(&m),
            json!([
                {"server": "https://35.195.20.2", "namespace": "airflow-dev-*"},
                {"server": "https://10.20.0.1", "namespace": "airflow"},
            ])
        );
        m.environments.push(qa);
        assert!(
            !dev_destinations(&m)
                .as_array()
                .unwrap()
                .iter()
                .any(|d| d["namespace"] == "!airflow")
        );
    }

    #[test]
    fn spec_text_in_a_preview_template_stays_literal() {
        let mut model = model();
        let env = model
            .environments
            .iter_mut()
            .find(|e| e.is_preview())
            .expect("a preview");
        env.cluster = "https://{{ .branch }}.example".into();
        let docs = render(&model).unwrap();
        let set = doc(&docs, "argocd/dev.yaml");
        let server = &set["spec"]["template"]["spec"]["destination"]["server"];
        assert_eq!(server, "https://{{ \"{{\" }} .branch }}.example");
    }

    #[test]
    fn preview_application_set() {
        let docs = render(&model()).unwrap();
        let set = doc(&docs, "argocd/dev.yaml");
        let scm = &set["spec"]["generators"][0]["scmProvider"];
        assert_eq!(scm["github"]["organization"], "carshare");
        assert_eq!(scm["github"]["allBranches"], true);
        assert_eq!(
            scm["filters"],
            json!([{"repositoryMatch": "^dags$"}, {"branchMatch": "^feature/[-./0-9A-Z_a-z]*$"}])
        );
        assert_eq!(scm["requeueAfterSeconds"], 180);
        let template = &set["spec"]["template"];
        let name = template["metadata"]["name"].as_str().unwrap();
        assert_eq!(
            name,
            preview_name_template(
                "carshare-data-dev",
                crate::naming::Slug::new("feature/*", 30)
            )
        );
        let ns = template["spec"]["destination"]["namespace"]
            .as_str()
            .unwrap();
        assert_eq!(
            ns,
            preview_name_template("airflow-dev", crate::naming::Slug::new("feature/*", 30))
        );
        let extras = &template["spec"]["sources"][2];
        assert_eq!(extras["path"], "out/dev/extras");
        assert_eq!(extras["kustomize"]["namespace"], ns);
        let patch = &extras["kustomize"]["patches"][0];
        assert_eq!(patch["target"]["name"], "airflow-dev");
        let ops: Value = serde_json::from_str(patch["patch"].as_str().unwrap()).unwrap();
        assert_eq!(
            ops,
            json!([{"op": "replace", "path": "/metadata/name", "value": ns}])
        );
        assert!(
            template["metadata"]["annotations"]
                .as_object()
                .unwrap()
                .keys()
                .all(|k| !k.starts_with("notifications."))
        );
        assert_eq!(
            set["spec"]["syncPolicy"]["preserveResourcesOnDeletion"],
            false
        );
        // Names for real branches fit a label.
        for branch in [
            "feature/hardy",
            "feature/Ünïcode/and.dots_and_a_very_long_tail_of_words",
        ] {
            assert!(is_dns1123_label(&preview_name(
                "carshare-data-dev",
                branch,
                crate::naming::Slug::new("feature/*", 30)
            )));
        }
    }

    #[test]
    fn preview_needs_github() {
        let mut m = model();
        let dev = m.environments.iter_mut().find(|e| e.is_preview()).unwrap();
        dev.dags.repo = "https://gitlab.com/carshare/dags.git".into();
        let err = render(&m).unwrap_err();
        assert!(
            err.iter()
                .any(|d| d.code == "preview-needs-github" && d.help.is_some())
        );
    }

    #[test]
    fn long_prefixes_are_errors() {
        let mut m = model();
        m.platform.name = "x".repeat(60);
        let err = render(&m).unwrap_err();
        assert!(err.iter().any(|d| d.code == "argocd-app-name"));
        assert!(err.iter().any(|d| d.code == "preview-name-prefix"));
    }

    #[test]
    fn gitops_path_shapes() {
        let mut m = model();
        for (path, want) in [
            ("out", "out"),
            ("./deploy/out/", "deploy/out"),
            (".", ""),
            ("", ""),
        ] {
            m.gitops.path = path.into();
            assert_eq!(gitops_dir(&m), want);
        }
        let env = m.environments[0].clone();
        assert_eq!(value_file(&m, &env), "$values/prod/values.yaml");
        assert_eq!(extras_path(&m, &env), "prod/extras");
    }
}
