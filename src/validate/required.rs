//! Rules `secret-missing`, `override-airflow-version` and `logging-off`: settings that only look optional.

use crate::airflow::AirflowVersion;
use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::load::Document;
use crate::resolve::Model;
use crate::spec::{EnvClass, Executor};
use crate::validate::origin::Origin;

/// Checks every environment.
pub fn check(model: &Model, doc: &Document) -> Diagnostics {
    let mut out = Diagnostics::default();
    for env in &model.environments {
        let at = Origin::new(doc, &env.name);
        let own_version = at.own("/airflow/version");
        if doc.source_of(&own_version).is_some() {
            out.push(
                Diagnostic::error("override-airflow-version", format!("environment `{}` overrides `airflow.version`", env.name))
                    .at(doc.value_place(&own_version))
                    .help("every environment runs the one image built from `image`; change the shared `airflow.version` instead"),
            );
        }
        let airflow3 = AirflowVersion::parse(&env.airflow.version).is_ok_and(|v| v.major >= 3);
        if airflow3 && env.secrets.jwt_secret.is_none() {
            out.push(
                Diagnostic::error("secret-missing", "Airflow 3 needs a JWT secret")
                    .at(at.key("/secrets"))
                    .help("add `jwtSecret: <Secret name>` (key `jwt-secret`): without it the chart generates a new one on every render, which under Argo CD means on every sync"),
            );
        }
        if env.class == EnvClass::Prod
            && env.logging.is_none()
            && env.airflow.executor == Executor::KubernetesExecutor
        {
            out.push(
                Diagnostic::warning("logging-off", format!("prod environment `{}` keeps task logs only in worker pods", env.name))
                    .at(doc.key_place(&at.own("")))
                    .help("with the KubernetesExecutor each worker pod is deleted after its task, and its logs with it: set `logging.remote`"),
            );
        }
    }
    out
}
