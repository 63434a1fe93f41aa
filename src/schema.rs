//! Schema: the JSON Schema of `platform.yaml`, generated from the [`crate::spec`] types.
//!
//! Environment overrides are typed in the schema as "partial" copies of the shared sections:
//! the same properties, none required, each one removable with `null`.

use serde_json::{Map, Value, json};

use crate::spec::{OVERRIDABLE, Spec};

/// Where the committed schema lives in the repository.
pub const SCHEMA_PATH: &str = "schema/platform.schema.json";

/// The JSON Schema as a value.
pub fn schema() -> Value {
    let mut root = schemars::schema_for!(Spec).to_value();
    add_partial_overrides(&mut root);
    root
}

/// The JSON Schema as the pretty-printed text that is committed under `schema/`.
pub fn schema_text() -> String {
    let mut text = serde_json::to_string_pretty(&schema()).unwrap_or_default();
    text.push('\n');
    text
}

fn add_partial_overrides(root: &mut Value) {
    for section in OVERRIDABLE {
        let Some(def) = section_def(root, section) else {
            continue;
        };
        let partial = partial_ref(root, &def);
        let prop = json!({ "anyOf": [partial, { "type": "null" }] });
        let description = root
            .pointer(&format!(
                "/$defs/Environment/properties/{section}/description"
            ))
            .cloned();
        if let Some(slot) = root.pointer_mut(&format!("/$defs/Environment/properties/{section}")) {
            *slot = prop;
            if let (Some(d), Some(obj)) = (description, slot.as_object_mut()) {
                obj.insert("description".into(), d);
            }
        }
    }
}

/// The definition name that the top-level `section` refers to.
fn section_def(root: &Value, section: &str) -> Option<String> {
    let prop = root.pointer(&format!("/properties/{section}"))?;
    find_ref(prop).map(|r| r.trim_start_matches("#/$defs/").to_owned())
}

fn find_ref(schema: &Value) -> Option<&str> {
    if let Some(r) = schema.get("$ref").and_then(Value::as_str) {
        return Some(r);
    }
    schema
        .get("anyOf")
        .and_then(Value::as_array)
        .and_then(|branches| branches.iter().find_map(find_ref))
}

/// Makes (once) a partial copy of definition `def` and returns a reference to it.
fn partial_ref(root: &mut Value, def: &str) -> Value {
    let name = format!("Partial{def}");
    let reference = json!({ "$ref": format!("#/$defs/{name}") });
    if root.pointer(&format!("/$defs/{name}")).is_some() {
        return reference;
    }
    let Some(original) = root.pointer(&format!("/$defs/{def}")).cloned() else {
        return json!({ "$ref": format!("#/$defs/{def}") });
    };
    if original.get("properties").is_none() {
        return json!({ "$ref": format!("#/$defs/{def}") });
    }
    // Reserve the name first so recursive types terminate.
    if let Some(defs) = root.get_mut("$defs").and_then(Value::as_object_mut) {
        defs.insert(name.clone(), Value::Bool(true));
    }
    let partial = partialize(root, &original);
    if let Some(defs) = root.get_mut("$defs").and_then(Value::as_object_mut) {
        defs.insert(name, partial);
    }
    reference
}

fn partialize(root: &mut Value, schema: &Value) -> Value {
    let Some(obj) = schema.as_object() else {
        return schema.clone();
    };
    let mut out = Map::new();
    for (key, value) in obj {
        match key.as_str() {
            "required" | "default" => {}
            "properties" => {
                let mut props = Map::new();
                for (name, prop) in value.as_object().into_iter().flatten() {
                    props.insert(name.clone(), nullable(partial_child(root, prop)));
                }
                out.insert(key.clone(), Value::Object(props));
            }
            "additionalProperties" if value.is_object() => {
                out.insert(key.clone(), nullable(partial_child(root, value)));
            }
            _ => {
                out.insert(key.clone(), value.clone());
            }
        }
    }
    Value::Object(out)
}

/// A child of a partial: struct references become partial too; maps are partial all the way down.
fn partial_child(root: &mut Value, schema: &Value) -> Value {
    if let Some(r) = schema.get("$ref").and_then(Value::as_str) {
        let def = r.trim_start_matches("#/$defs/").to_owned();
        let mut out = schema.clone();
        if let Some(obj) = out.as_object_mut() {
            obj.insert("$ref".into(), partial_ref(root, &def)["$ref"].clone());
        }
        return out;
    }
    if schema
        .get("additionalProperties")
        .is_some_and(Value::is_object)
    {
        return partialize(root, schema);
    }
    schema.clone()
}

fn nullable(schema: Value) -> Value {
    json!({ "anyOf": [schema, { "type": "null" }] })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn committed_schema_is_current() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(SCHEMA_PATH);
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            committed == schema_text(),
            "{SCHEMA_PATH} is stale: run `cargo run -- schema > {SCHEMA_PATH}`"
        );
    }

    #[test]
    fn overrides_are_partial() {
        let s = schema();
        let partial = s.pointer("/$defs/PartialAirflow").expect("partial airflow");
        assert!(partial.get("required").is_none());
        assert!(s.pointer("/$defs/PartialLogging").is_some());
    }
}
