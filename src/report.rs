//! Report: diagnostics rendered for a person (snippets), for a program (JSON) or for GitHub Actions.

use annotate_snippets::{AnnotationKind, Group, Level, Renderer, Snippet};
use serde::Serialize;

use crate::diagnostic::{Diagnostic, Diagnostics, Severity};
use crate::secret::{redact_prose, scan, star_ranges};

/// How diagnostics and results are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Format {
    /// Snippets with carets, for a terminal.
    #[default]
    Human,
    /// One JSON document, for programs.
    Json,
    /// GitHub Actions workflow commands, shown as annotations on the pull request.
    Github,
    /// Markdown, for a pull-request comment or a CI job summary (`diff` renders its changes).
    Markdown,
}

/// Renders diagnostics in the chosen format. `source` is the text the places point into.
///
/// Nothing printed holds a credential: texts go through [`redacted`] (and lose every literal a
/// secret finding points at), and the source of human snippets through [`masked_source`].
pub fn render(
    diagnostics: &Diagnostics,
    source: Option<&str>,
    format: Format,
    color: bool,
) -> String {
    let counts = diagnostics.counts();
    let all = diagnostics;
    let shown = redacted(&capped(all, PER_RULE));
    let diagnostics = &match source {
        Some(text) => without_literals(text, all, &shown),
        None => shown,
    };
    match format {
        Format::Human => {
            let source = source.map(|text| masked_source(text, all));
            human(diagnostics, counts, source.as_deref(), color)
        }
        Format::Json => json(diagnostics, counts),
        Format::Github => github(diagnostics),
        Format::Markdown => markdown(diagnostics, counts),
    }
}

/// How many findings of one rule are shown; the rest are counted on the last one shown.
pub const PER_RULE: usize = 20;

/// The first `limit` diagnostics of each code, in order; the last one shown of a code with more
/// carries a note counting the others. A hostile spec can raise a finding per element; this
/// keeps every format's output (and the time to render it) proportional to the rules broken.
pub fn capped(diagnostics: &Diagnostics, limit: usize) -> Diagnostics {
    let mut seen: std::collections::HashMap<&str, (usize, usize)> = Default::default();
    let mut kept: Vec<Diagnostic> = Vec::new();
    for d in diagnostics.iter() {
        let (shown, last) = seen.entry(d.code.as_str()).or_insert((0, 0));
        if *shown < limit {
            *shown += 1;
            *last = kept.len();
            kept.push(d.clone());
        }
    }
    for (code, (shown, last)) in &seen {
        let total = diagnostics.iter().filter(|d| d.code == *code).count();
        if total > *shown {
            kept[*last].notes.push(format!(
                "{} more `{code}` finding(s) not shown; platc shows the first {limit} of each rule",
                total - shown
            ));
        }
    }
    Diagnostics(kept)
}

/// The diagnostics with every credential in their message, label, help and notes masked.
pub fn redacted(diagnostics: &Diagnostics) -> Diagnostics {
    map_texts(diagnostics, redact_prose)
}

fn map_texts(diagnostics: &Diagnostics, f: impl Fn(&str) -> String) -> Diagnostics {
    Diagnostics(
        diagnostics
            .iter()
            .map(|d| Diagnostic {
                message: f(&d.message),
                label: d.label.as_deref().map(&f),
                help: d.help.as_deref().map(&f),
                notes: d.notes.iter().map(|n| f(n)).collect(),
                ..d.clone()
            })
            .collect(),
    )
}

/// Rules whose place is a value that holds a secret: the value is masked wherever it appears.
const SECRET_VALUE_RULES: [&str; 4] = [
    "secret-literal",
    "secret-token",
    "secret-url-password",
    "airflow-sensitive-literal",
];

/// The byte ranges of `source` that a secret finding points at: what the detector finds in the
/// value, or the whole value (without its quotes) when the rule knew it by its name.
fn secret_ranges(source: &str, diagnostics: &Diagnostics) -> Vec<std::ops::Range<usize>> {
    let mut out = Vec::new();
    for d in diagnostics.iter() {
        let Some(place) = &d.place else { continue };
        if d.source.is_some() || !SECRET_VALUE_RULES.contains(&d.code.as_str()) {
            continue;
        }
        let (mut start, mut end) = (place.start, place.end.min(source.len()));
        if start >= end || !source.is_char_boundary(start) || !source.is_char_boundary(end) {
            continue;
        }
        let found = scan(&source[start..end]);
        if found.is_empty() {
            let bytes = source.as_bytes();
            if end - start >= 2
                && matches!(bytes[start], b'"' | b'\'')
                && bytes[end - 1] == bytes[start]
            {
                start += 1;
                end -= 1;
            }
            out.push(start..end);
        } else {
            out.extend(
                found
                    .into_iter()
                    .map(|f| start + f.range.start..start + f.range.end),
            );
        }
    }
    out
}

/// The diagnostics with every secret literal a finding points at replaced by `***` in all their
/// texts: a `name-invalid` or `name-too-long` may quote a pasted key whole or as part of a name.
fn without_literals(source: &str, all: &Diagnostics, diagnostics: &Diagnostics) -> Diagnostics {
    let literals = Literals::new(
        secret_ranges(source, all)
            .into_iter()
            .filter_map(|r| source.get(r))
            .map(str::trim),
    );
    if literals.is_empty() {
        return diagnostics.clone();
    }
    map_texts(diagnostics, |text| literals.mask(text))
}

/// Secret texts (at least four bytes), indexed by their first four bytes so that masking a text
/// looks at each of its positions once, however many secrets there are.
struct Literals<'a> {
    by_prefix: std::collections::BTreeMap<&'a [u8], Vec<&'a str>>,
}

impl<'a> Literals<'a> {
    const PREFIX: usize = 4;

    fn new(texts: impl Iterator<Item = &'a str>) -> Self {
        let mut by_prefix: std::collections::BTreeMap<&[u8], Vec<&str>> = Default::default();
        for t in texts.filter(|t| t.len() >= Self::PREFIX) {
            by_prefix
                .entry(&t.as_bytes()[..Self::PREFIX])
                .or_default()
                .push(t);
        }
        for candidates in by_prefix.values_mut() {
            candidates.sort_by(|a, b| b.len().cmp(&a.len()).then(a.cmp(b)));
            candidates.dedup();
        }
        Literals { by_prefix }
    }

    fn is_empty(&self) -> bool {
        self.by_prefix.is_empty()
    }

    fn mask(&self, text: &str) -> String {
        let bytes = text.as_bytes();
        let mut out = String::with_capacity(text.len());
        let (mut i, mut copied) = (0, 0);
        while i + Self::PREFIX <= bytes.len() {
            let hit = self
                .by_prefix
                .get(&bytes[i..i + Self::PREFIX])
                .and_then(|c| c.iter().find(|lit| bytes[i..].starts_with(lit.as_bytes())));
            match hit {
                Some(lit) if text.is_char_boundary(i) => {
                    out.push_str(&text[copied..i]);
                    out.push_str("***");
                    i += lit.len();
                    copied = i;
                }
                _ => i += 1,
            }
        }
        out.push_str(&text[copied..]);
        out
    }
}

/// The source with `*` over every credential, byte for byte (places stay right): everything
/// the detector finds anywhere, and the value of every secret finding.
pub fn masked_source(source: &str, diagnostics: &Diagnostics) -> String {
    let found = scan(source).into_iter().map(|f| f.range);
    star_ranges(source, found.chain(secret_ranges(source, diagnostics)))
}

fn human(
    diagnostics: &Diagnostics,
    (errors, warnings): (usize, usize),
    source: Option<&str>,
    color: bool,
) -> String {
    let renderer = if color {
        Renderer::styled()
    } else {
        Renderer::plain()
    };
    let mut out = String::new();
    for d in diagnostics.iter() {
        out.push_str(&renderer.render(&one(d, source)));
        out.push_str("\n\n");
    }
    if errors + warnings > 0 {
        out.push_str(&summary(errors, warnings));
        out.push('\n');
    }
    out
}

fn one<'a>(d: &'a Diagnostic, source: Option<&'a str>) -> Vec<Group<'a>> {
    let level = match d.severity {
        Severity::Error => Level::ERROR,
        Severity::Warning => Level::WARNING,
    };
    let title = level.primary_title(d.message.as_str()).id(d.code.as_str());
    let source = d.source.as_deref().or(source);
    let mut group = match (&d.place, source) {
        (Some(place), Some(text)) if place.start <= text.len() => {
            let start = floor_char_boundary(text, place.start);
            let end = ceil_char_boundary(text, place.end.min(text.len()).max(start));
            // Hand the renderer only the lines the span covers: passing the whole spec for each
            // diagnostic makes many diagnostics on a large spec cost quadratic time.
            let window_start = text[..start].rfind(['\n', '\r']).map_or(0, |i| i + 1);
            let window_end = text[end..]
                .find(['\n', '\r'])
                .map_or(text.len(), |i| end + i);
            let first_line = place.line;
            let mut annotation =
                AnnotationKind::Primary.span(start - window_start..end - window_start);
            if let Some(label) = &d.label {
                annotation = annotation.label(label.as_str());
            }
            title.element(
                Snippet::source(&text[window_start..window_end])
                    .line_start(first_line)
                    .path(place.file.as_str())
                    .fold(true)
                    .annotation(annotation),
            )
        }
        (Some(place), _) => title.element(
            annotate_snippets::Origin::path(place.file.as_str())
                .line(place.line)
                .char_column(place.column),
        ),
        (None, _) => Group::with_title(title),
    };
    for note in &d.notes {
        group = group.element(Level::NOTE.message(note.as_str()));
    }
    if let Some(help) = &d.help {
        group = group.element(Level::HELP.message(help.as_str()));
    }
    vec![group]
}

fn floor_char_boundary(text: &str, mut i: usize) -> usize {
    while i > 0 && !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn ceil_char_boundary(text: &str, mut i: usize) -> usize {
    while i < text.len() && !text.is_char_boundary(i) {
        i += 1;
    }
    i
}

/// "error: 2 errors, 1 warning" style closing line.
pub fn summary(errors: usize, warnings: usize) -> String {
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    match (errors, warnings) {
        (0, w) => format!("{} found", plural(w, "warning")),
        (e, 0) => format!("{} found", plural(e, "error")),
        (e, w) => format!("{} and {} found", plural(e, "error"), plural(w, "warning")),
    }
}

#[derive(Serialize)]
struct JsonReport<'a> {
    ok: bool,
    errors: usize,
    warnings: usize,
    diagnostics: &'a Diagnostics,
}

fn json(diagnostics: &Diagnostics, (errors, warnings): (usize, usize)) -> String {
    let report = JsonReport {
        ok: errors == 0,
        errors,
        warnings,
        diagnostics,
    };
    let mut text = serde_json::to_string_pretty(&report).unwrap_or_default();
    text.push('\n');
    text
}

fn github(diagnostics: &Diagnostics) -> String {
    let workspace = std::env::var_os("GITHUB_WORKSPACE").map(std::path::PathBuf::from);
    let mut out = String::new();
    for d in diagnostics.iter() {
        let command = match d.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        let mut props = Vec::new();
        if let Some(p) = &d.place {
            let file = workspace_relative(&p.file, workspace.as_deref());
            props.push(format!("file={}", escape_property(&file)));
            props.push(format!("line={}", p.line));
            props.push(format!("col={}", p.column));
        }
        props.push(format!(
            "title={}",
            escape_property(&format!("platc {}", d.code))
        ));
        let mut message = d.message.clone();
        for note in &d.notes {
            message.push_str("\nnote: ");
            message.push_str(note);
        }
        if let Some(help) = &d.help {
            message.push_str("\nhelp: ");
            message.push_str(help);
        }
        out.push_str(&format!(
            "::{command} {}::{}\n",
            props.join(","),
            escape_data(&message)
        ));
    }
    out
}

fn markdown(diagnostics: &Diagnostics, (errors, warnings): (usize, usize)) -> String {
    let mut out = String::new();
    for d in diagnostics.iter() {
        let place = d
            .place
            .as_ref()
            .map(|p| format!(" `{}:{}:{}`", p.file, p.line, p.column))
            .unwrap_or_default();
        out.push_str(&format!(
            "- **{}[{}]**{place}: {}",
            d.severity,
            d.code,
            d.message.replace('\n', " ")
        ));
        if let Some(help) = &d.help {
            out.push_str(&format!(" (help: {help})"));
        }
        out.push('\n');
        for note in &d.notes {
            out.push_str(&format!("  - {}\n", note.replace('\n', " ")));
        }
    }
    if errors + warnings > 0 {
        out.push_str(&format!("\n{}\n", summary(errors, warnings)));
    }
    out
}

/// A diagnostic's file as GitHub places annotations: relative to the repository checkout
/// (`GITHUB_WORKSPACE`), whatever folder platc ran in. Unchanged outside Actions, or for a file
/// outside the checkout.
fn workspace_relative(file: &str, workspace: Option<&std::path::Path>) -> String {
    let Some(workspace) = workspace.and_then(|w| w.canonicalize().ok()) else {
        return file.to_owned();
    };
    let path = std::path::Path::new(file);
    // The file, or folders above it, may not exist yet (a stale output of a new environment):
    // resolve the nearest ancestor that does and put the rest back.
    let resolved = path.ancestors().find_map(|existing| {
        let base = if existing.as_os_str().is_empty() {
            std::path::Path::new(".")
        } else {
            existing
        };
        let rest = path.strip_prefix(existing).ok()?;
        Some(base.canonicalize().ok()?.join(rest))
    });
    match resolved.as_deref().map(|r| r.strip_prefix(&workspace)) {
        Some(Ok(rel)) => rel
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect::<Vec<_>>()
            .join("/"),
        _ => file.to_owned(),
    }
}

fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::Place;

    #[test]
    fn github_commands_escape_their_properties() {
        let d = Diagnostic::error("E020", "unknown field `x`, really: 100%")
            .at(Some(Place {
                file: "a,b.yaml".into(),
                line: 3,
                column: 7,
                start: 0,
                end: 1,
            }))
            .help("fix it");
        let out = github(&d.into());
        assert_eq!(
            out,
            "::error file=a%2Cb.yaml,line=3,col=7,title=platc E020::unknown field `x`, really: 100%25%0Ahelp: fix it\n"
        );
    }

    #[test]
    fn annotations_are_relative_to_the_workspace() {
        let root = tempfile::tempdir().unwrap();
        let sub = root.path().join("platform");
        std::fs::create_dir_all(sub.join("out/prod")).unwrap();
        std::fs::write(sub.join("platform.yaml"), "x").unwrap();
        let spec = sub.join("platform.yaml");
        let gone = sub.join("out/prod/values.yaml");
        let ws = Some(root.path());
        assert_eq!(
            workspace_relative(&spec.display().to_string(), ws),
            "platform/platform.yaml"
        );
        assert_eq!(
            workspace_relative(&gone.display().to_string(), ws),
            "platform/out/prod/values.yaml",
            "a file that does not exist yet, in a folder that does"
        );
        let deeper = sub.join("out/newenv/extras/kustomization.yaml");
        assert_eq!(
            workspace_relative(&deeper.display().to_string(), ws),
            "platform/out/newenv/extras/kustomization.yaml",
            "folders that do not exist yet either"
        );
        assert_eq!(
            workspace_relative("/elsewhere/x.yaml", ws),
            "/elsewhere/x.yaml"
        );
        assert_eq!(workspace_relative("a/b.yaml", None), "a/b.yaml");
    }

    #[test]
    fn notes_reach_every_format() {
        let d = Diagnostic::error("E054", "1 file(s) would be lost")
            .note("out/prod/notes.txt")
            .help("move it");
        let diagnostics: Diagnostics = d.into();
        assert_eq!(
            github(&diagnostics),
            "::error title=platc E054::1 file(s) would be lost%0Anote: out/prod/notes.txt%0Ahelp: move it\n"
        );
        assert!(
            markdown(&diagnostics, diagnostics.counts())
                .contains("(help: move it)\n  - out/prod/notes.txt\n"),
            "{}",
            markdown(&diagnostics, diagnostics.counts())
        );
    }
}
