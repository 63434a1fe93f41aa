//! The command line: arguments, dispatch, output and exit codes.
//!
//! Exit codes: 0 success, 1 the spec is invalid (or `out/` is stale), 2 usage or I/O error.
//! A closed pipe (`platc show prod | head`) ends quietly with 0.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

use clap::{Parser, Subcommand, ValueEnum};

use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::pipeline::Failure;
use crate::report::{self, Format};

mod airflow;
mod commands;
mod dag;
mod image;
mod init;
mod monitoring;
mod preview_check;
mod rightsize;

/// Compile one typed platform.yaml into Helm values, Argo CD manifests and image files for Airflow.
#[derive(Debug, Parser)]
#[command(name = "platc", version, about, long_about = None, after_help = EXAMPLES)]
pub struct Cli {
    /// The platform spec. Read by validate, show, compile, diff, check, preview, airflow, upgrade,
    /// dag and image; `-` reads standard input (validate, show, preview, airflow). Ignored by schema,
    /// rules, completions, man and init (which writes platform.yaml in --dir)
    /// [default: platform.yaml here, or in the nearest folder above within the git work tree]
    #[arg(
        short = 'f',
        long = "file",
        global = true,
        default_value = "platform.yaml",
        hide_default_value = true,
        value_name = "FILE",
        help_heading = GLOBAL
    )]
    pub file: PathBuf,
    /// Output format for diagnostics and results.
    #[arg(long, global = true, value_enum, default_value_t = Format::Human, help_heading = GLOBAL)]
    pub format: Format,
    /// When to use colour: only on a terminal by default; NO_COLOR is honoured.
    #[arg(
        long,
        global = true,
        value_enum,
        default_value_t = Color::Auto,
        value_name = "WHEN",
        help_heading = GLOBAL
    )]
    pub color: Color,
    /// Treat warnings as errors.
    #[arg(long, global = true, help_heading = GLOBAL)]
    pub deny_warnings: bool,
    /// Print only problems: no progress, summary or success lines.
    #[arg(short, long, global = true, help_heading = GLOBAL)]
    pub quiet: bool,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The heading of the options every command takes, apart from each command's own.
const GLOBAL: &str = "Global options";

const EXAMPLES: &str = "\
Examples:
  platc validate                  check platform.yaml in this folder
  platc validate -f other.yaml --format github
  platc show prod                 print the resolved prod environment
  platc init --cloud aws           start a GitOps repository here
  platc compile                   write out/ from platform.yaml
  platc diff --stat               what compile would change
  platc check --format github     in CI: fail when out/ is stale
  platc preview feature/hardy     names Argo CD gives that branch
  git for-each-ref --format='%(refname:lstrip=3)' refs/remotes/origin | platc preview --check -
                                  would two of the remote branches share a name?
  platc schema --write schema/platform.schema.json

Exit status: 0 ok, 1 the spec is invalid or out/ is stale, 2 usage or I/O error.";

/// Colour choice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Color {
    /// Colour when writing to a terminal and NO_COLOR is unset.
    Auto,
    /// Always colour.
    Always,
    /// Never colour.
    Never,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check the spec: schema, then the semantic rules. Prints every problem at its line and column.
    Validate,
    /// Print the JSON Schema of platform.yaml, or write it with --write.
    Schema {
        /// Write the schema to this file (atomically, inside the current git work tree) instead
        /// of printing it; the path the spec's `yaml-language-server` line names.
        #[arg(long, value_name = "PATH")]
        write: Option<PathBuf>,
    },
    /// List the rules validate applies, or explain one: what it reports and how to fix it.
    Rules {
        /// A rule id, such as `isolation-shared` (the id in `error[...]`).
        id: Option<String>,
    },
    /// Print one environment fully resolved (shared settings plus its overrides), as YAML.
    Show {
        /// Environment name, as under `environments:`.
        env: String,
    },
    /// Print the metric families, labels and series an environment's Prometheus will have
    /// (with `monitoring` on), to write panels and alerts of your own.
    Monitoring {
        /// Environment name, as under `environments:`.
        env: String,
    },
    /// Compile the spec into the output folder. Writes atomically; touches only files platc owns.
    Compile {
        /// Output folder (default: `gitops.path` at the root of the spec's git work tree).
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
        /// Replace files in the output folder that platc did not write.
        #[arg(long)]
        force: bool,
        /// Stage exactly platc's files and commit them with the change summary as message.
        #[arg(long)]
        commit: bool,
    },
    /// Show what `compile` would change, as a unified diff.
    Diff {
        /// Output folder (default: `gitops.path` at the root of the spec's git work tree).
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
        /// Print a summary of changed lines per file instead of the diff.
        #[arg(long)]
        stat: bool,
        /// Exit with 1 when there are changes (and also 1 when the spec is invalid).
        #[arg(long, conflicts_with = "detailed_exitcode")]
        exit_code: bool,
        /// Exit 0 when there are no changes, 2 when there are, 1 on any error (as Terraform and
        /// Helmfile do), so CI can tell "changes" from "invalid spec".
        #[arg(long)]
        detailed_exitcode: bool,
    },
    /// For CI: fail when the spec is invalid, or when the output folder or the schema file is stale.
    Check {
        /// Output folder (default: `gitops.path` at the root of the spec's git work tree).
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
    },
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell).
    #[command(
        after_help = "Install, for example:\n  bash: platc completions bash > ~/.local/share/bash-completion/completions/platc\n  zsh:  platc completions zsh > ~/.zfunc/_platc   (with fpath+=(~/.zfunc) before compinit)\n  fish: platc completions fish > ~/.config/fish/completions/platc.fish"
    )]
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff), for `man -l -`; with --out, write one page per command.
    Man {
        /// Write `platc.1` and a `platc-<command>.1` for every command into this existing
        /// folder, for packaging.
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
    },
    /// Print the names and URL Argo CD will create for a branch of the DAG repository.
    Preview {
        /// The git branch, such as `feature/hardy`. With `--check`, any number of branches, and
        /// `-` reads more from standard input, one per line.
        #[arg(required = true, value_name = "BRANCH")]
        branches: Vec<String>,
        /// The preview environment (default: the only one; with `--check`, all of them).
        #[arg(long)]
        env: Option<String>,
        /// Report branches that would get the same Argo CD Application or namespace name as
        /// another branch or environment (exit 1 if any do), instead of describing one branch.
        #[arg(long)]
        check: bool,
    },
    /// Airflow's config options per version: list them, or explain one.
    Airflow {
        /// What to show.
        #[command(subcommand)]
        command: airflow::AirflowCommand,
    },
    /// Move the spec to another Airflow version: renames, removals and checks of its Airflow
    /// options, shown as a diff of the spec.
    Upgrade {
        /// The Airflow version to move to, such as `3.3.2`.
        #[arg(long, value_name = "VERSION")]
        to: String,
        /// Apply the change to the spec file (atomically) instead of only showing it.
        #[arg(long)]
        write: bool,
    },
    /// The Airflow image the values name: its tag, and the folder to build it from.
    Image {
        /// What to print.
        #[command(subcommand)]
        command: image::ImageCommand,
    },
    /// Start a GitOps repository: write a commented platform.yaml that validates and compiles,
    /// the schema it names, a CI workflow and a pre-commit config. Never overwrites.
    Init(init::InitArgs),
    /// Requests from measured use: reads Prometheus, proposes `airflow.resources` per component
    /// and per task, as a diff of platform.yaml; `--write` applies it, keeping comments.
    Rightsize(rightsize::RightsizeArgs),
    /// DAG authoring: scaffold a DAG file, or check DAG files against the spec's conventions.
    Dag {
        /// What to do.
        #[command(subcommand)]
        command: dag::DagCommand,
    },
}

/// Runs the command line and returns the process exit code.
pub fn main() -> i32 {
    use clap::{CommandFactory, FromArgMatches, parser::ValueSource};
    let parsed = Cli::command()
        .try_get_matches()
        .and_then(|m| Cli::from_arg_matches(&m).map(|cli| (cli, m)));
    let cli = match parsed {
        Ok((mut cli, matches)) => {
            if matches.value_source("file") == Some(ValueSource::DefaultValue) {
                cli.file = find_spec(&cli.file);
            }
            cli
        }
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() { 2 } else { 0 };
        }
    };
    // A panic is a bug; it must still end with a documented exit code, never Rust's 101.
    std::panic::set_hook(Box::new(|info| {
        eprintln!("error: platc hit an internal error (a bug): {info}");
        eprintln!("help: please report it with the spec that triggers it");
    }));
    std::panic::catch_unwind(|| run(&cli)).unwrap_or(2)
}

/// The spec when `-f` is not given: `platform.yaml` here, else in the nearest folder above, up to
/// the root of the git work tree, so platc works from any folder of the repository.
fn find_spec(default: &Path) -> PathBuf {
    if default.exists() {
        return default.to_path_buf();
    }
    let Ok(here) = std::env::current_dir() else {
        return default.to_path_buf();
    };
    // Outside a work tree nothing bounds the search: a stray ~/platform.yaml must not be read.
    let Some(levels) = here.ancestors().position(|dir| dir.join(".git").exists()) else {
        return default.to_path_buf();
    };
    let mut relative = PathBuf::new();
    for dir in here.ancestors().take(levels + 1) {
        if dir.join(default).is_file() {
            return relative.join(default);
        }
        relative.push("..");
    }
    default.to_path_buf()
}

/// Whether `NO_COLOR` leaves colour allowed (unset or empty, as no-color.org says).
fn no_color_unset() -> bool {
    std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

/// Runs parsed arguments and returns the exit code.
pub fn run(cli: &Cli) -> i32 {
    let color = match cli.color {
        Color::Always => true,
        Color::Never => false,
        Color::Auto => no_color_unset() && std::io::stderr().is_terminal(),
    };
    let out = Output {
        format: cli.format,
        color,
        color_choice: cli.color,
        deny_warnings: cli.deny_warnings,
        quiet: cli.quiet,
    };
    match &cli.command {
        Command::Schema { write } => commands::schema(&out, write.as_deref()),
        Command::Rules { id } => commands::rules(&out, id.as_deref()),
        Command::Validate => commands::validate(cli, &out),
        Command::Show { env } => commands::show(cli, &out, env),
        Command::Monitoring { env } => monitoring::monitoring(cli, &out, env),
        Command::Compile {
            out: dir,
            force,
            commit,
        } => commands::compile(cli, &out, dir.as_deref(), *force, *commit),
        Command::Diff {
            out: dir,
            stat,
            exit_code,
            detailed_exitcode,
        } => {
            let exit = match (exit_code, detailed_exitcode) {
                (_, true) => commands::DiffExit::Detailed,
                (true, false) => commands::DiffExit::ChangesFail,
                (false, false) => commands::DiffExit::Plain,
            };
            commands::diff(cli, &out, dir.as_deref(), *stat, exit)
        }
        Command::Check { out: dir } => commands::check(cli, &out, dir.as_deref()),
        Command::Preview {
            branches,
            env,
            check: true,
        } => preview_check::run(cli, &out, branches, env.as_deref()),
        Command::Preview {
            branches,
            env,
            check: false,
        } => match branches.as_slice() {
            [branch] => commands::preview(cli, &out, branch, env.as_deref()),
            _ => {
                let d = Diagnostic::error("E064", "`platc preview` describes one branch")
                    .help("pass one branch, or add `--check` to check many for name clashes");
                out.diagnostics(&d.into(), None);
                2
            }
        },
        Command::Completions { shell } => {
            let mut text = Vec::new();
            clap_complete::generate(
                *shell,
                &mut <Cli as clap::CommandFactory>::command(),
                "platc",
                &mut text,
            );
            out.stdout(&String::from_utf8_lossy(&text))
        }
        Command::Man { out: Some(dir) } => {
            if !dir.is_dir() {
                let d = Diagnostic::error("E055", format!("`{}` is not a folder", dir.display()))
                    .help("create it first: platc man --out writes into an existing folder");
                return out.failure(&Failure::io(d));
            }
            let cmd = <Cli as clap::CommandFactory>::command();
            match clap_mangen::generate_to(cmd, dir) {
                Ok(()) => {
                    out.info(&format!("wrote the manual pages into {}\n", dir.display()));
                    0
                }
                Err(e) => out.failure(&Failure::io(Diagnostic::error(
                    "E055",
                    format!("cannot write the manual pages into {}: {e}", dir.display()),
                ))),
            }
        }
        Command::Man { out: None } => {
            let mut text = Vec::new();
            match clap_mangen::Man::new(<Cli as clap::CommandFactory>::command()).render(&mut text)
            {
                Ok(()) => out.stdout(&String::from_utf8_lossy(&text)),
                Err(e) => out.failure(&Failure::io(Diagnostic::error(
                    "E099",
                    format!("cannot render the manual: {e}"),
                ))),
            }
        }
        Command::Airflow { command } => airflow::run(cli, &out, command),
        Command::Upgrade { to, write } => airflow::upgrade(cli, &out, to, *write),
        Command::Rightsize(args) => rightsize::run(cli, &out, args),
        Command::Dag { command } => dag::run(cli, &out, command),
        Command::Init(args) => init::run(&out, args),
        Command::Image { command } => image::run(cli, &out, command),
    }
}

pub(crate) struct Output {
    pub(crate) format: Format,
    /// Colour on stderr, resolved from the choice, NO_COLOR and the terminal.
    pub(crate) color: bool,
    /// What `--color` said, for stdout.
    pub(crate) color_choice: Color,
    pub(crate) deny_warnings: bool,
    /// `--quiet`: no [`Output::info`] lines.
    pub(crate) quiet: bool,
}

impl Output {
    /// Prints diagnostics; returns 1 when they stop the run, else 0.
    pub(crate) fn diagnostics(&self, diagnostics: &Diagnostics, source: Option<&str>) -> i32 {
        if diagnostics.is_empty() {
            return 0;
        }
        let text = report::render(diagnostics, source, self.format, self.color);
        match self.format {
            Format::Json | Format::Markdown => {
                self.stdout(&text);
            }
            Format::Human | Format::Github => self.stderr(&text),
        }
        let stops = diagnostics.has_errors() || (self.deny_warnings && !diagnostics.is_empty());
        i32::from(stops)
    }

    pub(crate) fn failure(&self, failure: &Failure) -> i32 {
        let code = self.diagnostics(&failure.diagnostics, failure.source.as_deref());
        if failure.io { 2 } else { code.max(1) }
    }

    /// The warnings of a run that goes on to print a result. Human, GitHub and Markdown print
    /// them now; JSON keeps them for the result's `diagnostics` (one document per command),
    /// unless they stop the run, when the diagnostics report is the document. `Err` is the exit
    /// code when they stop the run (`--deny-warnings`).
    pub(crate) fn warnings(&self, warnings: &Diagnostics, source: Option<&str>) -> Result<(), i32> {
        let stops = warnings.has_errors() || (self.deny_warnings && !warnings.is_empty());
        if self.format == Format::Json && !stops {
            return Ok(());
        }
        match self.diagnostics(warnings, source) {
            0 => Ok(()),
            code => Err(code),
        }
    }

    /// Prints a command's JSON result: `result`'s fields plus `diagnostics` (the warnings).
    pub(crate) fn json_result(&self, result: serde_json::Value, warnings: &Diagnostics) -> i32 {
        let mut object = match result {
            serde_json::Value::Object(map) => map,
            other => {
                let mut map = serde_json::Map::new();
                map.insert("result".into(), other);
                map
            }
        };
        object.insert(
            "diagnostics".into(),
            serde_json::to_value(report::redacted(warnings)).unwrap_or_default(),
        );
        let text = serde_json::to_string_pretty(&object).unwrap_or_default() + "\n";
        self.stdout(&text)
    }

    /// Colour for stdout: `--color always` colours even through a pipe; `auto` needs stdout
    /// (whatever stderr is) to be a terminal, and NO_COLOR unset.
    pub(crate) fn color_stdout(&self) -> bool {
        match self.color_choice {
            Color::Always => true,
            Color::Never => false,
            Color::Auto => no_color_unset() && std::io::stdout().is_terminal(),
        }
    }

    pub(crate) fn stdout(&self, text: &str) -> i32 {
        write_quietly(&mut std::io::stdout().lock(), text)
    }

    pub(crate) fn stderr(&self, text: &str) {
        let _ = write_quietly(&mut std::io::stderr().lock(), text);
    }

    /// A line about what happened rather than a problem: on stderr, unless `--quiet`.
    pub(crate) fn info(&self, text: &str) {
        if !self.quiet {
            self.stderr(text);
        }
    }
}

/// Writes, treating a closed pipe as the reader being done rather than an error.
fn write_quietly(w: &mut dyn Write, text: &str) -> i32 {
    match w.write_all(text.as_bytes()).and_then(|()| w.flush()) {
        Ok(()) => 0,
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => 0,
        Err(_) => 2,
    }
}
