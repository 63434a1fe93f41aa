//! `platc init` in a fresh repository, for each cloud: the spec it writes validates, compiles and
//! checks as written, every values file renders with the official chart (`helm template`, when
//! `PLATC_HELM` is set), and a second init refuses to overwrite.

mod common;

use std::path::Path;
use std::process::Command;

use common::{chart_src, helm, platc};

fn git(dir: &Path, args: &[&str]) {
    let status = Command::new("git")
        .current_dir(dir)
        .args(args)
        .status()
        .expect("git");
    assert!(status.success(), "git {args:?}");
}

/// A fresh git repository with an origin remote.
fn fresh_repo() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    git(dir.path(), &["init", "-q", "-b", "main"]);
    git(
        dir.path(),
        &[
            "remote",
            "add",
            "origin",
            "https://github.com/acme/platform-gitops.git",
        ],
    );
    dir
}

fn init_compile_check(cloud: &str, extra: &[&str]) -> tempfile::TempDir {
    let repo = fresh_repo();
    let mut args = vec!["init", "--cloud", cloud];
    args.extend_from_slice(extra);
    let init = platc(repo.path(), &args);
    assert_eq!(init.status, 0, "{cloud}: {}", init.stderr);
    for file in [
        "platform.yaml",
        "schema/platform.schema.json",
        ".github/workflows/platc.yml",
        ".pre-commit-config.yaml",
    ] {
        assert!(repo.path().join(file).is_file(), "{cloud}: {file}");
    }
    let spec = std::fs::read_to_string(repo.path().join("platform.yaml")).unwrap();
    assert!(spec.starts_with("# yaml-language-server: $schema=schema/platform.schema.json\n"));
    assert!(spec.contains(&format!("cloud: {cloud}")), "{spec}");
    assert!(
        spec.contains("https://github.com/acme/platform-gitops.git"),
        "the origin remote"
    );
    let validate = platc(repo.path(), &["validate", "--deny-warnings"]);
    assert_eq!(validate.status, 0, "{cloud}: {}\n{spec}", validate.stderr);
    let compile = platc(repo.path(), &["compile"]);
    assert_eq!(compile.status, 0, "{cloud}: {}", compile.stderr);
    let check = platc(repo.path(), &["check"]);
    assert_eq!(check.status, 0, "{cloud}: {}", check.stderr);
    repo
}

fn helm_template_every_values_file(repo: &Path, chart: &str) {
    let (Some(helm), Some(chart)) = (helm(), chart_src(chart)) else {
        return;
    };
    for env in ["prod", "dev"] {
        let values = repo.join("out").join(env).join("values.yaml");
        let rendered = Command::new(&helm)
            .args(["template", "airflow"])
            .arg(&chart)
            .args(["-n", "airflow", "-f"])
            .arg(&values)
            .output()
            .unwrap();
        assert!(
            rendered.status.success(),
            "{}: {}",
            values.display(),
            String::from_utf8_lossy(&rendered.stderr)
        );
        assert!(String::from_utf8_lossy(&rendered.stdout).contains("kind: Deployment"));
    }
}

#[test]
fn init_gcp() {
    let repo = init_compile_check("gcp", &[]);
    helm_template_every_values_file(repo.path(), "1.22.0");
}

#[test]
fn init_aws_celery() {
    let repo = init_compile_check("aws", &["--executor", "CeleryExecutor"]);
    helm_template_every_values_file(repo.path(), "1.22.0");
}

#[test]
fn init_azure() {
    let repo = init_compile_check("azure", &["--dag-repo", "https://github.com/acme/dags.git"]);
    helm_template_every_values_file(repo.path(), "1.22.0");
}

#[test]
fn init_airflow_2_picks_the_older_chart() {
    let repo = init_compile_check("gcp", &["--airflow", "2.11.2"]);
    let spec = std::fs::read_to_string(repo.path().join("platform.yaml")).unwrap();
    assert!(spec.contains("chart: 1.21.0"), "{spec}");
    helm_template_every_values_file(repo.path(), "1.21.0");
}

#[test]
fn init_refuses_to_overwrite_and_writes_nothing() {
    let repo = fresh_repo();
    std::fs::write(repo.path().join(".pre-commit-config.yaml"), "repos: []\n").unwrap();
    let out = platc(repo.path(), &["init"]);
    assert_eq!(out.status, 1, "{}", out.stderr);
    assert!(out.stderr.contains("error[E063]"), "{}", out.stderr);
    assert!(
        out.stderr.contains(".pre-commit-config.yaml"),
        "{}",
        out.stderr
    );
    assert!(
        !repo.path().join("platform.yaml").exists(),
        "nothing written"
    );
    assert_eq!(
        std::fs::read_to_string(repo.path().join(".pre-commit-config.yaml")).unwrap(),
        "repos: []\n"
    );
}

#[test]
fn init_flags_cannot_inject_yaml() {
    let repo = fresh_repo();
    let hostile = "git@github.com:a/b.git\"\nimage: {repository: evil}\n#";
    let out = platc(repo.path(), &["init", "--dag-repo", hostile]);
    // Whether or not the dags.repo grammar refuses it, the flag stays one inert string.
    if out.status == 0 {
        let text = std::fs::read_to_string(repo.path().join("platform.yaml")).unwrap();
        let spec = platc::load::load_str("platform.yaml", text).unwrap().value;
        assert_eq!(spec["dags"]["repo"], hostile);
        assert_ne!(spec["image"]["repository"], "evil");
        for dir in ["schema", ".github"] {
            std::fs::remove_dir_all(repo.path().join(dir)).unwrap();
        }
        for file in ["platform.yaml", ".pre-commit-config.yaml"] {
            std::fs::remove_file(repo.path().join(file)).unwrap();
        }
    } else {
        assert_eq!(out.status, 1, "{}", out.stderr);
        assert!(!repo.path().join("platform.yaml").exists());
    }
    let out = platc(repo.path(), &["init", "--name", "Not A Label"]);
    assert_eq!(out.status, 1, "{}", out.stderr);
    assert!(out.stderr.contains("nothing was written"), "{}", out.stderr);
    assert!(!repo.path().join("platform.yaml").exists());
}
