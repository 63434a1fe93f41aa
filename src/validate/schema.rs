//! The JSON Schema check, with errors reported at the exact key or value and "did you mean".

use std::sync::OnceLock;

use jsonschema::error::{TypeKind, ValidationErrorKind};
use jsonschema::{ValidationError, Validator};
use serde_json::Value;

use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::load::{Document, escape_pointer};
use crate::suggest::did_you_mean;

fn validator() -> Result<&'static Validator, String> {
    static VALIDATOR: OnceLock<Result<Validator, String>> = OnceLock::new();
    VALIDATOR
        .get_or_init(|| {
            jsonschema::validator_for(&crate::schema::schema()).map_err(|e| e.to_string())
        })
        .as_ref()
        .map_err(Clone::clone)
}

/// Every schema violation in the document, as diagnostics.
pub fn check_schema(doc: &Document) -> Diagnostics {
    let mut out = Diagnostics::default();
    let validator = match validator() {
        Ok(v) => v,
        Err(e) => {
            out.push(Diagnostic::error(
                "E099",
                format!("internal error: the schema does not compile: {e}"),
            ));
            return out;
        }
    };
    let schema = crate::schema::schema();
    for error in validator.iter_errors(&doc.value) {
        leaf_diagnostics(doc, &schema, &error, &mut out);
    }
    out.sort();
    out.0.dedup();
    out
}

fn leaf_diagnostics(
    doc: &Document,
    schema: &Value,
    error: &ValidationError<'_>,
    out: &mut Diagnostics,
) {
    let path = error.instance_path().as_str().to_owned();
    let what = describe_path(&path);
    match error.kind() {
        ValidationErrorKind::AdditionalProperties { unexpected } => {
            let allowed = allowed_fields(schema, &doc.value, &path);
            for field in unexpected {
                let pointer = format!("{path}/{}", escape_pointer(field));
                let mut d = Diagnostic::error("E020", format!("unknown field `{field}` in {what}"))
                    .at(doc.key_place(&pointer))
                    .label("not a field here");
                d = match did_you_mean(field, allowed.iter().map(String::as_str)) {
                    Some(s) => d.help(format!("did you mean `{s}`?")),
                    None if !allowed.is_empty() => {
                        d.help(format!("allowed fields: {}", allowed.join(", ")))
                    }
                    None => d,
                };
                out.push(d);
            }
        }
        ValidationErrorKind::Required { property } => {
            let name = property.as_str().unwrap_or_default();
            out.push(
                Diagnostic::error("E021", format!("missing field `{name}` in {what}"))
                    .at(doc.key_place(&path))
                    .label(format!("`{name}` is required here"))
                    .help(format!(
                        "add `{name}:`; `platc schema` documents every field"
                    )),
            );
        }
        ValidationErrorKind::Type { kind } => {
            let expected = type_names(kind);
            let found = match (error.instance().as_ref(), doc.source_of(&path)) {
                (Value::Number(_), Some(text)) => format!("number {text}"),
                (other, _) => json_type(other),
            };
            let mut d =
                Diagnostic::error("E022", format!("{what} must be {expected}, found {found}"))
                    .at(doc.value_place(&path))
                    .label(format!("expected {expected}"));
            if expected.contains("string")
                && matches!(error.instance().as_ref(), Value::Number(_) | Value::Bool(_))
            {
                let text = doc.source_of(&path).unwrap_or_default();
                d = if path.ends_with("/syncPeriod") && error.instance().is_number() {
                    // A bare number is no duration either: say which unit.
                    d.help(format!(
                        "give it a unit, such as `{text}s` (seconds) or `{text}m`"
                    ))
                } else {
                    d.help(format!("quote it so YAML keeps it as text: \"{text}\""))
                };
            }
            out.push(d);
        }
        ValidationErrorKind::Enum { options }
        | ValidationErrorKind::Constant {
            expected_value: options,
        } => {
            let choices: Vec<String> = match options.as_ref() {
                Value::Array(items) => items.iter().map(display_value).collect(),
                other => vec![display_value(other)],
            };
            out.push(not_one_of(doc, &what, &path, error.instance(), &choices));
        }
        ValidationErrorKind::AnyOf { context } | ValidationErrorKind::OneOfNotValid { context } => {
            alternatives(doc, schema, &path, error, context, out);
        }
        ValidationErrorKind::Minimum { limit }
        | ValidationErrorKind::ExclusiveMinimum { limit } => {
            out.push(
                Diagnostic::error("E024", format!("{what} must be at least {limit}"))
                    .at(doc.value_place(&path)),
            );
        }
        ValidationErrorKind::Maximum { limit }
        | ValidationErrorKind::ExclusiveMaximum { limit } => {
            out.push(
                Diagnostic::error("E024", format!("{what} must be at most {limit}"))
                    .at(doc.value_place(&path)),
            );
        }
        _ => out.push(
            Diagnostic::error("E025", format!("{what}: {}", error.masked()))
                .at(doc.value_place(&path)),
        ),
    }
}

/// An `anyOf`/`oneOf` failed: report inside the branch the value was meant for, or list the choices.
fn alternatives(
    doc: &Document,
    schema: &Value,
    path: &str,
    error: &ValidationError<'_>,
    context: &[Vec<ValidationError<'static>>],
    out: &mut Diagnostics,
) {
    let here = |e: &ValidationError<'_>| e.instance_path().as_str() == path;
    let rejects_kind = |e: &ValidationError<'_>| {
        here(e)
            && matches!(
                e.kind(),
                ValidationErrorKind::Type { .. }
                    | ValidationErrorKind::Enum { .. }
                    | ValidationErrorKind::Constant { .. }
            )
    };
    // Branches whose type the value has: the user meant one of these.
    let matching: Vec<&Vec<ValidationError<'static>>> = context
        .iter()
        .filter(|branch| !branch.is_empty() && !branch.iter().any(rejects_kind))
        .collect();
    let what = describe_path(path);
    let picks_one_key = matching.len() > 1
        && matching.iter().all(|b| {
            b.iter()
                .any(|e| here(e) && matches!(e.kind(), ValidationErrorKind::Required { .. }))
        })
        && matching.iter().all(|b| b.iter().all(&here));
    if picks_one_key {
        let keys: Vec<String> = matching
            .iter()
            .flat_map(|b| b.iter())
            .filter_map(|e| match e.kind() {
                ValidationErrorKind::Required { property } => {
                    Some(format!("`{}`", property.as_str().unwrap_or_default()))
                }
                _ => None,
            })
            .collect();
        out.push(
            Diagnostic::error(
                "E026",
                format!("{what} must hold exactly one of {}", keys.join(", ")),
            )
            .at(doc.key_place(path))
            .help(format!("write one of {} under it", keys.join(", "))),
        );
        return;
    }
    if let Some(branch) = matching.iter().min_by_key(|b| b.len()) {
        for e in branch.iter() {
            leaf_diagnostics(doc, schema, e, out);
        }
        return;
    }
    let mut choices: Vec<String> = Vec::new();
    let mut types: Vec<String> = Vec::new();
    for e in context.iter().flatten().filter(|e| here(e)) {
        match e.kind() {
            ValidationErrorKind::Constant { expected_value } => {
                choices.push(display_value(expected_value))
            }
            ValidationErrorKind::Enum { options } => {
                choices.extend(options.as_array().into_iter().flatten().map(display_value));
            }
            ValidationErrorKind::Type { kind } => types.push(type_names(kind)),
            _ => {}
        }
    }
    let found = json_type(error.instance());
    if !choices.is_empty() {
        out.push(not_one_of(doc, &what, path, error.instance(), &choices));
        return;
    }
    types.sort();
    types.dedup();
    out.push(
        Diagnostic::error(
            "E022",
            format!("{what} must be {}, found {found}", types.join(" or ")),
        )
        .at(doc.value_place(path)),
    );
}

/// E023: a value outside its allowed set, with the closest allowed one.
fn not_one_of(
    doc: &Document,
    what: &str,
    path: &str,
    instance: &Value,
    choices: &[String],
) -> Diagnostic {
    let given = display_value(instance);
    let d = Diagnostic::error("E023", format!("{what} cannot be {given}"))
        .at(doc.value_place(path))
        .label(format!("expected one of: {}", choices.join(", ")));
    match did_you_mean(
        given.trim_matches('`'),
        choices.iter().map(|c| c.trim_matches('`')),
    ) {
        Some(s) => d.help(format!("did you mean `{s}`?")),
        None => d,
    }
}

/// The field names allowed at `path`, found by walking the schema along the instance.
fn allowed_fields(schema: &Value, instance: &Value, path: &str) -> Vec<String> {
    let mut node = resolve(schema, schema);
    let mut inst = instance;
    for segment in path.split('/').skip(1) {
        let seg = segment.replace("~1", "/").replace("~0", "~");
        node = match step(schema, node, inst, &seg) {
            Some(n) => n,
            None => return Vec::new(),
        };
        inst = match inst {
            Value::Object(m) => m.get(&seg).unwrap_or(&Value::Null),
            Value::Array(a) => seg
                .parse::<usize>()
                .ok()
                .and_then(|i| a.get(i))
                .unwrap_or(&Value::Null),
            _ => &Value::Null,
        };
    }
    let mut names = Vec::new();
    collect_properties(schema, node, &mut names);
    names
}

fn resolve<'a>(root: &'a Value, node: &'a Value) -> &'a Value {
    let mut node = node;
    for _ in 0..16 {
        match node.get("$ref").and_then(Value::as_str) {
            Some(r) => match root.pointer(r.trim_start_matches('#')) {
                Some(target) => node = target,
                None => break,
            },
            None => break,
        }
    }
    node
}

fn step<'a>(root: &'a Value, node: &'a Value, inst: &Value, seg: &str) -> Option<&'a Value> {
    let node = resolve(root, node);
    if let Some(p) = node.get("properties").and_then(|p| p.get(seg)) {
        return Some(resolve(root, p));
    }
    if let Some(a) = node.get("additionalProperties").filter(|a| a.is_object()) {
        return Some(resolve(root, a));
    }
    if let Some(items) = node.get("items").filter(|i| i.is_object()) {
        return Some(resolve(root, items));
    }
    for branch in branches(node) {
        let branch = resolve(root, branch);
        if branch_fits(branch, inst)
            && let Some(found) = step(root, branch, inst, seg)
        {
            return Some(found);
        }
    }
    None
}

/// The subschemas of a node's `anyOf`, `oneOf` and `allOf`, in that order.
fn branches(node: &Value) -> impl Iterator<Item = &Value> {
    ["anyOf", "oneOf", "allOf"]
        .into_iter()
        .filter_map(|key| node.get(key).and_then(Value::as_array))
        .flatten()
}

fn branch_fits(branch: &Value, inst: &Value) -> bool {
    match branch.get("required").and_then(Value::as_array) {
        Some(required) => required
            .iter()
            .filter_map(Value::as_str)
            .all(|k| inst.get(k).is_some()),
        None => true,
    }
}

fn collect_properties(root: &Value, node: &Value, names: &mut Vec<String>) {
    let node = resolve(root, node);
    if let Some(props) = node.get("properties").and_then(Value::as_object) {
        names.extend(props.keys().cloned());
    }
    for branch in branches(node) {
        collect_properties(root, branch, names);
    }
    names.dedup();
}

/// `/airflow/config` → "`airflow.config`"; the root → "the spec".
pub fn describe_path(path: &str) -> String {
    if path.is_empty() {
        return "the spec".to_owned();
    }
    let dotted: Vec<String> = path
        .split('/')
        .skip(1)
        .map(|s| s.replace("~1", "/").replace("~0", "~"))
        .collect();
    format!("`{}`", dotted.join("."))
}

fn type_names(kind: &TypeKind) -> String {
    let name = |t: &jsonschema::JsonType| article(&t.to_string());
    match kind {
        TypeKind::Single(t) => name(t),
        TypeKind::Multiple(set) => set
            .iter()
            .map(|t| name(&t))
            .collect::<Vec<_>>()
            .join(" or "),
    }
}

fn article(t: &str) -> String {
    match t {
        "object" => "a mapping".to_owned(),
        "array" => "a list".to_owned(),
        "integer" => "an integer".to_owned(),
        "null" => "empty".to_owned(),
        other => format!("a {other}"),
    }
}

fn json_type(v: &Value) -> String {
    match v {
        Value::Null => "nothing".to_owned(),
        Value::Bool(b) => format!("boolean {b}"),
        Value::Number(n) => format!("number {n}"),
        Value::String(s) => format!("text {:?}", s),
        Value::Array(_) => "a list".to_owned(),
        Value::Object(_) => "a mapping".to_owned(),
    }
}

fn display_value(v: &Value) -> String {
    match v {
        Value::String(s) => format!("`{s}`"),
        other => format!("`{other}`"),
    }
}
