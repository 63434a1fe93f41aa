//! The image build: Dockerfile and requirements.txt, and the content-addressed image reference.

use crate::diagnostic::Diagnostics;
use crate::render::Context;
use crate::resolve::Model;

/// Output path of the Dockerfile.
pub const DOCKERFILE: &str = "image/Dockerfile";
/// Output path of the requirements file.
pub const REQUIREMENTS: &str = "image/requirements.txt";

/// The image the Helm values run: repository plus a tag derived from the build inputs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageRef {
    /// Registry and repository.
    pub repository: String,
    /// Tag: `<airflow>-<12 hex of the build inputs' hash>`.
    pub tag: String,
}

/// The rendered build inputs.
#[derive(Debug, Clone)]
pub struct ImageBuild {
    /// Dockerfile text.
    pub dockerfile: String,
    /// requirements.txt text.
    pub requirements: String,
    /// The reference derived from both.
    pub reference: ImageRef,
}

/// Renders the build inputs.
pub fn render(model: &Model, _ctx: &Context) -> Result<ImageBuild, Diagnostics> {
    Ok(ImageBuild {
        dockerfile: String::new(),
        requirements: String::new(),
        reference: ImageRef {
            repository: model.image.repository.clone(),
            tag: String::new(),
        },
    })
}
