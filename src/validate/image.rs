//! Rule family `image-*`: the image repository is an image reference, and each system package is
//! a Debian package name with an optional `=version`, pinned where requirements must be.

use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::load::Document;
use crate::resolve::Model;

/// Checks `image.repository` and `image.systemPackages`.
pub fn check(model: &Model, doc: &Document) -> Diagnostics {
    let mut out = Diagnostics::default();
    let repository = &model.image.repository;
    match crate::naming::oci::parse(repository) {
        Err(why) => out.push(
            Diagnostic::error(
                "image-reference",
                format!(
                    "`{}` is not an image repository: {why}",
                    repository.escape_debug()
                ),
            )
            .at(doc.value_place("/image/repository"))
            .help("write `registry.example.com/team/airflow`: lowercase path components, no tag"),
        ),
        Ok(r) if r.tag.is_some() || r.digest.is_some() => out.push(
            Diagnostic::error(
                "image-reference",
                format!("`{repository}` carries a tag or digest; platc derives the tag"),
            )
            .at(doc.value_place("/image/repository"))
            .help("drop the `:tag` / `@digest`: the tag comes from the build inputs' hash"),
        ),
        Ok(_) => {}
    }
    let pins_needed = model.environments.iter().find(|e| e.pin_requirements);
    for (i, package) in model.image.system_packages.iter().enumerate() {
        let place = doc.value_place(&format!("/image/systemPackages/{i}"));
        match debian_package(package) {
            Err(why) => out.push(
                Diagnostic::error(
                    "image-package",
                    format!("`{}` is not a Debian package: {why}", package.escape_debug()),
                )
                .at(place)
                .help("write the package name as apt knows it, optionally `=version`: `curl=7.88.1-10+deb12u12`"),
            ),
            Ok(None) => {
                if let Some(env) = pins_needed {
                    out.push(
                        Diagnostic::error(
                            "image-package-unpinned",
                            format!("system package `{package}` is not pinned"),
                        )
                        .at(place)
                        .label("needs `=version`")
                        .note(format!(
                            "environment `{}` requires pinned requirements (`pinRequirements`)",
                            env.name
                        ))
                        .help(format!(
                            "pin the version the base image's Debian ships (`apt-cache policy {package}` in the image): `{package}=<version>`"
                        )),
                    );
                }
            }
            Ok(Some(_)) => {}
        }
    }
    out
}

/// Checks `name[=version]` by Debian policy: the name is lowercase letters, digits and `+ - .`
/// starting with a letter or digit (two characters at least); the version is
/// `[epoch:]upstream[-revision]` over letters, digits and `. + ~ - :`, the upstream starting
/// with a digit. Returns the version, if any.
pub fn debian_package(text: &str) -> Result<Option<&str>, &'static str> {
    let (name, version) = match text.split_once('=') {
        Some((name, version)) => (name, Some(version)),
        None => (text, None),
    };
    let name_ok = name.len() >= 2
        && name
            .bytes()
            .next()
            .is_some_and(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"+-.".contains(&b));
    if !name_ok {
        return Err(
            "a name is two or more of a-z, 0-9, `+`, `-`, `.`, starting with a letter or digit",
        );
    }
    let Some(version) = version else {
        return Ok(None);
    };
    let upstream = match version.split_once(':') {
        Some((epoch, rest)) if !epoch.is_empty() && epoch.bytes().all(|b| b.is_ascii_digit()) => {
            rest
        }
        Some(_) => return Err("the epoch before `:` is not a number"),
        None => version,
    };
    let version_ok = upstream.bytes().next().is_some_and(|b| b.is_ascii_digit())
        && upstream
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"+.~-:".contains(&b))
        && !upstream.ends_with('-');
    if version_ok {
        Ok(Some(version))
    } else {
        Err("a version starts with a digit and holds only letters, digits and `. + ~ - :`")
    }
}

#[cfg(test)]
mod tests {
    use super::debian_package;

    #[test]
    fn debian_package_grammar() {
        assert_eq!(debian_package("curl"), Ok(None));
        assert_eq!(
            debian_package("libpq5=15.8-0+deb12u1"),
            Ok(Some("15.8-0+deb12u1"))
        );
        assert_eq!(
            debian_package("git=1:2.39.5-0+deb12u2"),
            Ok(Some("1:2.39.5-0+deb12u2"))
        );
        assert!(debian_package("g++").is_ok());
        for bad in [
            "curl; rm -rf / #",
            "$(curl x|sh)",
            "`id`",
            "curl\nFROM alpine",
            "Curl",
            "c",
            "-curl",
            "curl=",
            "curl=abc",
            "curl=1.0 extra",
            "curl=x:1",
            "curl=1.0-",
            "curl=1'",
            "curl=${{x}}",
            "curl=1%",
        ] {
            assert!(debian_package(bad).is_err(), "{bad:?}");
        }
    }
}
