//! GitHub clone URLs: which organization and repository a URL names, for the SCM provider
//! generator of previews and the checkout step of the DAG repository's CI.

/// Organization and repository of a GitHub clone URL: `git@github.com:org/repo.git`,
/// `ssh://git@github.com/org/repo.git` or `https://github.com/org/repo(.git)`.
pub fn github_repo(url: &str) -> Option<(String, String)> {
    let url = url.trim();
    let rest = [
        "git@github.com:",
        "ssh://git@github.com/",
        "https://github.com/",
    ]
    .iter()
    .find_map(|p| url.strip_prefix(p))?;
    let rest = rest.trim_end_matches('/');
    let rest = rest.strip_suffix(".git").unwrap_or(rest);
    let (org, repo) = rest.split_once('/')?;
    let ok = |s: &str| {
        !s.is_empty()
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
    };
    (ok(org) && ok(repo)).then(|| (org.to_owned(), repo.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::github_repo;

    #[test]
    fn github_urls() {
        let want = Some(("carshare".to_owned(), "dags".to_owned()));
        for url in [
            "git@github.com:carshare/dags.git",
            "git@github.com:carshare/dags",
            "ssh://git@github.com/carshare/dags.git",
            "https://github.com/carshare/dags",
            "https://github.com/carshare/dags.git",
            "https://github.com/carshare/dags/",
        ] {
            assert_eq!(github_repo(url), want, "{url}");
        }
        for url in [
            "https://gitlab.com/carshare/dags.git",
            "git@bitbucket.org:carshare/dags.git",
            "https://github.com/carshare",
            "https://github.com/carshare/dags/tree/main",
            "https://github.example.com/carshare/dags.git",
        ] {
            assert_eq!(github_repo(url), None, "{url}");
        }
        assert_eq!(
            github_repo("https://github.com/a/my.repo.git"),
            Some(("a".to_owned(), "my.repo".to_owned()))
        );
    }
}
