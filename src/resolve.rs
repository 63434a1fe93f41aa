//! Resolve: each environment's overrides merged over the shared sections, into a fully specified model.
//!
//! Merge rules: mappings merge key by key, all the way down; lists and scalars replace what they
//! override; `null` removes the inherited value (for example `logging: null` turns remote logging
//! off in one environment). The result names every setting, so render never looks anywhere else.

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::load::{Document, escape_pointer};
use crate::spec::{
    Airflow, ArgoCd, Cloud, Dags, DataAccess, Database, EnvClass, Environment, GitOps, Helm, Image,
    Ingress, Logging, Monitoring, Notifications, Platform, Preview, Secrets, Spec,
};

/// The whole platform, every environment fully specified.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Model {
    /// Name and domain.
    pub platform: Platform,
    /// The cloud every environment runs in.
    pub cloud: Cloud,
    /// The one image all environments run.
    pub image: Image,
    /// The GitOps repository.
    pub gitops: GitOps,
    /// Argo CD settings.
    pub argocd: ArgoCd,
    /// Environments in spec order.
    pub environments: Vec<ResolvedEnvironment>,
}

/// One environment with nothing left to inherit.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ResolvedEnvironment {
    /// Name as in the spec.
    pub name: String,
    /// Isolation class.
    pub class: EnvClass,
    /// The platform's cloud, which this environment's identity, buckets and database belong to.
    pub cloud: Cloud,
    /// Long-lived on one branch, or one per branch.
    pub lifecycle: Lifecycle,
    /// Argo CD destination cluster.
    pub cluster: String,
    /// Namespace, or namespace prefix for previews.
    pub namespace: String,
    /// Cloud project.
    pub cloud_project: String,
    /// Cloud service account for workload identity.
    pub service_account: String,
    /// Host of the UI.
    pub host: String,
    /// Access to production data.
    pub production_data: Access,
    /// Whether this environment requires pinned requirements.
    pub pin_requirements: bool,
    /// The metadata database.
    pub database: Database,
    /// Airflow, with the environment's overrides.
    pub airflow: Airflow,
    /// The DAG repository.
    pub dags: Dags,
    /// Remote logging, if on.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub logging: Option<Logging>,
    /// Secret names.
    pub secrets: Secrets,
    /// Notifications, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notifications: Option<Notifications>,
    /// How the UI is exposed.
    pub ingress: Ingress,
    /// Metrics, dashboards and alerts, if on.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub monitoring: Option<Monitoring>,
    /// Chart values platc does not model, shared values with this environment's merged over.
    #[serde(skip_serializing_if = "crate::resolve::helm_is_empty")]
    pub helm: Helm,
}

fn helm_is_empty(helm: &Helm) -> bool {
    helm.values.is_empty()
}

/// How long an environment lives.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Lifecycle {
    /// Always there, following one branch.
    LongLived {
        /// The branch git-sync follows.
        branch: String,
    },
    /// Created per matching branch and deleted with it.
    Preview(Preview),
}

/// Access to production data after resolution: prod writes, dev reads at most.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Access {
    /// Full access: only prod environments.
    ReadWrite,
    /// Read only.
    ReadOnly,
    /// None.
    None,
}

impl ResolvedEnvironment {
    /// Whether this environment is created per branch.
    pub fn is_preview(&self) -> bool {
        matches!(self.lifecycle, Lifecycle::Preview(_))
    }
}

/// Resolves every environment; all problems are reported together.
pub fn resolve(spec: &Spec, doc: &Document) -> Result<Model, Diagnostics> {
    let mut diagnostics = Diagnostics::default();
    let shared = match serde_json::to_value(spec) {
        Ok(v) => v,
        Err(e) => return Err(Diagnostic::error("E099", format!("internal error: {e}")).into()),
    };
    let mut environments = Vec::new();
    for (name, env) in &spec.environments {
        match resolve_env(name, env, spec.cloud, &shared, doc) {
            Ok(env) => environments.push(env),
            Err(d) => diagnostics.extend(d),
        }
    }
    if diagnostics.has_errors() {
        return Err(diagnostics);
    }
    Ok(Model {
        platform: spec.platform.clone(),
        cloud: spec.cloud,
        image: spec.image.clone(),
        gitops: spec.gitops.clone(),
        argocd: spec.argocd.clone(),
        environments,
    })
}

fn resolve_env(
    name: &str,
    env: &Environment,
    cloud: Cloud,
    shared: &Value,
    doc: &Document,
) -> Result<ResolvedEnvironment, Diagnostics> {
    let base = format!("/environments/{}", escape_pointer(name));
    let mut diagnostics = Diagnostics::default();
    let section = |key: &str, over: &Option<Value>| -> Value {
        let mut value = shared.get(key).cloned().unwrap_or(Value::Null);
        if let Some(o) = over {
            merge(&mut value, o);
        }
        value
    };
    let airflow = section("airflow", &env.airflow);
    let dags = section("dags", &env.dags);
    let logging = section("logging", &env.logging);
    let secrets = section("secrets", &env.secrets);
    let notifications = section("notifications", &env.notifications);
    let ingress = section("ingress", &env.ingress);
    let helm = section("helm", &env.helm);
    let airflow = typed::<Airflow>(airflow, &format!("{base}/airflow"), doc, &mut diagnostics);
    let dags = typed::<Dags>(dags, &format!("{base}/dags"), doc, &mut diagnostics);
    let logging =
        typed::<Option<Logging>>(logging, &format!("{base}/logging"), doc, &mut diagnostics);
    let secrets = typed::<Secrets>(secrets, &format!("{base}/secrets"), doc, &mut diagnostics);
    let notifications = typed::<Option<Notifications>>(
        notifications,
        &format!("{base}/notifications"),
        doc,
        &mut diagnostics,
    );
    let ingress =
        typed::<Option<Ingress>>(ingress, &format!("{base}/ingress"), doc, &mut diagnostics);
    let helm = typed::<Option<Helm>>(helm, &format!("{base}/helm"), doc, &mut diagnostics);
    let monitoring = typed::<Option<Monitoring>>(
        section("monitoring", &env.monitoring),
        &format!("{base}/monitoring"),
        doc,
        &mut diagnostics,
    );
    let lifecycle = match (&env.preview, &env.branch) {
        (Some(preview), None) => Lifecycle::Preview(preview.clone()),
        (None, branch) => Lifecycle::LongLived {
            branch: branch.clone().unwrap_or_else(|| "main".to_owned()),
        },
        (Some(_), Some(_)) => {
            diagnostics.push(
                Diagnostic::error("E030", format!("environment `{name}` has both `branch` and `preview`"))
                    .at(doc.key_place(&format!("{base}/branch")))
                    .help("a preview environment follows each matching branch; remove `branch`, or remove `preview` for a long-lived one"),
            );
            Lifecycle::LongLived {
                branch: String::new(),
            }
        }
    };
    let production_data = match (env.class, env.production_data) {
        (EnvClass::Prod, _) => Access::ReadWrite,
        (EnvClass::Dev, Some(DataAccess::ReadOnly)) => Access::ReadOnly,
        (EnvClass::Dev, _) => Access::None,
    };
    match (
        airflow,
        dags,
        logging,
        secrets,
        notifications,
        ingress,
        monitoring,
    ) {
        (
            Some(airflow),
            Some(dags),
            Some(logging),
            Some(secrets),
            Some(notifications),
            Some(ingress),
            Some(monitoring),
        ) if !diagnostics.has_errors() => Ok(ResolvedEnvironment {
            name: name.to_owned(),
            class: env.class,
            cloud,
            lifecycle,
            cluster: env.cluster.clone(),
            namespace: env.namespace.clone(),
            cloud_project: env.cloud_project.clone(),
            service_account: env.service_account.clone(),
            host: env.host.clone(),
            production_data,
            pin_requirements: env.pin_requirements.unwrap_or(env.preview.is_none()),
            database: env.database.clone(),
            airflow,
            dags,
            logging,
            secrets,
            notifications,
            ingress: ingress.unwrap_or_default(),
            helm: helm.flatten().unwrap_or_default(),
            monitoring,
        }),
        _ => Err(diagnostics),
    }
}

fn typed<T: DeserializeOwned>(
    value: Value,
    pointer: &str,
    doc: &Document,
    out: &mut Diagnostics,
) -> Option<T> {
    match serde_json::from_value(value) {
        Ok(v) => Some(v),
        Err(e) => {
            out.push(
                Diagnostic::error("E031", format!("after merging the overrides, this section is incomplete: {e}"))
                    .at(doc.key_place(pointer))
                    .help("an override of `null` removes the inherited value; give the section its required fields"),
            );
            None
        }
    }
}

/// Merges `over` into `base`: mappings key by key, `null` removes, anything else replaces.
pub fn merge(base: &mut Value, over: &Value) {
    match (base, over) {
        (Value::Object(b), Value::Object(o)) => {
            for (key, value) in o {
                if value.is_null() {
                    b.shift_remove(key);
                } else if let Some(slot) = b.get_mut(key) {
                    merge(slot, value);
                } else {
                    b.insert(key.clone(), value.clone());
                }
            }
        }
        (slot, value) => *slot = value.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn maps_merge_lists_replace_null_removes() {
        let mut base = json!({"a": {"x": 1, "y": 2}, "l": [1, 2], "s": "keep", "gone": 1});
        merge(
            &mut base,
            &json!({"a": {"y": 3, "z": 4}, "l": [9], "gone": null}),
        );
        assert_eq!(
            base,
            json!({"a": {"x": 1, "y": 3, "z": 4}, "l": [9], "s": "keep"})
        );
    }

    #[test]
    fn null_over_a_whole_section_turns_it_off() {
        let mut base = json!({"remote": "gs://x", "connection": "c"});
        merge(&mut base, &Value::Null);
        assert_eq!(base, Value::Null);
    }
}
