//! The branch names git accepts, by the rules of `git check-ref-format --branch`.

/// Whether git would accept `name` as a branch (the rules of `git check-ref-format`), and why
/// not: Argo CD only ever sees branches that exist.
pub fn git_branch_name(name: &str) -> Result<(), &'static str> {
    if name.is_empty() || name == "@" {
        return Err("it is empty or `@`");
    }
    if name.starts_with('/') || name.ends_with('/') || name.contains("//") {
        return Err("it starts or ends with `/`, or has `//`");
    }
    if name.ends_with('.') || name.contains("..") || name.contains("@{") {
        return Err("it ends with `.` or has `..` or `@{`");
    }
    if name.chars().any(|c| {
        c.is_ascii_control() || matches!(c, ' ' | '~' | '^' | ':' | '?' | '*' | '[' | '\\')
    }) {
        return Err("it has a space, a control character or one of ~ ^ : ? * [ \\");
    }
    if name
        .split('/')
        .any(|part| part.starts_with('.') || part.ends_with(".lock"))
    {
        return Err("a part starts with `.` or ends with `.lock`");
    }
    if name.starts_with('-') {
        return Err("it starts with `-`");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::git_branch_name;

    #[test]
    fn branch_names_follow_git() {
        for good in ["feature/hardy", "feature/a.b-c_d", "main", "feature/ä"] {
            assert_eq!(git_branch_name(good), Ok(()), "{good}");
        }
        for bad in [
            "",
            "@",
            "feature/",
            "/x",
            "a//b",
            "feature/a b",
            "feature/[a",
            "a..b",
            "a.",
            "x@{1}",
            "a/.hidden",
            "a/b.lock",
            "-x",
            "a:b",
            "a\tb",
        ] {
            assert!(git_branch_name(bad).is_err(), "{bad:?}");
        }
    }
}
