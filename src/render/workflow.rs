//! The parts every generated GitHub Actions workflow is built from: jobs and steps as typed
//! data, with spec text entering only through [`Step::data`] (an `env:` value, used as `"$NAME"`
//! in the script) and [`Step::input`] (an action input), both made expression-free first.

use indexmap::IndexMap;
use serde::Serialize;

use crate::encode::github;

/// A workflow that runs on pull requests to, and pushes on, one branch.
#[derive(Debug, Serialize)]
pub struct Workflow {
    /// The workflow's name.
    pub name: &'static str,
    /// When it runs.
    pub on: Triggers,
    /// The `GITHUB_TOKEN`'s (and OIDC token's) permissions.
    pub permissions: IndexMap<&'static str, &'static str>,
    /// The jobs, by id.
    pub jobs: IndexMap<&'static str, Job>,
}

/// Pull requests and pushes.
#[derive(Debug, Serialize)]
pub struct Triggers {
    /// Pull requests into these branches, run with the workflow of the pull request.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pull_request: Option<Branches>,
    /// Pull requests into these branches, run with the workflow of the branch they go into:
    /// a pull request cannot change what such a run does with the credentials it gets.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pull_request_target: Option<Branches>,
    /// Pushes to these branches.
    pub push: Branches,
}

/// Branch filters.
#[derive(Debug, Serialize)]
pub struct Branches {
    /// Patterns, each made to match one branch ([`github::filter_literal`]).
    pub branches: Vec<String>,
}

impl Branches {
    /// A filter that matches exactly `branch`.
    pub fn only(branch: &str) -> Branches {
        Branches {
            branches: vec![github::filter_literal(branch)],
        }
    }
}

/// A job.
#[derive(Debug, Serialize)]
pub struct Job {
    /// The job's name: what GitHub shows, and the name a required status check matches.
    pub name: &'static str,
    /// The runner.
    #[serde(rename = "runs-on")]
    pub runs_on: &'static str,
    /// The steps, in order.
    pub steps: Vec<Step>,
}

/// A step: an action (`uses`) or a script (`run`).
#[derive(Debug, Default, Serialize)]
pub struct Step {
    /// Id for later steps' `steps.<id>.outputs`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<&'static str>,
    /// The step's name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Condition: platc's own expression text, never spec data.
    #[serde(rename = "if", skip_serializing_if = "Option::is_none")]
    pub condition: Option<&'static str>,
    /// The action.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uses: Option<&'static str>,
    /// The action's inputs.
    #[serde(skip_serializing_if = "IndexMap::is_empty")]
    pub with: IndexMap<&'static str, String>,
    /// Spec data reaches `run:` only through here, as `"$NAME"` ([`crate::encode::shell::var`]).
    #[serde(skip_serializing_if = "IndexMap::is_empty")]
    pub env: IndexMap<&'static str, String>,
    /// The script: platc's constant text.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub run: Option<String>,
}

/// A step that runs `action`.
pub fn uses(action: &'static str) -> Step {
    Step {
        uses: Some(action),
        ..Step::default()
    }
}

/// A `run:` step. The script is platc's constant text; spec values go in with [`Step::data`].
pub fn run(name: &str, command: impl Into<String>) -> Step {
    Step {
        name: Some(name.to_owned()),
        run: Some(command.into()),
        ..Step::default()
    }
}

impl Step {
    /// Passes spec text to the step's script as environment variable `name` (GitHub evaluates
    /// `${{` in `env:` values too, so the text is made an expression-free literal first).
    pub fn data(mut self, name: &'static str, value: &str) -> Step {
        self.env.insert(name, github::literal(value));
        self
    }

    /// Sets an action input from spec text.
    pub fn input(&mut self, name: &'static str, value: &str) {
        self.with.insert(name, github::literal(value));
    }

    /// Names the step.
    pub fn named(mut self, name: &str) -> Step {
        self.name = Some(name.to_owned());
        self
    }
}

/// The actions generated workflows use, at their current major versions (Node 24 runtimes).
pub const CHECKOUT: &str = "actions/checkout@v6";
/// Python for the DAG repository's checks.
pub const SETUP_PYTHON: &str = "actions/setup-python@v6";
/// `docker login` with a user name and password (or token).
pub const DOCKER_LOGIN: &str = "docker/login-action@v4";
