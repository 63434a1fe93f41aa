//! `platc rightsize`: measured CPU and memory use, read from Prometheus, turned into reviewed
//! changes of `airflow.resources` — per component, and per task for KubernetesExecutor worker pods.
//!
//! [`query`] asks Prometheus, [`recommend`] applies the documented algorithm, [`plan`] pairs each
//! recommendation with the request in force, [`write`] edits `platform.yaml` keeping its comments,
//! [`report`] prints the table, markdown or JSON. `docs/rightsize.md` explains the algorithm.

pub mod plan;
pub mod quantity;
pub mod query;
pub mod recommend;
pub mod report;
pub mod settings;
pub mod write;

pub use settings::Settings;
