//! `platc init`.

use std::path::{Path, PathBuf};

use clap::{Args, ValueEnum};

use crate::cli::Output;
use crate::cloud::Cloud;
use crate::diagnostic::Diagnostics;
use crate::init::{self, Request};
use crate::pipeline::Failure;
use crate::spec::Executor;

/// The cloud, as a flag.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CloudFlag {
    Gcp,
    Aws,
    Azure,
}

/// The executor, as a flag.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExecutorFlag {
    #[value(name = "KubernetesExecutor")]
    Kubernetes,
    #[value(name = "CeleryExecutor")]
    Celery,
    #[value(name = "LocalExecutor")]
    Local,
}

/// `platc init` flags.
#[derive(Debug, Args)]
pub struct InitArgs {
    /// The folder to start (the GitOps repository's root).
    #[arg(long, value_name = "DIR", default_value = ".")]
    pub dir: PathBuf,
    /// The cloud the environments run in.
    #[arg(long, value_enum, default_value_t = CloudFlag::Gcp)]
    pub cloud: CloudFlag,
    /// The Airflow release; the chart is the newest platc renders for it.
    #[arg(long, value_name = "VERSION", default_value = "3.2.2")]
    pub airflow: String,
    /// The executor.
    #[arg(long, value_enum, default_value_t = ExecutorFlag::Kubernetes)]
    pub executor: ExecutorFlag,
    /// The platform's short name (a DNS label): prefix of Argo CD projects and applications.
    #[arg(long, default_value = "data")]
    pub name: String,
    /// The DNS domain the Airflow hosts live under.
    #[arg(long, default_value = "data.example.com")]
    pub domain: String,
    /// The DAG repository git-sync pulls.
    #[arg(
        long,
        value_name = "URL",
        default_value = "git@github.com:example/dags.git"
    )]
    pub dag_repo: String,
    /// This GitOps repository [default: its `origin` remote, else a placeholder].
    #[arg(long, value_name = "URL")]
    pub gitops_repo: Option<String>,
    /// An environment, repeatable; the first is `prod` class on `main`, the others `dev`.
    #[arg(long = "env", value_name = "NAME", default_values_t = ["prod".to_owned(), "dev".to_owned()])]
    pub environments: Vec<String>,
}

/// `platc init`: exit 0 written, 1 the flags make a spec that does not validate or a file
/// exists (nothing written), 2 a file cannot be written.
pub fn run(out: &Output, args: &InitArgs) -> i32 {
    let request = Request {
        cloud: match args.cloud {
            CloudFlag::Gcp => Cloud::Gcp,
            CloudFlag::Aws => Cloud::Aws,
            CloudFlag::Azure => Cloud::Azure,
        },
        airflow: args.airflow.clone(),
        executor: match args.executor {
            ExecutorFlag::Kubernetes => Executor::KubernetesExecutor,
            ExecutorFlag::Celery => Executor::CeleryExecutor,
            ExecutorFlag::Local => Executor::LocalExecutor,
        },
        name: args.name.clone(),
        domain: args.domain.clone(),
        dag_repo: args.dag_repo.clone(),
        gitops_repo: args
            .gitops_repo
            .clone()
            .or_else(|| origin_remote(&args.dir))
            .unwrap_or_else(|| "https://github.com/example/platform-gitops.git".to_owned()),
        environments: args.environments.clone(),
    };
    let scaffold = match init::scaffold(&request) {
        Ok(s) => s,
        Err(diagnostics) => {
            let mut all = Diagnostics::default();
            all.extend(diagnostics);
            out.stderr(
                "error: these flags make a spec that does not validate; nothing was written\n",
            );
            return out.failure(&Failure {
                diagnostics: all,
                source: None,
                io: false,
            });
        }
    };
    match crate::emit::create_new(&args.dir, &scaffold.files) {
        Ok(()) => {}
        Err(d) if d.message.contains("never overwrites") => {
            return out.failure(&Failure {
                diagnostics: d.into(),
                source: None,
                io: false,
            });
        }
        Err(d) => return out.failure(&Failure::io(d)),
    }
    for (path, _) in &scaffold.files {
        out.info(&format!("wrote {}\n", args.dir.join(path).display()));
    }
    out.info("next: replace the REPLACE placeholders, run `platc compile`, commit platform.yaml, schema/, out/ and the workflow; out/PREREQUISITES.md says what the cloud needs and where the image workflow goes\n");
    0
}

/// The `origin` remote of the git repository at `dir`, when there is one.
fn origin_remote(dir: &Path) -> Option<String> {
    let output = std::process::Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(["remote", "get-url", "origin"])
        .output()
        .ok()?;
    let url = String::from_utf8(output.stdout).ok()?.trim().to_owned();
    (output.status.success() && !url.is_empty()).then_some(url)
}
