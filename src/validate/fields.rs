//! Field grammars: each free-text field whose value lands in another language's text is checked
//! here at its place, so validate refuses what the encoders would otherwise have to carry:
//! git refs, Kubernetes names of Secrets and accounts, environment variable names, remote log
//! URLs, DAG folder paths, preview branch globs and paths, Ingress annotations, config values.

use crate::diagnostic::{Diagnostic, Diagnostics, Place};
use crate::load::{Document, escape_pointer};
use crate::resolve::{Lifecycle, Model, ResolvedEnvironment};
use crate::spec::{ConfigValue, Database, EnvClass, Literal};
use crate::validate::origin::Origin;

/// Checks every field grammar of the model.
pub fn check(model: &Model, doc: &Document) -> Diagnostics {
    let mut out = Diagnostics::default();
    branch(
        &model.gitops.branch,
        doc.value_place("/gitops/branch"),
        &mut out,
    );
    kubernetes_label(
        &model.argocd.namespace,
        "Argo CD namespace",
        doc.value_place("/argocd/namespace"),
        &mut out,
    );
    if let Some(secret) = &model.argocd.scm_token_secret {
        kubernetes_name(
            secret,
            "Secret",
            doc.value_place("/argocd/scmTokenSecret"),
            &mut out,
        );
    }
    for env in &model.environments {
        environment(env, doc, &mut out);
    }
    out
}

fn environment(env: &ResolvedEnvironment, doc: &Document, out: &mut Diagnostics) {
    let at = Origin::new(doc, &env.name);
    let clash = [EnvClass::Prod, EnvClass::Dev]
        .into_iter()
        .any(|class| env.name == crate::render::argocd::project_file_stem(class));
    if clash {
        out.push(
            Diagnostic::error("argocd-path-clash", format!("environment `{}` would be written over an AppProject file", env.name))
                .at(doc.key_place(&format!("/environments/{}", escape_pointer(&env.name))))
                .help("rename the environment: `argocd/project-<class>.yaml` holds the AppProject of each class"),
        );
    }
    match &env.lifecycle {
        Lifecycle::LongLived { branch: b } => branch(b, at.value("/branch"), out),
        Lifecycle::Preview(preview) => {
            if let Err(why) = preview_glob(&preview.branches) {
                out.push(
                    Diagnostic::error("preview-branches", format!("branch glob `{}` {why}", preview.branches.escape_debug()))
                        .at(doc.value_place(&at.own("/preview/branches")))
                        .help("use letters, digits, `-._/` and the wildcards `*` and `?`, such as `feature/*`: a branch's name becomes part of a URL path, a namespace and Airflow's config"),
                );
            }
            if let Err(why) = preview_path(&preview.path) {
                out.push(
                    Diagnostic::error("preview-path", format!("preview path `{}` {why}", preview.path.escape_debug()))
                        .at(doc.value_place(&at.own("/preview/path")))
                        .help("write it like `/{branch}` or `/previews/{slug}`: `/`-separated letters, digits, `-._~` and the placeholders"),
                );
            }
        }
    }
    let secrets = &env.secrets;
    let named = [
        ("/secrets/fernetKey", Some(&secrets.fernet_key)),
        ("/secrets/apiSecretKey", Some(&secrets.api_secret_key)),
        ("/secrets/jwtSecret", secrets.jwt_secret.as_ref()),
        ("/secrets/gitSshKey", secrets.git_ssh_key.as_ref()),
        ("/secrets/gitCredentials", secrets.git_credentials.as_ref()),
        (
            "/secrets/externalSecrets",
            secrets.external_secrets.as_ref(),
        ),
        ("/ingress/tlsSecret", env.ingress.tls_secret.as_ref()),
    ];
    for (pointer, name) in named {
        if let Some(name) = name {
            kubernetes_name(name, "Secret", at.value(pointer), out);
        }
    }
    if let Database::External(db) = &env.database {
        kubernetes_name(&db.secret, "Secret", at.value("/database/secret"), out);
    }
    if let Some(logging) = &env.logging
        && let Err(why) = crate::naming::urls::log_store_url(&logging.remote)
    {
        out.push(
            Diagnostic::error("logging-url", format!("`{}` is not a remote log folder: {why}", logging.remote.escape_debug()))
                .at(at.value("/logging/remote"))
                .help("use `gs://bucket/path`, `s3://bucket/path` or `wasbs://container@account.blob.core.windows.net/path`"),
        );
    }
    if let Some(sub_path) = &env.dags.sub_path
        && let Err(why) = folder_path(sub_path)
    {
        out.push(
            Diagnostic::error("dags-path", format!("`dags.subPath` `{}` {why}", sub_path.escape_debug()))
                .at(at.value("/dags/subPath"))
                .help("name a folder of the DAG repository, such as `dags`: relative, `/`-separated, without `.` or `..`"),
        );
    }
    if let Some(conventions) = &env.dags.conventions
        && let Err(why) = relative_path(&conventions.layout)
    {
        out.push(
            Diagnostic::error("dags-path", format!("layout `{}` {why}", conventions.layout.escape_debug()))
                .at(at.value("/dags/conventions/layout"))
                .help("write it like `dags/{domain}/{name}.py`: relative, `/`-separated, without `.` or `..`"),
        );
    }
    for (name, value) in &env.airflow.env {
        let pointer = format!("/airflow/env/{}", escape_pointer(name));
        if !crate::encode::shell::is_identifier(name) {
            out.push(
                Diagnostic::error("env-name", format!("`{}` is not an environment variable name", name.escape_debug()))
                    .at(at.key(&pointer))
                    .help("use letters, digits and `_`, not starting with a digit, such as `AIRFLOW__CORE__PARALLELISM`"),
            );
        }
        secret_ref(value, &at, &pointer, out);
    }
    for (section, options) in &env.airflow.config {
        for (key, value) in options {
            let pointer = format!(
                "/airflow/config/{}/{}",
                escape_pointer(section),
                escape_pointer(key)
            );
            if let ConfigValue::Literal(Literal::Text(text)) = value
                && text.chars().any(char::is_control)
            {
                out.push(
                    Diagnostic::error("airflow-config-value", format!("the value of [{section}] {key} holds a line break or control character"))
                        .at(at.value(&pointer))
                        .help("airflow.cfg holds one line per option: a line break would start a new option or section; write the value on one line"),
                );
            }
            secret_ref(value, &at, &pointer, out);
        }
    }
    for (key, value) in &env.ingress.annotations {
        let pointer = format!("/ingress/annotations/{}", escape_pointer(key));
        if let Some(why) = code_carrying_annotation(key, value) {
            out.push(
                Diagnostic::error("ingress-annotation", format!("annotation `{key}` {why}"))
                    .at(at.key(&pointer))
                    .help("drop it, or, after a security review, keep it with `# platc:allow(ingress-annotation): <who reviewed it and why>`"),
            );
        }
    }
}

/// The Secret of a `{secret, key}` value is a Kubernetes name.
fn secret_ref(value: &ConfigValue, at: &Origin, pointer: &str, out: &mut Diagnostics) {
    if let ConfigValue::Secret(s) = value {
        kubernetes_name(
            &s.secret,
            "Secret",
            at.value(&format!("{pointer}/secret")),
            out,
        );
    }
}

/// Branches must be names git accepts, and hold nothing a shell, a URL or a template would read.
fn branch(name: &str, place: Option<Place>, out: &mut Diagnostics) {
    let why = crate::naming::git_branch_name(name).err().or_else(|| {
        name.chars()
            .any(|c| !(c.is_alphanumeric() || "._/-+=,@".contains(c)))
            .then_some("it holds a character other than letters, digits and `._/-+=,@`")
    });
    if let Some(why) = why {
        out.push(
            Diagnostic::error(
                "git-ref",
                format!("`{}` is not a branch name: {why}", name.escape_debug()),
            )
            .at(place)
            .help("name the branch as git shows it, such as `main` or `release/2026-q1`"),
        );
    }
}

/// Characters a branch of a preview may hold: it becomes a URL path segment, part of a
/// namespace and a value of Airflow's config (through the chart's `tpl` and configparser).
pub fn is_preview_branch_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_' | '/')
}

fn preview_glob(glob: &str) -> Result<(), &'static str> {
    if glob.is_empty() {
        return Err("is empty");
    }
    if glob
        .chars()
        .all(|c| is_preview_branch_char(c) || c == '*' || c == '?')
    {
        Ok(())
    } else {
        Err("holds a character other than letters, digits, `-._/`, `*` and `?`")
    }
}

fn preview_path(path: &str) -> Result<(), &'static str> {
    if !path.starts_with('/') {
        return Err("does not start with `/`");
    }
    let rest = path.replace("{branch}", "b").replace("{slug}", "s");
    if !rest
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'/'))
    {
        return Err(
            "holds a character other than letters, digits, `-._~/` and `{branch}`/`{slug}`",
        );
    }
    if rest.split('/').any(|s| s == "." || s == "..") {
        return Err("has a `.` or `..` segment");
    }
    Ok(())
}

/// A relative path that stays inside its root: `/`-separated plain segments.
pub fn relative_path(path: &str) -> Result<(), &'static str> {
    if path.is_empty() || path.starts_with('/') {
        return Err("is empty or absolute");
    }
    if path.chars().any(|c| c.is_control() || c == '\\') {
        return Err("holds a backslash or control character");
    }
    let segments: Vec<&str> = path.trim_end_matches('/').split('/').collect();
    if segments
        .iter()
        .any(|s| s.is_empty() || *s == "." || *s == ".." || *s == ".git")
    {
        return Err("has an empty, `.`, `..` or `.git` segment");
    }
    if path.chars().any(|c| "\"'`$;|&<>#%*?[]".contains(c)) {
        return Err("holds a shell or URL metacharacter");
    }
    Ok(())
}

/// A folder of a repository that becomes part of Airflow's `dags_folder` and `PYTHONPATH`: a
/// [`relative_path`] without layout placeholders (`{…}`) or whitespace.
pub fn folder_path(path: &str) -> Result<(), &'static str> {
    relative_path(path)?;
    if path
        .chars()
        .any(|c| c == '{' || c == '}' || c.is_whitespace())
    {
        return Err("holds a brace or whitespace, which a folder Airflow imports from cannot");
    }
    Ok(())
}

/// Why an Ingress annotation can carry code or server configuration into the controller.
fn code_carrying_annotation(key: &str, value: &str) -> Option<&'static str> {
    let name = key.rsplit('/').next().unwrap_or(key);
    if name.ends_with("-snippet") || name.ends_with("-snippets") {
        return Some("injects raw configuration into the ingress controller");
    }
    let takes_url = matches!(
        name,
        "auth-url" | "auth-signin" | "auth-cache-key" | "auth-proxy-set-headers"
    );
    if takes_url && value.contains('$') {
        return Some("interpolates controller variables (`$…`) into an authentication request");
    }
    if value.chars().any(char::is_control) {
        return Some("has a value with a line break or control character");
    }
    None
}

fn kubernetes_name(name: &str, what: &str, place: Option<Place>, out: &mut Diagnostics) {
    if !crate::naming::is_dns1123_subdomain(name) {
        out.push(
            Diagnostic::error("name-invalid", format!("{what} `{}` is not a valid Kubernetes name", name.escape_debug()))
                .at(place)
                .help("use lower-case letters, digits, `-` and `.`, starting and ending with a letter or digit"),
        );
    }
}

fn kubernetes_label(name: &str, what: &str, place: Option<Place>, out: &mut Diagnostics) {
    if !crate::naming::is_dns1123_label(name) {
        out.push(
            Diagnostic::error("name-invalid", format!("{what} `{}` is not a valid Kubernetes name", name.escape_debug()))
                .at(place)
                .help("use at most 63 lower-case letters, digits and `-`, starting and ending with a letter or digit"),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_paths_stay_inside() {
        for good in [
            "dags",
            "dags/team-a",
            "src/dags/",
            "dags/{domain}/{name}.py",
        ] {
            assert_eq!(relative_path(good), Ok(()), "{good}");
        }
        for bad in [
            "",
            "/etc",
            "../../../etc",
            "dags/../..",
            "./dags",
            "a//b",
            ".git/hooks",
            "a\\b",
            "a\nb",
            "$(id)",
            "a;b",
            "a\"b",
            "100%",
            "a#b",
        ] {
            assert!(relative_path(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn dag_folders_hold_no_placeholders_or_spaces() {
        assert_eq!(folder_path("dags/team-a"), Ok(()));
        for bad in ["{{ ti.dag_id }}", "a b", "dags/{domain}", "../etc"] {
            assert!(folder_path(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn preview_globs_and_paths() {
        assert_eq!(preview_glob("feature/*"), Ok(()));
        for bad in ["feature/100%", "a#*", "{{x}}*", "a b", ""] {
            assert!(preview_glob(bad).is_err(), "{bad:?}");
        }
        assert_eq!(preview_path("/{branch}"), Ok(()));
        assert_eq!(preview_path("/previews/{slug}"), Ok(()));
        for bad in ["{branch}", "/a%25", "/a#b", "/{{ x }}", "/a b", "/../x"] {
            assert!(preview_path(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn annotations_that_carry_code() {
        for (key, value) in [
            (
                "nginx.ingress.kubernetes.io/configuration-snippet",
                "more_set_headers x;",
            ),
            (
                "nginx.ingress.kubernetes.io/server-snippet",
                "location / {}",
            ),
            (
                "nginx.ingress.kubernetes.io/auth-url",
                "http://auth/$request_uri",
            ),
            ("example.com/anything", "a\nb"),
        ] {
            assert!(code_carrying_annotation(key, value).is_some(), "{key}");
        }
        for (key, value) in [
            ("cert-manager.io/cluster-issuer", "letsencrypt"),
            (
                "nginx.ingress.kubernetes.io/auth-url",
                "https://auth.example.com/check",
            ),
            ("nginx.ingress.kubernetes.io/proxy-body-size", "8m"),
        ] {
            assert!(code_carrying_annotation(key, value).is_none(), "{key}");
        }
    }
}
