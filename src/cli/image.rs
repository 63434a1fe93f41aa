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
