//! platc: compiles one typed `platform.yaml` into the files that Helm, Argo CD and the image build consume.
//!
//! The pipeline runs one way: [`load`] → [`validate`] → [`resolve`] → [`render`] → [`emit`].

pub mod airflow;
pub mod naming;
