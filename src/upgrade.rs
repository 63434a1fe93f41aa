//! `platc upgrade --to VERSION`: moves platform.yaml to another Airflow version by editing its text.
//!
//! Every option under `airflow.config` and every `AIRFLOW__…` variable under `airflow.env`, shared
//! and in each environment's override, is looked up in the target version's catalog. It is
//! renamed along the catalog's moves (to the newest name, even where the old one is still read),
//! commented out when nothing on the target reads it, and re-checked when its type or allowed
//! values changed. `airflow.version`, and `airflow.chart` when the target needs another chart,
//! change too.
//!
//! Edit strategy: the YAML is never re-serialised. The loader's spans give the byte range of each
//! key and value; an entry is the key's line plus the following lines indented deeper (block
//! scalars, nested mappings). Renames inside a section replace the key's bytes. Moves to another
//! section delete the entry's lines and insert them, re-indented, at the end of the target
//! section's block (or of a new section block at the end of the `config` block). Removals comment
//! the entry's lines out under one explaining comment. A mapping left without live entries loses
//! its key line (commented out when it held commented-out entries), because an empty block
//! mapping would read as `null`. Everything else stays byte-identical. Only block-style mappings
//! are edited: a flow-style (`{…}`) `config`, section or `env` mapping is refused.

use std::io::Write;
use std::path::Path;

use serde::Serialize;
use serde_json::Value;

use crate::airflow::{
    self, AirflowVersion, Catalog, EnvForm, OptionInfo, catalog_for, supported_versions,
};
use crate::diagnostic::{Diagnostic, Place};
use crate::load::{Document, escape_pointer};

/// The longest rename chain followed; the catalogs have at most two steps.
const MAX_STEPS: usize = 4;

/// The chart version platc uses for an Airflow version: the newest chart that supports it.
pub use crate::charts::chart_for;

/// What one note of an upgrade is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum NoteKind {
    /// `airflow.version` changed.
    Version,
    /// `airflow.chart` changed.
    Chart,
    /// An option or variable got its new name.
    Renamed,
    /// An option or variable was commented out: nothing on the target reads it.
    Removed,
    /// The value should be looked at again: the type or the allowed values changed, or the
    /// target rejects it.
    Recheck,
    /// Anything else worth knowing.
    Info,
}

impl NoteKind {
    fn label(self) -> &'static str {
        match self {
            NoteKind::Version => "version",
            NoteKind::Chart => "chart",
            NoteKind::Renamed => "renamed",
            NoteKind::Removed => "removed",
            NoteKind::Recheck => "re-check",
            NoteKind::Info => "note",
        }
    }
}

/// One thing the upgrade did or wants the user to know.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Note {
    /// What kind of change.
    pub kind: NoteKind,
    /// Where in the spec, as a dotted path (`environments.dev.airflow.config`).
    pub path: String,
    /// 1-based line in the original file.
    pub line: usize,
    /// One sentence.
    pub message: String,
}

impl std::fmt::Display for Note {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}: {}", self.line, self.kind.label(), self.message)?;
        if self.path.starts_with("environments.") {
            write!(f, " (in {})", self.path)?;
        }
        Ok(())
    }
}

impl Note {
    /// The kind as shown to people (`renamed`, `re-check`, …).
    pub fn label(&self) -> &'static str {
        self.kind.label()
    }
}

/// The result of planning an upgrade.
#[derive(Debug, Clone)]
pub struct Upgrade {
    /// The shared `airflow.version` before.
    pub from: String,
    /// The target version.
    pub to: AirflowVersion,
    /// The file before.
    pub original: String,
    /// The file after.
    pub text: String,
    /// What changed and what to look at, in file order.
    pub notes: Vec<Note>,
}

impl Upgrade {
    /// Whether the text changes.
    pub fn changed(&self) -> bool {
        self.original != self.text
    }

    /// A unified diff of the file, with `a/NAME` and `b/NAME` headers; empty when nothing changes.
    pub fn diff(&self, name: &str) -> String {
        if !self.changed() {
            return String::new();
        }
        similar::TextDiff::from_lines(&self.original, &self.text)
            .unified_diff()
            .header(&format!("a/{name}"), &format!("b/{name}"))
            .to_string()
    }
}

/// Plans the upgrade of `doc` to Airflow `to`. Errors: an unsupported target, or mappings this
/// text editor cannot change safely (flow style).
pub fn plan(doc: &Document, to: &str) -> Result<Upgrade, Diagnostic> {
    let target = AirflowVersion::parse(to).map_err(|e| Diagnostic::error("upgrade-version", e))?;
    let (cat, catalog_note) = catalog_for(&target).map_err(|e| {
        Diagnostic::error("upgrade-version", e).help("pick one of the supported versions")
    })?;
    let shared_version = scalar_text(doc.value.pointer("/airflow/version"));
    let mut up = Upgrader {
        doc,
        text: &doc.text,
        target,
        cat,
        edits: Vec::new(),
        notes: Vec::new(),
    };
    if let Some(note) = catalog_note {
        let line = up.line_of("/airflow/version");
        up.note(NoteKind::Info, "airflow", line, note);
    }
    let mut scopes = vec![("/airflow".to_owned(), "airflow".to_owned())];
    if let Some(Value::Object(envs)) = doc.value.pointer("/environments") {
        for name in envs.keys() {
            scopes.push((
                format!("/environments/{}/airflow", escape_pointer(name)),
                format!("environments.{name}.airflow"),
            ));
        }
    }
    for (base, label) in &scopes {
        if !matches!(doc.value.pointer(base), Some(Value::Object(_))) {
            continue;
        }
        let own = scalar_text(doc.value.pointer(&format!("{base}/version")));
        let source = own
            .or_else(|| shared_version.clone())
            .and_then(|v| AirflowVersion::parse(&v).ok())
            .and_then(|v| catalog_for(&v).ok())
            .map(|(c, _)| c);
        up.scope(base, label, source)?;
    }
    let text = up.apply()?;
    let mut notes = up.notes;
    notes.sort_by_key(|n| n.line);
    Ok(Upgrade {
        from: shared_version.unwrap_or_default(),
        to: target,
        original: doc.text.clone(),
        text,
        notes,
    })
}

/// Writes `text` to `path` atomically: a temporary file in the same folder, synced, then renamed
/// over the target (a symlinked spec is replaced at its real location). Keeps the permissions.
pub fn write_atomically(path: &Path, text: &str) -> std::io::Result<()> {
    let real = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    let dir = real
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = real
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "platform.yaml".to_owned());
    let temp = dir.join(format!(".{name}.platc-upgrade-{}", std::process::id()));
    let result = (|| {
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&temp)?;
        file.write_all(text.as_bytes())?;
        if let Ok(meta) = std::fs::metadata(&real) {
            file.set_permissions(meta.permissions())?;
        }
        file.sync_all()?;
        drop(file);
        std::fs::rename(&temp, &real)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    result
}

fn scalar_text(value: Option<&Value>) -> Option<String> {
    match value? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// One replacement of the original text; an empty range is an insertion.
#[derive(Debug)]
struct Edit {
    start: usize,
    end: usize,
    text: String,
}

/// The mapping at `ptr`, unless it is absent, empty or not a mapping: nothing to upgrade there.
fn non_empty_map<'d>(doc: &'d Document, ptr: &str) -> Option<&'d serde_json::Map<String, Value>> {
    doc.value
        .pointer(ptr)
        .and_then(Value::as_object)
        .filter(|m| !m.is_empty())
}

/// What becomes of one option name on the target version.
enum Fate {
    /// An option of the target.
    Here(&'static OptionInfo),
    /// An old name of the target's option `[section] key`.
    Moved {
        section: String,
        key: String,
        info: &'static OptionInfo,
        /// "moved to `[a] b` in 3.0, then to …"
        path: String,
        /// The target still reads the old name.
        read: bool,
    },
    /// Nothing on the target reads it; the reason, and advice.
    Gone { reason: String, advice: Vec<String> },
    /// No catalogued version knows it (a plugin's option, or a typo).
    Unknown,
}

/// How one entry of a mapping is changed.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Action {
    Keep,
    /// Same place, new key text.
    RenameKey(String),
    /// To another section of the same `config` mapping, under a new key.
    Move {
        section: String,
        key: String,
    },
    /// Commented out, with the reason on a comment line above.
    CommentOut(String),
}

/// One key of a mapping being upgraded, with its place.
struct Entry {
    pointer: String,
    /// Section for config options; empty for `env` variables.
    section: String,
    key: String,
    value: Value,
    key_place: Place,
    /// The entry's lines: start of the key's line to the end of its last line.
    range: (usize, usize),
    /// Column of the key (its indentation).
    indent: usize,
    /// End of a scalar value.
    value_end: Option<usize>,
    /// The name it ends up with, for spotting two entries that become the same option.
    target: Option<(String, String)>,
    action: Action,
}

struct Upgrader<'a> {
    doc: &'a Document,
    text: &'a str,
    target: AirflowVersion,
    cat: &'static Catalog,
    edits: Vec<Edit>,
    notes: Vec<Note>,
}

/// Whether a mapping keeps live entries, and whether any were commented out.
#[derive(Debug, Clone, Copy, Default)]
struct Outcome {
    live: bool,
    commented: bool,
}

impl Outcome {
    /// A block that exists and keeps at least one entry (or was not there to change).
    const KEPT: Outcome = Outcome {
        live: true,
        commented: false,
    };
}

impl<'a> Upgrader<'a> {
    fn note(&mut self, kind: NoteKind, path: &str, line: usize, message: impl Into<String>) {
        self.notes.push(Note {
            kind,
            path: path.to_owned(),
            line,
            message: message.into(),
        });
    }

    /// What changes outside the options when the Airflow major changes: the key the chart
    /// reads from the API secret key's Secret, and the component that serves the UI.
    fn major_change_notes(&mut self, old: &str) {
        let Ok(from) = crate::airflow::AirflowVersion::parse(old) else {
            return;
        };
        let to = self.target.major;
        if from.major == to || !(from.major == 2 || to == 2) {
            return;
        }
        let (old_key, new_key) = if to >= 3 {
            ("webserver-secret-key", "api-secret-key")
        } else {
            ("api-secret-key", "webserver-secret-key")
        };
        let pointer = "/secrets/apiSecretKey";
        if let Some(secret) = scalar_text(self.doc.value.pointer(pointer)) {
            let line = self.line_of(pointer);
            self.note(
                NoteKind::Chart,
                "secrets",
                line,
                format!(
                    "the chart reads key `{new_key}` instead of `{old_key}` from Secret `{secret}`: add that key (same value) before the sync, in every environment's namespace and Secret store"
                ),
            );
        }
        let (old_ui, new_ui) = if to >= 3 {
            ("webserver", "apiServer")
        } else {
            ("apiServer", "webserver")
        };
        let line = self.line_of("/airflow/version");
        self.note(
            NoteKind::Chart,
            "airflow",
            line,
            format!(
                "the chart's `{old_ui}` component becomes `{new_ui}`: its Deployment, Service and service account are replaced on the sync (`airflow.resources.ui` and the Ingress follow)"
            ),
        );
    }

    fn line_of(&self, pointer: &str) -> usize {
        self.doc.key_place(pointer).map_or(1, |p| p.line)
    }

    fn scope(
        &mut self,
        base: &str,
        label: &str,
        source: Option<&'static Catalog>,
    ) -> Result<(), Diagnostic> {
        let version_ptr = format!("{base}/version");
        let target_text = self.target.to_string();
        if let Some(old) = scalar_text(self.doc.value.pointer(&version_ptr))
            && old != target_text
        {
            self.set_scalar(&version_ptr, &target_text)?;
            let line = self.line_of(&version_ptr);
            self.note(
                NoteKind::Version,
                label,
                line,
                format!("airflow.version {old} -> {target_text}"),
            );
            self.major_change_notes(&old);
        }
        let chart_ptr = format!("{base}/chart");
        if let (Some(old), Some(chart)) = (
            scalar_text(self.doc.value.pointer(&chart_ptr)),
            chart_for(&self.target),
        ) && old != chart
        {
            self.set_scalar(&chart_ptr, chart)?;
            let line = self.line_of(&chart_ptr);
            self.note(
                NoteKind::Chart,
                label,
                line,
                format!(
                    "airflow.chart {old} -> {chart} (the chart platc renders for Airflow {})",
                    self.target.minor_line()
                ),
            );
        }
        let config = self.config(base, label, source)?;
        let env = self.env(base, label, source)?;
        // An environment's `airflow:` override left with nothing would read as `null` and drop
        // the shared section: remove its key line too.
        if base != "/airflow"
            && let Some(Value::Object(map)) = self.doc.value.pointer(base)
            && !map.is_empty()
        {
            let others = map.keys().any(|k| k != "config" && k != "env");
            let live = others
                || (map.contains_key("config") && config.live)
                || (map.contains_key("env") && env.live);
            if !live {
                self.drop_key_line(base, config.commented || env.commented)?;
            }
        }
        Ok(())
    }

    /// `airflow.config` of one scope.
    fn config(
        &mut self,
        base: &str,
        label: &str,
        source: Option<&'static Catalog>,
    ) -> Result<Outcome, Diagnostic> {
        let ptr = format!("{base}/config");
        let path = format!("{label}.config");
        let Some(sections) = non_empty_map(self.doc, &ptr) else {
            return Ok(Outcome::KEPT);
        };
        self.require_block(&ptr, &path)?;
        let mut entries = Vec::new();
        for (section, options) in sections {
            let sptr = format!("{ptr}/{}", escape_pointer(section));
            let Value::Object(options) = options else {
                continue;
            };
            if options.is_empty() {
                continue;
            }
            self.require_block(&sptr, &format!("{path}.{section}"))?;
            for (key, value) in options {
                let optr = format!("{sptr}/{}", escape_pointer(key));
                entries.push(self.entry(&optr, section, key, value)?);
            }
        }
        for e in &mut entries {
            self.decide_option(e, &path, source);
        }
        resolve_conflicts(&mut entries);
        for e in &entries {
            if let Action::CommentOut(why) = &e.action
                && why.starts_with("superseded")
            {
                let line = e.key_place.line;
                let message = format!("[{}] {}: {why}; commented out", e.section, e.key);
                self.note(NoteKind::Removed, &path, line, message);
            }
        }

        // A section whose live entries all go to one new section is renamed in place: its key
        // changes and its lines stay where they are, comments included.
        let mut renamed: Vec<(String, String)> = Vec::new();
        for section in sections.keys() {
            let live: Vec<&Entry> = entries
                .iter()
                .filter(|e| &e.section == section && !matches!(e.action, Action::CommentOut(_)))
                .collect();
            let Some(Action::Move { section: to, .. }) = live.first().map(|e| &e.action) else {
                continue;
            };
            let to = to.clone();
            if live
                .iter()
                .all(|e| matches!(&e.action, Action::Move { section: t, .. } if *t == to))
                && !sections.contains_key(&to)
                && !renamed.iter().any(|(_, t)| *t == to)
            {
                renamed.push((section.clone(), to));
            }
        }
        for (from, to) in &renamed {
            let sptr = format!("{ptr}/{}", escape_pointer(from));
            let key = self.doc.key_place(&sptr).ok_or_else(|| {
                Diagnostic::error("upgrade-internal", format!("no place for {sptr}"))
            })?;
            let old = &self.text[key.start..key.end];
            self.edits.push(Edit {
                start: key.start,
                end: key.end,
                text: requote(old, to),
            });
            for e in entries.iter_mut().filter(|e| &e.section == from) {
                if let Action::Move { key, .. } = &e.action {
                    e.action = if *key == e.key {
                        Action::Keep
                    } else {
                        Action::RenameKey(key.clone())
                    };
                }
            }
        }

        // Which sections stay live, and where moved entries go.
        let mut outcome = Outcome::default();
        let mut new_sections: Vec<(String, Vec<String>)> = Vec::new();
        let section_names: Vec<String> = sections.keys().cloned().collect();
        let mut inserts: Vec<(usize, String)> = Vec::new();
        let step = section_step(&entries, self.doc, &ptr, sections);
        let section_indent = sections
            .keys()
            .next()
            .and_then(|s| self.doc.key_place(&format!("{ptr}/{}", escape_pointer(s))))
            .map_or(0, |p| p.column - 1);
        for e in &entries {
            match &e.action {
                Action::Keep => {}
                Action::RenameKey(new) => {
                    let end = line_end(self.text, e.key_place.start);
                    self.edits.push(Edit {
                        start: e.range.0,
                        end,
                        text: self.first_line(e, new, e.indent),
                    });
                }
                Action::Move { section, key } => {
                    self.edits.push(Edit {
                        start: e.range.0,
                        end: e.range.1,
                        text: String::new(),
                    });
                    let host = match sections.get(section) {
                        Some(Value::Object(_) | Value::Null) => Some(section.clone()),
                        Some(_) => {
                            return Err(Diagnostic::error(
                                "upgrade-flow-style",
                                format!("`{path}.{section}` is not a mapping; platc upgrade cannot move options into it"),
                            )
                            .at(self.doc.key_place(&format!("{ptr}/{}", escape_pointer(section)))));
                        }
                        None => renamed
                            .iter()
                            .find(|(_, to)| to == section)
                            .map(|(from, _)| from.clone()),
                    };
                    if let Some(host) = host {
                        let sptr = format!("{ptr}/{}", escape_pointer(&host));
                        let (at, indent) = self.section_insertion(&sptr, &entries, &host, step)?;
                        inserts.push((at, self.moved_text(e, key, indent)));
                    } else {
                        let indent = section_indent + step;
                        let text = self.moved_text(e, key, indent);
                        match new_sections.iter_mut().find(|(s, _)| s == section) {
                            Some((_, texts)) => texts.push(text),
                            None => new_sections.push((section.clone(), vec![text])),
                        }
                    }
                }
                Action::CommentOut(why) => {
                    let text = self.commented(e.range, e.indent, why);
                    self.edits.push(Edit {
                        start: e.range.0,
                        end: e.range.1,
                        text,
                    });
                }
            }
        }
        // Sections that lose every entry lose their key line.
        for section in &section_names {
            let mine: Vec<&Entry> = entries.iter().filter(|e| &e.section == section).collect();
            if mine.is_empty() {
                outcome.live = true; // null or empty sections are left to the validator
                continue;
            }
            let stays = mine
                .iter()
                .any(|e| matches!(e.action, Action::Keep | Action::RenameKey(_)));
            let receives = entries
                .iter()
                .any(|e| matches!(&e.action, Action::Move { section: s, .. } if s == section));
            let commented = mine
                .iter()
                .any(|e| matches!(e.action, Action::CommentOut(_)));
            outcome.commented |= commented;
            if stays || receives {
                outcome.live = true;
            } else {
                let sptr = format!("{ptr}/{}", escape_pointer(section));
                self.drop_key_line(&sptr, commented)?;
            }
        }
        if !new_sections.is_empty() {
            outcome.live = true;
            let at = self.block_end(&ptr)?;
            let mut text = String::new();
            if at == self.text.len() && !self.text.ends_with('\n') {
                text.push('\n');
            }
            for (section, bodies) in new_sections {
                text.push_str(&" ".repeat(section_indent));
                text.push_str(&section);
                text.push_str(":\n");
                for body in bodies {
                    text.push_str(&body);
                }
            }
            inserts.push((at, text));
        }
        for (at, text) in inserts {
            let text = if at == self.text.len() && !self.text.ends_with('\n') {
                format!("\n{text}")
            } else {
                text
            };
            self.edits.push(Edit {
                start: at,
                end: at,
                text,
            });
        }
        if !outcome.live {
            self.drop_key_line(&ptr, outcome.commented)?;
        }
        Ok(outcome)
    }

    /// `airflow.env` of one scope: the `AIRFLOW__…` variables.
    fn env(
        &mut self,
        base: &str,
        label: &str,
        source: Option<&'static Catalog>,
    ) -> Result<Outcome, Diagnostic> {
        let ptr = format!("{base}/env");
        let path = format!("{label}.env");
        let Some(vars) = non_empty_map(self.doc, &ptr) else {
            return Ok(Outcome::KEPT);
        };
        if vars.keys().any(|k| k.starts_with("AIRFLOW__")) {
            self.require_block(&ptr, &path)?;
        }
        let mut entries = Vec::new();
        for (name, value) in vars {
            if !name.starts_with("AIRFLOW__") {
                continue;
            }
            let vptr = format!("{ptr}/{}", escape_pointer(name));
            entries.push(self.entry(&vptr, "", name, value)?);
        }
        if entries.is_empty() {
            return Ok(Outcome::KEPT);
        }
        for e in &mut entries {
            self.decide_env(e, &path, source);
        }
        resolve_conflicts(&mut entries);
        let mut outcome = Outcome {
            live: entries.len() < vars.len(),
            commented: false,
        };
        for e in &entries {
            match &e.action {
                Action::Keep => outcome.live = true,
                Action::RenameKey(new) => {
                    outcome.live = true;
                    let end = line_end(self.text, e.key_place.start);
                    self.edits.push(Edit {
                        start: e.range.0,
                        end,
                        text: self.first_line(e, new, e.indent),
                    });
                }
                Action::Move { .. } => outcome.live = true,
                Action::CommentOut(why) => {
                    outcome.commented = true;
                    if why.starts_with("superseded") {
                        let message = format!("{}: {why}; commented out", e.key);
                        self.note(NoteKind::Removed, &path, e.key_place.line, message);
                    }
                    let text = self.commented(e.range, e.indent, why);
                    self.edits.push(Edit {
                        start: e.range.0,
                        end: e.range.1,
                        text,
                    });
                }
            }
        }
        if !outcome.live {
            self.drop_key_line(&ptr, outcome.commented)?;
        }
        Ok(outcome)
    }

    fn entry(
        &self,
        pointer: &str,
        section: &str,
        key: &str,
        value: &Value,
    ) -> Result<Entry, Diagnostic> {
        let key_place = self.doc.key_place(pointer).ok_or_else(|| {
            Diagnostic::error("upgrade-internal", format!("no place for {pointer}"))
        })?;
        let (range, indent) = self.entry_range(&key_place, pointer)?;
        Ok(Entry {
            pointer: pointer.to_owned(),
            section: section.to_owned(),
            key: key.to_owned(),
            value: value.clone(),
            key_place,
            range,
            indent,
            value_end: (!value.is_object() && !value.is_array())
                .then(|| self.doc.value_place(pointer).map(|p| p.end))
                .flatten(),
            target: None,
            action: Action::Keep,
        })
    }

    /// Decides what becomes of a config option.
    fn decide_option(&mut self, e: &mut Entry, path: &str, source: Option<&'static Catalog>) {
        let key = e.key.to_lowercase();
        let line = e.key_place.line;
        let old = format!("[{}] {}", e.section, e.key);
        match fate(self.cat, &e.section, &key) {
            Fate::Here(info) => {
                e.target = Some((e.section.clone(), key.clone()));
                self.recheck(
                    e,
                    (&e.section, &key),
                    (&e.section, &key),
                    info,
                    source,
                    path,
                );
            }
            Fate::Moved {
                section,
                key: new_key,
                info,
                path: how,
                read,
            } => {
                let read = if read {
                    format!("Airflow {} still reads `{old}`", self.target)
                } else {
                    format!("Airflow {} does not read `{old}`", self.target)
                };
                let new = format!("[{section}] {new_key}");
                let mut message = format!("{old} -> {new}: it {how}; {read}");
                if let Some(d) = default_note(info, &e.value) {
                    message.push_str(&d);
                }
                self.note(NoteKind::Renamed, path, line, message);
                self.recheck(
                    e,
                    (&e.section, &key),
                    (&section, &new_key),
                    info,
                    source,
                    path,
                );
                e.target = Some((section.clone(), new_key.clone()));
                e.action = if section == e.section {
                    Action::RenameKey(new_key)
                } else {
                    Action::Move {
                        section,
                        key: new_key,
                    }
                };
            }
            Fate::Gone { reason, advice } => {
                let mut message = format!("{old}: {reason}");
                for a in &advice {
                    message.push_str("; ");
                    message.push_str(a);
                }
                message.push_str("; commented out");
                self.note(NoteKind::Removed, path, line, message);
                e.action = Action::CommentOut(reason);
            }
            Fate::Unknown => {
                self.note(
                    NoteKind::Info,
                    path,
                    line,
                    format!(
                        "{old} is not an option of any Airflow version platc knows (a plugin's?); left as is"
                    ),
                );
            }
        }
    }

    /// Decides what becomes of an `AIRFLOW__…` variable.
    fn decide_env(&mut self, e: &mut Entry, path: &str, source: Option<&'static Catalog>) {
        let line = e.key_place.line;
        let Some(parsed) = airflow::parse_env_name(&e.key) else {
            self.note(
                NoteKind::Info,
                path,
                line,
                format!(
                    "{} is not an Airflow config variable (`AIRFLOW__{{SECTION}}__{{KEY}}` in upper case); left as is",
                    e.key
                ),
            );
            return;
        };
        let parsed = parsed.resolve(self.cat);
        let rebuild = |s: &str, k: &str| env_name(parsed.team.as_deref(), s, k, parsed.form);
        let plain = parsed.form == EnvForm::Value;
        match fate(self.cat, &parsed.section, &parsed.key) {
            Fate::Here(info) => {
                e.target = Some((parsed.section.clone(), parsed.key.clone()));
                if plain {
                    self.recheck(
                        e,
                        (&parsed.section, &parsed.key),
                        (&parsed.section, &parsed.key),
                        info,
                        source,
                        path,
                    );
                }
            }
            Fate::Moved {
                section,
                key,
                info,
                path: how,
                read,
            } => {
                let new = rebuild(&section, &key);
                let read = if read {
                    format!("Airflow {} still reads the old name", self.target)
                } else {
                    format!("Airflow {} does not read the old name", self.target)
                };
                let mut message = format!(
                    "{} -> {new}: [{}] {} {how}; {read}",
                    e.key, parsed.section, parsed.key
                );
                if plain && let Some(d) = default_note(info, &e.value) {
                    message.push_str(&d);
                }
                self.note(NoteKind::Renamed, path, line, message);
                if plain {
                    self.recheck(
                        e,
                        (&parsed.section, &parsed.key),
                        (&section, &key),
                        info,
                        source,
                        path,
                    );
                }
                e.target = Some((section, key));
                e.action = Action::RenameKey(new);
            }
            Fate::Gone { reason, advice } => {
                let mut message = format!("{}: {reason}", e.key);
                for a in &advice {
                    message.push_str("; ");
                    message.push_str(a);
                }
                message.push_str("; commented out");
                self.note(NoteKind::Removed, path, line, message);
                e.action = Action::CommentOut(reason);
            }
            Fate::Unknown => self.note(
                NoteKind::Info,
                path,
                line,
                format!(
                    "{}: [{}] {} is not an option of any Airflow version platc knows; left as is",
                    e.key, parsed.section, parsed.key
                ),
            ),
        }
    }

    /// Notes type and allowed-value changes since the source version (where `old` was the name),
    /// and what the target's checks say about the value of `new`.
    #[allow(clippy::too_many_arguments)]
    fn recheck(
        &mut self,
        e: &Entry,
        old: (&str, &str),
        new: (&str, &str),
        info: &OptionInfo,
        source: Option<&'static Catalog>,
        path: &str,
    ) {
        let line = e.key_place.line;
        let (section, key) = new;
        let name = format!("[{section}] {key}");
        let before = source.and_then(|s| match fate(s, old.0, old.1) {
            Fate::Here(i) => Some((s, i)),
            Fate::Moved { info, .. } => Some((s, info)),
            _ => None,
        });
        if let Some((s, old)) = before
            && s.version() != self.cat.version()
        {
            if old.value_type != info.value_type {
                self.note(
                    NoteKind::Recheck,
                    path,
                    line,
                    format!(
                        "{name} is read as {} on Airflow {}, as {} on {}",
                        info.value_type,
                        self.target,
                        old.value_type,
                        s.version()
                    ),
                );
            }
            if old.allowed != info.allowed {
                let list = |v: &[String]| {
                    if v.is_empty() {
                        "any value".to_owned()
                    } else {
                        v.join(", ")
                    }
                };
                self.note(
                    NoteKind::Recheck,
                    path,
                    line,
                    format!(
                        "{name} accepts {} on Airflow {} ({} on {})",
                        list(&info.allowed),
                        self.target,
                        list(&old.allowed),
                        s.version()
                    ),
                );
            }
        }
        if e.value.is_object() || e.value.is_null() {
            return;
        }
        for f in airflow::check_option(self.cat, section, key, &e.value) {
            let mut message = f.message;
            if let Some(help) = f.help {
                message.push_str(&format!(" ({help})"));
            }
            self.note(NoteKind::Recheck, path, line, message);
        }
    }

    /// Refuses mappings this editor cannot change safely.
    fn require_block(&self, pointer: &str, path: &str) -> Result<(), Diagnostic> {
        let Some(place) = self.doc.value_place(pointer) else {
            return Ok(());
        };
        let rest = &self.text[place.start.min(self.text.len())..];
        if rest.starts_with('{') || rest.starts_with('[') {
            return Err(Diagnostic::error(
                "upgrade-flow-style",
                format!("`{path}` is a flow-style mapping (`{{…}}`); platc upgrade edits only block-style YAML"),
            )
            .at(Some(place))
            .help("write it as an indented block, one entry per line, and run `platc upgrade` again"));
        }
        Ok(())
    }

    /// The lines of the entry whose key stands at `key`: its line and the following lines
    /// indented deeper. Refuses keys that do not start their line.
    fn entry_range(
        &self,
        key: &Place,
        pointer: &str,
    ) -> Result<((usize, usize), usize), Diagnostic> {
        let start = line_start(self.text, key.start);
        let lead = &self.text[start..key.start];
        if !lead.bytes().all(|b| b == b' ') {
            return Err(Diagnostic::error(
                "upgrade-flow-style",
                format!("`{pointer}` does not start its own line; platc upgrade edits only block-style YAML"),
            )
            .at(Some(key.clone()))
            .help("write the mapping as an indented block, one entry per line, and run `platc upgrade` again"));
        }
        let indent = key.start - start;
        let mut end = line_end(self.text, key.start);
        let mut probe = end;
        while probe < self.text.len() {
            let next = line_end(self.text, probe);
            let line = &self.text[probe..next];
            let body = line.trim_start_matches(' ');
            let blank = body.trim().is_empty() || body.starts_with('#');
            if !blank {
                let col = line.len() - body.len();
                if col <= indent {
                    break;
                }
                end = next;
            }
            probe = next;
        }
        Ok(((start, end), indent))
    }

    /// End of the block of the mapping value at `pointer` (its key's entry).
    fn block_end(&self, pointer: &str) -> Result<usize, Diagnostic> {
        let key = self.doc.key_place(pointer).ok_or_else(|| {
            Diagnostic::error("upgrade-internal", format!("no place for {pointer}"))
        })?;
        Ok(self.entry_range(&key, pointer)?.0.1)
    }

    /// Where entries moved into the existing section at `sptr` go, and their indentation.
    fn section_insertion(
        &self,
        sptr: &str,
        entries: &[Entry],
        section: &str,
        step: usize,
    ) -> Result<(usize, usize), Diagnostic> {
        let key = self
            .doc
            .key_place(sptr)
            .ok_or_else(|| Diagnostic::error("upgrade-internal", format!("no place for {sptr}")))?;
        let ((_, end), indent) = self.entry_range(&key, sptr)?;
        let header_end = line_end(self.text, key.end);
        let after = self.text[key.end..header_end]
            .trim_start_matches(':')
            .trim();
        if end == header_end && !(after.is_empty() || after.starts_with('#')) {
            return Err(Diagnostic::error(
                "upgrade-flow-style",
                format!("`{sptr}` has its value on the key's line; platc upgrade cannot add options under it"),
            )
            .at(Some(key)));
        }
        let child = entries
            .iter()
            .find(|e| e.section == section)
            .map_or(indent + step, |e| e.indent);
        Ok((end, child))
    }

    /// The entry's key line under a new key at a new indentation, with a trailing comment kept
    /// at its column where the padding allows.
    fn first_line(&self, e: &Entry, new_key: &str, indent: usize) -> String {
        let end = line_end(self.text, e.key_place.start);
        let old_key = &self.text[e.key_place.start..e.key_place.end];
        let new_key = requote(old_key, new_key);
        let mut out = " ".repeat(indent);
        out.push_str(&new_key);
        let rest_start = e.key_place.end;
        match e.value_end.filter(|v| *v >= rest_start && *v <= end) {
            Some(value_end) => {
                let after = &self.text[value_end..end];
                let body = after.trim_start_matches([' ', '\t']);
                let padding = after.len() - body.len();
                if body.starts_with('#') && padding > 0 {
                    let old_width = e.indent + old_key.chars().count();
                    let new_width = indent + new_key.chars().count();
                    let padding = (padding + old_width).saturating_sub(new_width).max(1);
                    out.push_str(&self.text[rest_start..value_end]);
                    out.push_str(&" ".repeat(padding));
                    out.push_str(body);
                } else {
                    out.push_str(&self.text[rest_start..end]);
                }
            }
            None => out.push_str(&self.text[rest_start..end]),
        }
        out
    }

    /// The entry's lines under a new key at a new indentation.
    fn moved_text(&self, e: &Entry, new_key: &str, indent: usize) -> String {
        let chunk = &self.text[e.range.0..e.range.1];
        let first_end = chunk.find('\n').map_or(chunk.len(), |i| i + 1);
        let mut out = self.first_line(e, new_key, indent);
        for line in chunk[first_end..].split_inclusive('\n') {
            let spaces = line.len() - line.trim_start_matches(' ').len();
            if line.trim().is_empty() {
                out.push_str(line);
            } else {
                let kept = (spaces + indent).saturating_sub(e.indent);
                out.push_str(&" ".repeat(kept));
                out.push_str(&line[spaces..]);
            }
        }
        if !out.ends_with('\n') {
            out.push('\n');
        }
        out
    }

    /// The lines `range`, commented out under a comment that says why.
    fn commented(&self, range: (usize, usize), indent: usize, why: &str) -> String {
        let mut out = format!(
            "{}# platc upgrade to {}: {why}\n",
            " ".repeat(indent),
            self.target
        );
        out.push_str(&comment_lines(&self.text[range.0..range.1]));
        out
    }

    /// Removes the key line of the mapping at `pointer` (comments it out when `comment`).
    fn drop_key_line(&mut self, pointer: &str, comment: bool) -> Result<(), Diagnostic> {
        let key = self.doc.key_place(pointer).ok_or_else(|| {
            Diagnostic::error("upgrade-internal", format!("no place for {pointer}"))
        })?;
        let start = line_start(self.text, key.start);
        let end = line_end(self.text, key.start);
        let text = if comment {
            comment_lines(&self.text[start..end])
        } else {
            String::new()
        };
        self.edits.push(Edit { start, end, text });
        Ok(())
    }

    /// Replaces a scalar value, keeping its quotes.
    fn set_scalar(&mut self, pointer: &str, new: &str) -> Result<(), Diagnostic> {
        let place = self.doc.value_place(pointer).ok_or_else(|| {
            Diagnostic::error("upgrade-internal", format!("no place for {pointer}"))
        })?;
        let old = &self.text[place.start..place.end];
        if old.starts_with('|') || old.starts_with('>') || old.contains('\n') {
            return Err(Diagnostic::error(
                "upgrade-flow-style",
                format!("`{pointer}` is not a one-line scalar; platc upgrade cannot edit it"),
            )
            .at(Some(place)));
        }
        self.edits.push(Edit {
            start: place.start,
            end: place.end,
            text: requote(old, new),
        });
        Ok(())
    }

    /// Applies the edits to the original text, refusing overlaps.
    fn apply(&mut self) -> Result<String, Diagnostic> {
        let mut order: Vec<usize> = (0..self.edits.len()).collect();
        // By position; at one position insertions keep their order, before a replacement there.
        order.sort_by_key(|&i| {
            let e = &self.edits[i];
            (e.start, e.end != e.start, i)
        });
        let mut out = String::with_capacity(self.text.len() + 256);
        let mut at = 0;
        for i in order {
            let e = &self.edits[i];
            if e.start < at {
                return Err(Diagnostic::error(
                    "upgrade-internal",
                    "internal error: overlapping edits; the file was not changed",
                ));
            }
            out.push_str(&self.text[at..e.start]);
            out.push_str(&e.text);
            at = e.end;
        }
        out.push_str(&self.text[at..]);
        Ok(out)
    }
}

/// The indentation step between a section key and its options, from the file (else 2).
fn section_step(
    entries: &[Entry],
    doc: &Document,
    ptr: &str,
    sections: &serde_json::Map<String, Value>,
) -> usize {
    entries
        .iter()
        .find_map(|e| {
            let s = doc.key_place(&format!("{ptr}/{}", escape_pointer(&e.section)))?;
            e.indent.checked_sub(s.column - 1).filter(|d| *d > 0)
        })
        .or_else(|| (!sections.is_empty()).then_some(2))
        .unwrap_or(2)
}

/// Two entries that would become the same option: the one already under the new name wins,
/// else the first in the file; the others are commented out.
fn resolve_conflicts(entries: &mut [Entry]) {
    let mut taken: Vec<((String, String), String)> = Vec::new();
    for e in entries.iter() {
        if e.action == Action::Keep
            && let Some(t) = &e.target
        {
            taken.push((t.clone(), e.pointer.clone()));
        }
    }
    for e in entries.iter_mut() {
        let Some(t) = e.target.clone() else { continue };
        if e.action == Action::Keep {
            continue;
        }
        if taken.iter().any(|(tt, _)| *tt == t) {
            e.action = Action::CommentOut(format!(
                "superseded by `[{}] {}`, which the spec also sets",
                t.0, t.1
            ));
        } else {
            taken.push((t, e.pointer.clone()));
        }
    }
}

/// " (50 is already the default on …)" when the value equals the target's default.
fn default_note(info: &OptionInfo, value: &Value) -> Option<String> {
    let text = match value {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => if *b { "True" } else { "False" }.to_owned(),
        _ => return None,
    };
    (info.default.as_deref() == Some(text.as_str()))
        .then(|| format!(" ({text} is also the default there; the override could go)"))
}

/// The environment variable for `[s] k` in the given team scope and form.
fn env_name(team: Option<&str>, s: &str, k: &str, form: EnvForm) -> String {
    let base = airflow::env_var(s, k);
    let base = match team {
        Some(t) => base.replacen("AIRFLOW__", &format!("AIRFLOW__{}___", t.to_uppercase()), 1),
        None => base,
    };
    let suffix = match form {
        EnvForm::Value => "",
        EnvForm::Cmd => "_CMD",
        EnvForm::Secret => "_SECRET",
    };
    format!("{base}{suffix}")
}

/// `new` in the quotes `old` used.
fn requote(old: &str, new: &str) -> String {
    match old.chars().next() {
        Some(q @ ('"' | '\'')) => format!("{q}{new}{q}"),
        _ => new.to_owned(),
    }
}

fn comment_lines(chunk: &str) -> String {
    let mut out = String::with_capacity(chunk.len() + 16);
    for line in chunk.split_inclusive('\n') {
        let body = line.trim_start_matches(' ');
        if body.trim().is_empty() {
            out.push_str(line);
        } else {
            out.push_str(&line[..line.len() - body.len()]);
            out.push_str("# ");
            out.push_str(body);
        }
    }
    out
}

fn line_start(text: &str, at: usize) -> usize {
    text[..at].rfind('\n').map_or(0, |i| i + 1)
}

fn line_end(text: &str, at: usize) -> usize {
    text[at..].find('\n').map_or(text.len(), |i| at + i + 1)
}

/// Every supported catalog, oldest first.
pub(crate) fn history() -> Vec<&'static Catalog> {
    supported_versions()
        .iter()
        .filter_map(|v| catalog_for(v).ok().map(|(c, _)| c))
        .collect()
}

/// Follows the renames of `[s] k` in `cat` to an option of `cat`: (section, key, steps).
pub(crate) fn follow(
    cat: &'static Catalog,
    s: &str,
    k: &str,
) -> Option<(String, String, Vec<Step>)> {
    let mut steps: Vec<Step> = Vec::new();
    let mut current = (s.to_owned(), k.to_owned());
    while steps.len() < MAX_STEPS {
        let next = if let Some(m) = cat.moved_from(&current.0, &current.1) {
            Step {
                to: (m.section.clone(), m.key.clone()),
                since: m.since.clone(),
                read: m.read,
            }
        } else if let Some(m) = cat.section_moved_from(&current.0) {
            Step {
                to: (m.section.clone(), current.1.clone()),
                since: m.since.clone(),
                read: m.read,
            }
        } else {
            return None;
        };
        if next.to == (s.to_owned(), k.to_owned()) || steps.iter().any(|st| st.to == next.to) {
            return None;
        }
        current = next.to.clone();
        steps.push(next);
        if cat.option(&current.0, &current.1).is_some() {
            return Some((current.0, current.1, steps));
        }
    }
    None
}

/// One rename step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Step {
    pub to: (String, String),
    pub since: Option<String>,
    pub read: bool,
}

/// "moved to `[a] b` in 3.0, then to `[c] d` in 3.2.0".
pub(crate) fn describe(steps: &[Step]) -> String {
    let parts: Vec<String> = steps
        .iter()
        .map(|s| {
            let since = s
                .since
                .as_ref()
                .map(|v| format!(" in {v}"))
                .unwrap_or_default();
            format!("`[{}] {}`{since}", s.to.0, s.to.1)
        })
        .collect();
    format!("moved to {}", parts.join(", then to "))
}

/// What becomes of `[s] k` on `cat`'s version.
fn fate(cat: &'static Catalog, s: &str, k: &str) -> Fate {
    if let Some(info) = cat.option(s, k) {
        return Fate::Here(info);
    }
    if let Some((section, key, steps)) = follow(cat, s, k) {
        let info = cat
            .option(&section, &key)
            .expect("follow ends at an option");
        let read = steps.len() == 1 && steps[0].read;
        return Fate::Moved {
            section,
            key,
            info,
            path: describe(&steps),
            read,
        };
    }
    let v = cat.version();
    let all = history();
    // Going back: the name may be the newer spelling of an option the target has under its
    // older name (`[dag_processor] parsing_processes` on 2.11 is `[scheduler] parsing_processes`).
    for newer in all.iter().filter(|c| c.version() > v) {
        for (os, ok, _) in newer.moves() {
            let Some(info) = cat.option(os, ok) else {
                continue;
            };
            let Some((ns, nk, steps)) = follow(newer, os, ok) else {
                continue;
            };
            if (ns.as_str(), nk.as_str()) == (s, k) {
                return Fate::Moved {
                    section: os.to_owned(),
                    key: ok.to_owned(),
                    info,
                    path: format!(
                        "is the newer name of `[{os}] {ok}`, which {}",
                        describe(&steps)
                    ),
                    read: false,
                };
            }
        }
    }
    let knows = |c: &&&'static Catalog| {
        c.option(s, k).is_some()
            || follow(c, s, k).is_some_and(|(_, _, steps)| steps.len() == 1 && steps[0].read)
    };
    let last = all.iter().filter(|c| c.version() < v).rev().find(knows);
    let mut advice = Vec::new();
    if let Some(Some(a)) = cat.lint_removed(s, k) {
        advice.push(format!("Airflow says: {a}"));
    }
    if let Some(last) = last {
        let gone = all
            .iter()
            .find(|c| c.version() > last.version())
            .map_or(v, |c| c.version());
        let gone = if gone.patch == 0 {
            format!("in Airflow {}", gone.minor_line())
        } else {
            format!("by Airflow {gone}")
        };
        let reason = format!("removed {gone} (last read by {})", last.version());
        let next = successors(cat, s, k);
        if next.is_empty() {
            advice.insert(0, format!("it has no equivalent on Airflow {v}"));
        }
        advice.extend(next);
        return Fate::Gone { reason, advice };
    }
    if let Some(first) = all
        .iter()
        .find(|c| c.version() > v && c.option(s, k).is_some())
    {
        let added = first
            .option(s, k)
            .and_then(|i| i.added.clone())
            .unwrap_or_else(|| first.version().to_string());
        return Fate::Gone {
            reason: format!("does not exist on Airflow {v} (added in {added})"),
            advice,
        };
    }
    Fate::Unknown
}

/// What carries a removed option's setting on `cat`, from the reference tuning when it knows the
/// option, else the same-named options of other sections.
fn successors(cat: &'static Catalog, s: &str, k: &str) -> Vec<String> {
    let v = cat.version();
    let tuning = airflow::reference_tuning(cat);
    if let Some(a) = tuning
        .iter()
        .find(|a| a.reference.section == s && a.reference.key == k)
        && let Some(c) = &a.carrier
    {
        let since = cat
            .option(&c.section, &c.key)
            .and_then(|i| i.added.as_deref())
            .and_then(|a| AirflowVersion::parse(a).ok())
            .map_or_else(|| v.minor_line(), |a| a.minor_line());
        let mut text = format!(
            "{since}+: `[{}] {}` carries this setting, but is a separate option that Airflow does not fill from the old name",
            c.section, c.key
        );
        if !a.companions.is_empty() {
            let comp: Vec<String> = a.companions.iter().map(|c| format!("`{c}`")).collect();
            text.push_str(&format!(
                "; it only takes effect with {}",
                comp.join(" and ")
            ));
            if !a.extras.is_empty() {
                text.push_str(&format!(
                    " (needs `{}` in the image)",
                    a.extras.join("`, `")
                ));
            }
        }
        text.push_str("; platc does not set it: add it by hand if you need it");
        return vec![text];
    }
    cat.sections()
        .filter(|other| *other != s && cat.option(other, k).is_some())
        .map(|other| {
            format!(
                "`[{other}] {k}` exists on Airflow {v} but is a separate option that Airflow does not fill from the old name; set it by hand if you need it"
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::load_str;

    fn up(text: &str, to: &str) -> Upgrade {
        let doc = load_str("p.yaml", text.to_owned()).unwrap();
        plan(&doc, to).unwrap()
    }

    const SPEC: &str = "\
airflow:
  version: 2.11.2   # pinned
  chart: \"1.21.0\"
  config:
    scheduler:
      parsing_processes: 8          # faster parsing
    webserver:
      page_size: 50
      worker_refresh_interval: 1800 # recycle
      web_server_worker_timeout: 300
    core:
      default_task_weight_rule: absolute
  env:
    AIRFLOW__SCHEDULER__PARSING_PROCESSES: \"8\"
    OTHER: x
environments:
  dev:
    airflow:
      config:
        webserver:
          page_size: 100
";

    #[test]
    fn renames_moves_and_removes() {
        let u = up(SPEC, "3.3.2");
        let want = "\
airflow:
  version: 3.3.2   # pinned
  chart: \"1.22.0\"
  config:
    dag_processor:
      parsing_processes: 8          # faster parsing
    api:
      fallback_page_limit: 50
      # platc upgrade to 3.3.2: removed in Airflow 3.0 (last read by 2.11.2)
      # worker_refresh_interval: 1800 # recycle
      worker_timeout: 300
    core:
      default_task_weight_rule: absolute
  env:
    AIRFLOW__DAG_PROCESSOR__PARSING_PROCESSES: \"8\"
    OTHER: x
environments:
  dev:
    airflow:
      config:
        api:
          fallback_page_limit: 100
";
        assert_eq!(u.text, want);
        assert!(
            u.notes.iter().any(
                |n| n.kind == NoteKind::Removed && n.message.contains("server_type = gunicorn")
            ),
            "{:#?}",
            u.notes
        );
        let doc = load_str("p.yaml", u.text.clone()).unwrap();
        assert_eq!(
            doc.value
                .pointer("/airflow/config/dag_processor/parsing_processes"),
            Some(&serde_json::json!(8))
        );
    }

    #[test]
    fn moves_into_a_new_section_when_others_stay() {
        let text = "airflow:\n  version: 2.11.2\n  chart: 1.21.0\n  config:\n    scheduler:\n      parsing_processes: 8\n      dag_dir_list_interval: 60\n      max_tis_per_query: 16\n";
        let u = up(text, "3.3.2");
        let doc = load_str("p.yaml", u.text.clone()).unwrap();
        assert!(
            doc.value
                .pointer("/airflow/config/dag_processor/parsing_processes")
                .is_some(),
            "{}",
            u.text
        );
        assert!(
            doc.value
                .pointer("/airflow/config/dag_processor/refresh_interval")
                .is_some(),
            "{}",
            u.text
        );
        assert!(
            doc.value.pointer("/airflow/config/scheduler").is_some(),
            "{}",
            u.text
        );
    }

    #[test]
    fn existing_target_section_receives_the_moved_line() {
        let text = "airflow:\n  version: 2.11.2\n  chart: 1.21.0\n  config:\n    dag_processor:\n      refresh_interval: 60\n    scheduler:\n      parsing_processes: 8\n";
        let u = up(text, "3.1.8");
        assert_eq!(
            u.text,
            "airflow:\n  version: 3.1.8\n  chart: 1.22.0\n  config:\n    dag_processor:\n      refresh_interval: 60\n      parsing_processes: 8\n"
        );
    }

    #[test]
    fn conflicting_names_keep_the_new_one() {
        let text = "airflow:\n  version: 3.0.0\n  chart: 1.21.0\n  config:\n    api:\n      worker_timeout: 200\n    webserver:\n      web_server_worker_timeout: 300\n";
        let u = up(text, "3.2.2");
        assert!(u.text.contains("      worker_timeout: 200\n"), "{}", u.text);
        assert!(
            u.text.contains("#   web_server_worker_timeout: 300")
                || u.text.contains("# web_server_worker_timeout: 300"),
            "{}",
            u.text
        );
        assert!(u.notes.iter().any(|n| n.message.contains("superseded")));
    }

    #[test]
    fn flow_style_is_refused() {
        let text = "airflow:\n  version: 2.11.2\n  chart: 1.21.0\n  config: {scheduler: {parsing_processes: 8}}\n";
        let doc = load_str("p.yaml", text.to_owned()).unwrap();
        let e = plan(&doc, "3.3.2").unwrap_err();
        assert_eq!(e.code, "upgrade-flow-style");
    }

    #[test]
    fn same_version_is_a_no_op_for_current_names() {
        let text = "airflow:\n  version: 3.2.2\n  chart: 1.22.0\n  config:\n    dag_processor:\n      parsing_processes: 8\n";
        let u = up(text, "3.2.2");
        assert!(!u.changed());
        assert_eq!(u.diff("platform.yaml"), "");
    }

    #[test]
    fn charts() {
        let v = |s| AirflowVersion::parse(s).unwrap();
        assert_eq!(chart_for(&v("3.3.2")), Some("1.22.0"));
        assert_eq!(chart_for(&v("3.0.0")), Some("1.21.0"));
        assert_eq!(chart_for(&v("2.11.2")), Some("1.21.0"));
        assert_eq!(chart_for(&v("2.10.0")), None);
    }
}
