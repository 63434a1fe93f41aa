//! The front end shared by every command: load, validate, resolve, and the semantic rules.

use std::path::Path;

use crate::diagnostic::Diagnostics;
use crate::load::{self, Document};
use crate::resolve::{self, Model};
use crate::spec::Spec;
use crate::validate;

/// A spec that passed every check, with the warnings it raised.
#[derive(Debug)]
pub struct FrontEnd {
    /// The loaded document, for places.
    pub doc: Document,
    /// The typed spec.
    pub spec: Spec,
    /// Every environment resolved.
    pub model: Model,
    /// Warnings (no errors).
    pub warnings: Diagnostics,
}

/// Why the front end stopped.
#[derive(Debug)]
pub struct Failure {
    /// What went wrong.
    pub diagnostics: Diagnostics,
    /// The source the diagnostics point into, when it was read.
    pub source: Option<String>,
    /// An I/O problem (exit 2) rather than an invalid spec (exit 1).
    pub io: bool,
}

impl Failure {
    /// A failure to read or write files.
    pub fn io(d: crate::diagnostic::Diagnostic) -> Self {
        Failure {
            diagnostics: d.into(),
            source: None,
            io: true,
        }
    }
}

/// Loads, validates and resolves the spec at `path`.
pub fn front_end(path: &Path) -> Result<FrontEnd, Failure> {
    let doc = match load::load_file(path) {
        Ok(doc) => doc,
        Err(d) if d.code == "E001" => return Err(Failure::io(d)),
        Err(d) => {
            let source = std::fs::read(path)
                .ok()
                .map(|b| String::from_utf8_lossy(&b).into_owned());
            return Err(Failure {
                diagnostics: d.into(),
                source,
                io: false,
            });
        }
    };
    front_end_doc(doc)
}

/// Validates and resolves an already loaded document.
pub fn front_end_doc(doc: Document) -> Result<FrontEnd, Failure> {
    let fail = |diagnostics: Diagnostics, doc: &Document| Failure {
        diagnostics,
        source: Some(doc.text.clone()),
        io: false,
    };
    let (spec, mut diagnostics) = match validate::validate(&doc) {
        Ok(ok) => ok,
        Err(d) => return Err(fail(d, &doc)),
    };
    let model = match resolve::resolve(&spec, &doc) {
        Ok(m) => m,
        Err(d) => return Err(fail(d, &doc)),
    };
    diagnostics.extend(validate::rules(&model, &doc));
    diagnostics.sort();
    if diagnostics.has_errors() {
        return Err(fail(diagnostics, &doc));
    }
    Ok(FrontEnd {
        doc,
        spec,
        model,
        warnings: diagnostics,
    })
}
