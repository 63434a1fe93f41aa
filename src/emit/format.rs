//! Renderings of file diffs: a unified diff for terminals, a `--stat` summary, and Markdown for a
//! pull-request comment or a GitHub job summary. Every line passes through [`mask_secrets`].

use std::fmt::Write as _;

use similar::{ChangeTag, TextDiff};

use super::diff::{DiffKind, FileDiff};
use super::redact::mask_secrets;

/// How output paths are shown; the lead folder of every path in diffs.
const OUT: &str = "out";

/// Markdown longer than this drops further diff bodies: GitHub comments stop at 65 536 characters.
const MARKDOWN_BUDGET: usize = 60_000;

const RED: &str = "\x1b[31m";
const GREEN: &str = "\x1b[32m";
const CYAN: &str = "\x1b[36m";
const BOLD: &str = "\x1b[1m";
const RESET: &str = "\x1b[0m";

/// A unified diff of every file, git style (`--- a/out/…`, `+++ b/out/…`, `/dev/null` for added
/// and deleted files), coloured with ANSI codes only when `color`.
pub fn unified(diffs: &[FileDiff], color: bool) -> String {
    let mut out = String::new();
    for d in diffs {
        let text = mask_secrets(&patch(d));
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

/// One line per file, `out/<path> | +N -M`, then a total line.
pub fn stat(diffs: &[FileDiff]) -> String {
    let width = diffs
        .iter()
        .map(|d| shown(&d.path).len())
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
        let _ = writeln!(out, " {:width$} | +{plus} -{minus}{note}", shown(&d.path));
    }
    let files = if diffs.len() == 1 { "file" } else { "files" };
    let _ = writeln!(out, " {} {files} changed, +{added} -{removed}", diffs.len());
    out
}

/// Markdown for a PR comment or job summary: a table of changed files grouped by environment
/// (`prod*` first, other environments alphabetically, then `argocd` and `image`), then each diff
/// in a collapsed `<details>` block.
pub fn markdown(diffs: &[FileDiff]) -> String {
    let mut out = String::new();
    if diffs.is_empty() {
        out.push_str("### platc: no changes\n\n`out/` is up to date.\n");
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
        let path = shown(&d.path).replace('|', "\\|");
        let _ = writeln!(out, "| {group} | `{path}` | {change} | {plus} | {minus} |");
    }
    for d in &sorted {
        let summary = html_escape(&shown(&d.path));
        let body = mask_secrets(&patch(d));
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

/// The unified diff of one file, without colour or masking.
fn patch(d: &FileDiff) -> String {
    let old = match d.kind {
        DiffKind::Added => "/dev/null".to_string(),
        _ => format!("a/{}", shown(&d.path)),
    };
    let new = match d.kind {
        DiffKind::Deleted => "/dev/null".to_string(),
        _ => format!("b/{}", shown(&d.path)),
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

fn shown(path: &str) -> String {
    format!("{OUT}/{path}")
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
