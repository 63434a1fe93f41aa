//! The naming rules of the conventions: `dags/{domain}/{name}.py` and `{domain}__{name}`.
//!
//! A pattern is literal text with the placeholders `{domain}` and `{name}`, each exactly once.
//! Placeholders stand for lower snake case words, so a path or id matches at most one way
//! whenever the literal text between them is not itself lower snake case.

/// A parsed layout or dag_id rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pattern {
    tokens: Vec<Token>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    Literal(String),
    Domain,
    Name,
}

/// Domain and name that a path or dag_id was made from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parts {
    /// The `{domain}` part.
    pub domain: String,
    /// The `{name}` part.
    pub name: String,
}

impl Pattern {
    /// Parses a pattern; both placeholders must appear exactly once, and nothing else in braces.
    pub fn parse(text: &str) -> Result<Self, String> {
        let mut tokens = Vec::new();
        let mut rest = text;
        while let Some(open) = rest.find('{') {
            if open > 0 {
                tokens.push(Token::Literal(rest[..open].to_owned()));
            }
            let Some(close) = rest[open..].find('}') else {
                return Err(format!("`{text}` has a `{{` without its `}}`"));
            };
            tokens.push(match &rest[open + 1..open + close] {
                "domain" => Token::Domain,
                "name" => Token::Name,
                other => {
                    return Err(format!(
                        "`{text}` has the placeholder `{{{other}}}`; only `{{domain}}` and `{{name}}` exist"
                    ));
                }
            });
            rest = &rest[open + close + 1..];
        }
        if !rest.is_empty() {
            tokens.push(Token::Literal(rest.to_owned()));
        }
        for (token, word) in [(Token::Domain, "{domain}"), (Token::Name, "{name}")] {
            let count = tokens.iter().filter(|t| **t == token).count();
            if count != 1 {
                return Err(format!("`{text}` must contain `{word}` exactly once"));
            }
        }
        if tokens
            .windows(2)
            .any(|w| !matches!(w[0], Token::Literal(_)) && !matches!(w[1], Token::Literal(_)))
        {
            return Err(format!(
                "`{text}` needs literal text between `{{domain}}` and `{{name}}`"
            ));
        }
        Ok(Pattern { tokens })
    }

    /// The text for a domain and name.
    pub fn fill(&self, domain: &str, name: &str) -> String {
        self.tokens
            .iter()
            .map(|t| match t {
                Token::Literal(s) => s.as_str(),
                Token::Domain => domain,
                Token::Name => name,
            })
            .collect()
    }

    /// The domain and name a text was made from, if it follows the pattern.
    pub fn parts(&self, text: &str) -> Option<Parts> {
        let mut parts = Parts {
            domain: String::new(),
            name: String::new(),
        };
        match_tokens(&self.tokens, text, &mut parts).then_some(parts)
    }

    /// The literal folder the pattern starts with (`dags/` for `dags/{domain}/{name}.py`).
    pub fn root(&self) -> &str {
        match self.tokens.first() {
            Some(Token::Literal(s)) => s.rfind('/').map_or("", |i| &s[..=i]),
            _ => "",
        }
    }
}

fn match_tokens(tokens: &[Token], text: &str, parts: &mut Parts) -> bool {
    let Some((first, rest)) = tokens.split_first() else {
        return text.is_empty();
    };
    match first {
        Token::Literal(lit) => text
            .strip_prefix(lit.as_str())
            .is_some_and(|t| match_tokens(rest, t, parts)),
        Token::Domain | Token::Name => {
            for end in (1..=text.len()).filter(|&i| text.is_char_boundary(i)) {
                let word = &text[..end];
                if is_lower_snake(word) && match_tokens(rest, &text[end..], parts) {
                    let slot = if *first == Token::Domain {
                        &mut parts.domain
                    } else {
                        &mut parts.name
                    };
                    *slot = word.to_owned();
                    return true;
                }
            }
            false
        }
    }
}

/// Lower snake case: `[a-z][a-z0-9]*` words joined by single underscores.
pub fn is_lower_snake(word: &str) -> bool {
    !word.is_empty()
        && word.split('_').all(|w| {
            !w.is_empty()
                && w.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        })
        && word.starts_with(|c: char| c.is_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fills_and_matches_both_ways() {
        let layout = Pattern::parse("dags/{domain}/{name}.py").unwrap();
        let id = Pattern::parse("{domain}__{name}").unwrap();
        assert_eq!(
            layout.fill("sales", "daily_orders"),
            "dags/sales/daily_orders.py"
        );
        assert_eq!(id.fill("sales", "daily_orders"), "sales__daily_orders");
        let parts = id.parts("sales_eu__daily_orders").unwrap();
        assert_eq!(
            (parts.domain.as_str(), parts.name.as_str()),
            ("sales_eu", "daily_orders")
        );
        assert_eq!(layout.parts("dags/sales/x.py").unwrap().name, "x");
        assert_eq!(layout.root(), "dags/");
        assert_eq!(id.root(), "");
    }

    #[test]
    fn rejects_what_is_not_lower_snake() {
        let layout = Pattern::parse("dags/{domain}/{name}.py").unwrap();
        for bad in [
            "dags/Sales/x.py",
            "dags/sales/x-y.py",
            "dags/sales/_x.py",
            "dags/sales/x__y.py",
            "dags/a/b/c.py",
            "x.py",
        ] {
            assert_eq!(layout.parts(bad), None, "{bad}");
        }
        assert!(is_lower_snake("a1_b2"));
        assert!(!is_lower_snake("1a"));
        assert!(!is_lower_snake("a_"));
    }

    #[test]
    fn bad_patterns_say_why() {
        assert!(Pattern::parse("{name}").unwrap_err().contains("{domain}"));
        assert!(
            Pattern::parse("{domain}{name}")
                .unwrap_err()
                .contains("literal")
        );
        assert!(
            Pattern::parse("{team}/{domain}/{name}")
                .unwrap_err()
                .contains("{team}")
        );
        assert!(Pattern::parse("{domain}/{name").is_err());
    }
}
