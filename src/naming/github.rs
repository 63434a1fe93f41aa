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

/// GitHub's SSH host keys as `known_hosts` lines, as GitHub publishes them ("GitHub's SSH key
/// fingerprints" in its documentation; the RSA key is the one rotated in on 2023-03-24).
pub const GITHUB_KNOWN_HOSTS: &str = "\
github.com ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl
github.com ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBEmKSENjQEezOmxkZMy7opKgwFB9nkt5YRrYMjNuG5N87uRgg6CLrbo5wAdT/y6v0mKV0U2w0WZ2YB/++Tpockg=
github.com ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABgQCj7ndNxQowgcQnjshcLrqPEiiphnt+VTTvDP6mHBL9j1aNUkY4Ue1gvwnGLVlOhGeYrnZaMgRK6+PKCUXaDbC7qtbW8gIkhL7aGCsOr/C56SJMy/BCZfxd1nWzAOxSDPgVsmerOBYfNqltV9/hWCqBywINIR+5dIg6JTJ72pcEpEjcYgXkE2YEFXV1JHnsKgbLWNlhScqb2UmyRkQyytRLtL+38TGxkxCflmO+5Z8CSSNY7GidjMIZ7Q4zMjA2n1nGrlTDkzwDCsw+wqFPGQA179cnfGWOWRVruj16z6XyvxvjJwbz0wQZ75XK5tKSb7FNyeIEs4TT4jk+S4dhPeAUC5y+bDYirYgM4GC7uEnztnZyaVWQ7B381AK4Qdrwt51ZqExKbQpTUNn+EjqoTwvqNj4kqx5QUCI0ThS/YkOxJCXmPUWZbhjpCg56i+2aB6CmK2JGhn57K5mj0MNdBXA4/WnwH6XoPWJzK5Nyu2zB3nAZp+S5hpQs+p1vN1/wsjk=
";

/// Whether `url` reaches GitHub over SSH.
pub fn is_github_ssh(url: &str) -> bool {
    let url = url.trim();
    url.starts_with("git@github.com:") || url.starts_with("ssh://git@github.com/")
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

    /// The keys are long opaque strings: check each against the SHA-256 fingerprint GitHub
    /// publishes next to it, so a changed character cannot go unnoticed.
    #[test]
    fn github_host_keys_match_the_published_fingerprints() {
        use sha2::{Digest, Sha256};
        let published = [
            ("ssh-ed25519", "+DiY3wvvV6TuJJhbpZisF/zLDA0zPMSvHdkr4UvCOqU"),
            (
                "ecdsa-sha2-nistp256",
                "p2QAMXNIC1TJYWeIOttrVc98/R1BUFWu3/LiyKgUfQM",
            ),
            ("ssh-rsa", "uNiVztksCsDhcc0u9e8BujQXVUpKZIDTMczCvj3tD2s"),
        ];
        let lines: Vec<&str> = super::GITHUB_KNOWN_HOSTS.lines().collect();
        assert_eq!(lines.len(), published.len());
        for (line, (kind, fingerprint)) in lines.iter().zip(published) {
            let fields: Vec<&str> = line.split(' ').collect();
            assert_eq!(fields[..2], ["github.com", kind]);
            let digest = Sha256::digest(base64(fields[2]));
            let text = base64_encode(&digest);
            assert_eq!(text.trim_end_matches('='), fingerprint, "{kind}");
        }
    }

    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

    fn base64(text: &str) -> Vec<u8> {
        let mut bits = 0u32;
        let mut count = 0;
        let mut out = Vec::new();
        for c in text.bytes().filter(|&c| c != b'=') {
            let value = ALPHABET.iter().position(|&a| a == c).expect("base64") as u32;
            bits = (bits << 6) | value;
            count += 6;
            if count >= 8 {
                count -= 8;
                out.push((bits >> count) as u8);
                bits &= (1 << count) - 1;
            }
        }
        out
    }

    fn base64_encode(bytes: &[u8]) -> String {
        let mut out = String::new();
        for chunk in bytes.chunks(3) {
            let n = chunk.iter().fold(0u32, |acc, &b| (acc << 8) | u32::from(b))
                << (8 * (3 - chunk.len()));
            for i in 0..=chunk.len() {
                out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
            }
        }
        out
    }
}
