//! Where a resolved setting came from: the environment's override or the shared section.

use crate::diagnostic::Place;
use crate::load::{Document, escape_pointer};

/// Finds places for settings of one environment.
pub struct Origin<'a> {
    doc: &'a Document,
    env: String,
}

impl<'a> Origin<'a> {
    /// Places for environment `env`.
    pub fn new(doc: &'a Document, env: &str) -> Self {
        Origin {
            doc,
            env: format!("/environments/{}", escape_pointer(env)),
        }
    }

    /// The pointer of `rel` (like `/airflow/config/core`): the override when the environment has one.
    pub fn pointer(&self, rel: &str) -> String {
        let own = format!("{}{rel}", self.env);
        if self.doc.source_of(&own).is_some() {
            own
        } else {
            rel.to_owned()
        }
    }

    /// The pointer of a field of the environment itself (like `/namespace`).
    pub fn own(&self, rel: &str) -> String {
        format!("{}{rel}", self.env)
    }

    /// The place of the value of `rel`.
    pub fn value(&self, rel: &str) -> Option<Place> {
        self.doc.value_place(&self.pointer(rel))
    }

    /// The place of the key of `rel`.
    pub fn key(&self, rel: &str) -> Option<Place> {
        self.doc.key_place(&self.pointer(rel))
    }
}
