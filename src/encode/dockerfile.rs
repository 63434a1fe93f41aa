//! Dockerfiles. An instruction ends at a line break whatever the quotes, so a value can never
//! carry one into an instruction: in shell form (`RUN a b`) each value is one shell word
//! ([`crate::encode::shell::quote`]) on a single line; in exec form (`CMD ["a", "b"]`) it is a
//! JSON string. Comment lines use [`crate::encode::comment::text`].

use crate::encode::{Unencodable, shell};

/// `text` as one word of a shell-form instruction (`RUN`): a shell word without line breaks.
pub fn shell_word(text: &str) -> Result<String, Unencodable> {
    if text.chars().any(|c| c.is_control()) {
        return Err(Unencodable::new(
            "a word of a Dockerfile RUN instruction",
            text,
        ));
    }
    Ok(shell::quote(text))
}

/// Arguments as an exec-form JSON array: `["a", "b"]`. JSON escapes line breaks and quotes.
pub fn exec_form(args: &[&str]) -> String {
    let strings: Vec<String> = args
        .iter()
        .map(|a| crate::encode::json::string(a))
        .collect();
    format!("[{}]", strings.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAYLOADS: [&str; 10] = [
        "curl; rm -rf / #",
        "$(curl x|sh)",
        "`id`",
        "a\nFROM alpine",
        "a\r\nRUN id",
        "it's",
        "100%",
        "{{ x }}",
        "\\",
        "# c",
    ];

    #[test]
    fn run_words_are_single_line_and_quoted() {
        for payload in PAYLOADS {
            match shell_word(payload) {
                Ok(word) => {
                    assert!(!word.contains('\n') && !word.contains('\r'), "{payload:?}");
                    if payload.contains([';', '$', '`', '#', ' ']) {
                        assert!(word.starts_with('\''), "{payload:?} -> {word}");
                    }
                }
                Err(e) => assert!(payload.contains(['\n', '\r']), "{payload:?}: {e}"),
            }
        }
        assert_eq!(shell_word("curl=7.88.1-10"), Ok("curl=7.88.1-10".into()));
    }

    #[test]
    fn exec_form_round_trips_as_json() {
        let array = exec_form(&PAYLOADS);
        assert!(!array.contains('\n'));
        let back: Vec<String> = serde_json::from_str(&array).expect("JSON array");
        assert_eq!(back, PAYLOADS);
    }
}
