//! How Airflow reads an override's value: everything is text, converted by `int()`, `float()` or
//! `getboolean` at use. YAML scalars are accepted where their text would convert.

use serde_json::Value;

use super::option::ValueType;

/// The text Airflow would see for a scalar; None for lists and maps.
pub(crate) fn airflow_text(value: &Value) -> Option<String> {
    match value {
        Value::Null => Some(String::new()),
        Value::Bool(b) => Some(if *b { "True" } else { "False" }.to_string()),
        Value::Number(n) => Some(n.to_string()),
        Value::String(s) => Some(s.clone()),
        Value::Array(_) | Value::Object(_) => None,
    }
}

/// A short rendering of the value for messages.
pub(crate) fn shown(value: &Value) -> String {
    let text = value.to_string();
    if text.chars().count() > 60 {
        let cut: String = text.chars().take(57).collect();
        format!("{cut}...")
    } else {
        text
    }
}

/// Whether Airflow can read `value` as `ty`.
pub(crate) fn accepts(ty: ValueType, value: &Value) -> bool {
    match (ty, value) {
        (_, Value::Array(_) | Value::Object(_)) => false,
        (ValueType::String, _) => true,
        (_, Value::Null) => false,
        (ValueType::Integer, Value::Number(n)) => n.is_i64() || n.is_u64(),
        (ValueType::Integer, Value::String(s)) => is_python_int(s),
        (ValueType::Float, Value::Number(_)) => true,
        (ValueType::Float, Value::String(s)) => is_python_float(s),
        (ValueType::Boolean, Value::Bool(_)) => true,
        (ValueType::Boolean, Value::Number(n)) => matches!(n.as_u64(), Some(0 | 1)),
        (ValueType::Boolean, Value::String(s)) => is_airflow_bool(s),
        (ValueType::Integer | ValueType::Float, Value::Bool(_)) => false,
    }
}

/// `int(text)`: optional sign, ASCII digits, single `_` between digits, surrounding whitespace.
fn is_python_int(text: &str) -> bool {
    let t = text.trim();
    let digits = t.strip_prefix(['+', '-']).unwrap_or(t);
    !digits.is_empty()
        && digits
            .split('_')
            .all(|g| !g.is_empty() && g.bytes().all(|b| b.is_ascii_digit()))
}

/// `float(text)`: decimal or exponent notation, `inf`/`nan`, `_` between digits.
fn is_python_float(text: &str) -> bool {
    let t = text.trim();
    if t.contains("__") || t.starts_with('_') || t.ends_with('_') {
        return false;
    }
    let plain: String = t.chars().filter(|c| *c != '_').collect();
    !plain.is_empty() && plain.parse::<f64>().is_ok()
}

/// Airflow's `getboolean`: lower-cased, comment after `#` dropped, then `t`/`true`/`1` or `f`/`false`/`0`.
fn is_airflow_bool(text: &str) -> bool {
    let lower = text.to_lowercase();
    let word = lower.split('#').next().unwrap_or("").trim();
    matches!(word, "t" | "true" | "1" | "f" | "false" | "0")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn integers() {
        for ok in [
            json!(8),
            json!("8"),
            json!(" 8 "),
            json!("-1"),
            json!("1_000"),
        ] {
            assert!(accepts(ValueType::Integer, &ok), "{ok}");
        }
        for bad in [
            json!("eight"),
            json!(8.5),
            json!(true),
            json!("8.0"),
            json!(""),
            json!("1__0"),
            json!(null),
        ] {
            assert!(!accepts(ValueType::Integer, &bad), "{bad}");
        }
    }

    #[test]
    fn floats() {
        for ok in [
            json!(1.5),
            json!(2),
            json!("0.5"),
            json!("1e3"),
            json!("inf"),
        ] {
            assert!(accepts(ValueType::Float, &ok), "{ok}");
        }
        for bad in [json!("half"), json!(false), json!("")] {
            assert!(!accepts(ValueType::Float, &bad), "{bad}");
        }
    }

    #[test]
    fn booleans_follow_getboolean() {
        for ok in [
            json!(true),
            json!("True"),
            json!("FALSE"),
            json!("t"),
            json!("1"),
            json!(0),
        ] {
            assert!(accepts(ValueType::Boolean, &ok), "{ok}");
        }
        for bad in [json!("yes"), json!("on"), json!(2), json!("maybe")] {
            assert!(!accepts(ValueType::Boolean, &bad), "{bad}");
        }
    }

    #[test]
    fn strings_take_any_scalar_but_not_maps() {
        assert!(accepts(ValueType::String, &json!(5)));
        assert!(accepts(ValueType::String, &json!(null)));
        assert!(!accepts(ValueType::String, &json!({"a": 1})));
        assert_eq!(airflow_text(&json!(true)).as_deref(), Some("True"));
    }
}
