//! Cluster extras per environment: namespace, Cloud SQL Auth Proxy, service account, kustomization.

use serde_json::Value;

use crate::resolve::{Model, ResolvedEnvironment};

/// Every extra manifest of one environment, by output path.
pub fn render(_model: &Model, _env: &ResolvedEnvironment) -> Vec<(String, Value)> {
    Vec::new()
}
