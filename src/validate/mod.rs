//! Validate: first the JSON Schema, then the semantic rules, each family in its own file.
//!
//! Validation never stops at the first problem: it returns every diagnostic it found.

mod schema;

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
pub fn rules(_spec: &Spec, _model: &crate::resolve::Model, _doc: &Document) -> Diagnostics {
    Diagnostics::default()
}
