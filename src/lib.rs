//! platc: compiles one typed `platform.yaml` into the files that Helm, Argo CD and the image build consume.
//!
//! The pipeline runs one way: [`load`] → [`validate`] → [`resolve`] → render → emit.
//! [`pipeline`] strings the front end together; [`cli`] is the command line on top.

// Diagnostics are the error type of every stage; they travel on cold paths, so their size is fine.
#![allow(clippy::result_large_err)]

pub mod airflow;
pub mod charts;
pub mod cli;
pub mod cloud;
pub mod dag;
pub mod diagnostic;
pub mod emit;
pub mod encode;
pub mod init;
pub mod input_file;
pub mod load;
pub mod naming;
pub mod parallel;
pub mod pipeline;
pub mod render;
pub mod report;
pub mod resolve;
pub mod rightsize;
pub mod rules_doc;
pub mod schema;
pub mod secret;
pub mod spec;
pub mod suggest;
pub mod upgrade;
pub mod validate;
pub mod yaml;
