//! Writing YAML: typed data is serialized to JSON values, then emitted as block-style YAML.
//!
//! The emitter is saphyr's: key order is the data's order, and strings that YAML would read as
//! another type (`"true"`, `"0755"`, `"3.10"`, `"null"`) are quoted, so output round-trips.
//! Helm reads values with YAML 1.1 rules (go-yaml), which also take `y`, `n`, `1_000`, `0b101`
//! or `+12` for booleans and numbers; saphyr leaves some of those plain, so [`yaml11_scalar`]
//! catches them and they are written double-quoted.

use std::borrow::Cow;

use saphyr::{Mapping, Scalar, ScalarStyle, Yaml, YamlEmitter};
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
        Value::String(s) => string(s),
        Value::Array(items) => Yaml::Sequence(items.iter().map(convert).collect()),
        Value::Object(map) => {
            let mut out = Mapping::new();
            for (k, v) in map {
                out.insert(string(k), convert(v));
            }
            Yaml::Mapping(out)
        }
    }
}

/// A string node; double-quoted by hand when YAML 1.1 would read it as something else. Such a
/// string holds only digits, signs, `.`, `_`, `:`, letters of a number or `y`/`n`: no character
/// needs escaping inside double quotes.
fn string(s: &str) -> Yaml<'_> {
    if yaml11_scalar(s) {
        Yaml::Representation(Cow::Borrowed(s), ScalarStyle::DoubleQuoted, None)
    } else {
        Yaml::Value(Scalar::String(Cow::Borrowed(s)))
    }
}

/// Whether a plain scalar `s` is a boolean or a number for a YAML 1.1 reader such as go-yaml v2
/// (which Helm uses): `y`/`n` in any case, or, once `_` are dropped, an integer in Go's base
/// prefixes (`0x`, `0o`, `0b`, leading `0`), a float like `1e3` or `.5`, or a sexagesimal `1:20`.
pub fn yaml11_scalar(s: &str) -> bool {
    if matches!(s, "y" | "Y" | "n" | "N") {
        return true;
    }
    if !s.starts_with(|c: char| c.is_ascii_digit() || matches!(c, '+' | '-' | '.')) {
        return false;
    }
    let plain: String = s.chars().filter(|&c| c != '_').collect();
    go_int(&plain) || go_float(&plain) || sexagesimal(&plain)
}

fn unsigned(s: &str) -> &str {
    s.strip_prefix(['+', '-']).unwrap_or(s)
}

fn all(s: &str, digit: fn(&u8) -> bool) -> bool {
    !s.is_empty() && s.as_bytes().iter().all(digit)
}

/// Go's `strconv.ParseInt(s, 0, 64)` syntax (any size).
fn go_int(s: &str) -> bool {
    let s = unsigned(s);
    let prefixed = |p: &str| {
        s.get(..2)
            .filter(|head| head.eq_ignore_ascii_case(p))
            .map(|_| &s[2..])
    };
    if let Some(rest) = prefixed("0x") {
        all(rest, u8::is_ascii_hexdigit)
    } else if let Some(rest) = prefixed("0o") {
        all(rest, |b| (b'0'..=b'7').contains(b))
    } else if let Some(rest) = prefixed("0b") {
        all(rest, |b| matches!(b, b'0' | b'1'))
    } else if let Some(rest) = s.strip_prefix('0').filter(|r| !r.is_empty()) {
        all(rest, |b| (b'0'..=b'7').contains(b))
    } else {
        all(s, u8::is_ascii_digit)
    }
}

/// go-yaml's float syntax: `[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?`.
fn go_float(s: &str) -> bool {
    let s = unsigned(s);
    let (mantissa, exponent) = match s.find(['e', 'E']) {
        Some(at) => (&s[..at], Some(unsigned(&s[at + 1..]))),
        None => (s, None),
    };
    let mantissa_ok = match mantissa.split_once('.') {
        Some(("", frac)) => all(frac, u8::is_ascii_digit),
        Some((int, frac)) => {
            all(int, u8::is_ascii_digit) && frac.bytes().all(|b| b.is_ascii_digit())
        }
        None => all(mantissa, u8::is_ascii_digit),
    };
    mantissa_ok && exponent.is_none_or(|e| all(e, u8::is_ascii_digit))
}

/// YAML 1.1 base 60: `[-+]?[0-9]+(:[0-5]?[0-9])+(\.[0-9]*)?`.
fn sexagesimal(s: &str) -> bool {
    let s = unsigned(s);
    let s = s.split_once('.').map_or(s, |(whole, frac)| {
        if frac.bytes().all(|b| b.is_ascii_digit()) {
            whole
        } else {
            ""
        }
    });
    let mut parts = s.split(':');
    let head_ok = parts.next().is_some_and(|h| all(h, u8::is_ascii_digit));
    let mut rest = parts.peekable();
    head_ok
        && rest.peek().is_some()
        && rest.all(|p| {
            all(p, u8::is_ascii_digit) && p.len() <= 2 && p.parse::<u32>().is_ok_and(|n| n < 60)
        })
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

    const YAML11: [&str; 22] = [
        "y",
        "Y",
        "n",
        "N",
        "1_000",
        "0b101",
        "+12",
        "1e3",
        ".5",
        "0o7",
        "1:20",
        "-0b1",
        "0B11",
        "0X1F",
        "+0x1f",
        "0_7",
        "1_000.5",
        "-1e-3",
        "190:20:30.15",
        "+.5",
        "1.",
        "00",
    ];

    #[test]
    fn yaml_1_1_numbers_and_booleans_are_quoted() {
        for s in YAML11 {
            assert!(yaml11_scalar(s), "{s}");
            let value = json!({ "k": s, "list": [s] });
            let text = value_to_yaml(&value);
            assert!(
                text.contains(&format!("k: \"{s}\"\n")) && text.contains(&format!("- \"{s}\"\n")),
                "{s} is not double-quoted in:\n{text}"
            );
            let doc = crate::load::load_str("t.yaml", text.clone()).unwrap();
            assert_eq!(doc.value, value, "{text}");
        }
        let keys = value_to_yaml(&json!({"y": 1, "0b1": 2}));
        assert_eq!(keys, "\"y\": 1\n\"0b1\": 2\n");
    }

    #[test]
    fn ordinary_strings_stay_plain() {
        for s in [
            "yes_please",
            "ny",
            "v1",
            "3.2.2",
            "1.2.3",
            "0x",
            "0b",
            "_1",
            "1_a",
            "e3",
            "1e",
            "08x",
            "a:1",
            "airflow",
            "12:60",
        ] {
            assert!(!yaml11_scalar(s), "{s}");
        }
        assert!(!yaml11_scalar("12:60"));
        assert!(yaml11_scalar("12:59"));
    }

    #[test]
    fn output_round_trips_through_the_loader() {
        let value = json!({"m": {"list": ["x", "1", 2, true, "yes", "a: b", "multi\nline\n"], "empty": {}, "none": []}});
        let text = value_to_yaml(&value);
        let doc = crate::load::load_str("t.yaml", text.clone()).unwrap();
        assert_eq!(doc.value, value, "{text}");
    }
}
