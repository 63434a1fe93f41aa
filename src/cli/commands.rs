//! The commands that compile, diff, check and predict previews.

use std::path::Path;

use serde::Serialize;

use crate::cli::{Cli, Output};
use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::emit;
use crate::naming;
use crate::pipeline::{self, Failure, FrontEnd};
use crate::render::{OutputTree, argocd, cloud_access, helm_values};
use crate::report::Format;
use crate::resolve::Lifecycle;

/// Front end plus render; warnings as [`Output::warnings`]; the error is the exit code.
fn front_and_tree(cli: &Cli, out: &Output) -> Result<(FrontEnd, OutputTree), i32> {
    if cli.file == Path::new(crate::load::STDIN) {
        let d = Diagnostic::error(
            "E001",
            "compile, diff and check need the spec as a file: its place locates the output folder",
        )
        .help("-f - (standard input) works with validate, show, preview and airflow");
        return Err(out.failure(&Failure::io(d)));
    }
    let front = pipeline::front_end(&cli.file).map_err(|f| out.failure(&f))?;
    out.warnings(&front.warnings, Some(&front.doc.text))?;
    let tree = pipeline::compile(&front, &cli.file).map_err(|f| out.failure(&f))?;
    Ok((front, tree))
}

/// `platc show ENV`.
/// The environment named `env`, or the exit code after an E040 that suggests a name.
pub(super) fn find_environment<'m>(
    model: &'m crate::resolve::Model,
    env: &str,
    out: &Output,
) -> Result<&'m crate::resolve::ResolvedEnvironment, i32> {
    if let Some(found) = model.environments.iter().find(|e| e.name == env) {
        return Ok(found);
    }
    let names: Vec<&str> = model.environments.iter().map(|e| e.name.as_str()).collect();
    let mut d = Diagnostic::error("E040", format!("no environment named `{env}`"));
    d = match crate::suggest::did_you_mean(env, names.iter().copied()) {
        Some(s) => d.help(format!("did you mean `{s}`?")),
        None => d.help(format!("environments: {}", names.join(", "))),
    };
    out.diagnostics(&d.into(), None);
    Err(2)
}

/// The checked spec and the index of environment `env` in its model, or the exit code after
/// reporting why not (an invalid spec, warnings denied, no such environment).
pub(super) fn load_environment(
    cli: &Cli,
    out: &Output,
    env: &str,
) -> Result<(pipeline::FrontEnd, usize), i32> {
    let front = pipeline::front_end(&cli.file).map_err(|failure| out.failure(&failure))?;
    out.warnings(&front.warnings, Some(&front.doc.text))?;
    let found = find_environment(&front.model, env, out)?;
    let index = front
        .model
        .environments
        .iter()
        .position(|e| std::ptr::eq(e, found))
        .unwrap_or_default();
    Ok((front, index))
}

pub fn show(cli: &Cli, out: &Output, env: &str) -> i32 {
    let (front, index) = match load_environment(cli, out, env) {
        Ok(found) => found,
        Err(code) => return code,
    };
    let resolved = &front.model.environments[index];
    let internal = |e: String| {
        out.failure(&Failure::io(Diagnostic::error(
            "E099",
            format!("internal error: {e}"),
        )))
    };
    if out.format == Format::Json {
        return match serde_json::to_value(resolved) {
            Ok(value) => out.json_result(value, &front.warnings),
            Err(e) => internal(e.to_string()),
        };
    }
    match crate::yaml::to_yaml(resolved) {
        Ok(t) => out.stdout(&t),
        Err(e) => internal(e),
    }
}

fn io_failure(out: &Output, d: Diagnostic) -> i32 {
    out.failure(&Failure::io(d))
}

/// `platc validate`: every diagnostic, the inline allows, and a closing line.
pub fn validate(cli: &Cli, out: &Output) -> i32 {
    let front = match pipeline::front_end(&cli.file) {
        Ok(front) => front,
        Err(failure) => return out.failure(&failure),
    };
    let stops = i32::from(out.deny_warnings && !front.warnings.is_empty());
    if out.format == Format::Json {
        let (errors, warnings) = front.warnings.counts();
        let report = serde_json::json!({
            "ok": stops == 0 && errors == 0,
            "errors": errors,
            "warnings": warnings,
            "diagnostics": crate::report::redacted(&front.warnings),
            "allowed": front.allows,
        });
        let text = serde_json::to_string_pretty(&report).unwrap_or_default() + "\n";
        return out.stdout(&text).max(stops);
    }
    let code = out.diagnostics(&front.warnings, Some(&front.doc.text));
    if out.format == Format::Human {
        for a in &front.allows {
            out.info(&format!(
                "allowed[{}]: {}:{}: {}\n",
                a.rule, a.place.file, a.place.line, a.reason
            ));
        }
        if code == 0 {
            let envs = front.model.environments.len();
            let plural = if envs == 1 { "" } else { "s" };
            out.info(&format!(
                "{}: valid ({envs} environment{plural})\n",
                front.doc.path
            ));
        }
    }
    code
}

/// `platc compile`.
pub fn compile(cli: &Cli, out: &Output, dir: Option<&Path>, force: bool, commit: bool) -> i32 {
    let (front, tree) = match front_and_tree(cli, out) {
        Ok(ok) => ok,
        Err(code) => return code,
    };
    if dir.is_none()
        && let Err(f) = pipeline::check_out_dir(&front, &cli.file)
    {
        return out.failure(&f);
    }
    let out_dir = pipeline::out_dir(&front, &cli.file, dir);
    let _writing = match emit::exclusive(&out_dir, |s| out.info(&format!("{s}\n"))) {
        Ok(lock) => lock,
        Err(d) => return io_failure(out, d),
    };
    // Saved again while this run waited: what it rendered is no longer the spec.
    if let Err(d) = pipeline::unchanged(&front, &cli.file) {
        return io_failure(out, d.note("nothing was written"));
    }
    let plan = match emit::plan(&out_dir, &tree) {
        Ok(p) => p,
        Err(d) => return io_failure(out, d),
    };
    if !plan.conflicts.is_empty() && !force {
        return out.failure(&Failure {
            diagnostics: plan.conflict_error().into(),
            source: None,
            io: false,
        });
    }
    let repo = cli
        .file
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    if commit && let Err(d) = emit::check_committable(repo, &out_dir) {
        return io_failure(out, d.note("nothing was written"));
    }
    let summary = match emit::apply(&out_dir, &plan, force) {
        Ok(s) => s,
        Err(d) => return io_failure(out, d),
    };
    if let Err(d) = pipeline::unchanged(&front, &cli.file) {
        return io_failure(
            out,
            d.note(format!(
                "`{}` holds the spec as platc read it; run platc again",
                out_dir.display()
            )),
        );
    }
    let message = change_message(&out_dir, &summary);
    let committed = if commit {
        match emit::commit(repo, &out_dir, &message) {
            Ok(done) => Some(done),
            Err(d) => return io_failure(out, d),
        }
    } else {
        None
    };
    if out.format == Format::Json {
        #[derive(Serialize)]
        struct Report<'a> {
            out: String,
            created: &'a [String],
            updated: &'a [String],
            deleted: &'a [String],
            unchanged: usize,
            edited: &'a [String],
            #[serde(skip_serializing_if = "Option::is_none")]
            committed: Option<bool>,
        }
        let report = Report {
            out: out_dir.display().to_string(),
            created: &summary.created,
            updated: &summary.updated,
            deleted: &summary.deleted,
            unchanged: summary.unchanged,
            edited: &summary.edited,
            committed,
        };
        return out.json_result(
            serde_json::to_value(&report).unwrap_or_default(),
            &front.warnings,
        );
    } else {
        out.info(&format!("{message}\n"));
        for path in &summary.edited {
            out.stderr(&format!(
                "warning: {path} had been edited by hand; platc replaced it\n"
            ));
        }
    }
    match committed {
        Some(true) => out.info("committed\n"),
        Some(false) => out.info("nothing to commit\n"),
        None => {}
    }
    0
}

fn change_message(out_dir: &Path, summary: &emit::Summary) -> String {
    if !summary.changed() {
        let manifest = if summary.manifest_written {
            format!("; rewrote its manifest, {}", emit::MANIFEST)
        } else {
            String::new()
        };
        return format!(
            "platc: {} is up to date ({} files){manifest}",
            out_dir.display(),
            summary.unchanged
        );
    }
    let mut lines = vec![format!("platc: compile {} ({summary})", out_dir.display())];
    let mut list = |verb: &str, paths: &[String]| {
        for p in paths {
            lines.push(format!("  {verb} {p}"));
        }
    };
    if summary.created.len() + summary.updated.len() + summary.deleted.len() <= 40 {
        list("created", &summary.created);
        list("updated", &summary.updated);
        list("deleted", &summary.deleted);
    }
    lines.join("\n")
}

/// What `platc diff`'s exit status says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DiffExit {
    /// 0 whether or not there are changes; errors as every command.
    Plain,
    /// `--exit-code`: 1 for changes, and for an invalid spec.
    ChangesFail,
    /// `--detailed-exitcode`: 0 no changes, 2 changes, 1 any error.
    Detailed,
}

/// `platc diff`.
pub fn diff(cli: &Cli, out: &Output, dir: Option<&Path>, stat: bool, exit: DiffExit) -> i32 {
    let code = diff_status(cli, out, dir, stat);
    match (exit, code) {
        (DiffExit::Detailed, Ok(changed)) => 2 * i32::from(changed),
        (_, Ok(changed)) => i32::from(changed && exit == DiffExit::ChangesFail),
        (DiffExit::Detailed, Err(_)) => 1,
        (_, Err(code)) => code,
    }
}

/// Prints the diff; `Ok` says whether there are changes, `Err` is the exit code of a failure.
fn diff_status(cli: &Cli, out: &Output, dir: Option<&Path>, stat: bool) -> Result<bool, i32> {
    let (front, tree) = front_and_tree(cli, out)?;
    let out_dir = pipeline::out_dir(&front, &cli.file, dir);
    let diffs = emit::diff(&out_dir, &tree).map_err(|d| io_failure(out, d))?;
    let name = emit::out_name(&out_dir);
    let code = match out.format {
        Format::Json => out.json_result(
            serde_json::json!({ "changes": emit::changes(&diffs, &name) }),
            &front.warnings,
        ),
        Format::Markdown => out.stdout(&emit::markdown(&diffs, &name)),
        _ if stat => out.stdout(&emit::stat(&diffs, &name)),
        _ => out.stdout(&emit::unified(&diffs, &name, out.color_stdout())),
    };
    match code {
        0 => Ok(!diffs.is_empty()),
        code => Err(code),
    }
}

/// `platc check`.
pub fn check(cli: &Cli, out: &Output, dir: Option<&Path>) -> i32 {
    let (front, tree) = match front_and_tree(cli, out) {
        Ok(ok) => ok,
        Err(code) => return code,
    };
    let out_dir = pipeline::out_dir(&front, &cli.file, dir);
    let stale = match emit::check(&out_dir, &tree) {
        Ok(d) => d,
        Err(d) => return io_failure(out, d),
    };
    let mut problems = Diagnostics::default();
    let fix = format!(
        "run `platc compile -f {}` and commit the result",
        cli.file.display()
    );
    // GitHub shows ten annotations of a kind per step: past a handful of files, one finding
    // lists them all.
    const ONE_BY_ONE: usize = 5;
    if stale.len() > ONE_BY_ONE {
        let mut d = Diagnostic::error(
            "out-stale",
            format!(
                "{} files in {} are not what the spec compiles to",
                stale.len(),
                out_dir.display()
            ),
        )
        .help(fix.clone());
        for s in &stale {
            let kind = match s.kind {
                emit::DiffKind::Added => "missing",
                emit::DiffKind::Modified => "stale",
                emit::DiffKind::Deleted => "should no longer exist",
            };
            d = d.note(format!("{}: {kind}", out_dir.join(&s.path).display()));
        }
        problems.push(d);
    }
    for d in stale.iter().filter(|_| stale.len() <= ONE_BY_ONE) {
        let what = match d.kind {
            emit::DiffKind::Added => "is missing",
            emit::DiffKind::Modified => "is stale",
            emit::DiffKind::Deleted => "should no longer exist",
        };
        let path = out_dir.join(&d.path).display().to_string();
        problems.push(
            Diagnostic::error("out-stale", format!("{path} {what}"))
                .at(Some(crate::diagnostic::Place {
                    file: path.clone(),
                    line: 1,
                    column: 1,
                    start: 0,
                    end: 0,
                }))
                .help(fix.clone()),
        );
    }
    problems.extend(crate::cli::image::stale_copy(&front, &cli.file, dir, &tree));
    let (stale_schema, notes) = schema_findings(&front, &cli.file, &mut problems);
    let ok = problems.is_empty() && (notes.is_empty() || !out.deny_warnings);
    if out.format == Format::Json {
        let mut stale_list: Vec<serde_json::Value> =
            emit::changes(&stale, &emit::out_name(&out_dir))
                .into_iter()
                .map(|c| serde_json::json!({"path": c.path, "kind": c.kind}))
                .collect();
        if let Some(path) = stale_schema {
            stale_list
                .push(serde_json::json!({"path": path.display().to_string(), "kind": "schema"}));
        }
        let mut diagnostics = front.warnings.clone();
        diagnostics.extend(notes);
        diagnostics.extend(problems);
        let code = out.json_result(
            serde_json::json!({ "ok": ok, "stale": stale_list }),
            &diagnostics,
        );
        return if ok { code } else { 1 };
    }
    out.diagnostics(&notes, None);
    if ok {
        if out.format == Format::Human {
            out.info(&format!(
                "platc: {} is valid and {} is current\n",
                cli.file.display(),
                out_dir.display()
            ));
        }
        return 0;
    }
    if out.format == Format::Human && !stale.is_empty() {
        out.stderr(&emit::stat(&stale, &emit::out_name(&out_dir)));
    }
    out.diagnostics(&problems, None);
    1
}

/// `platc schema [--write PATH]`: prints the schema, or writes it through emit.
pub fn schema(out: &Output, write: Option<&Path>) -> i32 {
    let text = crate::schema::schema_text();
    let Some(target) = write else {
        return out.stdout(&text);
    };
    let written = std::env::current_dir()
        .map_err(|e| Diagnostic::error("E052", format!("cannot read the current folder: {e}")))
        .and_then(|cwd| emit::schema_file::write(&cwd, target, &text));
    match written {
        Ok(changed) => {
            let what = if changed { "wrote" } else { "is current:" };
            out.info(&format!("platc: {what} {}\n", target.display()));
            0
        }
        Err(d) => io_failure(out, d),
    }
}

/// The schema file the spec's modeline names, for `check`: stale (an error) only when the
/// spec's repository commits it; missing, a warning with the command that writes it. Returns
/// the stale path and the warnings.
fn schema_findings(
    front: &pipeline::FrontEnd,
    spec_path: &Path,
    problems: &mut Diagnostics,
) -> (Option<std::path::PathBuf>, Diagnostics) {
    let mut notes = Diagnostics::default();
    let Some(schema_path) = pipeline::schema_reference(&front.doc, spec_path) else {
        return (None, notes);
    };
    let first_line = front.doc.value_place("").map(|mut p| {
        p.line = 1;
        p.column = 1;
        p
    });
    let write = format!("platc schema --write {}", schema_path.display());
    if std::fs::symlink_metadata(&schema_path).is_err() {
        notes.push(
            Diagnostic::warning(
                "schema-missing",
                format!(
                    "{} does not exist: editors cannot check the spec against it",
                    schema_path.display()
                ),
            )
            .at(first_line)
            .help(format!(
                "run `{write}` and commit it, or drop the `$schema=` line"
            )),
        );
        return (None, notes);
    }
    if !emit::is_tracked(&schema_path) {
        return (None, notes);
    }
    let current = crate::schema::schema_text();
    if std::fs::read_to_string(&schema_path).ok().as_deref() == Some(current.as_str()) {
        return (None, notes);
    }
    problems.push(
        Diagnostic::error(
            "schema-stale",
            format!(
                "{} is not the schema of this platc (the spec's first line names it for editors)",
                schema_path.display()
            ),
        )
        .at(first_line)
        .help(format!("run `{write}` and commit it")),
    );
    (Some(schema_path), notes)
}

#[derive(Serialize)]
struct PreviewReport {
    environment: String,
    branch: String,
    application: String,
    namespace: String,
    url: String,
    git_sync_ref: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    log_folder: Option<String>,
    /// The platform's cloud.
    cloud: &'static str,
    /// The cloud identity the branch's pods act as.
    service_account: String,
    /// The subject of each Kubernetes service account of the branch's namespace, in the cloud's
    /// spelling: the members that need `roles/iam.workloadIdentityUser` on GCP, the token
    /// subjects a federated credential (Azure) or trust policy (AWS) must accept.
    workload_identity_members: Vec<String>,
    /// The commands that bind them (none on AWS, whose trust policy matches every branch).
    bindings: Vec<String>,
}

/// The preview environments `--env` names (all of them without it), or the exit code after an
/// E040 (no such environment) or E041 (not a preview).
pub(super) fn preview_environments<'m>(
    model: &'m crate::resolve::Model,
    env: Option<&str>,
    out: &Output,
) -> Result<
    Vec<(
        &'m crate::resolve::ResolvedEnvironment,
        &'m crate::spec::Preview,
    )>,
    i32,
> {
    if let Some(name) = env {
        find_environment(model, name, out)?;
    }
    let previews: Vec<_> = model
        .environments
        .iter()
        .filter(|e| env.is_none_or(|n| n == e.name))
        .filter_map(|e| match &e.lifecycle {
            Lifecycle::Preview(p) => Some((e, p)),
            Lifecycle::LongLived { .. } => None,
        })
        .collect();
    if previews.is_empty() {
        let d = Diagnostic::error(
            "E041",
            match env {
                Some(n) => format!("`{n}` is not a preview environment"),
                None => "the spec has no preview environment".to_owned(),
            },
        );
        out.diagnostics(&d.into(), None);
        return Err(2);
    }
    Ok(previews)
}

/// `branch` when git accepts it as a branch name, else E044 saying why not.
pub(super) fn branch_name(branch: &str) -> Result<&str, Diagnostic> {
    naming::git_branch_name(branch)
        .map(|()| branch)
        .map_err(|why| {
            Diagnostic::error(
                "E044",
                format!("`{branch}` is not a git branch name: {why}"),
            )
            .help("git check-ref-format --branch NAME tells which names git accepts")
        })
}

/// `platc preview BRANCH`.
pub fn preview(cli: &Cli, out: &Output, branch: &str, env: Option<&str>) -> i32 {
    let front = match pipeline::front_end(&cli.file) {
        Ok(f) => f,
        Err(f) => return out.failure(&f),
    };
    if let Err(code) = out.warnings(&front.warnings, Some(&front.doc.text)) {
        return code;
    }
    let previews = match preview_environments(&front.model, env, out) {
        Ok(previews) => previews,
        Err(code) => return code,
    };
    let (environment, preview) = match previews.as_slice() {
        [one] => *one,
        _ => {
            let names: Vec<&str> = previews.iter().map(|(e, _)| e.name.as_str()).collect();
            let d = Diagnostic::error("E042", "several preview environments")
                .help(format!("choose one with --env: {}", names.join(", ")));
            out.diagnostics(&d.into(), None);
            return 2;
        }
    };
    if let Err(d) = branch_name(branch) {
        out.diagnostics(&d.into(), None);
        return 2;
    }
    if !naming::BranchGlob(&preview.branches).matches(branch) {
        let d = Diagnostic::error(
            "E043",
            format!(
                "branch `{branch}` does not match `{}`: Argo CD creates no preview for it",
                preview.branches
            ),
        );
        out.diagnostics(&d.into(), None);
        return 1;
    }
    // The same functions the renderers use, so the prediction cannot drift from the output.
    let app_prefix = argocd::app_name(&front.model, environment);
    let application = naming::preview_name(&app_prefix, branch, preview.slug());
    let namespace = naming::preview_name(&environment.namespace, branch, preview.slug());
    let path = helm_values::preview_path(&preview.path, branch, &namespace);
    let log_folder = environment
        .logging
        .as_ref()
        .map(|l| helm_values::preview_log_folder(&l.remote, &namespace));
    let accounts = helm_values::identity_accounts(environment);
    let workload_identity_members = accounts
        .iter()
        .map(|a| cloud_access::subject(environment, &namespace, &a.name))
        .collect();
    let bindings: Vec<String> = accounts
        .iter()
        .filter_map(|a| cloud_access::binding_command(environment, &namespace, &a.name))
        .collect();
    let report = PreviewReport {
        environment: environment.name.clone(),
        branch: branch.to_owned(),
        application,
        namespace,
        url: helm_values::base_url(&environment.host, &path),
        git_sync_ref: branch.to_owned(),
        log_folder,
        cloud: environment.cloud.as_str(),
        service_account: environment.service_account.clone(),
        workload_identity_members,
        bindings,
    };
    if out.format == Format::Json {
        return out.json_result(
            serde_json::to_value(&report).unwrap_or_default(),
            &front.warnings,
        );
    }
    let mut text = format!(
        "environment:  {}\nbranch:       {}\napplication:  {}\nnamespace:    {}\nurl:          {}\ngit-sync ref: {}\n",
        report.environment,
        report.branch,
        report.application,
        report.namespace,
        report.url,
        report.git_sync_ref
    );
    if let Some(folder) = &report.log_folder {
        text.push_str(&format!("task logs:    {folder}\n"));
    }
    if report.bindings.is_empty() {
        text.push_str(&format!(
            "\nWorkload identity: the trust policy of {} already matches this branch's namespace (see PREREQUISITES.md).\n",
            report.service_account
        ));
    } else {
        text.push_str(
            "\nWorkload identity for this branch (its namespace is new, so nothing binds it yet):\n",
        );
        for command in &report.bindings {
            text.push_str(&format!("  {command}\n"));
        }
    }
    out.stdout(&text)
}

/// `platc rules [ID]`.
pub fn rules(out: &Output, id: Option<&str>) -> i32 {
    let all = crate::rules_doc::all();
    let chosen: Vec<&crate::rules_doc::Rule> = match id {
        None => all.iter().collect(),
        Some(id) => match all.iter().find(|r| r.id == id) {
            Some(rule) => vec![rule],
            None => {
                let mut d = Diagnostic::error("E060", format!("`{id}` is not a platc rule"));
                d = match crate::suggest::did_you_mean(id, all.iter().map(|r| r.id)) {
                    Some(close) => d.help(format!("did you mean `{close}`?")),
                    None => d.help("`platc rules` lists them all"),
                };
                out.diagnostics(&d.into(), None);
                return 2;
            }
        },
    };
    if out.format == Format::Json {
        let rules = serde_json::to_value(&chosen).unwrap_or_default();
        return out.json_result(
            serde_json::json!({ "rules": rules }),
            &Diagnostics::default(),
        );
    }
    let text = match chosen.as_slice() {
        [rule] if id.is_some() => {
            let mut text = format!(
                "{} ({}), {}\n\nreports: {}\n",
                rule.id, rule.severity, rule.family, rule.reports
            );
            if let Some(fix) = rule.fix {
                text.push_str(&format!("fix:     {fix}\n"));
            }
            if rule.severity == "error" {
                text.push_str(&format!(
                    "\nWhere it is deliberate, an inline `# platc:allow({}): <reason>` on the line (or the line above) silences it.\n",
                    rule.id
                ));
            }
            text
        }
        _ => {
            let width = chosen.iter().map(|r| r.id.len()).max().unwrap_or(0);
            chosen
                .iter()
                .map(|r| format!("{:width$}  {:7}  {}\n", r.id, r.severity, r.reports))
                .collect()
        }
    };
    out.stdout(&text)
}
