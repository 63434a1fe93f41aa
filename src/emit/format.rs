//! Renderings of file diffs: a unified diff for terminals, a `--stat` summary, and Markdown for a
//! pull-request comment or a GitHub job summary. Every line passes through [`mask_secrets`].

use std::fmt::Write as _;

use serde::Serialize;
use similar::{ChangeTag, TextDiff};

use super::diff::{DiffKind, FileDiff};
use crate::secret::mask_secrets;

/// Markdown longer than this drops further diff bodies: GitHub comments stop at 65 536 characters.
const MARKDOWN_BUDGET: usize = 60_000;

const RED: &str = "\x1b[31m";
const GREEN: &str = "\x1b[32m";
const CYAN: &str = "\x1b[36m";
const BOLD: &str = "\x1b[1m";
const RESET: &str = "\x1b[0m";

/// A unified diff of every file, git style (`--- a/<out>/…`, `+++ b/<out>/…`, `/dev/null` for
/// added and deleted files), coloured with ANSI codes only when `color`. `out_name` is the output
/// folder as the user knows it (`out`, `deploy/out`).
pub fn unified(diffs: &[FileDiff], out_name: &str, color: bool) -> String {
    let mut out = String::new();
    for d in diffs {
        let text = mask_secrets(&patch(d, out_name));
        if !color {
            out.push_str(&text);
            continue;
        }
        for line in text.split_inclusive('\n') {
            let (body, end) = line
                .strip_suffix('\n')
                .map_or((line, ""), |body| (body, "\n"));
            let style = if body.starts_with("---") || body.starts_with("+++") {
                BOLD
            } else if body.starts_with("@@") {
                CYAN
            } else if body.starts_with('+') {
                GREEN
            } else if body.starts_with('-') {
                RED
            } else {
                ""
            };
            if style.is_empty() {
                out.push_str(line);
            } else {
                let _ = write!(out, "{style}{body}{RESET}{end}");
            }
        }
    }
    out
}

/// One line per file, `<out>/<path> | +N -M`, then a total line.
pub fn stat(diffs: &[FileDiff], out_name: &str) -> String {
    let width = diffs
        .iter()
        .map(|d| shown(out_name, &d.path).len())
        .max()
        .unwrap_or(0);
    let mut out = String::new();
    let (mut added, mut removed) = (0, 0);
    for d in diffs {
        let (plus, minus) = counts(d);
        added += plus;
        removed += minus;
        let note = match d.kind {
            DiffKind::Added => " (new)",
            DiffKind::Modified => "",
            DiffKind::Deleted => " (deleted)",
        };
        let _ = writeln!(
            out,
            " {:width$} | +{plus} -{minus}{note}",
            shown(out_name, &d.path)
        );
    }
    let files = if diffs.len() == 1 { "file" } else { "files" };
    let _ = writeln!(out, " {} {files} changed, +{added} -{removed}", diffs.len());
    out
}

/// Markdown for a PR comment or job summary: a table of changed files grouped by environment
/// (`prod*` first, other environments alphabetically, then `argocd` and `image`), then each diff
/// in a collapsed `<details>` block.
pub fn markdown(diffs: &[FileDiff], out_name: &str) -> String {
    let mut out = String::new();
    if diffs.is_empty() {
        let _ = writeln!(out, "### platc: no changes\n\n`{out_name}/` is up to date.");
        return out;
    }
    let mut sorted: Vec<&FileDiff> = diffs.iter().collect();
    sorted.sort_by(|a, b| {
        group_key(&a.path)
            .cmp(&group_key(&b.path))
            .then(a.path.cmp(&b.path))
    });
    let (added, removed) = diffs
        .iter()
        .map(counts)
        .fold((0, 0), |(a, r), (p, m)| (a + p, r + m));
    let files = if diffs.len() == 1 { "file" } else { "files" };
    let _ = writeln!(
        out,
        "### platc: {} {files} changed (+{added} -{removed})\n",
        diffs.len()
    );
    out.push_str("| Environment | File | Change | + | - |\n| --- | --- | --- | ---: | ---: |\n");
    for d in &sorted {
        let (plus, minus) = counts(d);
        let group = group_key(&d.path).1;
        let group = if group.is_empty() {
            "(top level)"
        } else {
            group
        };
        let change = match d.kind {
            DiffKind::Added => "added",
            DiffKind::Modified => "modified",
            DiffKind::Deleted => "deleted",
        };
        let path = shown(out_name, &d.path).replace('|', "\\|");
        let _ = writeln!(out, "| {group} | `{path}` | {change} | {plus} | {minus} |");
    }
    for d in &sorted {
        let summary = html_escape(&shown(out_name, &d.path));
        let body = mask_secrets(&patch(d, out_name));
        let fence = "`".repeat(longest_backtick_run(&body).max(2) + 1);
        let section = format!(
            "\n<details><summary>{summary}</summary>\n\n{fence}diff\n{body}{fence}\n\n</details>\n"
        );
        if out.len() + section.len() <= MARKDOWN_BUDGET {
            out.push_str(&section);
        } else {
            let _ = writeln!(
                out,
                "\n<details><summary>{summary}</summary>\n\nDiff too large for a comment; run `platc diff` to see it.\n\n</details>"
            );
        }
    }
    out
}

/// One file's change for `platc diff --format json`: path, kind and the masked unified diff.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Change {
    /// The path as shown in the diff headers, `<out>/<path>`.
    pub path: String,
    /// `added`, `modified` or `deleted`.
    pub kind: &'static str,
    /// The unified diff, without colour, credentials masked.
    pub diff: String,
}

/// Every file's change, for JSON.
pub fn changes(diffs: &[FileDiff], out_name: &str) -> Vec<Change> {
    diffs
        .iter()
        .map(|d| Change {
            path: shown(out_name, &d.path),
            kind: match d.kind {
                DiffKind::Added => "added",
                DiffKind::Modified => "modified",
                DiffKind::Deleted => "deleted",
            },
            diff: mask_secrets(&patch(d, out_name)),
        })
        .collect()
}

/// The unified diff of one file, without colour or masking.
fn patch(d: &FileDiff, out_name: &str) -> String {
    let old = match d.kind {
        DiffKind::Added => "/dev/null".to_string(),
        _ => format!("a/{}", shown(out_name, &d.path)),
    };
    let new = match d.kind {
        DiffKind::Deleted => "/dev/null".to_string(),
        _ => format!("b/{}", shown(out_name, &d.path)),
    };
    TextDiff::from_lines(&d.old, &d.new)
        .unified_diff()
        .context_radius(3)
        .header(&old, &new)
        .to_string()
}

/// Lines added and removed.
fn counts(d: &FileDiff) -> (usize, usize) {
    let diff = TextDiff::from_lines(&d.old, &d.new);
    diff.iter_all_changes()
        .fold((0, 0), |(plus, minus), change| match change.tag() {
            ChangeTag::Insert => (plus + 1, minus),
            ChangeTag::Delete => (plus, minus + 1),
            ChangeTag::Equal => (plus, minus),
        })
}

fn shown(out_name: &str, path: &str) -> String {
    match out_name.trim_end_matches('/') {
        "" | "." => path.to_owned(),
        dir => format!("{dir}/{path}"),
    }
}

/// How an output folder is named in diffs: as given, without a leading `./` or trailing `/`.
pub fn out_name(dir: &std::path::Path) -> String {
    let text = dir.display().to_string();
    let text = text.strip_prefix("./").unwrap_or(&text);
    let trimmed = text.trim_end_matches('/');
    if trimmed.is_empty() && !text.is_empty() {
        "/".to_owned()
    } else {
        trimmed.to_owned()
    }
}

/// Sort key of a path's group: rank, then the group (first path segment, empty at top level).
fn group_key(path: &str) -> (u8, &str) {
    let Some((group, _)) = path.split_once('/') else {
        return (4, "");
    };
    let rank = match group {
        "argocd" => 2,
        "image" => 3,
        _ if group.starts_with("prod") => 0,
        _ => 1,
    };
    (rank, group)
}

fn longest_backtick_run(text: &str) -> usize {
    text.split(|c| c != '`').map(str::len).max().unwrap_or(0)
}

fn html_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}
