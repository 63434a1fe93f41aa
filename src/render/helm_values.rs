//! Helm values for the official Apache Airflow chart, one file per environment.

use serde_json::{Value, json};

use crate::diagnostic::Diagnostics;
use crate::render::image::ImageRef;
use crate::resolve::{Model, ResolvedEnvironment};

/// Where an environment's values file goes.
pub fn path(env: &ResolvedEnvironment) -> String {
    format!("{}/values.yaml", env.name)
}

/// The values for one environment.
pub fn render(
    _model: &Model,
    _env: &ResolvedEnvironment,
    _image: &ImageRef,
) -> Result<Value, Diagnostics> {
    Ok(json!({}))
}

/// Values that differ per branch of a preview environment, as Helm parameter names with Argo CD
/// Go-template values (strings only: Argo CD templates string fields).
pub fn branch_parameters(_model: &Model, _env: &ResolvedEnvironment) -> Vec<(String, String)> {
    Vec::new()
}
