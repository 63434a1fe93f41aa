//! `platc image tag` and `platc image context`: what the image pipeline builds and pushes.

use std::path::PathBuf;

use clap::Subcommand;

use crate::cli::{Cli, Output};
use crate::pipeline;

/// The image subcommands.
#[derive(Debug, Subcommand)]
pub enum ImageCommand {
    /// Print the image tag every values file names (`<airflow>-<hash of the build inputs>`).
    Tag {
        /// Print `repository:tag` instead of the tag alone.
        #[arg(long)]
        reference: bool,
    },
    /// Print the build folder: `out/image` (the Dockerfile and requirements.txt).
    Context {
        /// Output folder (default: `gitops.path` at the root of the spec's git work tree).
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
    },
}

/// Runs an image subcommand.
pub fn run(cli: &Cli, out: &Output, command: &ImageCommand) -> i32 {
    let front = match pipeline::front_end(&cli.file) {
        Ok(front) => front,
        Err(failure) => return out.failure(&failure),
    };
    if let Err(code) = out.warnings(&front.warnings, Some(&front.doc.text)) {
        return code;
    }
    match command {
        ImageCommand::Tag { reference } => match pipeline::image(&front, &cli.file) {
            Ok(build) if *reference => out.stdout(&format!("{}\n", build.reference.reference())),
            Ok(build) => out.stdout(&format!("{}\n", build.reference.tag)),
            Err(failure) => out.failure(&failure),
        },
        ImageCommand::Context { out: dir } => {
            let folder = pipeline::out_dir(&front, &cli.file, dir.as_deref()).join("image");
            out.stdout(&format!("{}\n", folder.display()))
        }
    }
}

/// For `platc check`: the copy of the image workflow GitHub runs (`.github/workflows/` at the
/// root of the GitOps repository) must be the file compile writes, else the required check
/// fails on the next pull request. Nothing is said when there is no copy (`PREREQUISITES.md`
/// says to make one) or when `--out` moves the output away from `gitops.path`.
pub fn stale_copy(
    front: &pipeline::FrontEnd,
    spec_path: &std::path::Path,
    explicit_out: Option<&std::path::Path>,
    tree: &crate::render::OutputTree,
) -> Option<crate::diagnostic::Diagnostic> {
    use crate::render::image_ci::PATH;
    let generated = tree.get(PATH)?;
    if explicit_out.is_some() {
        return None;
    }
    let out_dir = pipeline::out_dir(front, spec_path, None);
    let depth = std::path::Path::new(&front.model.gitops.path)
        .components()
        .count();
    let root = (0..depth).try_fold(out_dir.as_path(), |dir, _| dir.parent())?;
    let installed = root.join(PATH);
    let text = std::fs::read(&installed).ok()?;
    if text == generated.as_bytes() {
        return None;
    }
    let shown = installed.display().to_string();
    Some(
        crate::diagnostic::Diagnostic::error(
            "image-workflow-stale",
            format!(
                "{shown} is not the image workflow this spec compiles to: its required check fails"
            ),
        )
        .at(Some(crate::diagnostic::Place {
            file: shown.clone(),
            line: 1,
            column: 1,
            start: 0,
            end: 0,
        }))
        .help(format!(
            "copy it over: `cp {} {shown}`",
            crate::encode::shell::quote(&out_dir.join(PATH).display().to_string())
        )),
    )
}
