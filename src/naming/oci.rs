//! Container image references, by the distribution project's reference grammar (the one Docker,
//! containerd and every registry client parse): `[domain[:port]/]path[:tag][@digest]`.

/// The parts of a reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference<'a> {
    /// The registry host and optional port, when the first component names one.
    pub domain: Option<&'a str>,
    /// The repository path below the registry.
    pub path: &'a str,
    pub tag: Option<&'a str>,
    pub digest: Option<&'a str>,
}

/// Longest repository name (domain and path) registries accept.
const MAX_NAME: usize = 255;

/// Parses `text` as an image reference, or says which part breaks the grammar.
pub fn parse(text: &str) -> Result<Reference<'_>, &'static str> {
    let (rest, digest) = match text.split_once('@') {
        Some((rest, digest)) => {
            check_digest(digest)?;
            (rest, Some(digest))
        }
        None => (text, None),
    };
    // A tag follows the last `:` when no `/` comes after it (else that `:` is a port).
    let (name, tag) = match rest.rsplit_once(':') {
        Some((name, tag)) if !tag.contains('/') => {
            check_tag(tag)?;
            (name, Some(tag))
        }
        _ => (rest, None),
    };
    if name.is_empty() {
        return Err("it has no repository name");
    }
    if name.len() > MAX_NAME {
        return Err("the name is longer than 255 characters");
    }
    let (domain, path) = match name.split_once('/') {
        Some((first, path))
            if first.contains(['.', ':'])
                || first == "localhost"
                || first.bytes().any(|b| b.is_ascii_uppercase()) =>
        {
            check_domain(first)?;
            (Some(first), path)
        }
        _ => (None, name),
    };
    for component in path.split('/') {
        check_path_component(component)?;
    }
    Ok(Reference {
        domain,
        path,
        tag,
        digest,
    })
}

/// `host[:port]`: dot-separated labels of letters, digits and inner `-`, or a bracketed IPv6.
fn check_domain(domain: &str) -> Result<(), &'static str> {
    let (host, port) = match domain.rsplit_once(':') {
        Some((host, port)) if !host.ends_with(':') && !port.contains(']') => (host, Some(port)),
        _ => (domain, None),
    };
    if let Some(port) = port
        && (port.is_empty() || !port.bytes().all(|b| b.is_ascii_digit()))
    {
        return Err("the registry port is not a number");
    }
    if let Some(ip6) = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
        return match ip6.parse::<std::net::Ipv6Addr>() {
            Ok(_) => Ok(()),
            Err(_) => Err("the registry's IPv6 address is not valid"),
        };
    }
    let label_ok = |l: &str| {
        !l.is_empty()
            && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
            && !l.starts_with('-')
            && !l.ends_with('-')
    };
    if host.split('.').all(label_ok) {
        Ok(())
    } else {
        Err("the registry host is not a host name")
    }
}

/// `[a-z0-9]+` runs joined by one separator: `.`, `_`, `__` or any number of `-`.
fn check_path_component(component: &str) -> Result<(), &'static str> {
    const BAD: &str =
        "a path component is not lowercase letters and digits joined by `.`, `_`, `__` or `-`";
    let bytes = component.as_bytes();
    if bytes.is_empty() {
        return Err("a path component is empty (`//` or a trailing `/`)");
    }
    let alnum = |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit();
    let mut i = 0;
    loop {
        let start = i;
        while i < bytes.len() && alnum(bytes[i]) {
            i += 1;
        }
        if i == start {
            return Err(BAD);
        }
        if i == bytes.len() {
            return Ok(());
        }
        let sep_start = i;
        while i < bytes.len() && !alnum(bytes[i]) {
            i += 1;
        }
        let sep = &component[sep_start..i];
        let dashes = sep.bytes().all(|b| b == b'-');
        if !(sep == "." || sep == "_" || sep == "__" || dashes) {
            return Err(BAD);
        }
    }
}

/// `[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}`.
fn check_tag(tag: &str) -> Result<(), &'static str> {
    let ok = (1..=128).contains(&tag.len())
        && !tag.starts_with(['.', '-'])
        && tag
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'));
    if ok {
        Ok(())
    } else {
        Err(
            "the tag is not 1 to 128 of letters, digits, `_`, `.`, `-` (not starting with `.` or `-`)",
        )
    }
}

/// `algorithm:hex` with at least 32 hex digits.
fn check_digest(digest: &str) -> Result<(), &'static str> {
    let ok = digest.split_once(':').is_some_and(|(algorithm, hex)| {
        !algorithm.is_empty()
            && algorithm
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"+._-".contains(&b))
            && hex.len() >= 32
            && hex.bytes().all(|b| b.is_ascii_hexdigit())
    });
    if ok {
        Ok(())
    } else {
        Err("the digest is not `algorithm:hex`")
    }
}

#[cfg(test)]
mod tests {
    use super::parse;

    #[test]
    fn references_follow_the_distribution_grammar() {
        for good in [
            "airflow",
            "apache/airflow",
            "europe-west1-docker.pkg.dev/carshare-data-prod/airflow/airflow",
            "localhost:5000/team/airflow",
            "registry.example.com:443/a/b__c/d-e/f.g",
            "123456789012.dkr.ecr.eu-west-1.amazonaws.com/airflow",
            "myacr.azurecr.io/airflow:3.2.2",
            "ghcr.io/org/airflow@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
            "[::1]:5000/airflow",
            "a---b/c",
        ] {
            assert!(parse(good).is_ok(), "{good}: {:?}", parse(good));
        }
        for bad in [
            "",
            "Airflow",
            "registry.example.com/Team/airflow",
            "registry.example.com/team/airflow\nFROM alpine",
            "registry.example.com/team;rm -rf /",
            "$(curl x|sh)",
            "reg.example.com/a//b",
            "reg.example.com/a/",
            "/a",
            "reg.example.com/a b",
            "a:",
            "a:-x",
            "reg_bad.com:5000/a",
            "reg.example.com:port/a",
            "a@sha256:xyz",
            "a..b",
            "a._b",
            "${{ secrets.X }}/a",
            "`id`/a",
            "reg.example.com/a#b",
        ] {
            assert!(parse(bad).is_err(), "{bad:?}");
        }
    }
}
