//! Python source: a spec value becomes a string literal, never code.

use std::fmt::Write;

/// `text` as a double-quoted Python `str` literal. Backslash, quote, and every character that
/// is not printable ASCII are escaped, so the literal is one line of plain ASCII.
pub fn string_literal(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            ' '..='~' => out.push(c),
            c if (c as u32) <= 0xff => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            c if (c as u32) <= 0xffff => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => {
                let _ = write!(out, "\\U{:08x}", c as u32);
            }
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAYLOADS: [&str; 12] = [
        "",
        "dags",
        "\"); import os; os.system(\"id\"); (\"",
        "a\nimport os",
        "\\",
        "\\\"",
        "{x}",
        "%s",
        "'''",
        "é ☃ 𝄞",
        "\u{0}\u{7f}",
        "${{ x }}",
    ];

    #[test]
    fn literals_are_one_ascii_line() {
        for payload in PAYLOADS {
            let literal = string_literal(payload);
            assert!(literal.is_ascii() && !literal.contains('\n'), "{payload:?}");
        }
    }

    /// The real consumer: python3 evaluates the literals and hands them back as JSON.
    #[test]
    fn python_reads_back_the_same_text() {
        let literals: Vec<String> = PAYLOADS.iter().map(|p| string_literal(p)).collect();
        let program = format!(
            "import json\nprint(json.dumps([{}]))\n",
            literals.join(", ")
        );
        let Ok(output) = std::process::Command::new("python3")
            .args(["-c", &program])
            .output()
        else {
            eprintln!("skipped: python3 is not on PATH");
            return;
        };
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let back: Vec<String> = serde_json::from_slice(&output.stdout).expect("JSON from python3");
        assert_eq!(back, PAYLOADS);
    }
}
