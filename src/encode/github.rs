//! GitHub Actions expressions. GitHub evaluates `${{ … }}` in every string of a workflow
//! (`with:`, `env:`, `name:`, `run:`), before any shell sees it: spec text must never carry one.
//! The only escape the expression language has is an expression that yields the literal text.

/// The opening of an expression.
const OPEN: &str = "${{";

/// `text` such that GitHub's evaluation yields exactly `text`: every `${{` becomes the
/// expression `${{ '${{' }}` (a string literal; its result is not evaluated again).
pub fn literal(text: &str) -> String {
    text.replace(OPEN, "${{ '${{' }}")
}

/// A branch name as a workflow's branch filter pattern (`on.push.branches`), matching only
/// that branch: the pattern characters `* ? + [ ] !` and `\\` are escaped with `\\`.
pub fn filter_literal(branch: &str) -> String {
    let mut out = String::with_capacity(branch.len());
    for c in branch.chars() {
        if matches!(c, '*' | '?' | '+' | '[' | ']' | '!' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    literal(&out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Evaluates the only expression form [`literal`] writes (`${{ '<text>' }}`), and refuses
    /// any other, as GitHub's evaluator would run it.
    fn evaluate(text: &str) -> String {
        let mut out = String::new();
        let mut rest = text;
        while let Some(start) = rest.find(OPEN) {
            out.push_str(&rest[..start]);
            let after = &rest[start + OPEN.len()..];
            let end = after.find("}}").expect("closed expression");
            let expr = after[..end].trim();
            let inner = expr
                .strip_prefix('\'')
                .and_then(|e| e.strip_suffix('\''))
                .unwrap_or_else(|| panic!("spec text evaluated as an expression: {expr}"));
            out.push_str(inner);
            rest = &after[end + 2..];
        }
        out.push_str(rest);
        out
    }

    #[test]
    fn branch_filters_match_one_branch() {
        assert_eq!(filter_literal("main"), "main");
        assert_eq!(filter_literal("release+1"), "release\\+1");
        assert_eq!(filter_literal("!main"), "\\!main");
    }

    #[test]
    fn expressions_in_spec_text_stay_text() {
        for payload in [
            "main",
            "${{ secrets.REGISTRY_PASSWORD }}",
            "$${{x}}",
            "${{${{",
            "a ${{ github.token }} b",
            "{{ x }}",
            "$(id)",
        ] {
            assert_eq!(evaluate(&literal(payload)), payload, "{payload}");
        }
    }
}
