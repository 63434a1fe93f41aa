//! Inline allows: `# platc:allow(rule-id): reason` on the line of a finding, or the line above,
//! silences that rule there. The reason is required, and every allow is shown by `validate`.

use serde::Serialize;

use crate::diagnostic::{Diagnostic, Diagnostics, Place};
use crate::load::Document;

/// One allow comment and what it silenced.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Allow {
    /// The rule it names.
    pub rule: String,
    /// Why, in the author's words.
    pub reason: String,
    /// Where the comment is.
    pub place: Place,
    /// How many diagnostics it silenced.
    pub silenced: usize,
}

const MARK: &str = "platc:allow(";

/// Removes the diagnostics that an allow covers; returns what remains and the allows.
/// Structural errors (`E…` codes) cannot be allowed.
pub fn apply(doc: &Document, diagnostics: Diagnostics) -> (Diagnostics, Vec<Allow>) {
    let (mut allows, mut problems) = parse(doc);
    let mut kept = Diagnostics::default();
    for d in diagnostics {
        let line = d.place.as_ref().map(|p| p.line);
        let covering = allows.iter_mut().find(|a| {
            a.rule == d.code
                && !d.code.starts_with('E')
                && line.is_some_and(|l| l == a.place.line || l == a.place.line + 1)
        });
        match covering {
            Some(a) => a.silenced += 1,
            None => kept.push(d),
        }
    }
    let known = known_rules();
    for a in allows.iter().filter(|a| a.silenced == 0) {
        let d = if known.contains(&a.rule.as_str()) {
            Diagnostic::warning("allow-unused", format!("nothing here breaks `{}`", a.rule))
                .help("remove the allow comment")
        } else {
            let help = match crate::suggest::did_you_mean(&a.rule, known.iter().copied()) {
                Some(close) => format!("did you mean `{close}`?"),
                None => "docs/rules.md lists every rule id".to_owned(),
            };
            Diagnostic::warning(
                "allow-unknown-rule",
                format!("`{}` is not a platc rule", a.rule),
            )
            .help(help)
        };
        problems.push(d.at(Some(a.place.clone())));
    }
    kept.extend(problems);
    allows.retain(|a| a.silenced > 0);
    (kept, allows)
}

/// Every rule id `docs/rules.md` lists (see [`crate::rules_doc`]).
fn known_rules() -> Vec<&'static str> {
    crate::rules_doc::all().into_iter().map(|r| r.id).collect()
}

fn parse(doc: &Document) -> (Vec<Allow>, Diagnostics) {
    let mut allows = Vec::new();
    let mut problems = Diagnostics::default();
    let mut offset = 0;
    for (index, line) in doc.text.split_inclusive('\n').enumerate() {
        if let Some(hash) = comment_start(line)
            && let Some(at) = line[hash..].find(MARK)
        {
            let start = offset + hash + at;
            let rest = &line[hash + at + MARK.len()..];
            let mut place = doc.place((start, start + MARK.len()));
            place.line = index + 1;
            match rest.split_once(')') {
                Some((rule, tail)) => {
                    let reason = tail.trim_start_matches(':').trim().to_owned();
                    if reason.is_empty() {
                        problems.push(
                            Diagnostic::error(
                                "allow-without-reason",
                                format!("the allow of `{}` gives no reason", rule.trim()),
                            )
                            .at(Some(place))
                            .help("write why after it: `# platc:allow(rule): reason`"),
                        );
                    } else {
                        allows.push(Allow {
                            rule: rule.trim().to_owned(),
                            reason,
                            place,
                            silenced: 0,
                        });
                    }
                }
                None => problems.push(
                    Diagnostic::error("allow-syntax", "unclosed `platc:allow(`")
                        .at(Some(place))
                        .help("write `# platc:allow(rule-id): reason`"),
                ),
            }
        }
        offset += line.len();
    }
    (allows, problems)
}

/// Byte index of a `#` that starts a comment (not inside quotes), if any.
fn comment_start(line: &str) -> Option<usize> {
    let mut quote: Option<char> = None;
    let mut prev = ' ';
    for (i, c) in line.char_indices() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if c == '"' || c == '\'' => quote = Some(c),
            None if c == '#' && (i == 0 || prev.is_whitespace()) => return Some(i),
            None => {}
        }
        prev = c;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::load_str;

    fn doc(text: &str) -> Document {
        load_str("p.yaml", text.to_owned()).unwrap()
    }

    fn at_line(code: &str, doc: &Document, line: usize) -> Diagnostic {
        let start = doc
            .text
            .split_inclusive('\n')
            .take(line - 1)
            .map(str::len)
            .sum();
        Diagnostic::error(code, "x").at(Some(doc.place((start, start))))
    }

    #[test]
    fn an_allow_with_a_reason_silences_its_rule_on_its_line_and_the_next() {
        let d = doc("a: 1  # platc:allow(rule-a): known\n# platc:allow(rule-b): because\nb: 2\n");
        let found = Diagnostics(vec![
            at_line("rule-a", &d, 1),
            at_line("rule-b", &d, 3),
            at_line("rule-c", &d, 3),
        ]);
        let (kept, allows) = apply(&d, found);
        assert_eq!(
            kept.0.iter().map(|d| d.code.as_str()).collect::<Vec<_>>(),
            ["rule-c"]
        );
        assert_eq!(allows.len(), 2);
        assert_eq!(allows[0].reason, "known");
    }

    #[test]
    fn an_allow_needs_a_reason_and_a_use() {
        let d = doc(
            "a: 1  # platc:allow(rule-a)\nb: \"# platc:allow(not-a-comment)\"\nc: 1 # platc:allow(rule-z): unused\n",
        );
        let (kept, _) = apply(&d, Diagnostics::default());
        let codes: Vec<&str> = kept.0.iter().map(|d| d.code.as_str()).collect();
        assert_eq!(codes, ["allow-without-reason", "allow-unknown-rule"]);
    }

    #[test]
    fn an_allow_of_an_unknown_rule_suggests_the_close_one() {
        let d = doc("a: 1 # platc:allow(isolation-shrd): x\nb: 1 # platc:allow(logging-off): y\n");
        let (kept, _) = apply(&d, Diagnostics::default());
        let found: Vec<(&str, Option<&str>)> = kept
            .0
            .iter()
            .map(|d| (d.code.as_str(), d.help.as_deref()))
            .collect();
        assert_eq!(
            found,
            [
                (
                    "allow-unknown-rule",
                    Some("did you mean `isolation-shared`?")
                ),
                ("allow-unused", Some("remove the allow comment")),
            ]
        );
    }

    #[test]
    fn the_rule_registry_is_read_from_the_docs() {
        let known = known_rules();
        for id in [
            "isolation-shared",
            "airflow-unknown-section",
            "airflow-unknown-option",
            "git-known-hosts",
            "logging-off",
            "allow-unknown-rule",
        ] {
            assert!(known.contains(&id), "{id} missing from {known:?}");
        }
        assert!(!known.iter().any(|id| id.starts_with('E')));
    }
}
