//! Argo CD: AppProjects per isolation class, an Application per long-lived environment, an
//! ApplicationSet per preview environment.

use serde_json::Value;

use crate::diagnostic::Diagnostics;
use crate::resolve::Model;

/// Every Argo CD document, by output path.
pub fn render(_model: &Model) -> Result<Vec<(String, Value)>, Diagnostics> {
    Ok(Vec::new())
}
