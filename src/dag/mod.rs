//! DAG authoring: scaffold new DAG files and check the DAG repository against the conventions.
//!
//! The conventions are `dags.conventions` in the spec. Python is read with tree-sitter and never
//! executed: [`python`] turns a file into facts, [`check`] holds the rules, [`scaffold`] writes
//! new files, and [`repo`] finds the files of a DAG repository checkout.

pub mod check;
pub mod imports;
pub mod pattern;
pub mod python;
pub mod repo;
pub mod scaffold;
pub mod schedule;
pub mod source;
