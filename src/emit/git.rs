//! Committing platc's own files with the `git` command line, leaving everything else alone.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use super::manifest::{MANIFEST, Manifest};
use crate::diagnostic::Diagnostic;

/// Stages and commits exactly the files platc owns in `out_dir` (those in its manifest, the
/// manifest, and owned files deleted since `HEAD`), with `summary` as the message.
///
/// Other changes, staged or not, stay as they were (`git commit --only`). Returns `false`, and
/// commits nothing, when platc's files are already committed as they are.
pub fn commit(repo_dir: &Path, out_dir: &Path, summary: &str) -> Result<bool, Diagnostic> {
    let top = work_tree(repo_dir)?;
    let prefix = repo_prefix(&top, out_dir)?;

    let owned = Manifest::load(out_dir)?;
    let mut present: BTreeSet<String> = owned.files.keys().cloned().collect();
    present.insert(MANIFEST.to_string());
    let head_manifest = git(&top, &["show", &format!("HEAD:{prefix}{MANIFEST}")])?;
    let deleted: Vec<String> = match head_manifest.status.success() {
        true => Manifest::parse(&String::from_utf8_lossy(&head_manifest.stdout))
            .map(|m| m.files.into_keys().collect())
            .unwrap_or_default(),
        false => Vec::new(),
    }
    .into_iter()
    .filter(|rel| !present.contains(rel) && !out_dir.join(rel).exists())
    .collect();

    let spec = |rel: &String| format!("{prefix}{rel}");
    let present: Vec<String> = present
        .iter()
        .filter(|rel| out_dir.join(rel).exists())
        .map(spec)
        .collect();
    let deleted: Vec<String> = deleted.iter().map(spec).collect();
    if !present.is_empty() {
        run(&top, &["add", "--"], &present)?;
    }
    if !deleted.is_empty() {
        run(
            &top,
            &["rm", "--cached", "-q", "--ignore-unmatch", "--"],
            &deleted,
        )?;
    }
    let all: Vec<String> = present.into_iter().chain(deleted).collect();
    let staged = run(&top, &["diff", "--cached", "--name-only", "-z", "--"], &all)?;
    let changed: Vec<String> = staged
        .split('\0')
        .filter(|p| !p.is_empty())
        .map(str::to_string)
        .collect();
    if changed.is_empty() {
        return Ok(false);
    }
    run(
        &top,
        &["commit", "-q", "-m", summary, "--only", "--"],
        &changed,
    )?;
    Ok(true)
}

/// Checks, before anything is written, that [`commit`] can work: git runs, `repo_dir` is in a
/// work tree, and `out_dir` (which may not exist yet) lies inside it.
pub fn check_committable(repo_dir: &Path, out_dir: &Path) -> Result<(), Diagnostic> {
    let top = work_tree(repo_dir)?;
    let existing = out_dir
        .ancestors()
        .find(|dir| dir.exists())
        .unwrap_or(Path::new("."));
    let inside = match (top.canonicalize(), existing.canonicalize()) {
        (Ok(top), Ok(existing)) => existing.starts_with(top),
        _ => false,
    };
    if inside {
        return Ok(());
    }
    Err(Diagnostic::error(
        "E057",
        format!(
            "`{}` is outside the git work tree `{}`",
            out_dir.display(),
            top.display()
        ),
    )
    .help("write the output inside the GitOps repository, or leave out --commit"))
}

/// Whether `path` is a file git tracks in the work tree holding it (`false` outside a work tree,
/// for an untracked file, or when git cannot run).
pub fn is_tracked(path: &Path) -> bool {
    let (Some(dir), Some(name)) = (path.parent(), path.file_name()) else {
        return false;
    };
    let (dir, Some(name)) = (
        if dir.as_os_str().is_empty() {
            Path::new(".")
        } else {
            dir
        },
        name.to_str(),
    ) else {
        return false;
    };
    git(dir, &["ls-files", "--error-unmatch", "--", name]).is_ok_and(|o| o.status.success())
}

/// The top of the work tree holding `repo_dir`.
fn work_tree(repo_dir: &Path) -> Result<PathBuf, Diagnostic> {
    let inside = git(repo_dir, &["rev-parse", "--is-inside-work-tree"])?;
    if !inside.status.success() || String::from_utf8_lossy(&inside.stdout).trim() != "true" {
        return Err(Diagnostic::error(
            "E057",
            format!("`{}` is not inside a git work tree", repo_dir.display()),
        )
        .help("run platc in a clone of the GitOps repository, or leave out --commit"));
    }
    Ok(PathBuf::from(
        stdout(
            git(repo_dir, &["rev-parse", "--show-toplevel"])?,
            "rev-parse",
        )?
        .trim(),
    ))
}

/// `out_dir` relative to the work tree's top, as a pathspec prefix ending in `/` (or empty).
fn repo_prefix(top: &Path, out_dir: &Path) -> Result<String, Diagnostic> {
    let canonical = |p: &Path| {
        p.canonicalize().map_err(|e| {
            Diagnostic::error("E057", format!("cannot resolve `{}`: {e}", p.display()))
        })
    };
    let (top, out) = (canonical(top)?, canonical(out_dir)?);
    let rel = out.strip_prefix(&top).map_err(|_| {
        Diagnostic::error(
            "E057",
            format!(
                "`{}` is outside the git work tree `{}`",
                out_dir.display(),
                top.display()
            ),
        )
    })?;
    let mut prefix = String::new();
    for name in rel.components() {
        prefix.push_str(&name.as_os_str().to_string_lossy());
        prefix.push('/');
    }
    Ok(prefix)
}

/// Runs git with literal pathspecs in `dir`.
fn git(dir: &Path, args: &[&str]) -> Result<Output, Diagnostic> {
    Command::new("git")
        .arg("--literal-pathspecs")
        .arg("-C")
        .arg(dir)
        .args(args)
        .output()
        .map_err(|e| Diagnostic::error("E057", format!("cannot run git: {e}")))
}

/// Runs git with `args` then `paths`; a failure is an error carrying git's message.
fn run(dir: &Path, args: &[&str], paths: &[String]) -> Result<String, Diagnostic> {
    let mut all: Vec<&str> = args.to_vec();
    all.extend(paths.iter().map(String::as_str));
    stdout(git(dir, &all)?, args.first().copied().unwrap_or("git"))
}

fn stdout(output: Output, what: &str) -> Result<String, Diagnostic> {
    if output.status.success() {
        return Ok(String::from_utf8_lossy(&output.stdout).into_owned());
    }
    Err(Diagnostic::error(
        "E057",
        format!(
            "git {what} failed: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        ),
    ))
}
