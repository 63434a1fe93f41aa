//! Writing proposals into `platform.yaml` as text edits, keeping every comment and the layout.
//!
//! Like `platc upgrade --write` ([`crate::upgrade`]), the YAML is never re-serialised: the
//! loader's spans locate each value. An existing request (`{cpu, memory}`, block or flow style)
//! has its two scalars replaced, quotes kept. A missing one is added as a flow mapping line at
//! the end of its parent's block, creating `airflow:`, `resources:` and `tasks:` blocks as needed.
//!
//! Where: a measurement of one environment changes only that environment. Its own override
//! (`environments.<env>.airflow.resources`) is edited, or created. Only when the spec has a
//! single environment are the shared `airflow.resources` edited (or extended) instead.

use crate::diagnostic::Diagnostic;
use crate::load::{Document, escape_pointer};

use super::plan::{Proposal, Subject};

/// The text of `doc` with `proposals` applied.
pub fn apply(doc: &Document, proposals: &[Proposal]) -> Result<String, Diagnostic> {
    let single = doc
        .value
        .pointer("/environments")
        .and_then(|e| e.as_object())
        .is_some_and(|e| e.len() == 1);
    let mut editor = Editor {
        doc,
        edits: Vec::new(),
    };
    let mut envs: Vec<&str> = proposals.iter().map(|p| p.environment.as_str()).collect();
    envs.dedup();
    for env in envs {
        let own = format!("/environments/{}/airflow", escape_pointer(env));
        let root = if single {
            "/airflow".to_owned()
        } else {
            own.clone()
        };
        let mut components: Vec<(String, Node)> = Vec::new();
        let mut tasks: Vec<(String, Node)> = Vec::new();
        for p in proposals.iter().filter(|p| p.environment == env) {
            let (rel, key) = match &p.subject {
                Subject::Component(c) => (format!("/resources/{c}"), (*c).to_owned()),
                Subject::Task { dag_id, task_id } => {
                    let key = format!("{dag_id}.{task_id}");
                    (format!("/resources/tasks/{}", escape_pointer(&key)), key)
                }
            };
            let mut places = vec![format!("{own}{rel}")];
            if single {
                places.push(format!("/airflow{rel}"));
            }
            if let Some(found) = places.iter().find(|p| is_mapping(doc, p)) {
                editor.set_scalar(&format!("{found}/cpu"), &p.cpu)?;
                editor.set_scalar(&format!("{found}/memory"), &p.memory)?;
                continue;
            }
            let line = Node::Flow(format!("{{cpu: {}, memory: {}}}", p.cpu, p.memory));
            match p.subject {
                Subject::Component(_) => components.push((key, line)),
                Subject::Task { .. } => tasks.push((yaml_key(&key), line)),
            }
        }
        let tasks_at = format!("{root}/resources/tasks");
        if !tasks.is_empty() {
            if is_mapping(doc, &tasks_at) {
                editor.insert(&tasks_at, &tasks)?;
            } else {
                components.push(("tasks".into(), Node::Map(tasks)));
            }
        }
        if components.is_empty() {
            continue;
        }
        let resources_at = format!("{root}/resources");
        if is_mapping(doc, &resources_at) {
            editor.insert(&resources_at, &components)?;
        } else if is_mapping(doc, &root) {
            editor.insert(&root, &[("resources".into(), Node::Map(components))])?;
        } else {
            let env_at = format!("/environments/{}", escape_pointer(env));
            let airflow = Node::Map(vec![("resources".into(), Node::Map(components))]);
            editor.insert(&env_at, &[("airflow".into(), airflow)])?;
        }
    }
    editor.apply()
}

/// A new entry's value: a one-line flow mapping, or a block of entries.
enum Node {
    Flow(String),
    Map(Vec<(String, Node)>),
}

/// A mapping key as YAML reads it back: task keys are double-quoted (a `*` or a number-like
/// id would read as something else).
fn yaml_key(key: &str) -> String {
    serde_json::to_string(key).unwrap_or_default()
}

/// Whether `pointer` is a mapping, or an empty value that can take entries.
fn is_mapping(doc: &Document, pointer: &str) -> bool {
    matches!(
        doc.value.pointer(pointer),
        Some(serde_json::Value::Object(_) | serde_json::Value::Null)
    )
}

struct Edit {
    start: usize,
    end: usize,
    text: String,
}

struct Editor<'d> {
    doc: &'d Document,
    edits: Vec<Edit>,
}

impl Editor<'_> {
    fn text(&self) -> &str {
        &self.doc.text
    }

    /// Replaces a one-line scalar, keeping its quotes.
    fn set_scalar(&mut self, pointer: &str, new: &str) -> Result<(), Diagnostic> {
        let place = self
            .doc
            .value_place(pointer)
            .filter(|_| self.doc.value.pointer(pointer).is_some())
            .ok_or_else(|| internal(pointer))?;
        let old = &self.text()[place.start..place.end];
        if old.contains('\n') || old.starts_with(['|', '>']) {
            return Err(Diagnostic::error(
                "rightsize-write",
                format!("`{pointer}` is not a one-line value; platc rightsize cannot edit it"),
            )
            .at(Some(place)));
        }
        let text = match old.chars().next() {
            Some(q @ ('"' | '\'')) => format!("{q}{new}{q}"),
            _ => new.to_owned(),
        };
        self.edits.push(Edit {
            start: place.start,
            end: place.end,
            text,
        });
        Ok(())
    }

    /// Adds `entries` at the end of the block mapping at `pointer`.
    fn insert(&mut self, pointer: &str, entries: &[(String, Node)]) -> Result<(), Diagnostic> {
        let key = self
            .doc
            .key_place(pointer)
            .ok_or_else(|| internal(pointer))?;
        let text = self.text();
        let start = line_start(text, key.start);
        let indent = key.start - start;
        let header_end = line_end(text, key.start);
        let flow = self
            .doc
            .value_place(pointer)
            .is_some_and(|v| v.start < header_end && text[v.start..].starts_with(['{', '[']));
        if !text[start..key.start].bytes().all(|b| b == b' ') || flow {
            return Err(Diagnostic::error(
                "rightsize-write",
                format!("`{pointer}` is not a block mapping; platc rightsize adds entries only to block-style YAML"),
            )
            .at(Some(key))
            .help("write the mapping as an indented block, one entry per line, and run `platc rightsize --write` again"));
        }
        let (mut end, mut child) = (header_end, None);
        let mut probe = header_end;
        while probe < text.len() {
            let next = line_end(text, probe);
            let line = &text[probe..next];
            let body = line.trim_start_matches(' ');
            if !(body.trim().is_empty() || body.starts_with('#')) {
                let col = line.len() - body.len();
                if col <= indent {
                    break;
                }
                child.get_or_insert(col);
                end = next;
            }
            probe = next;
        }
        let child = child.unwrap_or(indent + 2);
        let step = child - indent;
        let mut out = String::new();
        if end == text.len() && !text.ends_with('\n') {
            out.push('\n');
        }
        render(entries, child, step, &mut out);
        self.edits.push(Edit {
            start: end,
            end,
            text: out,
        });
        Ok(())
    }

    fn apply(mut self) -> Result<String, Diagnostic> {
        self.edits.sort_by_key(|e| (e.start, e.end != e.start));
        let text = self.text();
        let mut out = String::with_capacity(text.len() + 256);
        let mut at = 0;
        for e in &self.edits {
            if e.start < at {
                return Err(Diagnostic::error(
                    "rightsize-write",
                    "internal error: overlapping edits; the file was not changed",
                ));
            }
            out.push_str(&text[at..e.start]);
            out.push_str(&e.text);
            at = e.end;
        }
        out.push_str(&text[at..]);
        Ok(out)
    }
}

fn render(entries: &[(String, Node)], indent: usize, step: usize, out: &mut String) {
    for (key, node) in entries {
        out.push_str(&" ".repeat(indent));
        out.push_str(key);
        match node {
            Node::Flow(flow) => {
                out.push_str(": ");
                out.push_str(flow);
                out.push('\n');
            }
            Node::Map(children) => {
                out.push_str(":\n");
                render(children, indent + step, step, out);
            }
        }
    }
}

fn internal(pointer: &str) -> Diagnostic {
    Diagnostic::error(
        "rightsize-write",
        format!("internal error: no place for {pointer}"),
    )
}

fn line_start(text: &str, at: usize) -> usize {
    text[..at].rfind('\n').map_or(0, |i| i + 1)
}

fn line_end(text: &str, at: usize) -> usize {
    text[at..].find('\n').map_or(text.len(), |i| at + i + 1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::load_str;

    fn proposal(env: &str, subject: Subject, cpu: &str, memory: &str) -> Proposal {
        Proposal {
            environment: env.into(),
            subject,
            cpu: cpu.into(),
            memory: memory.into(),
        }
    }

    fn task(d: &str, t: &str) -> Subject {
        Subject::Task {
            dag_id: d.into(),
            task_id: t.into(),
        }
    }

    const SPEC: &str = "\
airflow:
  resources:
    scheduler: {cpu: 1, memory: 2Gi}   # generous
environments:
  prod:
    namespace: airflow
    airflow:
      resources:
        ui:
          cpu: \"500m\"
          memory: 1Gi
  dev:
    namespace: airflow-dev   # the dev cluster
";

    #[test]
    fn edits_the_environments_own_request_in_place() {
        let doc = load_str("p.yaml", SPEC.into()).unwrap_or_else(|d| panic!("{d:?}"));
        let text = apply(
            &doc,
            &[proposal("prod", Subject::Component("ui"), "250m", "704Mi")],
        )
        .unwrap_or_else(|d| panic!("{d:?}"));
        assert_eq!(
            text,
            SPEC.replace("\"500m\"", "\"250m\"")
                .replace("memory: 1Gi", "memory: 704Mi")
        );
    }

    #[test]
    fn adds_an_override_to_the_measured_environment_only() {
        let doc = load_str("p.yaml", SPEC.into()).unwrap_or_else(|d| panic!("{d:?}"));
        let text = apply(
            &doc,
            &[
                proposal("prod", Subject::Component("scheduler"), "250m", "512Mi"),
                proposal("prod", task("sales__daily", "load"), "1200m", "1536Mi"),
                proposal("dev", Subject::Component("scheduler"), "100m", "256Mi"),
            ],
        )
        .unwrap_or_else(|d| panic!("{d:?}"));
        let want = "\
airflow:
  resources:
    scheduler: {cpu: 1, memory: 2Gi}   # generous
environments:
  prod:
    namespace: airflow
    airflow:
      resources:
        ui:
          cpu: \"500m\"
          memory: 1Gi
        scheduler: {cpu: 250m, memory: 512Mi}
        tasks:
          \"sales__daily.load\": {cpu: 1200m, memory: 1536Mi}
  dev:
    namespace: airflow-dev   # the dev cluster
    airflow:
      resources:
        scheduler: {cpu: 100m, memory: 256Mi}
";
        assert_eq!(text, want);
        let again = load_str("p.yaml", text).unwrap_or_else(|d| panic!("{d:?}"));
        assert_eq!(
            again
                .value
                .pointer("/environments/prod/airflow/resources/tasks/sales__daily.load/cpu"),
            Some(&serde_json::json!("1200m"))
        );
    }

    #[test]
    fn a_single_environment_edits_the_shared_requests() {
        let spec = "airflow:\n  resources:\n    scheduler: {cpu: 1, memory: 2Gi}\nenvironments:\n  prod:\n    namespace: airflow\n";
        let doc = load_str("p.yaml", spec.into()).unwrap_or_else(|d| panic!("{d:?}"));
        let text = apply(
            &doc,
            &[
                proposal("prod", Subject::Component("scheduler"), "250m", "512Mi"),
                proposal("prod", task("a", "b"), "50m", "256Mi"),
            ],
        )
        .unwrap_or_else(|d| panic!("{d:?}"));
        assert_eq!(
            text,
            "airflow:\n  resources:\n    scheduler: {cpu: 250m, memory: 512Mi}\n    tasks:\n      \"a.b\": {cpu: 50m, memory: 256Mi}\nenvironments:\n  prod:\n    namespace: airflow\n"
        );
    }

    #[test]
    fn refuses_flow_style_parents() {
        let spec = "airflow:\n  resources: {scheduler: {cpu: 1, memory: 2Gi}}\nenvironments:\n  prod: {namespace: airflow}\n";
        let doc = load_str("p.yaml", spec.into()).unwrap_or_else(|d| panic!("{d:?}"));
        let err = apply(&doc, &[proposal("prod", task("a", "b"), "50m", "256Mi")])
            .err()
            .map(|d| d.code);
        assert_eq!(err.as_deref(), Some("rightsize-write"));
    }
}
