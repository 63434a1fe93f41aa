//! Rule family `celery-*`: the CeleryExecutor's Redis and workers, as GitOps needs them.

use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::load::Document;
use crate::resolve::Model;
use crate::spec::Executor;
use crate::validate::origin::Origin;

/// Checks every environment's executor against its Celery settings.
pub fn check(model: &Model, doc: &Document) -> Diagnostics {
    let mut out = Diagnostics::default();
    for env in &model.environments {
        let at = Origin::new(doc, &env.name);
        let celery = env.airflow.executor == Executor::CeleryExecutor;
        if celery {
            let missing: Vec<&str> = [
                ("redisPassword", env.secrets.redis_password.is_none()),
                ("brokerUrl", env.secrets.broker_url.is_none()),
            ]
            .into_iter()
            .filter_map(|(name, missing)| missing.then_some(name))
            .collect();
            if !missing.is_empty() {
                out.push(
                    Diagnostic::error(
                        "celery-secrets",
                        format!(
                            "environment `{}` runs the CeleryExecutor without `secrets.{}`",
                            env.name,
                            missing.join("` and `secrets.")
                        ),
                    )
                    .at(at.value("/airflow/executor"))
                    .help("name the Secrets that hold Redis's password (key `password`) and the broker URL (key `connection`): the chart generates new ones on every Argo CD sync otherwise"),
                );
            }
        }
        let Some(workers) = &env.airflow.celery else {
            continue;
        };
        if !celery {
            out.push(
                Diagnostic::error(
                    "celery-workers",
                    format!(
                        "environment `{}` sets `airflow.celery` but runs the {}",
                        env.name,
                        env.airflow.executor.as_str()
                    ),
                )
                .at(at.key("/airflow/celery"))
                .help("remove `airflow.celery`, or set `executor: CeleryExecutor`"),
            );
        }
        if let Some(range) = &workers.autoscaling {
            let problem = if range.min > range.max {
                Some(format!("`min` {} is above `max` {}", range.min, range.max))
            } else if workers.replicas.is_some() {
                Some(
                    "both `replicas` and `autoscaling` are set; KEDA would override `replicas`"
                        .to_owned(),
                )
            } else {
                None
            };
            if let Some(problem) = problem {
                out.push(
                    Diagnostic::error(
                        "celery-workers",
                        format!("environment `{}`: {problem}", env.name),
                    )
                    .at(at.key("/airflow/celery/autoscaling"))
                    .help("a fixed `replicas`, or an `autoscaling` range with `min` ≤ `max`"),
                );
            }
        }
    }
    out
}
