//! `platc preview --check BRANCH… | -`: would two branches get the same Argo CD Application or
//! the same namespace? Each name is computed by the same functions the renderers use, for every
//! preview environment whose pattern the branch matches, and compared with the other branches'
//! names and with the long-lived environments' names.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;

use serde::Serialize;

use crate::cli::{Cli, Format, Output, commands};
use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::naming;
use crate::pipeline;
use crate::render::argocd;
use crate::resolve::{Lifecycle, Model, ResolvedEnvironment};

/// Which kind of name two owners share.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
enum Kind {
    /// An Argo CD Application (one namespace of Argo CD holds them all).
    Application,
    /// A namespace: on one cluster, and in the names its cloud project and log folder give it.
    Namespace,
}

/// What holds a name: a branch of a preview environment, or a long-lived environment.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
struct Owner {
    environment: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    branch: Option<String>,
}

impl Owner {
    fn describe(&self) -> String {
        match &self.branch {
            Some(branch) => format!("branch `{branch}` of preview `{}`", self.environment),
            None => format!("environment `{}`", self.environment),
        }
    }
}

/// One branch that gets a preview, and its names.
#[derive(Debug, Serialize)]
struct Named {
    branch: String,
    environment: String,
    application: String,
    namespace: String,
}

/// Two or more owners of one name.
#[derive(Debug, Serialize)]
struct Clash {
    kind: Kind,
    name: String,
    /// Where the name must be unique: `argocd` for Applications; for namespaces `cluster URL`,
    /// `cloud project ID` (its Workload Identity members name the namespace) or `log folder URL`
    /// (each branch logs below its namespace).
    scope: String,
    owners: Vec<Owner>,
}

/// The JSON result.
#[derive(Debug, Serialize)]
struct Report {
    environments: Vec<String>,
    checked: usize,
    previews: Vec<Named>,
    unmatched: Vec<String>,
    clashes: Vec<Clash>,
}

/// Runs `platc preview --check`.
pub fn run(cli: &Cli, out: &Output, args: &[String], env: Option<&str>) -> i32 {
    let front = match pipeline::front_end(&cli.file) {
        Ok(front) => front,
        Err(failure) => return out.failure(&failure),
    };
    if let Err(code) = out.warnings(&front.warnings, Some(&front.doc.text)) {
        return code;
    }
    let previews = match commands::preview_environments(&front.model, env, out) {
        Ok(previews) => previews,
        Err(code) => return code,
    };
    let (branches, refused) = match branches(args) {
        Ok(read) => read,
        Err(d) => {
            out.diagnostics(&d, None);
            return 2;
        }
    };

    let model = &front.model;
    let mut owners: BTreeMap<(Kind, String, String), Vec<Owner>> = BTreeMap::new();
    let mut key_order = Vec::new();
    let mut claim =
        |environment: &ResolvedEnvironment, application: &str, namespace: &str, owner: Owner| {
            for key in scopes(environment, application, namespace) {
                let entry = owners.entry(key.clone()).or_default();
                if entry.is_empty() {
                    key_order.push(key);
                }
                entry.push(owner.clone());
            }
        };
    for long_lived in model
        .environments
        .iter()
        .filter(|e| matches!(e.lifecycle, Lifecycle::LongLived { .. }))
    {
        let owner = Owner {
            environment: long_lived.name.clone(),
            branch: None,
        };
        claim(
            long_lived,
            &argocd::app_name(model, long_lived),
            &long_lived.namespace,
            owner,
        );
    }
    let mut named = Vec::new();
    let mut unmatched = Vec::new();
    for branch in &branches {
        let mut matched = false;
        for (environment, preview) in &previews {
            if !naming::BranchGlob(&preview.branches).matches(branch) {
                continue;
            }
            matched = true;
            let names = names(model, environment, preview, branch);
            let owner = Owner {
                environment: environment.name.clone(),
                branch: Some(branch.clone()),
            };
            claim(environment, &names.application, &names.namespace, owner);
            named.push(names);
        }
        if !matched {
            unmatched.push(branch.clone());
        }
    }

    // One clash per name and set of owners, however many scopes it shows in (a cluster and a
    // cloud project often agree).
    let mut seen = BTreeSet::new();
    let clashes: Vec<Clash> = key_order
        .into_iter()
        .filter_map(|key| {
            let list = owners.remove(&key)?;
            let (kind, scope, name) = key;
            let shared = list.len() > 1 && list.iter().any(|o| o.branch.is_some());
            (shared && seen.insert((kind, name.clone(), list.clone()))).then_some(Clash {
                kind,
                name,
                scope,
                owners: list,
            })
        })
        .collect();
    // JSON keeps the spec's warnings in its one document; the other formats printed them above.
    let mut diagnostics = if out.format == Format::Json {
        front.warnings.clone()
    } else {
        Diagnostics::default()
    };
    diagnostics.0.extend(refused.0);
    for clash in &clashes {
        let who: Vec<String> = clash.owners.iter().map(Owner::describe).collect();
        let what = match clash.kind {
            Kind::Application => "Argo CD Application",
            Kind::Namespace => "namespace",
        };
        diagnostics.push(
            Diagnostic::error(
                "preview-name-clash",
                format!(
                    "{} would share the {what} `{}` ({})",
                    who.join(" and "),
                    clash.name,
                    clash.scope
                ),
            )
            .help("rename one of the branches, or give the environments different namespaces or platform names")
            .note("Argo CD would render both into one object: the second branch's preview overwrites the first, and deleting either branch deletes both"),
        );
    }
    let report = Report {
        environments: previews.iter().map(|(e, _)| e.name.clone()).collect(),
        checked: branches.len(),
        previews: named,
        unmatched,
        clashes,
    };
    if out.format == Format::Json {
        let code = out.json_result(
            serde_json::to_value(&report).unwrap_or_default(),
            &diagnostics,
        );
        return if report.clashes.is_empty() { code } else { 1 };
    }
    let code = out.diagnostics(&diagnostics, None);
    let patterns: Vec<String> = previews
        .iter()
        .map(|(e, p)| format!("`{}` ({})", e.name, p.branches))
        .collect();
    out.info(&format!(
        "{} checked against {}: {}, {} matching no pattern; {}\n",
        count(report.checked, "branch", "branches"),
        patterns.join(", "),
        count(report.previews.len(), "preview", "previews"),
        report.unmatched.len(),
        if report.clashes.is_empty() {
            "no two share an application or namespace name".to_owned()
        } else {
            format!("{} names are shared", report.clashes.len())
        }
    ));
    if report.clashes.is_empty() { code } else { 1 }
}

/// `n` and the noun in its number.
fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// The names `branch` gets in `environment`, from the renderers' own functions.
fn names(
    model: &Model,
    environment: &ResolvedEnvironment,
    preview: &crate::spec::Preview,
    branch: &str,
) -> Named {
    Named {
        branch: branch.to_owned(),
        environment: environment.name.clone(),
        application: naming::preview_name(
            &argocd::app_name(model, environment),
            branch,
            preview.slug(),
        ),
        namespace: naming::preview_name(&environment.namespace, branch, preview.slug()),
    }
}

/// The scopes in which an environment's Application and namespace names must be unique.
fn scopes(
    environment: &ResolvedEnvironment,
    application: &str,
    namespace: &str,
) -> Vec<(Kind, String, String)> {
    let mut scopes = vec![
        (
            Kind::Application,
            "argocd".to_owned(),
            application.to_owned(),
        ),
        (
            Kind::Namespace,
            format!(
                "cluster {}",
                crate::validate::canonical_cluster(&environment.cluster)
            ),
            namespace.to_owned(),
        ),
        (
            Kind::Namespace,
            format!("cloud project {}", environment.cloud_project.trim()),
            namespace.to_owned(),
        ),
    ];
    if let Some(logging) = &environment.logging {
        scopes.push((
            Kind::Namespace,
            format!("log folder {}", logging.remote.trim_end_matches('/')),
            namespace.to_owned(),
        ));
    }
    scopes
}

/// The branch names of the arguments, `-` standing for standard input (one per line, blank
/// lines skipped), each once, in first-seen order, and warnings for the lines of standard input
/// git would refuse as branch names (such as `(HEAD detached at 1a2b3c)`), which are skipped.
/// A refused argument is an error.
fn branches(args: &[String]) -> Result<(Vec<String>, Diagnostics), Diagnostics> {
    let mut seen = BTreeSet::new();
    let mut list = Vec::new();
    let mut errors = Diagnostics::default();
    let mut skipped = Diagnostics::default();
    let mut stdin_read = false;
    for arg in args {
        if arg != "-" {
            match commands::branch_name(arg) {
                Ok(name) if seen.insert(name.to_owned()) => list.push(name.to_owned()),
                Ok(_) => {}
                Err(d) => errors.push(d),
            }
            continue;
        }
        if stdin_read {
            continue;
        }
        stdin_read = true;
        let mut text = String::new();
        if let Err(e) = std::io::stdin().lock().read_to_string(&mut text) {
            errors.push(
                Diagnostic::error("E044", format!("cannot read branch names from standard input: {e}"))
                    .help("pipe UTF-8 text, one branch per line, such as `git for-each-ref --format='%(refname:lstrip=3)' refs/remotes/origin`"),
            );
            continue;
        }
        for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
            match commands::branch_name(line) {
                Ok(name) if seen.insert(name.to_owned()) => list.push(name.to_owned()),
                Ok(_) => {}
                Err(d) => {
                    let mut warning = Diagnostic::warning("E044", d.message.clone());
                    warning = warning.help("skipped: Argo CD only sees branches git accepts");
                    skipped.push(warning);
                }
            }
        }
    }
    if errors.has_errors() {
        Err(errors)
    } else {
        Ok((list, skipped))
    }
}
