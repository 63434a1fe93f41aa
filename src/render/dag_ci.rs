//! The DAG repository's CI: a GitHub Actions workflow that runs Black, `platc dag check` and an
//! import test of every DAG inside the platform's own image.
//!
//! Rendered only when the spec has `dags.conventions`. The file goes to `dag-repo/` in the output
//! folder, to be copied into the DAG repository (its `.github/workflows/dags.yml`).

use indexmap::IndexMap;

use crate::encode::{github, python, shell};
use crate::render::image::ImageRef;
use crate::render::workflow::{
    Branches, CHECKOUT, DOCKER_LOGIN as LOGIN, Job, SETUP_PYTHON, Step, Triggers, Workflow, run,
    uses,
};
use crate::resolve::{Lifecycle, Model};

/// Output path of the workflow.
pub const PATH: &str = "dag-repo/.github/workflows/dags.yml";

/// The Black release the DAG files are checked with; `platc dag new` output is tested against it.
pub const BLACK: &str = "black==26.10.1";

/// Where the DAG repository is mounted in the import test's container.
const MOUNT: &str = "/opt/airflow/dag-repo";

/// Where the platform repository (holding the spec) is checked out next to the DAG repository.
const PLATFORM_DIR: &str = ".platform";

/// The workflow, when the spec has DAG conventions.
pub fn render(
    model: &Model,
    image: &ImageRef,
    spec_name: &str,
) -> Option<(String, serde_json::Value)> {
    let first = model.environments.first()?;
    let conventions = first.dags.conventions.as_ref()?;
    let branch = model
        .environments
        .iter()
        .find_map(|e| match &e.lifecycle {
            Lifecycle::LongLived { branch } => Some(branch.clone()),
            Lifecycle::Preview(_) => None,
        })
        .unwrap_or_else(|| "main".to_owned());
    let dag_folder = first.dags.sub_path.clone().unwrap_or_else(|| {
        conventions
            .layout
            .split("/{")
            .next()
            .unwrap_or("")
            .trim_end_matches('/')
            .to_owned()
    });
    let mut setup_python = uses(SETUP_PYTHON);
    setup_python.input("python-version", &model.image.python);
    let conventions_job = Job {
        name: "Black and the DAG conventions",
        runs_on: "ubuntu-latest",
        steps: vec![
            uses(CHECKOUT),
            setup_python,
            run(
                "Black",
                format!("pip install \"{BLACK}\"\nblack --check --diff .\n"),
            ),
            platform_checkout(&model.gitops.repo, &model.gitops.branch),
            // The release wheel carries the binary: seconds, where a build took minutes.
            run(
                "Install platc",
                format!(
                    "python -m pip install --disable-pip-version-check \"{}\"\n",
                    crate::init::requirement()
                ),
            ),
            run(
                "platc dag check",
                format!(
                    "platc -f {} dag check --repo . --format github\n",
                    shell::var("PLATFORM_SPEC")
                ),
            )
            .data("PLATFORM_SPEC", &format!("{PLATFORM_DIR}/{spec_name}")),
        ],
    };
    let registry = image.repository.split('/').next().unwrap_or("").to_owned();
    let mut login = uses(LOGIN);
    login.name = Some("Log in to the image registry".into());
    login.input("registry", &registry);
    login
        .with
        .insert("username", "${{ secrets.REGISTRY_USERNAME }}".into());
    login
        .with
        .insert("password", "${{ secrets.REGISTRY_PASSWORD }}".into());
    let import = run(
        "Import every DAG in the platform image",
        format!(
            "docker run --rm -v \"$PWD:{MOUNT}:ro\" -e PYTHONPATH={MOUNT} -e AIRFLOW__CORE__LOAD_EXAMPLES=False {} python -c {}\n",
            shell::var("IMAGE"),
            shell::var("IMPORT_TEST"),
        ),
    )
    .data("IMAGE", &image.reference())
    .data("IMPORT_TEST", &import_test(&dag_folder));
    let import_job = Job {
        name: "DAGs import in the Airflow image",
        runs_on: "ubuntu-latest",
        steps: vec![uses(CHECKOUT), login, import],
    };
    let workflow = Workflow {
        name: "DAGs",
        on: Triggers {
            pull_request: Some(Branches {
                branches: vec![github::filter_literal(&branch)],
            }),
            pull_request_target: None,
            push: Branches {
                branches: vec![github::filter_literal(&branch)],
            },
        },
        permissions: IndexMap::from([("contents", "read")]),
        jobs: IndexMap::from([("conventions", conventions_job), ("import", import_job)]),
    };
    let value = serde_json::to_value(&workflow).ok()?;
    Some((PATH.to_owned(), value))
}

/// The spec's repository checked out beside the DAGs: `actions/checkout` for GitHub, else `git clone`.
fn platform_checkout(repo: &str, branch: &str) -> Step {
    match crate::naming::github_repo(repo) {
        Some((org, name)) => {
            let slug = format!("{org}/{name}");
            let mut step = uses(CHECKOUT);
            step.name = Some("Check out the platform spec".into());
            step.input("repository", &slug);
            step.input("ref", branch);
            step.with.insert("path", PLATFORM_DIR.to_owned());
            step.with
                .insert("token", "${{ secrets.PLATFORM_REPO_TOKEN }}".into());
            // The token reads the spec; later steps (which build and run code) must not inherit it.
            step.with.insert("persist-credentials", "false".into());
            step
        }
        None => run(
            "Check out the platform spec",
            format!(
                "git clone --depth 1 --branch {} -- {} {PLATFORM_DIR}\n",
                shell::var("PLATFORM_BRANCH"),
                shell::var("PLATFORM_REPO"),
            ),
        )
        .data("PLATFORM_BRANCH", branch)
        .data("PLATFORM_REPO", repo),
    }
}

/// Python run inside the image: parse every DAG with Airflow's DagBag and annotate import errors.
fn import_test(dag_folder: &str) -> String {
    let folder = if dag_folder.is_empty() {
        MOUNT.to_owned()
    } else {
        format!("{MOUNT}/{dag_folder}")
    };
    let folder = python::string_literal(&folder);
    let mount = python::string_literal(&format!("{MOUNT}/"));
    // Bound to a name: before Python 3.12 an f-string cannot hold its own quote character.
    format!(
        r#"import sys
try:
    from airflow.dag_processing.dagbag import DagBag
except ImportError:
    from airflow.models import DagBag
bag = DagBag(dag_folder={folder}, include_examples=False)
mount = {mount}
for path, error in sorted(bag.import_errors.items()):
    message = str(error).replace("%", "%25").replace("\n", "%0A")
    print(f"::error file={{path.removeprefix(mount)}}::{{message}}")
print(f"{{len(bag.dags)}} DAGs imported, {{len(bag.import_errors)}} import errors")
sys.exit(1 if bag.import_errors else 0)
"#
    )
}

#[cfg(test)]
mod tests {
    use super::{CHECKOUT, platform_checkout};

    #[test]
    fn every_github_url_form_checks_out_with_the_action() {
        for repo in [
            "https://github.com/carshare/platform.git",
            "git@github.com:carshare/platform.git",
            "ssh://git@github.com/carshare/platform.git",
        ] {
            let step = platform_checkout(repo, "main");
            assert_eq!(step.uses, Some(CHECKOUT), "{repo}");
            assert_eq!(step.with["repository"], "carshare/platform", "{repo}");
        }
        let step = platform_checkout("https://gitlab.com/carshare/platform.git", "main");
        assert!(step.uses.is_none());
        assert!(step.run.is_some_and(|r| r.starts_with("git clone")));
    }
}
