//! Rule family `git-*`: the DAG repository URL fits its credentials, and sync intervals are sane.

use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::load::Document;
use crate::resolve::{Lifecycle, Model};
use crate::validate::origin::Origin;

/// Shortest and longest git-sync period platc accepts, in seconds.
const SYNC_BOUNDS: (u64, u64) = (5, 3600);
/// Shortest and longest branch discovery interval for previews, in seconds.
const REQUEUE_BOUNDS: (u64, u64) = (30, 86_400);

/// Checks every environment's DAG repository settings.
pub fn check(model: &Model, doc: &Document) -> Diagnostics {
    let mut out = Diagnostics::default();
    for env in &model.environments {
        let at = Origin::new(doc, &env.name);
        let repo = &env.dags.repo;
        let ssh = repo.starts_with("git@") || repo.starts_with("ssh://");
        let https = repo.starts_with("https://");
        let kind = if ssh || https {
            Ok(())
        } else {
            Err("it is neither `git@…`/`ssh://` nor `https://`")
        };
        if let Err(why) = kind.and(crate::naming::urls::git_repo_url(repo)) {
            out.push(
                Diagnostic::error("git-url", format!("`{}` is not a git URL platc can sync: {why}", repo.escape_debug()))
                    .at(at.value("/dags/repo"))
                    .help("use `git@github.com:org/repo.git` (with `secrets.gitSshKey`) or `https://github.com/org/repo.git`"),
            );
        } else if ssh && env.secrets.git_ssh_key.is_none() {
            out.push(
                Diagnostic::error("git-credentials", "an SSH repository URL needs an SSH key")
                    .at(at.value("/dags/repo"))
                    .help(
                        "name the Secret holding the key (key `gitSshKey`) in `secrets.gitSshKey`",
                    ),
            );
        } else if https && env.secrets.git_ssh_key.is_some() {
            out.push(
                Diagnostic::error(
                    "git-credentials",
                    "an HTTPS repository URL cannot use an SSH key",
                )
                .at(at.value("/secrets/gitSshKey"))
                .help("use `secrets.gitCredentials` for HTTPS, or an `git@…` URL for the SSH key"),
            );
        }
        if ssh && env.dags.known_hosts.is_none() && !crate::naming::is_github_ssh(repo) {
            out.push(
                Diagnostic::warning(
                    "git-known-hosts",
                    "git-sync will not check this SSH server's host key",
                )
                .at(at.value("/dags/repo"))
                .help("put the server's `known_hosts` lines in `dags.knownHosts` (`ssh-keyscan HOST` shows them; check them against what the host publishes)"),
            );
        }
        match parse_duration(&env.dags.sync_period) {
            Some(s) if (SYNC_BOUNDS.0..=SYNC_BOUNDS.1).contains(&s) => {}
            Some(s) => out.push(
                Diagnostic::error(
                    "git-sync-period",
                    format!(
                        "a sync period of {s}s is outside {}s to {}s",
                        SYNC_BOUNDS.0, SYNC_BOUNDS.1
                    ),
                )
                .at(at.value("/dags/syncPeriod")),
            ),
            None => out.push(
                Diagnostic::error(
                    "git-sync-period",
                    format!("`{}` is not a duration", env.dags.sync_period),
                )
                .at(at.value("/dags/syncPeriod"))
                .help("write it like `60s`, `5m` or `1m30s`"),
            ),
        }
        if let Lifecycle::Preview(p) = &env.lifecycle
            && !(REQUEUE_BOUNDS.0..=REQUEUE_BOUNDS.1).contains(&p.requeue_after_seconds)
        {
            out.push(
                Diagnostic::error("git-requeue", format!("requeueAfterSeconds {} is outside {} to {}", p.requeue_after_seconds, REQUEUE_BOUNDS.0, REQUEUE_BOUNDS.1))
                    .at(doc.value_place(&at.own("/preview/requeueAfterSeconds")))
                    .help("too short exhausts the GitHub API rate limit; too long leaves branches without an Airflow"),
            );
        }
    }
    out
}

/// Parses `90s`, `5m`, `1h`, `1m30s` into seconds.
pub fn parse_duration(text: &str) -> Option<u64> {
    let mut total = 0u64;
    let mut number = String::new();
    if text.is_empty() {
        return None;
    }
    for c in text.chars() {
        if c.is_ascii_digit() {
            number.push(c);
            continue;
        }
        let n: u64 = number.parse().ok()?;
        number.clear();
        let unit = match c {
            's' => 1,
            'm' => 60,
            'h' => 3600,
            _ => return None,
        };
        total = total.checked_add(n.checked_mul(unit)?)?;
    }
    number.is_empty().then_some(total)
}

#[cfg(test)]
mod tests {
    use super::parse_duration;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("60s"), Some(60));
        assert_eq!(parse_duration("1m30s"), Some(90));
        assert_eq!(parse_duration("60"), None);
        assert_eq!(parse_duration("5x"), None);
    }
}
