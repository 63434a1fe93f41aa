//! Validate: first the JSON Schema, then the semantic rules, each family in its own file.
//!
//! Validation never stops at the first problem: it returns every diagnostic it found.

mod airflow_options;
pub mod allow;
mod celery;
mod chart_values;
mod cloud;
mod dags_folder;
mod fields;
mod git;
mod gitops;
mod identity;
mod image;
mod isolation;
mod names;
mod origin;
mod previews;
mod publish;
mod required;
pub mod requirements;
pub mod resources;
mod schema;
pub mod secrets;
mod versions;

pub use identity::cluster as canonical_cluster;

pub use schema::check_schema;

use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::load::Document;
use crate::spec::Spec;

/// Checks the document against the schema and turns it into the typed spec.
pub fn validate(doc: &Document) -> Result<(Spec, Diagnostics), Diagnostics> {
    let diagnostics = check_schema(doc);
    if diagnostics.has_errors() {
        return Err(diagnostics);
    }
    let spec: Spec = serde_json::from_value(doc.value.clone()).map_err(|e| {
        Diagnostics::from(
            Diagnostic::error("E029", format!("the spec does not fit its types: {e}"))
                .at(doc.value_place("")),
        )
    })?;
    Ok((spec, diagnostics))
}

/// The semantic rules, run on the resolved model with the document for places.
pub fn rules(model: &crate::resolve::Model, doc: &Document) -> Diagnostics {
    let mut out = Diagnostics::default();
    out.extend(versions::check(model, doc));
    out.extend(airflow_options::check(model, doc));
    out.extend(secrets::check(doc));
    out.extend(names::check(model, doc));
    out.extend(isolation::check(model, doc));
    out.extend(cloud::check(model, doc));
    out.extend(celery::check(model, doc));
    out.extend(dags_folder::check(model, doc));
    out.extend(requirements::check(model, doc));
    out.extend(fields::check(model, doc));
    out.extend(git::check(model, doc));
    out.extend(image::check(model, doc));
    out.extend(publish::check(model, doc));
    out.extend(gitops::check(model, doc));
    out.extend(previews::check(model, doc));
    out.extend(required::check(model, doc));
    out.extend(resources::check(model, doc));
    out.extend(chart_values::check(model, doc));
    // Rules run per environment; a finding in a shared section is reported once.
    out.sort();
    out.0.dedup();
    out
}
