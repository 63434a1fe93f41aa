//! Branch globs of preview environments (`feature/*`): one meaning for the isolation rule, for
//! `platc preview`, and for the RE2 regexp the ApplicationSet's `branchMatch` filter gets.

use std::fmt;

/// A branch pattern where `*` stands for any run of branch characters (`/` included) and `?` for
/// one; every other character is itself. Branch characters are ASCII letters, digits and `-._/`
/// ([`is_branch_char`]): a preview's branch becomes a URL path, a namespace and a value in
/// Airflow's config, so a branch holding `%`, `#`, `{` or a space gets no preview at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BranchGlob<'a>(pub &'a str);

impl BranchGlob<'_> {
    /// Whether `branch` matches the whole pattern.
    pub fn matches(&self, branch: &str) -> bool {
        let p: Vec<char> = self.0.chars().collect();
        let t: Vec<char> = branch.chars().collect();
        let (mut pi, mut ti, mut star, mut mark) = (0, 0, None, 0);
        while ti < t.len() {
            if !is_branch_char(t[ti]) {
                return false;
            }
            if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
                pi += 1;
                ti += 1;
            } else if pi < p.len() && p[pi] == '*' {
                star = Some(pi);
                mark = ti;
                pi += 1;
            } else if let Some(s) = star {
                pi = s + 1;
                mark += 1;
                ti = mark;
            } else {
                return false;
            }
        }
        p[pi..].iter().all(|&c| c == '*')
    }

    /// The same pattern as an anchored RE2 regexp: `*` is `[-./0-9A-Z_a-z]*`, `?` one of them,
    /// the rest escaped.
    /// A glob with a literal character outside that set matches nothing.
    pub fn to_re2(&self) -> String {
        if self
            .0
            .chars()
            .any(|c| !(is_branch_char(c) || c == '*' || c == '?'))
        {
            return NOTHING.to_owned();
        }
        let mut re = String::from("^");
        for c in self.0.chars() {
            match c {
                '*' => re.push_str(&format!("{BRANCH_CLASS}*")),
                '?' => re.push_str(BRANCH_CLASS),
                c => push_escaped(&mut re, c),
            }
        }
        re.push('$');
        re
    }
}

/// An RE2 (and Go) regexp that matches no text: the empty class.
const NOTHING: &str = "^[^\\x00-\\x{10FFFF}]$";

/// The RE2 class of [`is_branch_char`].
const BRANCH_CLASS: &str = "[-./0-9A-Z_a-z]";

/// Whether a preview branch may hold `c`: ASCII letters, digits and `-._/`.
pub fn is_branch_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_' | '/')
}

impl<'a> BranchGlob<'a> {
    /// The literal text every matching branch starts with, when the glob has a wildcard: `feature/`
    /// for `feature/*`. Preview names leave it out of the slug, since every preview shares it.
    /// A glob without a wildcard names one branch, and keeps it whole (the prefix is empty).
    pub fn fixed_prefix(&self) -> &'a str {
        self.0
            .find(['*', '?'])
            .map_or("", |wildcard| &self.0[..wildcard])
    }
}

impl fmt::Display for BranchGlob<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

/// Escapes RE2 metacharacters.
pub fn re2_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        push_escaped(&mut out, c);
    }
    out
}

fn push_escaped(out: &mut String, c: char) {
    if "\\.+*?()|[]{}^$".contains(c) {
        out.push('\\');
    }
    out.push(c);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_prefix_stops_at_the_first_wildcard() {
        assert_eq!(BranchGlob("feature/*").fixed_prefix(), "feature/");
        assert_eq!(
            BranchGlob("zi-sandbox/sandbox-*").fixed_prefix(),
            "zi-sandbox/sandbox-"
        );
        assert_eq!(BranchGlob("release-1.?-*").fixed_prefix(), "release-1.");
        assert_eq!(BranchGlob("*").fixed_prefix(), "");
        assert_eq!(BranchGlob("main").fixed_prefix(), "");
    }

    /// Matches `text` against the regexp subset [`BranchGlob::to_re2`] produces: `^`, `$`, the
    /// class `[-./0-9A-Z_a-z]` alone or starred, and `\`-escaped literals. Independent of
    /// [`BranchGlob::matches`] (backtracking); the class is read as RE2 reads it.
    fn re2_subset_matches(re: &str, text: &str) -> bool {
        #[derive(Debug)]
        enum Atom {
            Any,
            AnyRun,
            Char(char),
        }
        if re == NOTHING {
            return false;
        }
        let body = re
            .strip_prefix('^')
            .and_then(|r| r.strip_suffix('$'))
            .expect("anchored");
        let mut atoms = Vec::new();
        let mut chars = body.chars().peekable();
        let class_member = |c: char| {
            c == '-'
                || c == '.'
                || c == '/'
                || c.is_ascii_digit()
                || c.is_ascii_uppercase()
                || c == '_'
                || c.is_ascii_lowercase()
        };
        while let Some(c) = chars.next() {
            match c {
                '\\' => atoms.push(Atom::Char(chars.next().expect("escaped char"))),
                '[' => {
                    let class: String = chars.by_ref().take_while(|&c| c != ']').collect();
                    assert_eq!(class, "-./0-9A-Z_a-z", "the only class in {re}");
                    if chars.peek() == Some(&'*') {
                        chars.next();
                        atoms.push(Atom::AnyRun);
                    } else {
                        atoms.push(Atom::Any);
                    }
                }
                c => {
                    assert!(!"+*?()|[]{}^$".contains(c), "unescaped {c} in {re}");
                    atoms.push(Atom::Char(c));
                }
            }
        }
        let member = class_member;
        fn go(atoms: &[Atom], text: &[char], member: &dyn Fn(char) -> bool) -> bool {
            match atoms.split_first() {
                None => text.is_empty(),
                Some((Atom::AnyRun, rest)) => (0..=text.len())
                    .any(|i| text[..i].iter().all(|&c| member(c)) && go(rest, &text[i..], member)),
                Some((Atom::Any, rest)) => {
                    text.first().is_some_and(|&c| member(c)) && go(rest, &text[1..], member)
                }
                Some((Atom::Char(c), rest)) => {
                    text.first() == Some(c) && go(rest, &text[1..], member)
                }
            }
        }
        let text: Vec<char> = text.chars().collect();
        go(&atoms, &text, &member)
    }

    const CASES: &[(&str, &str, bool)] = &[
        ("feature/*", "feature/hardy", true),
        ("feature/*", "feature/", true),
        ("feature/*", "feature", false),
        ("feature/*", "main", false),
        ("feature/*", "feature/a/b", true),
        ("*", "main", true),
        ("*", "", true),
        ("ma?n", "main", true),
        ("ma?n", "man", false),
        ("release-1.?", "release-1.2", true),
        ("release-1.?", "release-1x2", false),
        ("release-1.*", "release-1.2.3", true),
        ("a+b(c)", "a+b(c)", false),
        ("a+b(c)", "aab(c)", false),
        ("[abc]", "[abc]", false),
        ("[abc]", "a", false),
        ("{x,y}", "{x,y}", false),
        ("{x,y}", "x", false),
        ("^x$", "^x$", false),
        ("a|b", "a", false),
        ("a\\b", "a\\b", false),
        ("*/hot?ix*", "team/hotfix-1", true),
        ("*/hot?ix*", "team/hotfix", true),
        ("*/hot?ix*", "hotfix", false),
        ("**a", "bba", true),
        ("*a*b", "xaxxb", true),
        ("*a*b", "xaxxbx", false),
        ("dev/日本?", "dev/日本語", false),
        ("?", "é", false),
        ("feature/*", "feature/x\ny", false),
    ];

    #[test]
    fn matches_and_regexp_agree_on_tricky_cases() {
        for &(pattern, branch, want) in CASES {
            let glob = BranchGlob(pattern);
            // A newline never occurs in a branch; RE2's `.` refuses it, the glob does not.
            if !branch.contains('\n') {
                assert_eq!(
                    glob.matches(branch),
                    want,
                    "matches({pattern:?}, {branch:?})"
                );
            }
            assert_eq!(
                re2_subset_matches(&glob.to_re2(), branch),
                want,
                "{} on {branch:?}",
                glob.to_re2()
            );
        }
    }

    #[test]
    fn regexps() {
        assert_eq!(
            BranchGlob("feature/*").to_re2(),
            "^feature/[-./0-9A-Z_a-z]*$"
        );
        assert_eq!(
            BranchGlob("release-1.?").to_re2(),
            "^release-1\\.[-./0-9A-Z_a-z]$"
        );
        assert_eq!(BranchGlob("a+b(c)").to_re2(), NOTHING);
        assert!(!BranchGlob("feature/*").matches("feature/100%"));
        assert!(!BranchGlob("feature/*").matches("feature/a#b"));
        assert_eq!(re2_escape("my.repo"), "my\\.repo");
    }

    proptest::proptest! {
        #[test]
        fn matches_agrees_with_the_regexp(
            pattern in "[ab/.*?+(]{0,8}",
            branch in "[ab/.+(]{0,10}",
        ) {
            let glob = BranchGlob(&pattern);
            proptest::prop_assert_eq!(
                glob.matches(&branch),
                re2_subset_matches(&glob.to_re2(), &branch),
                "pattern {:?} branch {:?} regexp {}", pattern, branch, glob.to_re2()
            );
        }
    }
}
