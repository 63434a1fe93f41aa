//! URL grammars, by a real URL parser (the `url` crate, WHATWG rules): git repository URLs and
//! remote log store URLs.

use url::Url;

/// Characters a path in a repository or log URL may hold: the unreserved set and `/`. Anything
/// else (`%`, `#`, `?`, quotes, `$`, `{`, spaces, control characters) would need encoding in
/// one of the languages the URL is pasted into, and no real repository or bucket path needs it.
fn plain_path(path: &str) -> bool {
    path.bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'/'))
        && !path.split('/').any(|s| s == "..")
}

/// A repository URL git, git-sync and Argo CD clone: `https://host/path`, `ssh://[user@]host[:port]/path`
/// or scp-like `user@host:path`. No password or token in it, no query or fragment.
pub fn git_repo_url(text: &str) -> Result<(), &'static str> {
    let parsed = match scp_like(text) {
        Some(url) => url,
        None => Url::parse(text).map_err(|_| "it is not a URL")?,
    };
    match parsed.scheme() {
        "https" => {
            if !parsed.username().is_empty() || parsed.password().is_some() {
                return Err(
                    "it carries credentials (`user@` or `user:token@`); name a Secret in `secrets.gitCredentials` instead",
                );
            }
        }
        "ssh" => {
            if parsed.password().is_some() {
                return Err("it carries a password");
            }
            if !parsed
                .username()
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
            {
                return Err("its user name is not plain");
            }
        }
        _ => return Err("its scheme is not `https` or `ssh` (or scp-like `git@host:path`)"),
    }
    if parsed.host_str().is_none_or(str::is_empty) {
        return Err("it has no host");
    }
    if parsed.query().is_some() || parsed.fragment().is_some() {
        return Err("it has a `?query` or `#fragment`");
    }
    let path = parsed.path();
    if path.len() < 2 || !plain_path(path) {
        return Err(
            "its path is empty or holds characters other than letters, digits, `-._~/` (or `..`)",
        );
    }
    raw_text_is_plain(text)
}

/// The WHATWG parser rewrites some input (drops tabs and line breaks, resolves `..`): the text
/// itself must hold none of that.
fn raw_text_is_plain(text: &str) -> Result<(), &'static str> {
    if text.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return Err("it holds a space or control character");
    }
    if text.split(['/', ':']).any(|s| s == ".." || s == ".") {
        return Err("it has a `.` or `..` path segment");
    }
    Ok(())
}

/// `user@host:path` (git's scp-like syntax) as the `ssh://` URL it means.
fn scp_like(text: &str) -> Option<Url> {
    if text.contains("://") {
        return None;
    }
    let (user_host, path) = text.split_once(':')?;
    let (user, host) = user_host.split_once('@')?;
    if user.is_empty() || host.is_empty() || path.starts_with('/') && path.starts_with("//") {
        return None;
    }
    let path = path.trim_start_matches('/');
    Url::parse(&format!("ssh://{user}@{host}/{path}")).ok()
}

/// Schemes of the remote log stores Airflow's providers write to: GCS, S3, Azure Blob Storage.
pub const LOG_SCHEMES: [&str; 4] = ["gs", "s3", "wasb", "wasbs"];

/// A remote log folder: `gs://bucket/path`, `s3://bucket/path` or `wasb[s]://container/path`.
pub fn log_store_url(text: &str) -> Result<(), &'static str> {
    let parsed = Url::parse(text).map_err(|_| "it is not a URL")?;
    if !LOG_SCHEMES.contains(&parsed.scheme()) {
        return Err("its scheme is not `gs`, `s3`, `wasb` or `wasbs`");
    }
    // `wasb://container@account.blob.core.windows.net/path` names the container as the user.
    let user_allowed = parsed.scheme().starts_with("wasb");
    if parsed.password().is_some() || (!user_allowed && !parsed.username().is_empty()) {
        return Err("it carries credentials; the log connection holds them");
    }
    let bucket = parsed.host_str().unwrap_or_default();
    let bucket_ok = !bucket.is_empty()
        && bucket
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"-_.@".contains(&b));
    if !bucket_ok || parsed.port().is_some() {
        return Err("it names no bucket, or the bucket is not lowercase letters, digits, `-_.`");
    }
    if parsed.query().is_some() || parsed.fragment().is_some() {
        return Err("it has a `?query` or `#fragment`");
    }
    if !plain_path(parsed.path()) {
        return Err("its path holds characters other than letters, digits, `-._~/`");
    }
    raw_text_is_plain(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repository_urls() {
        for good in [
            "https://github.com/carshare/dags.git",
            "git@github.com:carshare/dags.git",
            "ssh://git@github.com/carshare/dags.git",
            "ssh://git@git.example.com:2222/team/dags.git",
            "https://gitlab.example.com/group/sub/dags",
        ] {
            assert_eq!(git_repo_url(good), Ok(()), "{good}");
        }
        for bad in [
            "https://user:ghp_token@github.com/carshare/dags.git",
            "https://token@github.com/carshare/dags.git",
            "ftp://example.com/dags.git",
            "file:///etc/passwd",
            "http://github.com/carshare/dags.git",
            "https://github.com/carshare/dags.git;id",
            "https://github.com/carshare/$(id).git",
            "https://github.com/carshare/dags.git#main",
            "https://github.com/carshare/dags.git?x=1",
            "https://github.com/carshare/da\ngs.git",
            "https://github.com/carshare/../../x",
            "https://github.com/${{ secrets.X }}",
            "https://github.com/a b",
            "git@github.com:carshare/dags`id`.git",
            "ext::sh -c touch% /tmp/pwned",
            "https://github.com",
            "--upload-pack=touch /tmp/x",
        ] {
            assert!(git_repo_url(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn log_store_urls() {
        for good in [
            "gs://carshare-logs/airflow",
            "s3://carshare-logs/airflow/logs",
            "wasb://logs@carshare.blob.core.windows.net/airflow",
            "wasbs://logs/airflow",
            "gs://bucket",
        ] {
            assert_eq!(log_store_url(good), Ok(()), "{good}");
        }
        for bad in [
            "file:///etc",
            "/var/log/airflow",
            "https://storage.googleapis.com/bucket",
            "gs://",
            "gs://bucket/100%",
            "gs://bucket/a#b",
            "gs://bucket/{{ ti.dag_id }}",
            "gs://user:pw@bucket/x",
            "s3://bucket/a b",
            "gs://bucket/../x",
        ] {
            assert!(log_store_url(bad).is_err(), "{bad:?}");
        }
    }
}
