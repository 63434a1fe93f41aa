//! `platc dag new` (scaffold a DAG file) and `platc dag check` (the conventions check).

use std::io::Write;
use std::path::{Path, PathBuf};

use clap::Subcommand;
use serde::Serialize;

use crate::airflow::AirflowVersion;
use crate::cli::{Cli, Output};
use crate::dag::check::{self, DeclaredId, Rules};
use crate::dag::source::DagFile;
use crate::dag::{repo, scaffold};
use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::pipeline::{self, Failure};
use crate::report::{self, Format};

/// The `platc dag` subcommands.
#[derive(Debug, Subcommand)]
pub enum DagCommand {
    /// Write a new DAG file at the path the conventions give, with the team's defaults and the
    /// imports of the spec's Airflow version. Never overwrites.
    New {
        /// The domain, lower snake case, such as `sales`.
        domain: String,
        /// The DAG's name, lower snake case, such as `daily_orders`.
        name: String,
        /// Owner instead of the team's default.
        #[arg(long)]
        owner: Option<String>,
        /// `none`, a preset such as `@daily`, a cron expression such as `"0 6 * * *"`, or an
        /// interval such as `30m`, `6h`, `1d`.
        #[arg(long)]
        schedule: Option<String>,
        /// Tags besides the team's and the domain, comma-separated.
        #[arg(long, value_delimiter = ',')]
        tags: Vec<String>,
        /// The DAG repository checkout [default: the git work tree around the current folder,
        /// else the current folder]
        #[arg(long, value_name = "DIR")]
        repo: Option<PathBuf>,
    },
    /// Check DAG files against the conventions: path and dag_id rules, unique dag_ids, the team's
    /// defaults, schedule forms, and imports that the spec's Airflow version lacks. No Python runs.
    Check {
        /// Files or folders to check (default: every file under the layout's folder).
        paths: Vec<PathBuf>,
        /// The DAG repository checkout [default: the git work tree around the current folder,
        /// else the current folder]
        #[arg(long, value_name = "DIR")]
        repo: Option<PathBuf>,
    },
}

/// Runs a `platc dag` subcommand.
pub fn run(cli: &Cli, out: &Output, command: &DagCommand) -> i32 {
    let rules = match rules(cli, out) {
        Ok(r) => r,
        Err(code) => return code,
    };
    let (DagCommand::New { repo, .. } | DagCommand::Check { repo, .. }) = command;
    let checking = matches!(command, DagCommand::Check { .. });
    let repo = match repo_root(repo.as_deref(), &rules, checking) {
        Ok(dir) => dir,
        Err(d) => return io_error(out, d),
    };
    let repo = repo.as_path();
    match command {
        DagCommand::New {
            domain,
            name,
            owner,
            schedule,
            tags,
            repo: _,
        } => {
            let request = scaffold::Request {
                domain: domain.clone(),
                name: name.clone(),
                owner: owner.clone(),
                schedule: schedule.clone(),
                tags: tags.clone(),
            };
            new(out, &rules, &request, repo)
        }
        DagCommand::Check { paths, repo: _ } => check(out, &rules, paths, repo),
    }
}

/// The conventions of the spec, ready to apply; an exit code when there are none or they are wrong.
fn rules(cli: &Cli, out: &Output) -> Result<Rules, i32> {
    let front = pipeline::front_end(&cli.file).map_err(|f| out.failure(&f))?;
    let fail = |d: Diagnostic| {
        out.failure(&Failure {
            diagnostics: d.into(),
            source: Some(front.doc.text.clone()),
            io: false,
        })
    };
    let Some(conventions) = &front.spec.dags.conventions else {
        return Err(fail(
            Diagnostic::error("dag-conventions", "the spec has no `dags.conventions`")
                .at(front.doc.key_place("/dags"))
                .help("add dags.conventions with layout, dagId, defaults and schedules; see `platc schema`"),
        ));
    };
    let version = AirflowVersion::parse(&front.spec.airflow.version).map_err(|e| {
        fail(Diagnostic::error("dag-conventions", e).at(front.doc.value_place("/airflow/version")))
    })?;
    Rules::new(conventions, version).map_err(|e| {
        fail(Diagnostic::error("dag-conventions", e.message).at(front.doc.value_place(e.pointer)))
    })
}

/// The DAG repository: `--repo` when given (it must be a folder), else the git work tree around
/// the current folder, so both commands work from any folder of the checkout, else the current
/// folder. `dag check` also needs the layout's root folder there: without it the folder is
/// almost certainly not the DAG repository, and checking nothing must not pass.
fn repo_root(given: Option<&Path>, rules: &Rules, checking: bool) -> Result<PathBuf, Diagnostic> {
    let repo = match given {
        Some(dir) if dir.is_dir() => dir.to_path_buf(),
        Some(dir) => {
            return Err(Diagnostic::error(
                "E047",
                format!("the DAG repository `{}` is not a folder", dir.display()),
            )
            .help("pass --repo DIR, a checkout of the DAG repository"));
        }
        None => enclosing_work_tree().unwrap_or_else(|| PathBuf::from(".")),
    };
    let root = rules.layout.root().trim_end_matches('/');
    if checking && !root.is_empty() && !repo.join(root).is_dir() {
        let shown = if repo == Path::new(".") {
            "the current folder".to_owned()
        } else {
            format!("`{}`", repo.display())
        };
        return Err(Diagnostic::error(
            "E047",
            format!("{shown} has no `{root}/` folder, where the conventions put DAG files"),
        )
        .help("run platc in the DAG repository, or pass --repo DIR"));
    }
    Ok(repo)
}

/// The root of the git work tree holding the current folder, as a relative path (`..`, `../..`)
/// so that messages stay short; `None` outside a work tree.
fn enclosing_work_tree() -> Option<PathBuf> {
    let here = std::env::current_dir().ok()?;
    let up = here.ancestors().position(|dir| dir.join(".git").exists())?;
    Some(if up == 0 {
        PathBuf::from(".")
    } else {
        (0..up).map(|_| "..").collect()
    })
}

fn io_error(out: &Output, d: Diagnostic) -> i32 {
    out.failure(&Failure::io(d))
}

#[derive(Serialize)]
struct Created<'a> {
    path: String,
    dag_id: &'a str,
}

/// `platc dag new`.
fn new(out: &Output, rules: &Rules, request: &scaffold::Request, repo_dir: &Path) -> i32 {
    let scaffold = match scaffold::render(rules, request, scaffold::today()) {
        Ok(s) => s,
        // The arguments break the conventions: a usage error, like an unknown environment.
        Err(d) => return out.diagnostics(&d.into(), None).max(2),
    };
    let path = repo_dir.join(&scaffold.rel);
    let shown = repo::shown(repo_dir, &scaffold.rel);
    if path.exists() {
        let d = Diagnostic::error(
            "dag-exists",
            format!("{shown} already exists; platc dag new never overwrites"),
        )
        .help("choose another name, or edit the existing file");
        return out.diagnostics(&d.into(), None).max(1);
    }
    let files = match repo::python_files(repo_dir, rules) {
        Ok(f) => f,
        Err(d) => return io_error(out, d),
    };
    for rel in files {
        let file = match repo::load(repo_dir, &rel) {
            Ok(f) => f,
            Err(d) => return io_error(out, d),
        };
        for dag in &file.module.dags {
            if let DeclaredId::Literal(id, span) = check::declared_id(&file.module, dag)
                && id == scaffold.dag_id
            {
                let d = Diagnostic::error(
                    "dag-id-duplicate",
                    format!("dag_id `{id}` already exists in {}", file.shown),
                )
                .at(Some(file.place(span)))
                .help("choose another domain or name");
                return out.diagnostics(&d.into(), Some(&file.text)).max(1);
            }
        }
    }
    if let Err(e) = write_new(&path, &scaffold.text) {
        return io_error(
            out,
            Diagnostic::error("E003", format!("cannot write {shown}: {e}")),
        );
    }
    match out.format {
        Format::Json => {
            let report = Created {
                path: shown,
                dag_id: &scaffold.dag_id,
            };
            out.json_result(
                serde_json::to_value(&report).unwrap_or_default(),
                &Diagnostics::default(),
            )
        }
        _ => {
            out.info(&format!("created {shown} (dag_id {})\n", scaffold.dag_id));
            0
        }
    }
}

/// Creates the file, failing if it appeared meanwhile.
fn write_new(path: &Path, text: &str) -> std::io::Result<()> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)?;
    file.write_all(text.as_bytes())
}

/// `platc dag check`.
fn check(out: &Output, rules: &Rules, paths: &[PathBuf], repo_dir: &Path) -> i32 {
    let all = match repo::python_files(repo_dir, rules) {
        Ok(f) => f,
        Err(d) => return io_error(out, d),
    };
    let requested = if paths.is_empty() {
        all.clone()
    } else {
        let mut requested = Vec::new();
        for path in paths {
            match in_repo(repo_dir, path) {
                Ok(rel) if path.is_dir() => match repo::python_files_under(repo_dir, &rel) {
                    Ok(f) => requested.extend(f),
                    Err(d) => return io_error(out, d),
                },
                Ok(rel) => requested.push(rel),
                Err(d) => return io_error(out, d),
            }
        }
        requested
    };
    let mut rels: Vec<String> = all.into_iter().chain(requested.iter().cloned()).collect();
    rels.sort();
    rels.dedup();
    let mut files: Vec<DagFile> = Vec::new();
    for rel in &rels {
        match repo::load(repo_dir, rel) {
            Ok(f) => files.push(f),
            Err(d) => return io_error(out, d),
        }
    }
    let mut per_file: Vec<Diagnostics> = files
        .iter()
        .map(|f| {
            if requested.contains(&f.rel) {
                check::check_file(rules, f)
            } else {
                Diagnostics::default()
            }
        })
        .collect();
    for (i, d) in check::duplicates(&files) {
        if requested.contains(&files[i].rel) {
            per_file[i].push(d);
        }
    }
    let mut all_diagnostics = Diagnostics::default();
    let mut human = String::new();
    for (file, diagnostics) in files.iter().zip(per_file.iter_mut()) {
        if diagnostics.is_empty() {
            continue;
        }
        diagnostics.sort();
        if out.format == Format::Human {
            let text = report::render(diagnostics, Some(&file.text), Format::Human, out.color);
            let (e, w) = diagnostics.counts();
            let closing = format!("{}\n", report::summary(e, w));
            human.push_str(text.strip_suffix(&closing).unwrap_or(&text));
        }
        all_diagnostics.extend(diagnostics.iter().cloned());
    }
    let (errors, warnings) = all_diagnostics.counts();
    match out.format {
        Format::Human if all_diagnostics.is_empty() => {
            let n = requested.len();
            out.info(&format!(
                "platc: {n} DAG file{} checked, no problems\n",
                if n == 1 { "" } else { "s" }
            ));
        }
        Format::Human => {
            human.push_str(&report::summary(errors, warnings));
            human.push('\n');
            out.stderr(&human);
        }
        Format::Json => {
            let code = out.stdout(&report::render(&all_diagnostics, None, Format::Json, false));
            if code != 0 {
                return code;
            }
        }
        format @ (Format::Github | Format::Markdown) => {
            out.stderr(&report::render(&all_diagnostics, None, format, false))
        }
    }
    i32::from(errors > 0 || (out.deny_warnings && warnings > 0))
}

/// A path given on the command line, relative to the repository, with `/` separators.
fn in_repo(repo_dir: &Path, path: &Path) -> Result<String, Diagnostic> {
    let not_found = |e: std::io::Error| {
        Diagnostic::error("E048", format!("cannot read {}: {e}", path.display()))
    };
    let repo_abs = repo_dir.canonicalize().map_err(|e| {
        Diagnostic::error("E047", format!("cannot read {}: {e}", repo_dir.display()))
    })?;
    let abs = path.canonicalize().map_err(not_found)?;
    let rel = abs.strip_prefix(&repo_abs).map_err(|_| {
        Diagnostic::error(
            "E048",
            format!(
                "{} is not inside the DAG repository {}",
                path.display(),
                repo_dir.display()
            ),
        )
        .help("pass --repo DIR, the checkout the path belongs to")
    })?;
    Ok(rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("/"))
}
