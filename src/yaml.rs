//! Writing YAML: typed data is serialized to JSON values, then emitted as block-style YAML.
//!
//! The emitter is saphyr's: key order is the data's order, and strings that YAML would read as
//! another type (`"true"`, `"0755"`, `"3.10"`, `"null"`) are quoted, so output round-trips.

use std::borrow::Cow;

use saphyr::{Mapping, Scalar, Yaml, YamlEmitter};
use serde::Serialize;
use serde_json::Value;

/// Serializes `data` as a YAML document (no leading `---`), ending in a newline.
pub fn to_yaml<T: Serialize>(data: &T) -> Result<String, String> {
    let value = serde_json::to_value(data).map_err(|e| e.to_string())?;
    Ok(value_to_yaml(&value))
}

/// Emits a JSON value as a YAML document, ending in a newline.
pub fn value_to_yaml(value: &Value) -> String {
    let yaml = convert(value);
    let mut out = String::new();
    let mut emitter = YamlEmitter::new(&mut out);
    emitter.multiline(true);
    // Writing into a String cannot fail.
    let _ = emitter.dump(&yaml);
    let body = out
        .strip_prefix("---\n")
        .or_else(|| out.strip_prefix("---"))
        .unwrap_or(&out);
    let mut text = body.trim_start_matches(' ').to_owned();
    if !text.ends_with('\n') {
        text.push('\n');
    }
    text
}

fn convert(value: &Value) -> Yaml<'_> {
    match value {
        Value::Null => Yaml::Value(Scalar::Null),
        Value::Bool(b) => Yaml::Value(Scalar::Boolean(*b)),
        Value::Number(n) => match n.as_i64() {
            Some(i) => Yaml::Value(Scalar::Integer(i)),
            None => Yaml::Value(Scalar::FloatingPoint(n.as_f64().unwrap_or_default().into())),
        },
        Value::String(s) => Yaml::Value(Scalar::String(Cow::Borrowed(s.as_str()))),
        Value::Array(items) => Yaml::Sequence(items.iter().map(convert).collect()),
        Value::Object(map) => {
            let mut out = Mapping::new();
            for (k, v) in map {
                out.insert(
                    Yaml::Value(Scalar::String(Cow::Borrowed(k.as_str()))),
                    convert(v),
                );
            }
            Yaml::Mapping(out)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn strings_that_look_like_other_types_are_quoted() {
        let text = value_to_yaml(
            &json!({"a": "true", "b": "0755", "c": "3.10", "d": "null", "e": "plain", "f": 3}),
        );
        assert_eq!(
            text,
            "a: \"true\"\nb: \"0755\"\nc: \"3.10\"\nd: \"null\"\ne: plain\nf: 3\n"
        );
    }

    #[test]
    fn output_round_trips_through_the_loader() {
        let value = json!({"m": {"list": ["x", "1", 2, true, "yes", "a: b", "multi\nline\n"], "empty": {}, "none": []}});
        let text = value_to_yaml(&value);
        let doc = crate::load::load_str("t.yaml", text.clone()).unwrap();
        assert_eq!(doc.value, value, "{text}");
    }
}
