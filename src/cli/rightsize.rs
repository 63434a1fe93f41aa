//! `platc rightsize`: measured use from Prometheus in, reviewed changes of `platform.yaml` out.

use std::path::PathBuf;
use std::time::Duration;

use clap::Args;
use serde::Serialize;

use super::{Cli, Output};
use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::load;
use crate::pipeline::{self, Failure};
use crate::report::Format;
use crate::resolve::Lifecycle;
use crate::rightsize::plan::{self, Row, Savings};
use crate::rightsize::query::{self, Client, Scope};
use crate::rightsize::report::{self, JsonRow};
use crate::rightsize::write;
use crate::upgrade;

/// The environment variable that holds the bearer token for Prometheus.
pub const TOKEN_ENV: &str = "PLATC_PROMETHEUS_TOKEN";

/// `platc rightsize` arguments.
#[derive(Debug, Args)]
pub struct RightsizeArgs {
    /// The Prometheus server: `http(s)://host:port` (with a path prefix if it has one).
    #[arg(long, value_name = "URL")]
    pub prometheus: String,
    /// Only this environment [default: every environment].
    #[arg(long, value_name = "ENV")]
    pub env: Option<String>,
    /// How much history to read, overriding `airflow.resources.rightsize.window` (`14d`).
    #[arg(long, value_name = "DURATION")]
    pub window: Option<String>,
    /// Apply the proposals to the spec file (atomically) instead of only showing them.
    #[arg(long)]
    pub write: bool,
    /// A file holding the bearer token for Prometheus (else $PLATC_PROMETHEUS_TOKEN, else none).
    #[arg(long, value_name = "PATH")]
    pub token_file: Option<PathBuf>,
    /// Evaluate at this unix time instead of now (to repeat a run on the same data).
    #[arg(long, value_name = "UNIX_SECONDS")]
    pub at: Option<f64>,
    /// Give up on one query after this many seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 120)]
    pub timeout: u64,
}

#[derive(Serialize)]
struct JsonReport<'a> {
    changed: bool,
    written: bool,
    valid: bool,
    diff: String,
    recommendations: Vec<JsonRow>,
    savings: &'a [Savings],
    diagnostics: Vec<Diagnostic>,
}

pub fn run(cli: &Cli, out: &Output, args: &RightsizeArgs) -> i32 {
    let front = match pipeline::front_end(&cli.file) {
        Ok(front) => front,
        Err(failure) => return out.failure(&failure),
    };
    let io = |message: String| {
        out.failure(&Failure::io(Diagnostic::error(
            "rightsize-prometheus",
            message,
        )))
    };
    if let Some(window) = &args.window
        && !crate::validate::resources::prometheus_duration(window)
    {
        let d = Diagnostic::error(
            "resources-rightsize",
            format!("--window `{window}` is not a Prometheus duration"),
        )
        .help("write a number and a unit, such as `14d`, `36h` or `1w`");
        return out.failure(&Failure::io(d));
    }
    if args.write && cli.file.as_os_str() == load::STDIN {
        return io("--write needs a spec file, not standard input".into());
    }
    let token = match token(args) {
        Ok(t) => t,
        Err(message) => return io(message),
    };
    let client = match Client::new(
        &args.prometheus,
        token,
        args.at,
        Duration::from_secs(args.timeout.max(1)),
    ) {
        Ok(c) => c,
        Err(message) => return io(message),
    };
    let envs: Vec<_> = front
        .model
        .environments
        .iter()
        .filter(|e| args.env.as_ref().is_none_or(|n| *n == e.name))
        .collect();
    if envs.is_empty() {
        let known: Vec<&str> = front
            .model
            .environments
            .iter()
            .map(|e| e.name.as_str())
            .collect();
        return io(format!(
            "no environment `{}`; the spec has {}",
            args.env.as_deref().unwrap_or_default(),
            known.join(", ")
        ));
    }
    let mut rows: Vec<Row> = Vec::new();
    let mut savings = Vec::new();
    for env in envs {
        let mut settings = env.airflow.resources.rightsize.clone().unwrap_or_default();
        if let Some(window) = &args.window {
            settings.window = window.clone();
        }
        let scope = match &env.lifecycle {
            Lifecycle::LongLived { .. } => Scope::namespace(&env.namespace),
            Lifecycle::Preview(_) => Scope::prefix(&env.namespace),
        };
        let containers: Vec<&str> = plan::components(env).into_iter().map(|(_, c)| c).collect();
        let tasks = env.airflow.executor == crate::spec::Executor::KubernetesExecutor;
        let measured = match query::measure(&client, &scope, &containers, tasks, &settings) {
            Ok(m) => m,
            Err(message) => return io(format!("environment `{}`: {message}", env.name)),
        };
        let env_rows = plan::rows(env, &measured, &settings);
        savings.push(plan::savings(&env.name, &env_rows));
        rows.extend(env_rows);
    }
    let proposals = plan::proposals(&rows);
    let text = match write::apply(&front.doc, &proposals) {
        Ok(t) => t,
        Err(d) => {
            out.diagnostics(&d.into(), Some(&front.doc.text));
            return 2;
        }
    };
    let changed = text != front.doc.text;
    let name = cli.file.file_name().map_or_else(
        || "platform.yaml".to_owned(),
        |n| n.to_string_lossy().into_owned(),
    );
    let diff = if changed {
        similar::TextDiff::from_lines(&front.doc.text, &text)
            .unified_diff()
            .header(&format!("a/{name}"), &format!("b/{name}"))
            .to_string()
    } else {
        String::new()
    };
    let problems: Diagnostics = match load::load_str(&front.doc.path, text.clone()) {
        Ok(new) => match pipeline::front_end_doc(new) {
            Ok(f) => f.warnings,
            Err(failure) => failure.diagnostics,
        },
        Err(d) => d.into(),
    };
    let valid = !problems.has_errors();
    let mut written = false;
    if args.write && changed && valid {
        if let Err(e) = upgrade::write_atomically(&cli.file, &text) {
            return io(format!("cannot write {}: {e}", cli.file.display()));
        }
        written = true;
    }
    let code = match out.format {
        Format::Json => {
            let report = JsonReport {
                changed,
                written,
                valid,
                diff,
                recommendations: rows.iter().map(JsonRow::from).collect(),
                savings: &savings,
                diagnostics: problems.0.clone(),
            };
            let text = serde_json::to_string_pretty(&report).unwrap_or_default();
            out.stdout(&(text + "\n"))
        }
        Format::Markdown => {
            let mut md = String::from("### platc rightsize\n\n");
            md.push_str(&report::markdown(&rows));
            md.push('\n');
            md.push_str(&report::savings(&savings).replace('\n', "\n\n"));
            if changed {
                md.push_str(&format!("<details><summary>proposed change of {name}</summary>\n\n```diff\n{diff}```\n</details>\n"));
            } else {
                md.push_str("Nothing to change.\n");
            }
            out.stdout(&md)
        }
        Format::Human | Format::Github => {
            let mut t = diff.clone();
            if !diff.is_empty() {
                t.push('\n');
            }
            t.push_str(&report::table(&rows));
            t.push('\n');
            t.push_str(&report::savings(&savings));
            out.stdout(&t)
        }
    };
    if code != 0 {
        return code;
    }
    if !problems.is_empty() && out.format != Format::Json {
        let _ = out.diagnostics(&problems, Some(&text));
    }
    if out.format != Format::Json {
        out.info(&match (changed, written, valid) {
            (false, _, _) => "nothing to change\n".to_owned(),
            (true, true, _) => format!("wrote {}; it validates\n", cli.file.display()),
            (true, false, true) => {
                "the edited spec validates; run again with --write to apply\n".to_owned()
            }
            (true, false, false) => {
                "the edited spec would not validate; nothing written\n".to_owned()
            }
        });
    }
    i32::from(!valid)
}

/// The bearer token: from `--token-file`, else from the environment; never from a flag value.
fn token(args: &RightsizeArgs) -> Result<Option<String>, String> {
    if let Some(path) = &args.token_file {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read the token file {}: {e}", path.display()))?;
        let token = text.trim();
        if token.is_empty() {
            return Err(format!("the token file {} is empty", path.display()));
        }
        return Ok(Some(token.to_owned()));
    }
    Ok(std::env::var(TOKEN_ENV)
        .ok()
        .map(|t| t.trim().to_owned())
        .filter(|t| !t.is_empty()))
}
